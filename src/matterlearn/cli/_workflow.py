"""``matterlearn workflow``: cross-pillar workflows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from ._boundary import Outputs, check_folder_location, set_interrupt_note
from ._progress import progress

workflow_app = typer.Typer(help="Workflows across the pillars: calculator -> potential -> cluster "
                                "expansion -> Monte Carlo -> phase diagram.", no_args_is_help=True)


@workflow_app.command("phase-diagram")
def phase_diagram_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Run folder (resumed when it holds the same run).")],
    lattice: Annotated[str, typer.Option(help="fcc, bcc, hcp, or a structure file of the parent lattice.")] = "fcc",
    species: Annotated[str, typer.Option(help="The two species, e.g. Cu,Au.")] = "Cu,Au",
    oracle: Annotated[str, typer.Option(help="emt, or package.module:Class for any ASE calculator.")] = "emt",
    potential: Annotated[str, typer.Option(help="mtp (train a moment tensor potential by active learning) "
                                                "or none (relax every structure with the oracle).")] = "mtp",
    max_atoms: Annotated[Optional[int], typer.Option(help="Enumerate structures up to this many atoms "
                                                          "[default: 8; quick: 5].")] = None,
    max_oracle_calls: Annotated[Optional[int], typer.Option(help="Budget of oracle calls for training "
                                                                 "the potential.")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Small settings: a run of minutes (tests).")] = False,
    seed: Annotated[int, typer.Option(help="Seed of every random choice.")] = 0,
    workers: Annotated[int, typer.Option(help="Local Dask worker processes (0: run here).")] = 2,
    scheduler: Annotated[Optional[str], typer.Option(help="Address of a running Dask scheduler "
                                                          "(e.g. one dask-jobqueue started).")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the summary as JSON.")] = None,
) -> None:
    """From an energy calculator to a temperature-composition phase diagram: potential, relaxed
    structures, cluster expansion, ground states, Monte Carlo, free energies, one report."""
    from ..errors import ParameterError
    from ..workflows import WorkflowSettings, phase_diagram_workflow
    from ._mc import _client

    outs = Outputs()
    check_folder_location(out, "--out")  # written in place, stage by stage: a rerun resumes
    outs.file(json_out, "--json", (".json",))
    names = [p.strip() for p in species.split(",") if p.strip()]
    if len(names) != 2:
        raise ParameterError(f"--species '{species}': give two species, e.g. Cu,Au")
    if lattice not in ("fcc", "bcc", "hcp") and not Path(lattice).is_file():
        raise ParameterError(f"--lattice '{lattice}': use fcc, bcc, hcp or an existing structure file")
    settings = WorkflowSettings.preset(quick=quick, lattice=lattice, species=tuple(names), oracle=oracle,
                                       potential=potential, max_atoms=max_atoms,
                                       max_oracle_calls=max_oracle_calls, seed=seed)
    set_interrupt_note(f"every finished stage and unit of work is kept in '{out}'; run the same "
                       "command again to resume")
    client = _client(workers, scheduler)
    try:
        with progress("workflow") as bar:
            task = bar.add_task("", total=None)

            def tick(stage: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=f"workflow: {stage}")

            summary = phase_diagram_workflow(out, settings, client=client, progress=tick)
    finally:
        if client is not None:
            client.close()
    with outs:
        outs.write_text(json_out, json.dumps(summary, indent=2) + "\n")
    gs = ", ".join(f"{g['formula']} ({g['spacegroup']})" for g in summary["ground_states"])
    tc = ", ".join(f"x={k}: {v:.0f} K" if v is not None else f"x={k}: -"
                   for k, v in summary["transition_temperatures_K"].items())
    typer.echo(f"{summary['oracle_calls']} oracle calls, {summary['seconds']:.0f} s; ground states {gs}; "
               f"order-disorder {tc}; report {summary['report']}")
