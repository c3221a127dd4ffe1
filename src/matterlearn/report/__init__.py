"""Reports: figures and a self-contained HTML page."""

from ._ce import (
    ce_fit_report,
    ce_hull_report,
    eci_figure,
    hull_figure,
    mc_scan_figure,
    parity_figure,
    phase_diagram_figure,
)
from ._html import HTMLReport, new_figure
from ._mlip import md_figure, mlip_parity_figure
from ._regress import regress_report, screening_figure

__all__ = [
    "HTMLReport",
    "ce_fit_report",
    "ce_hull_report",
    "eci_figure",
    "hull_figure",
    "mc_scan_figure",
    "md_figure",
    "mlip_parity_figure",
    "new_figure",
    "parity_figure",
    "phase_diagram_figure",
    "regress_report",
    "screening_figure",
]
