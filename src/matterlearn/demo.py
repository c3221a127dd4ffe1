"""The main job on the built-in data: ``matterlearn demo``.

Each stage does real work on real data and adds a section to ``report.html`` and an entry to
``summary.json``. The main job comes first: the phase-diagram workflow
(:mod:`matterlearn.workflows`) on Cu-Au with EMT as the oracle, in its own folder with its own
report. Then a tour of each pillar: the datasets (checked against Matbench's own metadata), the
elastic moduli, the Ta-W DFT convex hull, locally generated EMT data for cluster expansions and for
interatomic potentials, a cluster expansion of EMT Au-Cu and of the Ta-W DFT data, Monte Carlo
heating and cooling scans of the Au-Cu expansion, and a property-model benchmark on steels. Each
pillar adds its stage as it lands.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .data import atomic_write_text
from .data._keys import CONFIG_TYPE_KEY, ENERGY_KEY, FORCES_KEY

__all__ = ["STAGES", "run_demo"]

log = logging.getLogger(__name__)

Stage = Callable[[Any, bool, dict[str, Any]], dict[str, Any]]


def _stage_datasets(report: Any, quick: bool, context: dict[str, Any]) -> dict[str, Any]:
    from .datasets import list_datasets, load
    from .datasets._bundled import _matbench_metadata
    from .report import new_figure

    meta = _matbench_metadata()
    report.heading("Bundled datasets")
    report.paragraph(
        "Every Matbench v0.1 task in composition form, loaded from the copies shipped inside the "
        "package and checked against Matbench's own metadata: the row count, and the mean absolute "
        "deviation of the target (regression) or the fraction of positives (classification)."
    )
    rows, out = [], {}
    tasks = [i for i in list_datasets() if i.name.startswith("matbench_")]
    if quick:
        tasks = [i for i in tasks if i.n < 20000]
    loaded = {}
    for inf in tasks:
        ds = load(inf.name)
        y = ds.targets
        ref = meta[inf.name]
        if inf.task == "classification":
            stat, ref_stat, stat_name = float(np.mean(y)), ref["frac_true"], "fraction true"
        else:
            stat, ref_stat, stat_name = float(np.mean(np.abs(y - y.mean()))), ref["mad"], "MAD"
        ok = len(ds) == ref["n_samples"] and abs(stat - ref_stat) <= 1e-9 * max(1.0, abs(ref_stat))
        n_el = len({el for f in ds.inputs for el in _elements(f)})
        rows.append([inf.name, len(ds), inf.task, inf.unit or "-", stat_name, stat, n_el,
                     "yes" if ok else "NO"])
        out[inf.name] = {"n": len(ds), stat_name.replace(" ", "_"): stat, "n_elements": n_el,
                         "matches_matbench_metadata": ok}
        loaded[inf.name] = ds
    report.table(["dataset", "n", "task", "unit", "statistic", "value", "elements",
                  "matches Matbench"], rows)
    fig = new_figure(10, 6)
    axes = fig.subplots(2, 2)
    for ax, name in zip(axes.ravel(), ["matbench_steels", "matbench_expt_gap",
                                       "matbench_expt_is_metal", "matbench_glass"]):
        ds = loaded[name]
        if ds.info.task == "classification":
            counts = np.bincount(ds.targets.astype(int), minlength=2)
            ax.bar(["false", "true"], counts, color=["#8aa", "#c75"])
            ax.set_ylabel("count")
        else:
            ax.hist(ds.targets, bins=40, color="#47a")
            ax.set_xlabel(f"{ds.info.target} ({ds.info.unit})")
            ax.set_ylabel("count")
        ax.set_title(f"{name} (n = {len(ds)})")
    report.figure(fig, "Targets of the four official Matbench composition tasks.")
    counts: dict[str, int] = {}
    for f in loaded["matbench_expt_gap"].inputs:
        for el in _elements(f):
            counts[el] = counts.get(el, 0) + 1
    top = sorted(counts.items(), key=lambda kv: -kv[1])[:30]
    fig = new_figure(10, 3.2)
    ax = fig.subplots()
    ax.bar([k for k, _ in top], [v for _, v in top], color="#47a")
    ax.set_ylabel("compounds containing it")
    ax.set_title("matbench_expt_gap: the 30 most common elements")
    report.figure(fig, "Element prevalence in the experimental band-gap data.")
    return out


def _elements(formula: str) -> list[str]:
    from .data import parse_formula

    return list(parse_formula(formula))


def _stage_elastic(report: Any, quick: bool, context: dict[str, Any]) -> dict[str, Any]:
    from .datasets import load
    from .report import new_figure

    ds = load("elastic_tensor_2015")
    k, g = ds.column("K_VRH"), ds.column("G_VRH")
    ok = (k > 0) & (g > 0)
    pugh = g[ok] / k[ok]
    brittle = float(np.mean(pugh > 0.571))
    report.heading("Elastic moduli (elastic_tensor_2015)")
    report.paragraph(
        f"{len(ds)} DFT structures from the Materials Project with Voigt-Reuss-Hill moduli. "
        f"{ok.sum()} have positive K and G; by Pugh's criterion (G/K > 0.571) "
        f"{100 * brittle:.1f} % of them are brittle."
    )
    fig = new_figure(5.5, 4.5)
    ax = fig.subplots()
    ax.loglog(k[ok], g[ok], ".", ms=3, alpha=0.6, color="#47a")
    lim = np.array([1, 500])
    ax.loglog(lim, 0.571 * lim, "k--", lw=1, label="G/K = 0.571 (Pugh)")
    ax.set_xlabel("K_VRH (GPa)")
    ax.set_ylabel("G_VRH (GPa)")
    ax.legend()
    report.figure(fig, "Shear versus bulk modulus; above the line, brittle by Pugh's criterion.")
    n_atoms = np.array([len(a) for a in ds.inputs])
    return {"n": len(ds), "n_positive_moduli": int(ok.sum()),
            "median_K_VRH_GPa": float(np.median(k)), "median_G_VRH_GPa": float(np.median(g)),
            "fraction_brittle_pugh": brittle, "median_atoms_per_cell": float(np.median(n_atoms))}


def _hull_figure(report: Any, x: np.ndarray, emix: np.ndarray, hull: Any, xlabel: str,
                 caption: str) -> None:
    from .report import new_figure

    fig = new_figure(6, 4)
    ax = fig.subplots()
    ax.plot(x, 1000 * emix, "o", ms=4, alpha=0.6, color="#47a", label="configurations")
    v = hull.vertices
    ax.plot(x[v], 1000 * emix[v], "-s", color="#c33", ms=6, label="convex hull")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("mixing energy (meV/atom)")
    ax.legend()
    report.figure(fig, caption)


def _stage_tawo(report: Any, quick: bool, context: dict[str, Any]) -> dict[str, Any]:
    from .ce import binary_hull, mixing_energy_per_atom
    from .datasets import load

    ds = load("tawo_dft")
    x = ds.column("x_W")
    emix = mixing_energy_per_atom(x, ds.column("energy_per_atom"))
    hull = binary_hull(x, emix)
    gs = [(float(x[i]), float(1000 * emix[i])) for i in hull.vertices]
    report.heading("Ta-W DFT energies (tawo_dft)")
    report.paragraph(
        f"{len(ds)} bcc Ta-W configurations of 128 atoms (VASP). Mixing energy relative to pure "
        f"Ta and W; {len(hull.vertices)} configurations lie on the lower convex hull. The most "
        f"negative mixing energy is {1000 * emix.min():.1f} meV/atom at x(W) = "
        f"{x[np.argmin(emix)]:.3f}."
    )
    report.table(["x(W)", "mixing energy (meV/atom)"], [[a, b] for a, b in gs])
    _hull_figure(report, x, emix, hull, "x(W)", "Ta-W mixing energies (DFT) and their convex hull.")
    return {"n": len(ds), "hull_ground_states": [{"x_W": a, "mixing_energy_meV_per_atom": b}
                                                 for a, b in gs],
            "min_mixing_energy_meV_per_atom": float(1000 * emix.min())}


def _stage_emt_alloy(report: Any, quick: bool, context: dict[str, Any]) -> dict[str, Any]:
    from .ce import binary_hull, mixing_energy_per_atom
    from .datasets import emt_alloy_configurations

    n, relax = (30, False) if quick else (60, True)
    frames = emt_alloy_configurations(("Cu", "Au"), n_structures=n, max_atoms=8, relax=relax,
                                      seed=0)
    x = np.array([np.mean(a.numbers == 79) for a in frames])
    epa = np.array([a.info[ENERGY_KEY] / len(a) for a in frames])
    emix = mixing_energy_per_atom(x, epa)
    hull = binary_hull(x, emix)
    report.heading("Cu-Au alloy configurations from EMT (generated)")
    report.paragraph(
        f"{n} random fcc Cu-Au supercells with up to 8 sites, labelled with ASE's EMT "
        f"({'relaxed' if relax else 'unrelaxed, Vegard lattice parameter'}). These are the "
        "training data a cluster expansion is fitted to; the hull gives the ground states "
        "among them."
    )
    _hull_figure(report, x, emix, hull, "x(Au)",
                 "EMT Cu-Au mixing energies of random configurations and their convex hull.")
    return {"n": n, "relaxed": relax,
            "hull": [{"x_Au": float(x[i]), "formula": frames[i].get_chemical_formula(),
                      "mixing_energy_meV_per_atom": float(1000 * emix[i])} for i in hull.vertices]}


def _stage_emt_potential(report: Any, quick: bool, context: dict[str, Any]) -> dict[str, Any]:
    from .datasets import emt_potential_frames
    from .report import new_figure

    kw: dict[str, Any] = (
        dict(fractions=(0.0,), repeats=(2,), frames_per_trajectory=3, n_strained=4)
        if quick else dict(fractions=(0.0, 0.25), repeats=(2, 3), frames_per_trajectory=8,
                           n_strained=20)
    )
    frames = emt_potential_frames(("Cu", "Au"), seed=0, **kw)
    groups: dict[str, list[Any]] = {}
    for a in frames:
        groups.setdefault(a.info[CONFIG_TYPE_KEY], []).append(a)
    rows, out = [], {}
    fig = new_figure(7, 4)
    ax = fig.subplots()
    for name, fr in sorted(groups.items()):
        f = np.concatenate([a.arrays[FORCES_KEY].ravel() for a in fr])
        e = np.array([a.info[ENERGY_KEY] / len(a) for a in fr])
        rms = float(np.sqrt(np.mean(f**2)))
        rows.append([name, len(fr), float(e.mean()), float(e.std()), rms])
        out[name] = {"n_frames": len(fr), "energy_per_atom_mean_eV": float(e.mean()),
                     "force_component_rms_eV_per_A": rms}
        ax.hist(f, bins=60, histtype="step", density=True, label=name)
    ax.set_xlabel("force component (eV/Å)")
    ax.set_ylabel("density")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    report.heading("Cu-Au frames for interatomic potentials from EMT (generated)")
    report.paragraph(
        f"{len(frames)} frames: Langevin MD at 300, 800 and 1200 K (with and without a vacancy) "
        "and strained cells, with EMT energy, forces and stress. The width of the force "
        "distribution grows with temperature, as it should."
    )
    report.table(["config_type", "frames", "E/atom mean (eV)", "E/atom std (eV)",
                  "force RMS (eV/Å)"], rows)
    report.figure(fig, "Distribution of force components by configuration type.")
    return {"n_frames": len(frames), "by_config_type": out}


def _stage_ce_aucu(report: Any, quick: bool, context: dict[str, Any]) -> dict[str, Any]:
    from .ce import (
        ClusterSpace,
        builtin_prim,
        compare_hulls,
        enumerate_structures,
        fit_cluster_expansion,
        ground_state_search,
        label_structure,
        map_structure,
    )
    from .ce._expansion import active_composition
    from .report import eci_figure, hull_figure, parity_figure

    max_atoms = 4 if quick else 6
    prim = builtin_prim("fcc", ["Au", "Cu"])
    cs = ClusterSpace(prim, [5.7, 4.0, 3.0], ["Au", "Cu"])
    ideal = list(enumerate_structures(prim, range(1, max_atoms + 1), ["Au", "Cu"]))
    structures, energies, skipped = [], [], 0
    for k, atoms in enumerate(ideal):
        relaxed = label_structure(atoms, "emt", relax=True)
        try:
            mapped = map_structure(relaxed, cs, name=f"structure {k}")
        except Exception:
            skipped += 1  # relaxed off the lattice
            continue
        structures.append(mapped.ideal)
        energies.append(relaxed.info[ENERGY_KEY])
    e = np.array(energies)
    result = fit_cluster_expansion(cs, structures, e, method="lasso", n_splits=5,
                                   constrain_hull=True)
    _, comp = active_composition(cs, structures)
    x = comp[:, 1]
    cmp = compare_hulls(x, result.y, result.y_train_pred)
    search = ground_state_search(result.expansion, 8)
    report.heading("Cluster expansion: Au-Cu from EMT")
    report.paragraph(
        f"All {len(ideal)} symmetry-distinct fcc Au-Cu structures with up to {max_atoms} atoms, "
        f"relaxed with EMT ({skipped} left the lattice and were left out), fitted with LASSO "
        f"(pairs to 5.7 Å, triplets to 4.0 Å, quadruplets to 3.0 Å) under ground-state "
        f"constraints. RMSE {result.rmse_train:.2f} meV/atom in training, "
        f"{result.rmse_cv:.2f} meV/atom in 5-fold cross-validation; reference ground states "
        f"reproduced: {'yes' if cmp.reproduced else 'no'}. A search over all "
        f"{len(search.structures)} structures up to 8 atoms finds: "
        + ", ".join(a.get_chemical_formula() for a in search.ground_states) + "."
    )
    context["aucu_expansion"] = result.expansion
    report.figure(parity_figure(result), "Fitted and cross-validated mixing energies.")
    report.figure(eci_figure(result.expansion), "Effective cluster interactions.")
    report.figure(hull_figure(x, result.y, result.y_train_pred, search, "x(Au)"),
                  "Reference and predicted convex hulls, and the ground-state search.")
    return {"n_structures": len(structures), "n_skipped_unmappable": skipped,
            **{k: v for k, v in result.summary().items() if k != "units"},
            "ground_states_reproduced": cmp.reproduced,
            "search_ground_states": [a.get_chemical_formula() for a in search.ground_states]}


def _stage_ce_tawo(report: Any, quick: bool, context: dict[str, Any]) -> dict[str, Any]:
    from ase.build import bulk

    from .ce import ClusterSpace, compare_hulls, fit_cluster_expansion
    from .datasets import load
    from .report import hull_figure

    ds = load("tawo_dft")
    cs = ClusterSpace(bulk("Ta", "bcc", a=3.194), [8.0, 5.5, 4.0], ["Ta", "W"])
    e = np.array([a.info[ENERGY_KEY] for a in ds.inputs])
    result = fit_cluster_expansion(cs, ds.inputs, e, method="ols", n_splits=10,
                                   constrain_hull=True)
    x = ds.column("x_W")
    cmp = compare_hulls(x, result.y, result.y_train_pred)
    report.heading("Cluster expansion: Ta-W from DFT (tawo_dft)")
    report.paragraph(
        f"{cs.n_parameters} parameters (pairs to 8 Å, triplets to 5.5 Å, quadruplets to 4 Å) "
        f"fitted to 250 VASP energies under ground-state constraints: RMSE "
        f"{result.rmse_train:.2f} meV/atom in training, {result.rmse_cv:.2f} meV/atom in 10-fold "
        f"cross-validation. DFT ground states at x(W) = "
        + ", ".join(f"{v:.3f}" for v in x[cmp.reference_vertices])
        + f"; reproduced: {'yes' if cmp.reproduced else 'no'}."
    )
    report.figure(hull_figure(x, result.y, result.y_train_pred, None, "x(W)"),
                  "Ta-W: DFT and cluster-expansion mixing energies and hulls.")
    return {**{k: v for k, v in result.summary().items() if k != "units"},
            "ground_states_reproduced": cmp.reproduced,
            "ground_states_x_W": [float(v) for v in x[cmp.reference_vertices]]}


def _stage_mc_aucu(report: Any, quick: bool, context: dict[str, Any]) -> dict[str, Any]:
    from .mc import set_composition, supercell, temperature_scan
    from .report import mc_scan_figure

    ce = context["aucu_expansion"]
    repeat, sweeps, eq = ((4, 4, 4), 100, 50) if quick else ((8, 8, 8), 400, 200)
    temps = list(range(1000, 199, -100)) if quick else list(range(900, 199, -25))
    atoms = set_composition(supercell(ce, repeat), ce.cluster_space.species, {"Au": 0.25}, seed=0)
    cooling = temperature_scan(ce, atoms, temps, sweeps, eq, "canonical", seed=0)
    heating = temperature_scan(ce, cooling["final_structure"], temps[::-1], sweeps, eq,
                               "canonical", seed=1)
    out = {}
    for name, scan in (("cooling", cooling), ("heating", heating)):
        scan.pop("final_structure")
        out[name] = {k: scan[k] for k in ("transition_temperature",
                                          "transition_temperature_uncertainty",
                                          "transition_at_scan_edge",
                                          "order_transition_temperature",
                                          "order_transition_temperature_uncertainty",
                                          "trial_steps_per_second")}
    tc = [out[k]["transition_temperature"] for k in ("cooling", "heating")]
    report.heading("Monte Carlo: order-disorder in Au-Cu at x(Au) = 0.25")
    report.paragraph(
        f"Canonical Metropolis on {cooling['n_sites']} sites with the Au-Cu expansion above, "
        f"{sweeps} sweeps per temperature after {eq} for equilibration. Heat-capacity peak on "
        f"cooling {tc[0]:.0f} K and on heating {tc[1]:.0f} K (grid {abs(temps[1] - temps[0])} K; "
        f"hysteresis {tc[1] - tc[0]:+.0f} K); the long-range order (superstructure peaks of the "
        f"occupation's Fourier transform) falls to half its low-temperature value at "
        f"{out['cooling']['order_transition_temperature']:.0f} K on cooling and "
        f"{out['heating']['order_transition_temperature']:.0f} K on heating; "
        f"{cooling['trial_steps_per_second']:,.0f} trial steps per second."
    )
    report.figure(mc_scan_figure(cooling), "Cooling scan: energy, heat capacity, long- and short-range order.")
    return {"n_sites": cooling["n_sites"], **out, "hysteresis_K": tc[1] - tc[0],
            "scan_K": [min(temps), max(temps), abs(temps[1] - temps[0])]}


def _stage_regress_steels(report: Any, quick: bool, context: dict[str, Any]) -> dict[str, Any]:
    from .datasets import load
    from .features import CompositionFeaturizer
    from .regress import benchmark

    ds = load("matbench_steels")
    X = CompositionFeaturizer().fit_transform(ds.inputs)
    models = ["ridge", "knn"] if quick else ["ridge", "knn", "rf"]
    result = benchmark(X, ds.targets, "regression", ds.folds, models, dataset="matbench_steels")
    # steels differ in small amounts of a few elements: the element fractions themselves carry
    # more than the Magpie statistics of the mixture
    Xf = CompositionFeaturizer(magpie=False, stoichiometry=False, valence=False, ionic=False,
                               fractions=True).fit_transform(ds.inputs)
    frac = benchmark(Xf, ds.targets, "regression", ds.folds, ["et"], dataset="matbench_steels")
    result["models"]["et (element fractions)"] = frac["models"]["et"]
    report.heading("Property models: matbench_steels (yield strength)")
    report.paragraph(
        "148 composition features (Magpie statistics, stoichiometry, valence, ionic character), and "
        "the element fractions alone for extra trees; nested 5-fold cross-validation on the official "
        "Matbench folds, hyperparameters tuned on each outer training part. Leaderboard for scale: "
        "RF 103.5 MPa, MODNet 87.8 MPa."
    )
    rows = []
    for name, r in result["models"].items():
        rows.append([name, r["mae_mean"], r["mae_std"], r["r2_mean"], r["train_mae_mean"],
                     "overfits" if r["overfitting"] else "ok"])
    report.table(["model", "MAE (MPa)", "std", "r2", "train MAE", "train vs test"], rows)
    return {name: {k: v for k, v in r.items() if k != "folds"}
            for name, r in result["models"].items()}


def _stage_mlip_cu(report: Any, quick: bool, context: dict[str, Any]) -> dict[str, Any]:
    from ase.build import bulk

    from .data import group_splits
    from .datasets import emt_potential_frames
    from .mlip import MLIPCalculator, error_report, run_md, train_mtp
    from .mlip._report import predictions
    from .report import md_figure, mlip_parity_figure

    kw: dict[str, Any] = (
        dict(repeats=(2,), frames_per_trajectory=4, n_strained=4)
        if quick else dict(repeats=(2, 3), frames_per_trajectory=8, n_strained=10)
    )
    frames = emt_potential_frames(("Cu", "Au"), fractions=(0.0,), seed=1, **kw)
    groups = [a.info["trajectory"] for a in frames]
    train_idx, test_idx = group_splits(groups, n_splits=3, seed=0)[0]
    train = [frames[k] for k in train_idx]
    test = [frames[k] for k in test_idx]
    # a budget of iterations, not seconds: the same potential on every machine
    level, iterations = (10, 100) if quick else (16, 20)
    pot, history = train_mtp(train, level=level, cutoff=5.0, max_iter=iterations, lbfgs_steps=200,
                             nonlinear_frames=40, seed=0)
    rep = error_report(pot, test)
    atoms = bulk("Cu", "fcc", a=3.59, cubic=True).repeat((3, 3, 3) if quick else (4, 4, 4))
    steps = 200 if quick else 1000
    md = run_md(atoms, MLIPCalculator(pot), temperature=600.0, steps=steps, timestep=1.0, ensemble="nve",
                interval=10, seed=0)
    report.heading("Interatomic potential: moment tensor potential for EMT Cu")
    report.paragraph(
        f"A level-{level} MTP ({pot.basis.n_basis} basis functions) trained for {history[-1]['seconds']:.0f} s "
        f"on {len(train)} frames (energies, forces, stresses; Langevin MD at 300-1200 K with and without a "
        f"vacancy, strained cells) and tested on {len(test)} frames from other trajectories. Then "
        f"{steps} steps of NVE molecular dynamics of {len(atoms)} atoms started at 600 K."
    )
    rows = [["all", rep["energy_per_atom_rmse_meV"], rep["forces_rmse_meV_per_A"], rep["stress_rmse_GPa"]]]
    for name, b in rep["by_config_type"].items():
        rows.append([name, b["energy_per_atom_meV"].get("rmse"), b.get("forces_meV_per_A", {}).get("rmse"),
                     b["stress_GPa"].get("rmse")])
    report.table(["test frames", "E/atom RMSE (meV)", "F RMSE (meV/Å)", "S RMSE (GPa)"], rows)
    report.figure(mlip_parity_figure(predictions(pot, test)), "Test-set parity: MTP against EMT.")
    report.figure(md_figure(md, len(atoms)),
                  f"NVE MD with the MTP: total-energy drift {md['energy_drift_per_atom_meV']:.3f} meV/atom over "
                  f"{steps} fs at {md['atom_steps_per_second']:.0f} atom-steps/s.")
    return {"level": level, "n_train": len(train), "n_test": len(test),
            "test": {k: rep[k] for k in ("energy_per_atom_rmse_meV", "forces_rmse_meV_per_A", "stress_rmse_GPa")},
            "md_energy_drift_per_atom_meV": float(md["energy_drift_per_atom_meV"]),
            "md_atom_steps_per_second": float(md["atom_steps_per_second"])}


def _stage_workflow(report: Any, quick: bool, context: dict[str, Any]) -> dict[str, Any]:
    """The main job: calculator -> potential -> cluster expansion -> Monte Carlo -> phase diagram."""
    from .workflows import WorkflowSettings, phase_diagram_workflow

    folder = Path(context["workflow_dir"])
    client = context.get("client")
    settings = context.get("workflow_settings") or WorkflowSettings.preset(quick=quick)
    summary = phase_diagram_workflow(folder, settings, client=client)
    mc = summary["stages"]["montecarlo"]
    report.heading("Main job: the Cu-Au phase diagram from EMT")
    report.paragraph(
        f"A moment tensor potential trained by active learning on {summary['oracle_calls']} EMT calls "
        f"relaxed all {summary['stages']['relax']['n_structures']} fcc Cu-Au structures up to "
        f"{summary['settings']['max_atoms']} atoms; a cluster expansion with cutoffs chosen by "
        f"cross-validation (CV RMSE {summary['stages']['expansion']['rmse_cv_meV_per_site']:.2f} "
        f"meV/site), Monte Carlo and free-energy integration give the phase diagram, in "
        f"{summary['seconds']:.0f} s. Ground states: "
        + ", ".join(f"{g['formula']} ({g['spacegroup']})" for g in summary["ground_states"])
        + ". Order-disorder temperatures: "
        + ", ".join(f"x(Au) = {k}: {v:.0f} K" if v is not None else f"x(Au) = {k}: none in range"
                    for k, v in summary["transition_temperatures_K"].items())
        + f". The full report of the workflow is {folder.name}/report.html."
    )
    from .workflows import phase_diagram_plot

    report.figure(phase_diagram_plot(mc, "Au"), "Cu-Au phase diagram of the main job.")
    return {k: summary[k] for k in ("oracle_calls", "oracle_calls_by_stage", "seconds", "ground_states",
                                    "transition_temperatures_K")} | {
        "all_inside_hysteresis": mc["all_inside_hysteresis"], "folder": str(folder),
        "rmse_cv_meV_per_site": summary["stages"]["expansion"]["rmse_cv_meV_per_site"],
        "recheck_rmse_meV_per_atom": summary["stages"]["relax"]["recheck"].get("energy_rmse_meV_per_atom")}


#: The stages, in order: (key, title, function).
STAGES: list[tuple[str, str, Stage]] = [
    ("workflow", "main job: Cu-Au phase diagram from EMT", _stage_workflow),
    ("datasets", "bundled datasets", _stage_datasets),
    ("elastic", "elastic moduli", _stage_elastic),
    ("tawo", "Ta-W convex hull", _stage_tawo),
    ("emt_alloy", "EMT Cu-Au configurations", _stage_emt_alloy),
    ("emt_potential", "EMT Cu-Au MD frames", _stage_emt_potential),
    ("ce_aucu", "cluster expansion Au-Cu (EMT)", _stage_ce_aucu),
    ("ce_tawo", "cluster expansion Ta-W (DFT)", _stage_ce_tawo),
    ("mc_aucu", "Monte Carlo Au-Cu", _stage_mc_aucu),
    ("regress_steels", "steels benchmark", _stage_regress_steels),
    ("mlip_cu", "interatomic potential for Cu", _stage_mlip_cu),
]


def run_demo(out: str | Path = "demo-output", quick: bool = False,
             on_stage: Callable[[str, int, int], None] | None = None,
             workflow_dir: str | Path | None = None, client: Any = None,
             workflow_settings: Any = None) -> dict[str, Any]:
    """Run every stage; write ``out/report.html`` and ``out/summary.json``.

    Parameters
    ----------
    out : str or path
        Output folder (created if missing). Both files are written atomically at the end, so an
        interrupted run leaves any earlier report intact.
    quick : bool
        Smaller generated datasets and no relaxation: a run of seconds, for tests and CI.
    on_stage : callable, optional
        Called as ``on_stage(title, index, total)`` before each stage (progress display).
    workflow_dir : str or path, optional
        Run folder of the main job (default ``out/workflow``); written in place, so that an
        interrupted demo resumes the workflow where it stopped.
    client : dask.distributed.Client, optional
        Fan the main job's relaxations and Monte Carlo out over its workers.
    workflow_settings : WorkflowSettings, optional
        Settings of the main job (default: its full preset, or the quick one with ``quick``).

    Returns
    -------
    dict
        The summary written to ``summary.json``.
    """
    from .report import HTMLReport

    out = Path(out)
    report = HTMLReport("matterlearn demo", toc=True)
    report.paragraph(
        "The main job of matterlearn on its built-in data. "
        + ("Quick mode: smaller generated datasets." if quick else "")
    )
    summary: dict[str, Any] = {"matterlearn_version": __version__, "quick": quick,
                               "stages": {}, "seconds": {}}
    context: dict[str, Any] = {"workflow_dir": Path(workflow_dir) if workflow_dir else out / "workflow",
                               "client": client, "workflow_settings": workflow_settings}
    for k, (key, title, fn) in enumerate(STAGES):
        if on_stage is not None:
            on_stage(title, k, len(STAGES))
        log.info("demo stage %s", key)
        t0 = time.perf_counter()
        summary["stages"][key] = fn(report, quick, context)
        summary["seconds"][key] = round(time.perf_counter() - t0, 3)
    out.mkdir(parents=True, exist_ok=True)
    report.write(out / "report.html")
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary
