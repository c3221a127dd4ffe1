"""Sphinx configuration of the matterlearn documentation site (`make docs`).

Built offline, with warnings as errors. The tutorials are rendered from the notebooks that
``tools/tutorials.py`` executed (``docs/tutorials/executed/``), never re-run here; the API
reference is generated from each subpackage's ``__all__`` at every build, so a new public name
always gets its page.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matterlearn  # installed (editable) by `make install`

DOCS = Path(__file__).resolve().parent

sys.path.insert(0, str(DOCS))
import apiref

apiref.write_api_pages()
apiref.write_cli_page()

project = "matterlearn"
author = "The matterlearn developers"
copyright = "2026, the matterlearn developers"
release = matterlearn.__version__
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]
exclude_patterns = ["_build", "tutorials/*.py", "tutorials/executed/*.failed.ipynb", "**/.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# notebooks: rendered with the outputs tools/tutorials.py stored (it executes them, the slow
# CI step checks them); a notebook without outputs is an error, never silently re-run
nb_execution_mode = "off"
nb_output_stderr = "remove"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

autosummary_generate = True
templates_path = ["_templates"]
# scikit-learn adds set_*_request methods to every estimator; they are its API, not ours
autodoc_default_options = {
    "members": True, "show-inheritance": True, "undoc-members": False,
    "exclude-members": "set_fit_request,set_predict_request,set_score_request,set_transform_request,"
                       "set_partial_fit_request,set_output",
}
# types in the signature; the numpydoc sections already describe each parameter (a second,
# generated parameter list would repeat them)
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_member_order = "bysource"
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
# numpydoc types such as "numpy.ndarray, shape (n, 3)" are prose, not cross-references; and
# attributes as fields, since autodoc documents a dataclass's fields itself
napoleon_use_param = False
napoleon_use_ivar = True

html_theme = "furo"
html_title = f"matterlearn {release}"
html_static_path: list[str] = []
html_show_sourcelink = False




def _attribute_comment(name: str, obj: object) -> list[str] | None:
    """The ``#:`` comment above the assignment of a module-level constant, from whichever of the
    package's modules defines it (autodoc looks only in the re-exporting module)."""
    from sphinx.errors import PycodeError
    from sphinx.pycode import ModuleAnalyzer

    for modname, mod in sorted(sys.modules.items()):
        if not modname.startswith("matterlearn") or getattr(mod, name, None) is not obj:
            continue
        try:
            docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except PycodeError:  # a module without source: no comments to read
            continue
        if ("", name) in docs:
            return list(docs[("", name)])
    return None


def constant_docstrings(app, what, name, obj, options, lines) -> None:
    """A constant (a tuple, a dict, a typer app) shows its own ``#:`` comment, never the
    docstring of its type."""
    if what not in ("data", "attribute"):
        return
    comment = _attribute_comment(name.rsplit(".", 1)[-1], obj)
    type_doc = (type(obj).__doc__ or "").strip()
    if comment is not None:
        lines[:] = comment
    elif type_doc and "\n".join(lines).strip() == type_doc:
        lines[:] = []


def field_types(app, what, name, obj, options, lines) -> None:
    """Attribute types (``:vartype x: numpy.ndarray, shape (n,)``) as prose beside the
    attribute, not as cross-references: numpydoc shapes are not names to link."""
    types = {}
    keep = []
    for line in lines:
        if line.startswith(":vartype "):
            field, _, text = line[len(":vartype "):].partition(":")
            types[field.strip()] = text.strip()
        else:
            keep.append(line)
    for i, line in enumerate(keep):
        if line.startswith(":ivar "):
            field, _, text = line[len(":ivar "):].partition(":")
            if field.strip() in types:
                keep[i] = f":ivar {field.strip()}: *({types[field.strip()]})* {text.strip()}"
    lines[:] = keep


# Links in the README (included by the how-to pages) point at repository paths; on the site they
# point at the pages that hold the same text.
README_LINKS = {
    "](docs/": "](/",
    "](src/matterlearn/datasets/_files/PROVENANCE.md)": "](/provenance.md)",
}


def readme_links(app, relative_path, parent_docname, content) -> None:
    if Path(relative_path).name != "README.md":
        return
    text = content[0]
    for old, new in README_LINKS.items():
        text = text.replace(old, new)
    content[0] = text


def setup(app) -> None:
    app.connect("autodoc-process-docstring", constant_docstrings)
    app.connect("autodoc-process-docstring", field_types, priority=600)  # after napoleon's
    app.connect("include-read", readme_links)

