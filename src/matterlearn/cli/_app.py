"""The typer application and its groups."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import __version__
from ._ce import ce_app
from ._data import data_app
from ._datasets import datasets_app
from ._mc import mc_app
from ._mlip import mlip_app
from ._regress import regress_app
from ._workflow import workflow_app

#: The typer application of the `matterlearn` command (every command group and command).
app = typer.Typer(
    name="matterlearn",
    help="Machine learning for materials: property models, cluster expansions with Monte Carlo, "
         "and interatomic potentials on one data model.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(datasets_app, name="datasets")
app.add_typer(data_app, name="data")
app.add_typer(ce_app, name="ce")
app.add_typer(mc_app, name="mc")
app.add_typer(regress_app, name="regress")
app.add_typer(mlip_app, name="mlip")
app.add_typer(workflow_app, name="workflow")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"matterlearn {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    traceback: Annotated[bool, typer.Option("--traceback",
                                            help="Show the full stack on an error.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
) -> None:
    """matterlearn command line."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("demo-output"),
    quick: Annotated[bool, typer.Option("--quick", help="Smaller generated data: minutes.")] = False,
    workers: Annotated[Optional[int], typer.Option(help="Dask worker processes for the main job "
                                                        "[default: 2; quick: 0, run here].")] = None,
) -> None:
    """Run the main job (the Cu-Au phase diagram from EMT, in OUT/workflow, resumed when
    interrupted) and a tour of each pillar on the built-in data; write OUT/report.html and
    OUT/summary.json."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ..demo import STAGES, run_demo
    from ._boundary import Outputs, set_interrupt_note

    outs = Outputs()
    outs.folder(out, "--out")
    with outs, Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  transient=True) as progress:
        task = progress.add_task("demo", total=len(STAGES))

        def on_stage(title: str, k: int, total: int) -> None:
            progress.update(task, completed=k, description=f"demo: {title}")

        from ._mc import _client

        client = _client((0 if quick else 2) if workers is None else workers, None)
        set_interrupt_note(f"the main job's finished work is kept in '{out / 'workflow'}'; run the "
                           "same command again to resume")
        try:
            run_demo(outs.stage(out), quick=quick, on_stage=on_stage, workflow_dir=out / "workflow",
                     client=client)
        finally:
            if client is not None:
                client.close()
        progress.update(task, completed=len(STAGES))
    typer.echo(f"wrote {out / 'report.html'} and {out / 'summary.json'}")

