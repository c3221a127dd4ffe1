"""Stage e of the phase-diagram workflow: the figures (also kept as PNG files) and one HTML report
with a table of contents, every stage, its provenance, timings and oracle calls."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

import numpy as np

from ._store import RunFolder

__all__ = ["write_report", "phase_diagram_plot"]


def phase_diagram_plot(mc: dict[str, Any], x_species: str) -> Any:
    """The temperature-composition phase diagram: two-phase regions from free-energy integration
    (tie lines and their edges), the order-disorder temperatures at the ordered compositions (free
    energy crossing, with the heating and cooling heat-capacity peaks as the hysteresis)."""
    from ..report import new_figure

    fig = new_figure(6.4, 4.8)
    ax = fig.subplots()
    pairs: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    for row in mc["diagram"]:
        t = row["temperature"]
        for b in row["boundaries"]:
            pairs.setdefault(tuple(b["phases"]), []).append((t, b["x_low"], b["x_high"]))
    colours = ["#47a", "#c75", "#5a5", "#a5a", "#aa5", "#5aa", "#777"]
    for n, (key, pts) in enumerate(sorted(pairs.items())):
        pts.sort()
        t = np.array([p[0] for p in pts])
        lo = np.array([p[1] for p in pts])
        hi = np.array([p[2] for p in pts])
        c = colours[n % len(colours)]
        for tt, a, b in pts:
            ax.plot([a, b], [tt, tt], "-", color=c, lw=0.8, alpha=0.6)
        ax.plot(lo, t, "o-", color=c, ms=3, label=f"{key[0]} + {key[1]}")
        ax.plot(hi, t, "o-", color=c, ms=3)
    for key, v in mc["transitions"].items():
        x = float(key)
        if v["free_energy_crossing_K"] is not None:
            ax.plot([x], [v["free_energy_crossing_K"]], "k*", ms=11)
            ax.annotate(v["formula"], (x, v["free_energy_crossing_K"]), textcoords="offset points",
                        xytext=(4, 6), fontsize=8)
        peaks = [p for p in (v["heating_peak_K"], v["cooling_peak_K"]) if p is not None]
        if len(peaks) == 2:
            ax.plot([x, x], peaks, "k-", lw=3, alpha=0.3)
    ax.plot([], [], "k*", label="order-disorder (free-energy crossing)")
    ax.plot([], [], "k-", lw=3, alpha=0.3, label="heating/cooling hysteresis")
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"x({x_species})")
    ax.set_ylabel("temperature (K)")
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title("Phase diagram from Monte Carlo and free-energy integration")
    return fig


def _save(report: Any, fig: Any, folder: Path, name: str, caption: str, figures: dict[str, str]) -> None:
    path = folder / f"{name}.png"
    fig.savefig(path)
    figures[name] = str(path)
    report.figure(fig, caption)


def write_report(run: Any, summary: dict[str, Any]) -> dict[str, Any]:
    from ..report import HTMLReport, hull_figure, new_figure

    s = run.s
    root = Path(run.folder.root)
    figdir = root / "figures"
    figdir.mkdir(exist_ok=True)
    figures: dict[str, str] = {}
    st = summary["stages"]
    pot, relax, ce, mc = st["potential"], st["relax"], st["expansion"], st["montecarlo"]
    xs = ce["x_species"]
    rep = HTMLReport(f"Phase diagram of {'-'.join(s.species)} on {s.lattice} from {s.oracle}", toc=True)
    rep.heading("Summary")
    rep.paragraph(
        f"{summary['oracle_calls']} oracle calls ({s.oracle}) in {summary['seconds']:.0f} s. Route: "
        + ("a moment tensor potential trained by active learning relaxes every structure"
           if s.potential == "mtp" else "every structure relaxed with the oracle (the classic route)")
        + f"; {relax['n_structures']} structures up to {s.max_atoms} atoms; cluster expansion with cutoffs "
        f"{', '.join(f'{c:g}' for c in ce['cutoffs'])} Å chosen by cross-validation; Monte Carlo on "
        f"{mc['supercell_sites']} sites.")
    rows = [[g["formula"], g["x"], g["spacegroup"], g["mixing_energy_meV_per_atom"]] for g in ce["ground_states"]]
    rep.table(["ground state", f"x({xs})", "space group", "mixing energy (meV/atom)"], rows)
    rows = [[k, v["formula"], v["free_energy_crossing_K"], v["heating_peak_K"], v["cooling_peak_K"]]
            for k, v in mc["transitions"].items()]
    rep.table([f"x({xs})", "phase", "T order-disorder, free energy (K)", "heating C peak (K)",
               "cooling C peak (K)"], rows)
    rep.table(["stage", "oracle calls", "seconds"],
              [[k, summary["oracle_calls_by_stage"].get(k, 0), summary["seconds_by_stage"].get(k, 0.0)]
               for k in ("potential", "relax", "expansion", "montecarlo")])
    _save(rep, phase_diagram_plot(mc, xs), figdir, "phase_diagram",
          "Temperature-composition phase diagram: two-phase regions where the free energies of two "
          "phases' branches cross (tie lines), order-disorder temperatures at fixed composition.", figures)

    if pot is not None:
        rep.heading("a. Potential: active learning from the oracle")
        rep.paragraph(
            f"A level-{pot['level']} moment tensor potential, trained on {pot['n_train']} oracle-labelled "
            f"frames: small enumerated cells (up to {s.train_max_atoms} atoms), strained and rattled, then "
            "rounds of relaxing every enumerated structure with the potential and labelling the relaxed "
            f"structures that extend its MaxVol active set most (grade above {s.gamma_select}).")
        rep.table(["round", "frames", "oracle calls", "added", "candidates", "largest grade"],
                  [[r["round"], r["n_train"], r["oracle_calls"], r["added"], r.get("candidates", "-"),
                    r.get("max_grade") if r.get("max_grade") is not None else "-"] for r in pot["rounds"]])

    rep.heading("b. Relaxation of the enumerated structures")
    rc = relax["recheck"]
    rep.paragraph(
        f"{relax['n_structures']} structures relaxed (cell and positions, BFGS, fmax {s.fmax} eV/Å) with "
        + ("the potential" if s.potential == "mtp" else "the oracle")
        + f"; {relax['n_off_lattice']} left the lattice and are not fitted; {relax['not_converged']} did not "
        f"converge in {s.max_steps} steps; {relax['mean_steps']:.1f} steps on average."
        + (f" Re-checked with the oracle at the potential's geometry on {len(rc['ids'])} random structures: "
           f"energy RMSE {rc['energy_rmse_meV_per_atom']:.2f} meV/atom, largest "
           f"{rc['energy_max_abs_meV_per_atom']:.2f} meV/atom." if rc else ""))
    recs = RunFolder.read_json(Path(relax["structures"]))
    fig = new_figure(6, 3.5)
    ax = fig.subplots()
    ax.hist([r["steps"] for r in recs], bins=30, color="#47a")
    ax.set_xlabel("optimiser steps")
    ax.set_ylabel("structures")
    _save(rep, fig, figdir, "relax_steps", "Steps each relaxation took.", figures)

    rep.heading("c. Cluster expansion and ground states")
    rep.paragraph(
        f"Cutoffs chosen by {s.cv_splits}-fold cross-validation of the fit itself (LASSO under ground-state "
        f"constraints, pure end members exact) among {len(ce['cutoff_table'])} nested candidates by neighbour "
        f"shell; on {ce['n_structures']} "
        f"structures: {ce['n_parameters']} parameters, CV RMSE {ce['rmse_cv_meV_per_site']:.2f} meV/site, "
        f"training RMSE {ce['rmse_train_meV_per_site']:.2f} meV/site. Ground-state loop: "
        + "; ".join(f"round {r['round']}: {len(r['new'])} new" for r in ce["loop"]) + ".")
    rep.table(["cutoffs (Å)", "parameters", "CV RMSE (meV/site)", "train RMSE"],
              [[" / ".join(f"{c:g}" for c in r["cutoffs"]), r["n_parameters"],
                r["rmse_cv"] if r["rmse_cv"] is not None else "cannot keep the hull",
                r["rmse_train"] if r["rmse_train"] is not None else "-"]
               for r in ce["cutoff_table"]])
    fit = RunFolder.read_json(Path(ce["expansion"]).parent / "fit.json")
    x, y, yc, yf = (np.array(fit[k], dtype=float) for k in ("x", "y", "y_cv", "y_fit"))
    fig = new_figure(5, 4.5)
    ax = fig.subplots()
    ok = np.isfinite(yc)
    ax.plot(1000 * y[ok], 1000 * yc[ok], ".", ms=4, color="#47a", label="cross-validated")
    lim = [1000 * y.min() - 5, 1000 * y.max() + 5]
    ax.plot(lim, lim, "k--", lw=0.8)
    ax.set_xlabel("relaxed mixing energy (meV/site)")
    ax.set_ylabel("cluster expansion (meV/site)")
    ax.legend()
    _save(rep, fig, figdir, "ce_parity", "Cluster expansion against the relaxed energies (CV).", figures)
    _save(rep, hull_figure(x, y, yf, None, f"x({xs})"), figdir, "hull",
          "Relaxed and fitted mixing energies and their convex hulls.", figures)

    rep.heading("d. Monte Carlo and free energies")
    rep.paragraph(
        f"Canonical heating from each ordered ground state and cooling from infinite temperature on "
        f"{mc['supercell_sites']} sites ({s.sweeps} sweeps per temperature after {s.equilibration}); the "
        "order-disorder temperature where the free energies of the two branches, integrated from the "
        "ground state and from infinite temperature, cross. Semi-grand-canonical branches of every phase "
        f"along the chemical potential at {len(mc['diagram'])} temperatures (step {s.mu_step} eV); the "
        "two-phase regions where the branches' free energies cross. "
        + ("Every crossing lies inside the hysteresis of the branches." if mc["all_inside_hysteresis"]
           else "Some crossings lie outside the branches' hysteresis: more sweeps are needed."))
    for key, v in mc["transitions"].items():
        fig = new_figure(9, 3.2)
        a1, a2, a3 = fig.subplots(1, 3)
        for name, c in (("heating", "#c33"), ("cooling", "#36c")):
            b = v[name]
            t = np.array(b["temperatures"], dtype=float)
            keep = t < 1e8
            a1.plot(t[keep], 1000 * np.array(b["energy_mean"])[keep], ".-", color=c, label=name)
            a2.plot(t[keep], np.array(b["heat_capacity"])[keep], ".-", color=c)
        fe = v["free_energy"]
        a3.plot(fe["temperatures"], 1000 * np.array(fe["free_energy_ordered"]), "-", color="#c33", label="ordered")
        a3.plot(fe["temperatures"], 1000 * np.array(fe["free_energy_disordered"]), "-", color="#36c",
                label="disordered")
        if v["free_energy_crossing_K"] is not None:
            a3.axvline(v["free_energy_crossing_K"], color="k", lw=0.8)
        a1.set_xlabel("T (K)")
        a1.set_ylabel("E (meV/site)")
        a1.legend(fontsize=7)
        a2.set_xlabel("T (K)")
        a2.set_ylabel("C (k_B/site)")
        a3.set_xlabel("T (K)")
        a3.set_ylabel("F (meV/site)")
        a3.legend(fontsize=7)
        _save(rep, fig, figdir, f"transition_x{key}",
              f"{v['formula']} (x = {key}): energy and heat capacity on heating and cooling, and the free "
              f"energies of both branches; they cross at {v['free_energy_crossing_K']} K.", figures)
    rows = []
    for row in mc["diagram"]:
        for b in row["boundaries"]:
            h = b["hysteresis"]
            rows.append([row["temperature"], " + ".join(b["phases"]), b["x_low"], b["x_high"], b["mu"],
                         h["mu_down_jump"] if h["mu_down_jump"] is not None else "-",
                         h["mu_up_jump"] if h["mu_up_jump"] is not None else "-",
                         "yes" if h["inside"] else "NO"])
    rep.table(["T (K)", "phases", "x low", "x high", "mu coexistence (eV)", "mu lower jump", "mu upper jump",
               "inside hysteresis"], rows)

    rep.heading("Provenance")
    import ase
    import numpy

    rep.table(["item", "value"],
              [["matterlearn", summary["matterlearn_version"]], ["ASE", ase.__version__],
               ["numpy", numpy.__version__], ["Python", platform.python_version()],
               ["machine", platform.machine()], ["run folder", str(root)],
               ["stages resumed from an earlier run", ", ".join(summary["resumed_stages"]) or "none"]]
              + [[k, str(v)] for k, v in s.to_dict().items()])
    report_path = root / "report.html"
    rep.write(report_path)
    return {"report": str(report_path), "figures": figures}
