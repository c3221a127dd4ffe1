"""``matterlearn mc``: Monte Carlo on a cluster expansion."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ._boundary import Outputs
from ._progress import progress

mc_app = typer.Typer(help="Monte Carlo on cluster expansions.", no_args_is_help=True)


def _pairs(text: str | None, what: str) -> dict[str, float]:
    import numpy as np

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
        if not np.isfinite(out[name.strip()]):
            raise ParameterError(f"{what} '{part}': the value must be a finite number")
    return out


def _repeat(text: str) -> list[int]:
    from ..errors import ParameterError

    try:
        repeat = [int(v) for v in text.lower().split("x")]
        if len(repeat) != 3 or min(repeat) < 1:
            raise ValueError
    except ValueError:
        raise ParameterError(f"--supercell '{text}': write three positive integers, e.g. 8x8x8") from None
    return repeat


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
    from ..ce import ClusterExpansion
    from ..data import write_frames
    from ..errors import ParameterError
    from ..mc import parse_temperatures, set_composition, temperature_scan
    from ..mc import supercell as make_supercell

    outs = Outputs()
    outs.folder(out, "--out")
    outs.file(json_out, "--json")
    if ensemble not in ("canonical", "sgc"):
        raise ParameterError(f"--ensemble {ensemble!r}: use canonical or sgc")
    _check_sweeps(sweeps, equilibration)
    ce = ClusterExpansion.read(model)
    repeat = _repeat(supercell)
    temps = parse_temperatures(temperatures)
    comp = _pairs(composition, "--composition")
    if ensemble == "canonical" and not comp:
        raise ParameterError("canonical Monte Carlo needs --composition, e.g. Au=0.25")
    atoms = make_supercell(ce, repeat)
    species = ce.cluster_space.species
    if ensemble == "canonical":
        atoms = set_composition(atoms, species, comp, seed)
    per = sweeps + equilibration

    def tick(done: int, total: int) -> None:  # sweeps done, of all temperatures
        k = min(done // per, len(temps) - 1)
        bar.update(task, completed=done, total=total,
                   description=f"at {temps[k]:.0f} K ({k + 1} of {len(temps)} temperatures)")

    with progress("Monte Carlo sweeps") as bar:
        task = bar.add_task("", total=len(temps) * per)
        result = temperature_scan(ce, atoms, temps, sweeps, equilibration, ensemble,
                                  _pairs(mu, "--mu"), seed, tick)
    final = result.pop("final_structure")
    with outs:
        if out is not None:
            from ..report import HTMLReport, mc_scan_figure

            folder = outs.stage(out)
            write_frames(folder / "final.extxyz", [final])
            rep = HTMLReport("Monte Carlo temperature scan")
            rep.paragraph(f"{result['n_sites']} sites, {ensemble} ensemble, {sweeps} sweeps per "
                          f"temperature after {equilibration} for equilibration.")
            rep.figure(mc_scan_figure(result), "Energy, heat capacity and order parameter.")
            rep.write(folder / "mc.html")
        outs.write_text(json_out, json.dumps(result, indent=2, default=_json_default) + "\n")
    tc = result.get("transition_temperature")
    typer.echo(f"{result['n_sites']} sites, {len(temps)} temperatures, "
               f"{result['trial_steps_per_second']:,.0f} trial steps/s"
               + (f"; heat-capacity peak at {tc:.0f} ± {result['transition_temperature_uncertainty']:.0f} K"
                  if tc is not None else "")
               + (f"; long-range order halves at {result['order_transition_temperature']:.0f} ± "
                  f"{result['order_transition_temperature_uncertainty']:.0f} K"
                  if result.get("order_transition_temperature") is not None else ""))


def _check_sweeps(sweeps: int, equilibration: int) -> None:
    from ..errors import ParameterError

    if sweeps < 1 or equilibration < 0:
        raise ParameterError(f"--sweeps {sweeps} --equilibration {equilibration}: give at least one "
                             f"sampled sweep and no negative equilibration")


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    raise TypeError(type(obj).__name__)


def _client(workers: int, scheduler: str | None):  # type: ignore[no-untyped-def]
    import logging

    for name in ("distributed", "bokeh", "tornado"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if scheduler:
        from dask.distributed import Client

        return Client(scheduler)
    if workers > 0:
        from dask.distributed import Client, LocalCluster

        return Client(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True))
    return None


def _range(text: str, what: str) -> list[float]:
    from ..errors import ParameterError
    from ..mc import parse_temperatures

    try:
        return parse_temperatures(text)
    except ParameterError:
        raise ParameterError(f"{what} '{text}': write start:stop:step or a list a,b,c") from None


@mc_app.command("phase-diagram")
def phase_diagram_cmd(
    model: Annotated[Path, typer.Argument(help="Cluster expansion (JSON from `ce fit`).")],
    species: Annotated[str, typer.Option(help="Species whose chemical potential is varied.")],
    mu: Annotated[str, typer.Option("--mu", help="Chemical-potential differences (eV): start:stop:step or a list.")],
    temperatures: Annotated[str, typer.Option(help="Temperatures (K): start:stop:step or a list.")],
    supercell: Annotated[str, typer.Option(help="Repetitions of the primitive cell.")] = "6x6x6",
    sweeps: Annotated[int, typer.Option(help="Sampled sweeps per point.")] = 100,
    equilibration: Annotated[int, typer.Option(help="Sweeps discarded per point.")] = 50,
    seed: Annotated[int, typer.Option(help="Seed (one generator per scan, seed + k).")] = 0,
    workers: Annotated[int, typer.Option(help="Local Dask workers (0: run here).")] = 2,
    scheduler: Annotated[Optional[str], typer.Option(help="Address of a running Dask scheduler.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Folder for the figure.")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the result as JSON.")] = None,
) -> None:
    """A temperature-composition phase diagram from semi-grand-canonical scans, fanned out
    over Dask (a local cluster by default)."""
    from ..ce import ClusterExpansion
    from ..mc import phase_diagram
    from ..mc import supercell as make_supercell

    outs = Outputs()
    outs.folder(out, "--out")
    outs.file(json_out, "--json")
    _check_sweeps(sweeps, equilibration)
    ce = ClusterExpansion.read(model)
    repeat = _repeat(supercell)
    dmus = _range(mu, "--mu")
    temps = _range(temperatures, "--temperatures")
    atoms = make_supercell(ce, repeat)
    client = _client(workers, scheduler)
    try:
        with progress("phase diagram, chemical potential") as bar:
            task = bar.add_task("", total=len(dmus))
            result = phase_diagram(ce, atoms, species, dmus, temps, sweeps, equilibration, seed,
                                   client, lambda d, t: bar.update(task, completed=d, total=t))
    finally:
        if client is not None:
            client.close()
    with outs:
        if out is not None:
            from ..report import HTMLReport, phase_diagram_figure

            rep = HTMLReport("Phase diagram (semi-grand canonical Monte Carlo)")
            rep.figure(phase_diagram_figure(result), "Sampled compositions; gaps are two-phase regions.")
            rep.write(outs.stage(out) / "phase_diagram.html")
        outs.write_text(json_out, json.dumps(result, indent=2) + "\n")
    typer.echo(f"{len(dmus)} chemical potentials x {len(temps)} temperatures; "
               f"{len(result['two_phase'])} two-phase points")


@mc_app.command()
def kmc(
    model: Annotated[Path, typer.Argument(help="Cluster expansion whose sites allow X (vacancy).")],
    barriers: Annotated[str, typer.Option(help="E_KRA per species (eV), e.g. Cu=0.7,Au=0.8.")],
    temperature: Annotated[float, typer.Option(help="Temperature (K).")] = 800.0,
    supercell: Annotated[str, typer.Option(help="Repetitions of the primitive cell.")] = "8x8x8",
    composition: Annotated[str, typer.Option(help="Fractions incl. vacancies, e.g. X=0.001953125.")] = "",
    vacancies: Annotated[int, typer.Option(help="Number of vacancies (instead of X in --composition).")] = 1,
    hops: Annotated[int, typer.Option(help="Vacancy exchanges.")] = 100000,
    attempt_frequency: Annotated[float, typer.Option(help="Attempt frequency (Hz).")] = 1e13,
    seed: Annotated[int, typer.Option(help="Seed of the run's random generator.")] = 0,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the result as JSON.")] = None,
) -> None:
    """Rejection-free kinetic Monte Carlo of vacancy diffusion: tracer diffusion coefficients."""
    from ..ce import ClusterExpansion
    from ..errors import ParameterError
    from ..mc import KineticMonteCarlo, set_composition
    from ..mc import supercell as make_supercell

    outs = Outputs()
    outs.file(json_out, "--json")
    ce = ClusterExpansion.read(model)
    species = ce.cluster_space.species
    if "X" not in species:
        raise ParameterError("the cluster expansion allows no vacancy X; kinetic MC needs one")
    if hops < 1:
        raise ParameterError(f"--hops {hops}: give at least one")
    atoms = make_supercell(ce, _repeat(supercell))
    comp = _pairs(composition, "--composition")
    if "X" not in comp:
        comp["X"] = vacancies / len(atoms)
    atoms = set_composition(atoms, species, comp, seed)
    sim = KineticMonteCarlo(ce, atoms, temperature, _pairs(barriers, "--barriers"),
                            attempt_frequency, seed)
    with progress("kinetic Monte Carlo") as bar:
        task = bar.add_task(f"{hops:,} hops", total=None)
        r = sim.run(hops)
        bar.update(task, total=1, completed=1)
    payload = {"temperature": temperature, "hops": r.hops, "time_s": r.time,
               "tracer_diffusion_cm2_per_s": r.tracer_diffusion,
               "random_walk_diffusion_cm2_per_s": r.random_walk_diffusion,
               "correlation_factor": r.correlation_factor}
    with outs:
        outs.write_text(json_out, json.dumps(payload, indent=2) + "\n")
    typer.echo(f"{r.hops} hops in {r.time:.3e} s; " + ", ".join(
        f"D*({k}) = {v:.3e} cm^2/s (f = {r.correlation_factor[k]:.3f})"
        for k, v in r.tracer_diffusion.items()))
