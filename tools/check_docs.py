"""Check a built documentation site: internal links resolve and every public name has a page.

    python tools/check_docs.py docs/_build/html

1. Every ``href`` and ``src`` of every HTML page that points inside the site names a file that
   exists, and its ``#fragment``, if any, names an ``id`` on that page. Links that leave the site
   (``http:``, ``https:``, ``mailto:``) are listed by count, not fetched: the build is offline.
2. Every public module of the package (no part of its name starts with ``_``) is in the API
   reference (``API_MODULES`` in ``docs/apiref.py``), and every name in its ``__all__`` has its
   reference page, ``api/generated/<module>.<name>.html``, under the module that defines it.

Prints one line per problem and exits 1 when there is any.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value is None:
                continue
            if key in ("id", "name"):
                self.ids.add(value)
            elif key == "href" and tag in ("a", "link") or key == "src" and tag in ("img", "script"):
                self.links.append(value)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def broken_links(site: Path) -> tuple[list[str], int]:
    """Internal links of ``site`` that do not resolve, and the number of external links."""
    pages = {p.resolve(): _parse(p) for p in site.rglob("*.html")}
    problems: list[str] = []
    external = 0
    for path, page in sorted(pages.items()):
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                external += parts.scheme in ("http", "https", "mailto")
                continue
            target = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            where = path.relative_to(site.resolve())
            if not target.exists():
                problems.append(f"{where}: link to missing file '{link}'")
                continue
            if target.is_dir():
                target = target / "index.html"
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html":
                ids = pages[target.resolve()].ids if target.resolve() in pages else _parse(target).ids
                if fragment not in ids:
                    problems.append(f"{where}: link to missing anchor '{link}'")
    return problems, external


def missing_reference_pages(site: Path) -> list[str]:
    """Public names of the API modules without their reference page."""
    sys.path.insert(0, str(ROOT / "docs"))
    import apiref  # the public modules, and where each name lives

    missing = [f"{module}: a public module with no reference page (add it to API_MODULES in docs/apiref.py)"
               for module in apiref.package_modules() if module not in apiref.API_MODULES]
    for module in apiref.API_MODULES:
        for name in apiref.public_names(module):
            page = site / "api" / "generated" / f"{apiref.home(module, name)}.{name}.html"
            if not page.exists():
                missing.append(f"{module}.{name}: no reference page ({page.relative_to(site)})")
    return missing


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    site = Path(args[0]) if args else ROOT / "docs" / "_build" / "html"
    if not (site / "index.html").exists():
        print(f"error: no built site at '{site}' (run `make docs`)", file=sys.stderr)
        return 2
    problems, external = broken_links(site)
    problems += missing_reference_pages(site)
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    n_pages = sum(1 for _ in site.rglob("*.html"))
    print(f"{n_pages} pages: {len(problems)} problems; {external} external links (not fetched offline)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
