"""Execute the tutorials (``docs/tutorials/*.py``, jupytext percent scripts) as notebooks.

Each tutorial runs from a clean kernel in a folder of its own, cell by cell; the first cell that
raises stops it, and the run fails with one line naming the tutorial, the cell and the error.
The executed notebooks (outputs and figures included) are written to ``--out``, where the
documentation site reads them; each records the hash of its source and of the package, so
``--reuse`` skips a tutorial whose executed notebook is current (the CI's slow step executes
them, then ``make docs`` renders them without running them twice).

    python tools/tutorials.py run [NAME ...] [--out docs/_build/tutorials] [--reuse]
        [--timeout 300]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "docs" / "tutorials"
DEFAULT_OUT = ROOT / "docs" / "tutorials" / "executed"


class TutorialError(RuntimeError):
    """A tutorial's cell raised, or the tutorial ran past its time."""


@dataclass
class Run:
    name: str
    seconds: float
    notebook: Path
    reused: bool


def tutorials(source: Path = SOURCE) -> list[Path]:
    """The tutorial sources, in their order (the file names start with their number)."""
    return sorted(source.glob("[0-9][0-9]_*.py"))


def source_hash(path: Path) -> str:
    """The hash of a tutorial and of every file of the package it runs: an executed notebook with
    the same hash is current."""
    h = hashlib.sha256(path.read_bytes())
    for f in sorted((ROOT / "src" / "matterlearn").rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def _first_error(nb: object) -> tuple[int, str]:
    for k, cell in enumerate(nb.cells):  # type: ignore[attr-defined]
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return k, f"{out.get('ename')}: {out.get('evalue')}"
    return -1, ""


def _keep_failed(nb: object, out_dir: Path, path: Path) -> Path:
    """Write what a failed run executed, with its outputs and cell timings, beside the good ones."""
    import nbformat

    failed = out_dir / (path.stem + ".failed.ipynb")
    nbformat.write(nb, failed)
    return failed


def execute(path: Path, out_dir: Path, timeout: float = 300.0, reuse: bool = False) -> Run:
    """Run one tutorial from a clean kernel; write the executed notebook to ``out_dir``.

    Raises :class:`TutorialError` naming the tutorial and the failing cell (its number among
    the notebook's cells, from 1, and its first line) when a cell raises, or when the whole tutorial
    runs past ``timeout`` seconds.
    """
    import jupytext
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (path.stem + ".ipynb")
    digest = source_hash(path)
    if reuse and target.exists():
        old = nbformat.read(target, as_version=4)
        if old.metadata.get("matterlearn", {}).get("source_hash") == digest:
            return Run(path.stem, float(old.metadata["matterlearn"]["seconds"]), target, True)
    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    env_bin = str(Path(sys.executable).parent)
    os.environ["PATH"] = env_bin + os.pathsep + os.environ.get("PATH", "")  # the kernel finds `matterlearn`
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # `!matterlearn ...` runs on a pseudo-terminal (and ipykernel sets TERM=xterm-color): plain
    # progress lines, no live bars or colours
    os.environ["TTY_INTERACTIVE"] = "0"
    os.environ["NO_COLOR"] = "1"
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"tutorial-{path.stem}-") as work:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": work}})
        deadline = start + timeout
        try:
            with client.setup_kernel():
                for k, cell in enumerate(nb.cells):
                    if time.perf_counter() > deadline:
                        raise TutorialError(f"{path.name}: ran past {timeout:.0f} s at cell {k + 1} of {len(nb.cells)}")
                    client.execute_cell(cell, k)
        except CellExecutionError:
            k, message = _first_error(nb)
            first = nb.cells[k].source.splitlines()[0] if k >= 0 and nb.cells[k].source else ""
            raise TutorialError(f"{path.name}: cell {k + 1} of {len(nb.cells)} ({first!r}) raised {message} "
                                f"(the cells so far: {_keep_failed(nb, out_dir, path)})") from None
        except (CellTimeoutError, DeadKernelError) as exc:
            raise TutorialError(f"{path.name}: {type(exc).__name__}: {exc}") from None
        except TutorialError as exc:
            raise TutorialError(f"{exc} (the cells so far: {_keep_failed(nb, out_dir, path)})") from None
    seconds = time.perf_counter() - start
    # what a kernel reports of itself (nbclient's own execute() stores it): code cells with
    # `!` commands are highlighted as IPython, not as invalid Python
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3",
                                    "codemirror_mode": {"name": "ipython", "version": 3},
                                    "file_extension": ".py", "mimetype": "text/x-python",
                                    "version": sys.version.split()[0]}
    nb.metadata["matterlearn"] = {"source_hash": digest, "seconds": round(seconds, 1)}
    tmp = target.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(target)
    return Run(path.stem, seconds, target, False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute tutorials into notebooks")
    run.add_argument("names", nargs="*", help="tutorial names (file stems); all when none")
    run.add_argument("--out", type=Path, default=DEFAULT_OUT)
    run.add_argument("--reuse", action="store_true", help="skip tutorials whose notebook is current")
    run.add_argument("--timeout", type=float, default=300.0, help="seconds per tutorial")
    run.add_argument("--source", type=Path, default=SOURCE, help="folder of the tutorial scripts")
    args = parser.parse_args(argv)
    paths = tutorials(args.source)
    if not paths:
        print(f"error: no tutorials (NN_name.py) in {args.source}", file=sys.stderr)
        return 2
    if args.names:
        known = {p.stem: p for p in paths}
        missing = [n for n in args.names if n not in known]
        if missing:
            print(f"error: no tutorial {', '.join(missing)} in {args.source} "
                  f"(there are: {', '.join(known)})", file=sys.stderr)
            return 2
        paths = [known[n] for n in args.names]
    for path in paths:
        try:
            r = execute(path, args.out, args.timeout, args.reuse)
        except TutorialError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        note = "current, not rerun" if r.reused else f"{r.seconds:.0f} s"
        print(f"{r.name}: {note} -> {r.notebook}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
