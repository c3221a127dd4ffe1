"""``matterlearn mlip``: train, test and run interatomic potentials."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..data import ENERGY_KEY, FORCES_KEY, STRESS_KEY
from ._boundary import Outputs, check_folder_location, set_interrupt_note

mlip_app = typer.Typer(help="Interatomic potentials: train, test, molecular dynamics.", no_args_is_help=True)


EnergyKey = Annotated[str, typer.Option("--energy-key", help="Key of the reference energy in the file.")]
ForcesKey = Annotated[str, typer.Option("--forces-key", help="Key of the reference forces in the file.")]
StressKey = Annotated[str, typer.Option("--stress-key", help="Key of the reference stress in the file.")]


def _write_json(outs: Outputs, path: Path | None, payload: dict[str, Any]) -> None:
    outs.write_text(path, json.dumps(payload, indent=2, default=float) + "\n")


#: the option that names the species of mlip-2 files (they number species without naming them)
SpeciesOpt = Annotated[str | None, typer.Option(
    "--species", help="mlip-2 .mtp/.cfg files: chemical symbols of their types 0, 1, ... (e.g. Mo, or Li,Si).")]


def _read(source: str, keys: tuple[str, str, str], require: tuple[str, ...] = (),
          species: str | None = None) -> list:  # type: ignore[type-arg]
    from ..data import read_frames

    if source.lower().endswith(".cfg"):
        from ..errors import ParameterError
        from ..mlip import read_cfg

        if not species:
            raise ParameterError(f"'{source}': an mlip-2 .cfg file numbers its species; name them with "
                                 f"--species (e.g. --species Mo)")
        return read_cfg(source, species)
    return read_frames(source, energy_key=keys[0], forces_key=keys[1], stress_key=keys[2],
                       require=require)


def _check_cutoff(cutoff: float) -> None:
    from ..errors import ParameterError

    if not 0 < cutoff < float("inf"):
        raise ParameterError(f"--cutoff {cutoff:g}: give a positive cutoff radius in Å, e.g. 5.0")


@mlip_app.command("train")
def train(
    data: Annotated[str, typer.Argument(help="Training frames: extxyz file, ASE database or mlip-2 .cfg.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Potential file to write: .json, or .mtp "
                                         "(mlip-2's format, with --basis).")],
    model: Annotated[str, typer.Option("--model", help="Potential kind: mtp, nequip, snap or qsnap (quadratic "
                                       "SNAP; through LAMMPS).")] = "mtp",
    l_max: Annotated[int, typer.Option("--l-max", help="NequIP: highest spherical-harmonic order (0-3).")] = 1,
    features: Annotated[int, typer.Option("--features", help="NequIP: channels per irrep.")] = 32,
    layers: Annotated[int, typer.Option("--layers", help="NequIP: interaction blocks.")] = 3,
    epochs: Annotated[int, typer.Option("--epochs", help="NequIP: most epochs.")] = 1000,
    batch_size: Annotated[int, typer.Option("--batch-size", help="NequIP: frames per batch.")] = 5,
    dtype: Annotated[str, typer.Option("--dtype", help="NequIP: float32 or float64.")] = "float32",
    level: Annotated[int, typer.Option("--level", help="MTP level (8, 12, 16, 20, 24).")] = 16,
    twojmax: Annotated[str, typer.Option("--twojmax", help="SNAP: bispectrum orders to try (comma-separated, "
                                         "even).")] = "6,8",
    rcutfac: Annotated[str, typer.Option("--rcutfac", help="SNAP: cutoff factors to try (Å at radius 0.5), "
                                         "comma-separated.")] = "4.2,4.6,5.0",
    energy_weight: Annotated[str, typer.Option("--energy-weight", help="SNAP: energy-per-atom weights to try, "
                                               "relative to forces.")] = "1e4,1e5,1e6",
    ridge: Annotated[str, typer.Option("--ridge", help="SNAP: ridge penalties to try (per row, standardised "
                                       "features); the grid is searched by 5-fold cross-validation, or on "
                                       "--valid frames when given.")] = "1e-10,1e-8,1e-6",
    basis: Annotated[Path | None, typer.Option("--basis", help="MTP in mlip-2's basis: the alpha tables of this "
                                               ".mtp file (an untrained template or any trained one) replace "
                                               "--level; the result runs in mlip-2 and LAMMPS.")] = None,
    cutoff: Annotated[float, typer.Option("--cutoff", help="Cutoff radius (Å).")] = 5.0,
    weights: Annotated[str | None, typer.Option("--weights", help="Loss weights (MTP default energy=1,forces=0.01,"
                                                "stress=0.001; NequIP energy=10,forces=1,stress=100).")] = None,
    valid: Annotated[str | None, typer.Option("--valid", help="Validation frames.")] = None,
    max_iter: Annotated[int, typer.Option("--max-iter", help="L-BFGS iterations (0: linear fit only).")] = 400,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="Seconds for the nonlinear fit.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the initial radial coefficients.")] = 0,
    checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="Checkpoint file (resumable).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Start from --checkpoint if it exists.")] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the training history and errors.")] = None,
    energy_key: EnergyKey = ENERGY_KEY,
    forces_key: ForcesKey = FORCES_KEY,
    stress_key: StressKey = STRESS_KEY,
    species: SpeciesOpt = None,
) -> None:
    """Fit a potential to energies, forces and stresses."""
    from ..errors import ParameterError
    from ..mlip import error_report, parse_weights, train_mtp
    from ._progress import progress

    if model not in ("mtp", "nequip", "snap", "qsnap"):
        raise ParameterError(f"unknown model {model!r}; choose mtp, nequip, snap or qsnap")
    snap_grid: dict[str, list[Any]] = {}
    if model in ("snap", "qsnap"):
        from ..mlip._lammps import lammps_instance

        lammps_instance().close()  # LAMMPS must be there before any work starts
        try:
            snap_grid = {"twojmax": [int(x) for x in twojmax.split(",")],
                         "rcutfac": [float(x) for x in rcutfac.split(",")],
                         "energy_weight": [float(x) for x in energy_weight.split(",")],
                         "ridge": [float(x) for x in ridge.split(",")]}
        except ValueError:
            raise ParameterError("--twojmax, --rcutfac, --energy-weight and --ridge take comma-separated numbers, "
                                 "e.g. --twojmax 6,8 --rcutfac 4.6,5.0") from None
    _check_cutoff(cutoff)
    if model in ("snap", "qsnap"):
        from ..mlip.snap._potential import SNAPPotential
        from ..mlip.snap._train import DEFAULT_WEIGHTS as SNAP_WEIGHTS

        w = parse_weights(weights, defaults=SNAP_WEIGHTS)
        for tj in snap_grid["twojmax"]:
            SNAPPotential(["H"], twojmax=tj, rcutfac=min(snap_grid["rcutfac"]))  # checks
    elif model == "nequip":
        from ..mlip.nequip._train import DEFAULT_WEIGHTS as NEQUIP_WEIGHTS

        w = parse_weights(weights, defaults=NEQUIP_WEIGHTS)
        from ..mlip.nequip import NequIPPotential

        NequIPPotential(["H"], r_max=cutoff, l_max=l_max, features=features, layers=layers, dtype=dtype)  # checks
    else:
        w = parse_weights(weights)
    tables = None
    if basis is not None:
        if model != "mtp":
            raise ParameterError("--basis names an mlip-2 basis, for --model mtp only")
        from ..mlip.mtp._mlip2 import read_mtp_basis

        tables = read_mtp_basis(basis)["tables"]
    if output.suffix.lower() == ".mtp" and tables is None:
        raise ParameterError(f"--output {output}: an .mtp file holds an MTP in mlip-2's basis; add --basis "
                             f"FILE.mtp (an mlip-2 template or trained potential), or write .json")
    outs = Outputs()
    outs.file(output, "--output")
    outs.file(json_out, "--json")
    outs.file(checkpoint, "--checkpoint")
    lammps_files = (Path(f"{output.with_suffix('')}.snapcoeff"), Path(f"{output.with_suffix('')}.snapparam"))
    if model in ("snap", "qsnap"):
        for f in lammps_files:
            outs.file(f, "--output")
    keys = (energy_key, forces_key, stress_key)
    frames = _read(data, keys, species=species)
    vframes = _read(valid, keys, species=species) if valid else None
    if checkpoint is not None:
        set_interrupt_note(f"the last checkpoint is kept in '{checkpoint}'; add --resume to go on from it")

    with progress("training") as bar:
        task = bar.add_task("linear fit", total=max(max_iter, 1))

        def show(rec: dict[str, Any]) -> None:
            keys = [k for k in rec if k.endswith(("_meV", "_meV_per_A", "_GPa"))]
            bar.console.print(f"[{rec['seconds']:7.1f} s] iter {rec['iterations']:4d}  "
                              + "  ".join(f"{k}={rec[k]:.3g}" for k in keys))
            force = rec.get("valid_forces_rmse_meV_per_A", rec.get("train_forces_rmse_meV_per_A"))
            bar.update(task, completed=min(rec["iterations"], max(max_iter, 1)),
                       description=f"L-BFGS iteration {rec['iterations']}"
                       + (f", force RMSE {force:.3g} meV/Å" if force is not None else ""))

        if model in ("snap", "qsnap"):
            from ..mlip.snap import train_snap

            bar.update(task, description="SNAP hyperparameters", total=len(snap_grid["twojmax"])
                       * len(snap_grid["rcutfac"]) * len(snap_grid["energy_weight"]) * len(snap_grid["ridge"]) + 1)

            def show_grid(rec: dict[str, Any]) -> None:
                bar.console.print(f"[{rec['seconds']:7.1f} s] twojmax {rec['twojmax']} rcutfac {rec['rcutfac']:g} "
                                  f"energy weight {rec['energy_weight']:g} ridge {rec['ridge']:g}: validation E MAE "
                                  f"{rec['valid_energy_mae_meV']:.3g} meV/atom, F MAE "
                                  f"{rec['valid_forces_mae_eV_per_A']:.3g} eV/Å")
                bar.update(task, advance=1)

            pot, history = train_snap(frames, quadratic=model == "qsnap", weights=w, valid=vframes, seed=seed,
                                      callback=show_grid, **snap_grid)
        elif model == "mtp":
            pot, history = train_mtp(frames, level=level, cutoff=cutoff, weights=w, valid=vframes,
                                     max_iter=max_iter, time_limit=time_limit, seed=seed, checkpoint=checkpoint,
                                     resume=resume, callback=show, tables=tables,
                                     on_iteration=lambda n: bar.update(task, completed=min(n, max(max_iter, 1))))
        else:
            from ..mlip import train_nequip

            def show_epoch(rec: dict[str, Any]) -> None:
                keys = [k for k in rec if k.endswith(("_meV", "_meV_per_A", "_GPa"))]
                bar.console.print(f"[{rec['seconds']:7.1f} s] epoch {rec['epoch']:4d}  lr={rec['lr']:.2g}  "
                                  + "  ".join(f"{k}={rec[k]:.3g}" for k in keys))
                bar.update(task, completed=min(rec["epoch"], epochs), total=epochs,
                           description=f"epoch {rec['epoch']}, valid force RMSE "
                           f"{rec.get('valid_forces_rmse_meV_per_A', float('nan')):.3g} meV/Å")

            pot, history = train_nequip(frames, r_max=cutoff, l_max=l_max, features=features, layers=layers,
                                        dtype=dtype, weights=w, valid=vframes, epochs=epochs, batch_size=batch_size,
                                        time_limit=time_limit, seed=seed, checkpoint=checkpoint, resume=resume,
                                        callback=show_epoch)
    payload: dict[str, Any] = {"model": model, "level": getattr(pot, "level", None) if model == "mtp" else None,
                               "snap": history[-1] if model in ("snap", "qsnap") else None, "n_frames": len(frames), "history": history,
                               "train": {k: v for k, v in error_report(pot, frames).items() if k != "by_config_type"}}
    if vframes:
        payload["valid"] = {k: v for k, v in error_report(pot, vframes).items() if k != "by_config_type"}
    with outs:
        if output.suffix.lower() == ".mtp":
            from ..mlip import write_mtp

            write_mtp(pot, outs.stage(output))
        else:
            pot.save(outs.stage(output))
        if model in ("snap", "qsnap"):
            pot.write_lammps_files(outs.stage(lammps_files[0]), outs.stage(lammps_files[1]))
        _write_json(outs, json_out, payload)
    typer.echo(f"wrote {output}" + (f" and {lammps_files[0]}, {lammps_files[1]} (pair_style snap)"
                                    if model in ("snap", "qsnap") else ""))


@mlip_app.command("test")
def test(
    potential: Annotated[Path, typer.Argument(help="Potential file.")],
    data: Annotated[str, typer.Argument(help="Labelled frames: extxyz file, ASE database or mlip-2 .cfg.")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the error report.")] = None,
    figure: Annotated[Path | None, typer.Option("--figure", help="Write parity plots (PNG).")] = None,
    energy_key: EnergyKey = ENERGY_KEY,
    forces_key: ForcesKey = FORCES_KEY,
    stress_key: StressKey = STRESS_KEY,
    species: SpeciesOpt = None,
) -> None:
    """Error report: energy, energy per atom, forces and stress, overall and per config_type. The
    potential may be an mlip-2 .mtp file (name its species with --species)."""
    from rich.console import Console
    from rich.table import Table

    from ..errors import MissingLabelError
    from ..mlip import error_report, load_potential

    outs = Outputs()
    outs.file(json_out, "--json")
    outs.file(figure, "--figure", (".png",))
    pot = load_potential(potential, species)
    keys = (energy_key, forces_key, stress_key)
    frames = _read(data, keys, species=species)
    if not any(k in a.info or k in a.arrays for a in frames for k in (ENERGY_KEY, FORCES_KEY, STRESS_KEY)):
        raise MissingLabelError(
            f"'{data}' has no reference labels (no {energy_key}, {forces_key} or {stress_key} in any of its "
            f"{len(frames)} frames); label the frames, or name their keys with --energy-key, --forces-key, "
            f"--stress-key")
    rep = error_report(pot, frames)
    table = Table(title=f"{potential.name} on {data} ({rep['n_frames']} frames, {rep['n_atoms']} atoms)")
    for col in ("group", "E/atom RMSE (meV)", "E/atom MAE (meV)", "F RMSE (meV/Å)", "F MAE (meV/Å)",
                "F rel. RMSE", "S RMSE (GPa)"):
        table.add_column(col)

    def row(name: str, b: dict[str, Any]) -> None:
        f = b.get("forces_meV_per_A", {})

        def fmt(v: Any) -> str:
            return "-" if v is None else f"{v:.3g}"
        table.add_row(name, fmt(b["energy_per_atom_meV"].get("rmse")), fmt(b["energy_per_atom_meV"].get("mae")),
                      fmt(f.get("rmse")), fmt(f.get("mae")), fmt(b.get("forces_relative_rmse")),
                      fmt(b["stress_GPa"].get("rmse")))

    row("all", rep)
    for name, b in rep["by_config_type"].items():
        row(name, b)
    for el, st in rep.get("forces_by_species", {}).items():
        table.add_row(f"{el} atoms ({st['n_atoms']})", "-", "-", f"{st['rmse']:.3g}", f"{st['mae']:.3g}", "-", "-")
    Console().print(table)
    with outs:
        _write_json(outs, json_out, rep)
        if figure is not None:
            from ..mlip._report import predictions
            from ..report import mlip_parity_figure

            fig = mlip_parity_figure(predictions(pot, frames), f"{potential.name} on {Path(data).name}")
            fig.savefig(outs.stage(figure), format="png")


#: MD stops when two atoms come closer than this fraction of the closest such pair in training
STOP_DISTANCE_RATIO = 0.5


@mlip_app.command("md")
def md(
    potential: Annotated[Path, typer.Argument(help="Potential file.")],
    structure: Annotated[str, typer.Argument(help="Starting structure (any ASE-readable file).")],
    trajectory: Annotated[Path, typer.Option("--trajectory", help="extxyz file to write.")],
    temperature: Annotated[float, typer.Option("--temperature", help="Temperature (K).")] = 300.0,
    steps: Annotated[int, typer.Option("--steps", help="Number of steps.")] = 1000,
    timestep: Annotated[float, typer.Option("--timestep", help="Time step (fs).")] = 1.0,
    ensemble: Annotated[str, typer.Option("--ensemble", help="nve, nvt or npt.")] = "nvt",
    interval: Annotated[int, typer.Option("--interval", help="Write every N steps.")] = 10,
    seed: Annotated[int, typer.Option("--seed", help="Seed of velocities and noise.")] = 0,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write a summary.")] = None,
    species: SpeciesOpt = None,
    engine: Annotated[str, typer.Option("--engine", help="ase, or lammps (SNAP and qSNAP potentials).")] = "ase",
    ranks: Annotated[int, typer.Option("--ranks", help="MPI ranks of the LAMMPS engine.")] = 1,
    workdir: Annotated[Path | None, typer.Option(
        "--workdir", help="Keep the LAMMPS run's input, data and log files in this folder.")] = None,
) -> None:
    """Molecular dynamics with a potential, on ASE's integrators or, for the SNAP family, in
    LAMMPS on N MPI ranks (mpiexec from this environment). On ASE's path the run stops with an
    error when two atoms come closer than half the closest such pair in the training data (the
    potential's answers are meaningless there). Both write the same trajectory (the potential's
    energies and forces under MLIP_energy and MLIP_forces) and summary."""
    from ..data import read_structure
    from ..errors import ParameterError
    from ..mlip import MLIPCalculator, load_potential, run_md
    from ..mlip._lammps_md import run_lammps_md, runs_in_lammps
    from ..mlip._md import ENSEMBLES
    from ._progress import progress

    if ensemble not in ENSEMBLES:
        raise ParameterError(f"--ensemble {ensemble!r}: choose from {', '.join(ENSEMBLES)}")
    if engine not in ("ase", "lammps"):
        raise ParameterError(f"--engine {engine!r}: choose ase or lammps")
    if ranks < 1:
        raise ParameterError(f"--ranks {ranks}: need at least 1")
    if engine == "ase" and (ranks != 1 or workdir is not None):
        raise ParameterError("--ranks and --workdir belong to --engine lammps")
    outs = Outputs()
    outs.file(trajectory, "--trajectory", (".extxyz", ".xyz"))
    outs.file(json_out, "--json")
    if workdir is not None:
        check_folder_location(workdir, "--workdir")  # kept as it is, an error included: not staged
    pot = load_potential(potential, species)
    if engine == "lammps" and not runs_in_lammps(pot):
        raise ParameterError(f"{potential}: LAMMPS runs the SNAP family natively, not a {type(pot).__name__}; "
                             f"use --engine ase (or LAMMPS built with mlip-2's interface for an .mtp file)")
    atoms = read_structure(structure)
    pot.check_species(atoms, structure)
    calc = MLIPCalculator(pot, stop_distance_ratio=STOP_DISTANCE_RATIO) if engine == "ase" else None
    with outs, progress("MD steps") as bar:
        task = bar.add_task("", total=steps)
        kwargs = {"timestep": timestep, "ensemble": ensemble, "trajectory": outs.stage(trajectory),
                  "interval": interval, "seed": seed, "callback": lambda n: bar.update(task, completed=n)}
        if calc is not None:
            out = run_md(atoms, calc, temperature, steps, **kwargs)
        else:
            out = run_lammps_md(atoms, pot, temperature, steps, ranks=ranks, workdir=workdir, **kwargs)
        summary = {
            "n_atoms": len(atoms), "steps": steps, "timestep_fs": timestep, "ensemble": ensemble,
            "engine": engine, "ranks": ranks,
            "temperature_mean_K": float(out["temperature_K"][1:].mean()) if len(out["temperature_K"]) > 1 else None,
            "energy_drift_per_atom_meV": float(out["energy_drift_per_atom_meV"]),
            "atom_steps_per_second": float(out["atom_steps_per_second"]),
            "neighbour_list_builds": calc.n_builds if calc is not None else None,
        }
        _write_json(outs, json_out, summary)
    where = f" on {ranks} MPI rank{'s' if ranks > 1 else ''} of LAMMPS" if engine == "lammps" else ""
    typer.echo(f"{steps} steps of {len(atoms)} atoms at {summary['atom_steps_per_second']:.0f} atom-steps/s"
               f"{where}; wrote {trajectory}")


@mlip_app.command("active")
def active(
    start: Annotated[str, typer.Argument(help="Labelled starting frames (extxyz or ASE db).")],
    seeds: Annotated[str, typer.Argument(help="Structures to explore from by MD (any ASE-readable file).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Final potential (JSON).")],
    oracle: Annotated[str, typer.Option("--oracle", help="emt, or package.module:Name of an ASE calculator.")] = "emt",
    level: Annotated[int, typer.Option("--level", help="MTP level.")] = 16,
    cutoff: Annotated[float, typer.Option("--cutoff", help="Cutoff radius (Å).")] = 5.0,
    temperatures: Annotated[str, typer.Option("--temperatures", help="MD temperatures (K).")] = "300,800,1200",
    md_steps: Annotated[int, typer.Option("--md-steps", help="MD steps per seed and temperature.")] = 200,
    gamma_select: Annotated[float, typer.Option("--gamma-select", help="Grade above which to select.")] = 2.0,
    gamma_break: Annotated[float, typer.Option("--gamma-break", help="Grade above which MD stops.")] = 10.0,
    max_add: Annotated[int, typer.Option("--max-add", help="Most oracle calls per round.")] = 10,
    rounds: Annotated[int, typer.Option("--rounds", help="Most rounds.")] = 10,
    train_seconds: Annotated[float, typer.Option("--train-seconds", help="Time limit of each training.")] = 60.0,
    train_iterations: Annotated[int | None, typer.Option(
        "--train-iterations", help="L-BFGS iterations of each training instead of a time limit "
        "(the same result on every machine).")] = None,
    valid: Annotated[str | None, typer.Option("--valid", help="Test frames, reported each round.")] = None,
    frames_out: Annotated[Path | None, typer.Option("--frames-out", help="Write the final training set.")] = None,
    workers: Annotated[int, typer.Option("--workers", help="Label on a local Dask cluster of N workers.")] = 0,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Label on this Dask scheduler.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed.")] = 0,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the history of the rounds.")] = None,
) -> None:
    """Active learning: train, explore by MD, select by MaxVol grade, label with the oracle, repeat."""
    from ..data import calculator_factory, read_frames, write_frames
    from ..mlip._active import active_learning
    from ._mc import _client, _range

    outs = Outputs()
    outs.file(output, "--output")
    outs.file(frames_out, "--frames-out")
    outs.file(json_out, "--json")
    _check_cutoff(cutoff)
    calculator_factory(oracle)
    start_frames = read_frames(start, require=["energy", "forces"])
    seed_frames = read_frames(seeds)
    vframes = read_frames(valid, require=["energy", "forces"]) if valid else None
    temps = _range(temperatures, "--temperatures")
    client = _client(workers, scheduler)
    try:
        pot, train, history = active_learning(
            start_frames, seed_frames, oracle, level=level, cutoff=cutoff, temperatures=temps, md_steps=md_steps,
            gamma_select=gamma_select, gamma_break=gamma_break, max_add=max_add, max_rounds=rounds,
            train_seconds=train_seconds, train_iterations=train_iterations, valid=vframes, client=client, seed=seed,
            callback=lambda r: typer.echo(f"round {r['round']}: {r['n_train']} frames, {r['oracle_calls']} oracle "
                                          f"calls, {r['candidates']} candidates", err=True))
    finally:
        if client is not None:
            client.close()
    with outs:
        pot.save(outs.stage(output))
        if frames_out is not None:
            write_frames(outs.stage(frames_out), train)
        _write_json(outs, json_out, {"rounds": history, "oracle_calls": history[-1]["oracle_calls"],
                                     "n_train": len(train)})
    typer.echo(f"wrote {output} ({len(train)} training frames, {history[-1]['oracle_calls']} oracle calls)")
