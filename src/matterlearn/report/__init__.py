"""Reports: figures and a self-contained HTML page."""

from ._html import HTMLReport, new_figure

__all__ = ["HTMLReport", "new_figure"]
