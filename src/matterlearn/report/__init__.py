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
from ._regress import regress_report

__all__ = ["HTMLReport", "new_figure", "ce_fit_report", "ce_hull_report", "eci_figure",
           "hull_figure", "mc_scan_figure", "parity_figure",
           "phase_diagram_figure", "regress_report"]
