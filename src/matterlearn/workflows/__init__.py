"""Workflows across the pillars, built on their public APIs and the shared data model.

``phase_diagram_workflow``: from an energy calculator (the oracle) to a machine-learned
potential, a cluster expansion, ground states, order-disorder temperatures and a
temperature-composition phase diagram, in one resumable run with one report.
"""

from ._phase_diagram import STAGES, phase_diagram_workflow
from ._report import phase_diagram_plot
from ._settings import WorkflowSettings

__all__ = ["STAGES", "WorkflowSettings", "phase_diagram_plot", "phase_diagram_workflow"]
