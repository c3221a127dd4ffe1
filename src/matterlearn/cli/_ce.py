"""``matterlearn ce``: enumerate, label, fit, predict, hull."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..data._keys import ENERGY_KEY
from ._boundary import Outputs, set_interrupt_note
from ._progress import progress

ce_app = typer.Typer(help="Cluster expansions: enumerate, label, fit, predict, ground states.",
                     no_args_is_help=True)

Prim = Annotated[Optional[str], typer.Option("--prim", help="Primitive cell: a structure file, "
                                              "or fcc, bcc, hcp, sc.")]
LatticeA = Annotated[Optional[float], typer.Option("--a", help="Lattice parameter (Å) of a "
                                                   "built-in lattice.")]
Species = Annotated[Optional[str], typer.Option("--species", help="Species on every site, e.g. "
                                                "Au,Cu (X for a vacancy).")]


def _species(text: str | None) -> list[str] | None:
    return [s.strip() for s in text.split(",") if s.strip()] if text else None


def _prim(prim: str | None, species: list[str] | None, a: float | None, c: float | None = None):  # type: ignore[no-untyped-def]
    from ..ce import builtin_prim
    from ..data import read_structure
    from ..errors import ParameterError

    if prim is None:
        raise ParameterError("give the primitive cell with --prim FILE|fcc|bcc|hcp|sc")
    if species is None:
        raise ParameterError("give the species with --species, e.g. --species Au,Cu")
    if prim in ("fcc", "bcc", "hcp", "sc"):
        return builtin_prim(prim, species, a, c)
    return read_structure(prim)


def _write_json(outs: Outputs, path: Path | None, payload: dict[str, Any]) -> None:
    outs.write_text(path, json.dumps(payload, indent=2) + "\n")


def _cutoffs(text: str) -> list[float]:
    from ..errors import ParameterError

    try:
        cut = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ParameterError(f"--cutoffs '{text}': give numbers in Å, e.g. 6.0,4.5") from None
    if not cut or any(not c > 0 or c != c or c == float("inf") for c in cut):
        raise ParameterError(f"--cutoffs '{text}': give positive, finite cutoffs in Å by order "
                             f"(pairs, triplets, ...), e.g. 6.0,4.5")
    if any(b > a for a, b in zip(cut, cut[1:])):
        raise ParameterError(f"--cutoffs '{text}': cutoffs must not grow with the order (pairs >= "
                             f"triplets >= ...); did you mean {','.join(f'{c:g}' for c in sorted(cut, reverse=True))}?")
    return cut


@ce_app.command("enumerate")
def enumerate_(
    db: Annotated[Path, typer.Option("--db", help="New ASE database to write.")],
    prim: Prim = None,
    a: LatticeA = None,
    c: Annotated[Optional[float], typer.Option("--c", help="c of a built-in hcp lattice (Å).")] = None,
    species: Species = None,
    max_atoms: Annotated[int, typer.Option("--max-atoms", help="Largest cell (sites).")] = 8,
    concentration: Annotated[Optional[str], typer.Option(
        "--concentration", help="Fraction limits, e.g. Au=0:0.5 (several: comma-separated).")] = None,
    max_structures: Annotated[int, typer.Option(
        "--max-structures", help="Refuse an enumeration sure to give more structures.")] = 1_000_000,
) -> None:
    """Enumerate every symmetry-distinct derivative structure into a new database."""
    from ..ce import enumerate_to_database
    from ..errors import ParameterError

    if max_atoms < 1:
        raise ParameterError(f"--max-atoms {max_atoms}: give at least 1")
    sp = _species(species)
    p = _prim(prim, sp, a, c)
    limits: dict[str, tuple[float, float]] = {}
    for part in _species(concentration) or []:
        try:
            name, rng = part.split("=")
            lo, hi = (float(v) for v in rng.split(":"))
        except ValueError:
            raise ParameterError(f"--concentration '{part}': write it as Species=low:high") from None
        limits[name] = (lo, hi)
    with Outputs() as outs:
        dest = outs.file(db, "--db")
        if dest is not None and dest.exists():
            raise ParameterError(f"'{db}' exists; choose a new --db (labels are never overwritten)")
        with progress("enumerating") as bar:
            task = bar.add_task("structures", total=None)
            n = enumerate_to_database(p, sp, max_atoms, outs.stage(dest), limits or None,  # type: ignore[arg-type]
                                      max_structures, lambda k: bar.update(task, completed=k))
    typer.echo(f"wrote {n} structures with up to {max_atoms} sites to {db}")


@ce_app.command()
def label(
    db: Annotated[str, typer.Option("--db", help="ASE database (path or URL).")],
    calculator: Annotated[str, typer.Option(help="'emt' or package.module:Name of any ASE "
                                            "calculator.")] = "emt",
    relax: Annotated[bool, typer.Option("--relax", help="Relax positions and cell first.")] = False,
    fmax: Annotated[float, typer.Option(help="Relaxation force limit (eV/Å).")] = 0.01,
    steps: Annotated[int, typer.Option(help="Relaxation step limit.")] = 500,
    workers: Annotated[int, typer.Option(help="Local Dask workers (0: no Dask).")] = 0,
    scheduler: Annotated[Optional[str], typer.Option(help="Address of a running Dask scheduler.")] = None,
) -> None:
    """Compute energies of the rows not yet labelled (resumable)."""
    from ..ce import label_database

    from ._mc import _client

    set_interrupt_note(f"the rows labelled so far are kept in '{db}'; run the same command "
                       f"again to label the rest")
    client = _client(workers, scheduler)
    try:
        with progress("labelling") as bar:
            task = bar.add_task("", total=None)
            result = label_database(db, calculator, relax, fmax, steps, client,
                                    lambda d, t: bar.update(task, completed=d, total=t))
    finally:
        if client is not None:
            client.close()
    typer.echo(f"labelled {result['labelled']} rows, {result['skipped']} were already labelled")


@ce_app.command()
def fit(
    db: Annotated[str, typer.Option("--db", help="Labelled ASE database.")],
    cutoffs: Annotated[str, typer.Option(help="Cutoffs in Å by order: pairs,triplets,...; or auto "
                                              "(chosen by cross-validation over nested candidates).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Cluster expansion to write (JSON).")],
    method: Annotated[str, typer.Option(help="ols, ridge, lasso, ard or ga.")] = "lasso",
    property_key: Annotated[str, typer.Option("--property", help="Energy key of the rows.")] = ENERGY_KEY,
    cv: Annotated[int, typer.Option("--cv", help="Folds of the k-fold CV (or repetitions).")] = 10,
    cv_method: Annotated[str, typer.Option("--cv-method", help="kfold, loo or shuffle.")] = "kfold",
    hull_constraints: Annotated[bool, typer.Option("--hull-constraints",
                                                   help="Keep the reference ground states (binary).")] = False,
    pin_references: Annotated[bool, typer.Option("--pin-references", help="With --hull-constraints: the "
                                                 "pure end members' mixing energy exactly zero.")] = False,
    basis: Annotated[str, typer.Option(help="trigonometric, orthonormal or indicator.")] = "trigonometric",
    seed: Annotated[int, typer.Option(help="Seed of the CV splits and the GA.")] = 0,
    skip_unmappable: Annotated[bool, typer.Option("--skip-unmappable", help="Leave out relaxed "
                                                  "rows that left the lattice.")] = False,
    max_displacement: Annotated[Optional[float], typer.Option(
        "--max-displacement", help="Mapping: largest atomic displacement (Å); default a quarter "
        "of the nearest-neighbour distance.")] = None,
    max_strain: Annotated[float, typer.Option("--max-strain", help="Mapping: largest shape "
                                              "strain of a relaxed cell.")] = 0.15,
    prim: Prim = None,
    a: LatticeA = None,
    species: Species = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the summary as JSON.")] = None,
    report: Annotated[Optional[Path], typer.Option("--report", help="Folder for the fit report.")] = None,
) -> None:
    """Fit effective cluster interactions to a labelled database, with cross-validation."""
    from ..ce import ClusterSpace, database_recipe, fit_cluster_expansion, training_set
    from ..errors import ParameterError

    auto = cutoffs.strip().lower() == "auto"
    cut = None if auto else _cutoffs(cutoffs)
    outs = Outputs()
    outs.file(out, "--out")
    outs.file(json_out, "--json")
    outs.folder(report, "--report")
    recipe = database_recipe(db)
    if prim is not None or species is not None:
        p, sp = _prim(prim, _species(species), a), _species(species)
    elif recipe is not None:
        p, sp = recipe
    else:
        raise ParameterError(
            f"database '{db}' was not made by `ce enumerate`; give --prim and --species"
        )
    selection = None
    if auto:
        from ..ce import neighbour_shells, select_cutoffs

        sh = neighbour_shells(p, 2)  # type: ignore[arg-type]
        cs = ClusterSpace(p, [float(sh[0] + sh[1]) / 2], sp, basis=basis)  # type: ignore[arg-type]
    else:
        cs = ClusterSpace(p, cut, sp, basis=basis)  # type: ignore[arg-type]
    structures, energies, names, info = training_set(db, cs, property_key, skip_unmappable,
                                                     max_displacement, max_strain)
    if auto:
        with progress("choosing cutoffs") as bar:
            task = bar.add_task("", total=None)
            selection = select_cutoffs(p, sp, structures, energies, method=method, n_splits=cv,  # type: ignore[arg-type]
                                       seed=seed, progress=lambda d, t: bar.update(task, completed=d, total=t),
                                       constrain_hull=hull_constraints,
                                       pin_references=pin_references and hull_constraints)
        cs = ClusterSpace(p, selection["cutoffs"], sp, basis=basis)  # type: ignore[arg-type]
    if info["skipped"]:
        typer.echo(f"left out {len(info['skipped'])} rows that relaxed off the lattice: "
                   + ", ".join(info["skipped"][:10]) + (" ..." if len(info["skipped"]) > 10 else ""),
                   err=True)
    with progress("cross-validation") as bar:
        task = bar.add_task("", total=None)
        if pin_references and not hull_constraints:
            raise ParameterError("--pin-references works with --hull-constraints")
        result = fit_cluster_expansion(cs, structures, energies, method, cv_method, cv, seed,
                                       hull_constraints,
                                       lambda d, t: bar.update(task, completed=d, total=t),
                                       pin_references=pin_references)
    result.expansion.metadata.update(database=str(db), property=property_key,
                                     max_mapping_displacement=info["max_displacement"])
    summary = {**result.summary(), "database": str(db), "output": str(out),
               "n_mapped_relaxed": info["n_mapped"], "n_skipped_unmappable": len(info["skipped"])}
    if selection is not None:
        summary["cutoff_selection"] = selection["table"]
    with outs:
        result.expansion.write(outs.stage(out))
        if report is not None:
            from ..report import ce_fit_report

            ce_fit_report(result, outs.stage(report))
        _write_json(outs, json_out, summary)
    typer.echo(f"{method}: {result.n_nonzero}/{result.n_parameters} nonzero ECIs, "
               f"RMSE train {result.rmse_train:.2f}, CV {result.rmse_cv:.2f} meV/site "
               f"({len(structures)} structures); wrote {out}")


@ce_app.command()
def predict(
    model: Annotated[Path, typer.Argument(help="Cluster expansion (JSON from `ce fit`).")],
    structures: Annotated[list[str], typer.Argument(help="Structure files (relaxed ones are mapped).")],
) -> None:
    """Predict the energy per site of structures."""
    from ..ce import ClusterExpansion, map_structure
    from ..ce._space import LatticeMappingError
    from ..data import read_frames

    ce = ClusterExpansion.read(model)
    for path in structures:
        for i, atoms in enumerate(read_frames(path)):
            name = f"file '{path}', frame {i}"
            try:
                ce.cluster_space.lattice_sites(atoms, name)
                ideal = atoms
            except LatticeMappingError:
                ideal = map_structure(atoms, ce.cluster_space, name=name).ideal
            e = ce.predict(ideal, name)
            typer.echo(f"{path}:{i}\t{ideal.get_chemical_formula()}\t{e:.6f} eV/site\t"
                       f"mixing {1000 * ce.mixing_energy(ideal, name):.2f} meV/site")


@ce_app.command()
def hull(
    model: Annotated[Path, typer.Argument(help="Cluster expansion (JSON from `ce fit`).")],
    db: Annotated[Optional[str], typer.Option("--db", help="Labelled database: compare with its "
                                              "reference hull.")] = None,
    max_atoms: Annotated[int, typer.Option("--max-atoms", help="Ground-state search up to this "
                                           "many sites.")] = 8,
    out: Annotated[Optional[Path], typer.Option("--out", help="Folder for the hull figure.")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the result as JSON.")] = None,
) -> None:
    """Ground states: predicted hull against the reference one, and a search over enumerated
    structures."""
    from ..ce import ClusterExpansion, compare_hulls, ground_state_search, training_set
    from ..ce._expansion import active_composition
    from ..ce._fit import mixing_targets
    from ..errors import ParameterError

    outs = Outputs()
    outs.folder(out, "--out")
    outs.file(json_out, "--json")
    ce = ClusterExpansion.read(model)
    if max_atoms < len(ce.cluster_space.prim):
        raise ParameterError(f"--max-atoms {max_atoms} is smaller than the primitive cell "
                             f"({len(ce.cluster_space.prim)} sites)")
    cs = ce.cluster_space
    payload: dict[str, Any] = {}
    lines = []
    comparison = None
    if db is not None:
        structures, energies, names, _ = training_set(db, cs, ce.metadata.get("property", ENERGY_KEY),
                                                      skip_unmappable=True)
        y, _ = mixing_targets(cs, structures, energies)
        pred = cs.cluster_vectors(structures) @ ce.ecis
        _, comp = active_composition(cs, structures)
        comparison = compare_hulls(comp[:, 1], y, pred)
        payload["reference_ground_states"] = [
            {"name": names[i], "x": float(comp[i, 1]), "formula": structures[i].get_chemical_formula(),
             "mixing_energy_meV": float(1000 * y[i])} for i in comparison.reference_vertices]
        payload["predicted_ground_states"] = [
            {"name": names[i], "x": float(comp[i, 1]), "formula": structures[i].get_chemical_formula(),
             "mixing_energy_meV": float(1000 * pred[i])} for i in comparison.predicted_vertices]
        payload["reproduced"] = comparison.reproduced
        payload["missing"] = [names[i] for i in comparison.missing]
        payload["spurious"] = [names[i] for i in comparison.spurious]
        lines.append(f"reference ground states: {len(comparison.reference_vertices)}; "
                     f"reproduced: {'yes' if comparison.reproduced else 'no'}"
                     + (f"; missing {', '.join(payload['missing'])}" if comparison.missing else "")
                     + (f"; spurious {', '.join(payload['spurious'])}" if comparison.spurious else ""))
    search = ground_state_search(ce, max(1, max_atoms // len(cs.prim)))
    payload["search"] = {"max_atoms": max_atoms, "n_structures": len(search.structures),
                         "ground_states": [{"x": float(search.x[i]),
                                            "formula": search.structures[i].get_chemical_formula(),
                                            "supercell": search.structures[i].info["supercell"],
                                            "mixing_energy_meV": float(1000 * search.energies[i])}
                                           for i in search.vertices]}
    lines.append(f"search over {len(search.structures)} structures up to {max_atoms} sites: "
                 + ", ".join(f"{g['formula']} ({g['mixing_energy_meV']:.1f} meV)"
                             for g in payload["search"]["ground_states"]))
    with outs:
        if out is not None:
            from ..report import ce_hull_report

            ce_hull_report(ce, search, comparison, outs.stage(out))
        _write_json(outs, json_out, payload)
    typer.echo("\n".join(lines))
