"""A self-contained HTML report: text, tables and figures embedded as PNG data."""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from ..data._atomic import atomic_write_text

__all__ = ["HTMLReport", "new_figure"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #345;padding-bottom:.2em}h2{margin-top:2em;color:#234}
table{border-collapse:collapse;margin:1em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}th{background:#eef2f6}
td:first-child,th:first-child{text-align:left}
figure{margin:1.2em 0}figcaption{font-size:.9em;color:#555}img{max-width:100%}
.note{background:#f6f8fa;border-left:4px solid #89a;padding:.5em 1em}
.warn{background:#fff6e5;border-left:4px solid #e9a13b;padding:.5em 1em}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;font-size:.85em}
"""


def new_figure(width: float = 6.4, height: float = 4.0) -> Any:
    """A matplotlib Figure not tied to pyplot's global state (safe in threads and tests)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


class HTMLReport:
    """Build a report section by section, then :meth:`write` it atomically.

    Parameters
    ----------
    title : str
        Title of the page.
    """

    def __init__(self, title: str, toc: bool = False) -> None:
        self.title = title
        self.toc = toc
        self._parts: list[str] = []
        self._sections: list[tuple[str, str]] = []

    def heading(self, text: str, level: int = 2) -> str:
        """A section heading with an anchor (its id, returned); level-2 headings make the table of
        contents."""
        import re

        base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
        anchor, n = base, 2
        taken = {a for a, _ in self._sections}
        while anchor in taken:
            anchor, n = f"{base}-{n}", n + 1
        self._sections.append((anchor, text if level == 2 else ""))
        self._parts.append(f'<h{level} id="{anchor}">{html.escape(text)}</h{level}>')
        return anchor

    def paragraph(self, text: str, kind: str = "") -> None:
        """A paragraph; ``kind`` is ``""``, ``"note"`` or ``"warn"``."""
        cls = f' class="{kind}"' if kind else ""
        self._parts.append(f"<p{cls}>{html.escape(text)}</p>")

    def code(self, text: str) -> None:
        self._parts.append(f"<pre>{html.escape(text)}</pre>")

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """A table; floats are shown with 4 significant digits."""
        def cell(v: Any) -> str:
            if isinstance(v, float):
                return html.escape(f"{v:.4g}")
            return html.escape(str(v))

        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                       for row in rows)
        self._parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def figure(self, fig: Any, caption: str) -> None:
        """Embed a matplotlib figure as a PNG data URI."""
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        self._parts.append(
            f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    def to_html(self) -> str:
        from .. import __version__

        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        nav = ""
        if self.toc:
            items = "".join(f'<li><a href="#{a}">{html.escape(t)}</a></li>'
                            for a, t in self._sections if t)
            nav = f'<nav id="contents"><h2>Contents</h2><ol>{items}</ol></nav>'
        return (
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{html.escape(self.title)}</h1>"
            f"<p class=\"note\">matterlearn {__version__}, generated {stamp}.</p>"
            + nav + "\n".join(self._parts) + "</body></html>"
        )

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the page atomically."""
        atomic_write_text(path, self.to_html())
