"""The API reference and the command-line reference of the site, generated at every build.

``API_MODULES`` are the public modules; each gets a page listing every name of its ``__all__``,
and each name gets a page of its own under the module that defines it. ``tools/check_docs.py``
checks the built site against the same list.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent

# The public modules: each gets a reference page listing every name of its __all__.
API_MODULES = [
    "matterlearn", "matterlearn.data", "matterlearn.datasets", "matterlearn.features",
    "matterlearn.regress", "matterlearn.ce", "matterlearn.mc", "matterlearn.mlip",
    "matterlearn.mlip.mtp", "matterlearn.mlip.nequip", "matterlearn.mlip.snap",
    "matterlearn.workflows", "matterlearn.report", "matterlearn.testing", "matterlearn.errors",
    "matterlearn.cli", "matterlearn.demo", "matterlearn.data.splits",
]


def package_modules() -> list[str]:
    """Every public module of the package: no part of its dotted name starts with ``_``."""
    import pkgutil

    import matterlearn

    found = ["matterlearn"]
    for info in pkgutil.walk_packages(matterlearn.__path__, "matterlearn."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            found.append(info.name)
    return sorted(found)


def public_names(module: str) -> list[str]:
    """The names a public module exports (its ``__all__``)."""
    mod = importlib.import_module(module)
    names = getattr(mod, "__all__", None)
    if names is None:
        raise RuntimeError(f"{module} has no __all__: its public names cannot be listed")
    return [n for n in names if not n.startswith("__")]


def home(module: str, name: str) -> str:
    """The public module whose page documents ``module.name``: the one its object is defined
    under (``matterlearn.mlip.MomentTensorPotential`` lives in ``matterlearn.mlip.mtp``), so a
    re-exported object has one page, not two."""
    obj = getattr(importlib.import_module(module), name)
    defined = getattr(obj, "__module__", None) if callable(obj) or isinstance(obj, type) else None
    if not isinstance(defined, str):
        return module
    owners = [m for m in API_MODULES if (defined == m or defined.startswith(m + "."))
              and name in public_names(m)]
    return max(owners, key=len) if owners else module


def write_api_pages() -> None:
    """docs/api/<module>.rst for every public module, and docs/api/index.rst."""
    import shutil

    api = DOCS / "api"
    shutil.rmtree(api / "generated", ignore_errors=True)  # autosummary writes it afresh: no stale pages
    api.mkdir(exist_ok=True)
    index = ["API reference", "=============", "",
             "Every public name of every public module, from its numpydoc docstring.", "",
             ".. toctree::", "   :maxdepth: 1", ""]
    for module in API_MODULES:
        everything = public_names(module)
        names = [n for n in everything if home(module, n) == module]
        elsewhere = [n for n in everything if n not in names]
        title = f"``{module}``"
        lines = [title, "=" * len(title), "", f".. automodule:: {module}", "   :no-members:", "",
                 f".. currentmodule:: {module}", ""]
        if names:
            lines += [".. autosummary::", "   :toctree: generated", "", *[f"   {n}" for n in names], ""]
        if elsewhere:
            lines += ["Also here, documented where they are defined:", ""]
            lines += [f"- :py:obj:`{module}.{n} <{home(module, n)}.{n}>`" for n in elsewhere] + [""]
        page = api / f"{module}.rst"
        text = "\n".join(lines)
        if not page.exists() or page.read_text() != text:
            page.write_text(text)
        index.append(f"   {module}")
    text = "\n".join(index) + "\n"
    if not (api / "index.rst").exists() or (api / "index.rst").read_text() != text:
        (api / "index.rst").write_text(text)


def write_cli_page() -> None:
    """docs/cli.md: every command, its arguments and options, from the typer app itself."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cli.md"
        subprocess.run([sys.executable, "-m", "typer", "matterlearn.cli", "utils", "docs",
                        "--name", "matterlearn", "--output", str(out)],
                       check=True, capture_output=True, text=True)
        lines = out.read_text().splitlines()
    lines[0] = "# Command-line reference: `matterlearn`"
    text = "\n".join(lines) + "\n"
    page = DOCS / "cli.md"
    if not page.exists() or page.read_text() != text:
        page.write_text(text)
