"""``matterlearn mc``: Monte Carlo on a cluster expansion."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

mc_app = typer.Typer(help="Monte Carlo on cluster expansions.", no_args_is_help=True)


def _pairs(text: str | None, what: str) -> dict[str, float]:
    from ..errors import ParameterError

    out: dict[str, float] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        try:
            name, value = part.split("=")
            out[name.strip()] = float(value)
        except ValueError:
            raise ParameterError(f"{what} '{part}': write it as Species=value, e.g. Au=0.25") from None
    return out


@mc_app.command()
def run(
    model: Annotated[Path, typer.Argument(help="Cluster expansion (JSON from `ce fit`).")],
    supercell: Annotated[str, typer.Option(help="Repetitions of the primitive cell, e.g. 8x8x8.")] = "8x8x8",
    ensemble: Annotated[str, typer.Option(help="canonical or sgc.")] = "canonical",
    composition: Annotated[Optional[str], typer.Option(help="Fractions, e.g. Au=0.25 (canonical).")] = None,
    mu: Annotated[Optional[str], typer.Option("--mu", help="Chemical potentials (eV), e.g. Au=0.05 (sgc).")] = None,
    temperatures: Annotated[str, typer.Option(help="start:stop:step in K, or a list.")] = "1200:300:-100",
    sweeps: Annotated[int, typer.Option(help="Sampled sweeps per temperature.")] = 200,
    equilibration: Annotated[int, typer.Option(help="Sweeps discarded per temperature.")] = 50,
    seed: Annotated[int, typer.Option(help="Seed of the run's random generator.")] = 0,
    out: Annotated[Optional[Path], typer.Option("--out", help="Folder for the figure and final structure.")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the results as JSON.")] = None,
) -> None:
    """A temperature scan (cooling if the temperatures decrease), with energies, heat capacity,
    order parameter and the transition temperature from the heat-capacity peak."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from ..ce import ClusterExpansion
    from ..data import atomic_write_text, write_frames
    from ..errors import ParameterError
    from ..mc import parse_temperatures, set_composition, temperature_scan
    from ..mc import supercell as make_supercell

    ce = ClusterExpansion.read(model)
    try:
        repeat = [int(v) for v in supercell.lower().split("x")]
        if len(repeat) != 3 or min(repeat) < 1:
            raise ValueError
    except ValueError:
        raise ParameterError(f"--supercell '{supercell}': write three positive integers, e.g. 8x8x8") from None
    temps = parse_temperatures(temperatures)
    atoms = make_supercell(ce, repeat)
    species = ce.cluster_space.species
    if ensemble == "canonical":
        comp = _pairs(composition, "--composition")
        if not comp:
            raise ParameterError("canonical Monte Carlo needs --composition, e.g. Au=0.25")
        atoms = set_composition(atoms, species, comp, seed)
    with Progress(TextColumn("Monte Carlo"), BarColumn(), TimeRemainingColumn(),
                  transient=True) as bar:
        task = bar.add_task("mc", total=None)
        result = temperature_scan(ce, atoms, temps, sweeps, equilibration, ensemble,
                                  _pairs(mu, "--mu"), seed,
                                  lambda d, t: bar.update(task, completed=d, total=t))
    final = result.pop("final_structure")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_frames(out / "final.extxyz", [final])
        from ..report import HTMLReport, mc_scan_figure

        rep = HTMLReport("Monte Carlo temperature scan")
        rep.paragraph(f"{result['n_sites']} sites, {ensemble} ensemble, {sweeps} sweeps per "
                      f"temperature after {equilibration} for equilibration.")
        rep.figure(mc_scan_figure(result), "Energy, heat capacity and order parameter.")
        rep.write(out / "mc.html")
    if json_out is not None:
        atomic_write_text(json_out, json.dumps(result, indent=2, default=_json_default) + "\n")
    tc = result.get("transition_temperature")
    typer.echo(f"{result['n_sites']} sites, {len(temps)} temperatures, "
               f"{result['trial_steps_per_second']:,.0f} trial steps/s"
               + (f"; heat-capacity peak at {tc:.0f} ± {result['transition_temperature_uncertainty']:.0f} K"
                  if tc is not None else ""))


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    raise TypeError(type(obj).__name__)
