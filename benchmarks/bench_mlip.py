"""Moment tensor potential on EMT Cu-Au: accuracy for a training budget, NVE drift, MD speed.

    python benchmarks/bench_mlip.py [--levels 16,24] [--minutes 5,15] [--json FILE]

Data (the acceptance set of the MLIP issue): ``emt_potential_frames`` with fcc Cu(1-x)Au(x),
x in {0, 0.25, 0.5}, 32- and 108-atom cells, Langevin MD at 300, 800 and 1200 K with and without a
vacancy (13 frames per trajectory) and 12 strained cells: 480 frames, split by trajectory (about
70/30) so that no test frame is a neighbour in time of a training frame.

For each level: train on one core for the given wall-clock budget, report the test errors, then
run 2 ps of NVE MD of 500 atoms (Cu-25% Au, 1 fs) for the energy drift, and time MD steps.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
from ase.build import bulk

from matterlearn.datasets import emt_potential_frames
from matterlearn.mlip import MLIPCalculator, error_report, run_md, train_mtp


def dataset() -> tuple[list, list]:  # type: ignore[type-arg]
    frames = emt_potential_frames(("Cu", "Au"), fractions=(0.0, 0.25, 0.5), repeats=(2, 3),
                                  frames_per_trajectory=13, n_strained=12, seed=0)
    traj = sorted({a.info["trajectory"] for a in frames})
    rng = np.random.default_rng(0)
    rng.shuffle(traj)
    test_traj = set(traj[: int(0.31 * len(traj))])
    train = [a for a in frames if a.info["trajectory"] not in test_traj]
    test = [a for a in frames if a.info["trajectory"] in test_traj]
    return train, test


def md_structure(seed: int = 0):  # type: ignore[no-untyped-def]
    atoms = bulk("Cu", "fcc", a=3.70, cubic=True).repeat(5)  # 500 atoms
    rng = np.random.default_rng(seed)
    atoms.symbols[rng.choice(len(atoms), len(atoms) // 4, replace=False)] = "Au"
    return atoms


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--levels", default="16,24")
    ap.add_argument("--minutes", default="5,15")
    ap.add_argument("--md-steps", type=int, default=2000)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    t = time.perf_counter()
    train, test = dataset()
    print(f"data: {len(train)} training and {len(test)} test frames ({time.perf_counter() - t:.0f} s with EMT)")
    results = {}
    for level, minutes in zip((int(v) for v in args.levels.split(",")), (float(v) for v in args.minutes.split(","))):
        t = time.perf_counter()
        budget = 60 * minutes - 10
        initial = None
        if level > 20:
            # large bases: optimise the radial functions at level 16 first (a third of the budget),
            # then fit the level-`level` basis on them
            initial, _ = train_mtp(train, level=16, cutoff=5.0, max_iter=100_000, lbfgs_steps=50,
                                   nonlinear_frames=50, time_limit=budget / 3, seed=0, active_set=False)
            budget -= time.perf_counter() - t
        pot, history = train_mtp(train, level=level, cutoff=5.0, max_iter=100_000, lbfgs_steps=50,
                                 nonlinear_frames=30 if initial is not None else 50,
                                 full_every=1000 if initial is not None else 4, time_limit=budget, seed=0,
                                 initial=initial)
        seconds = time.perf_counter() - t
        rep = error_report(pot, test)
        atoms = md_structure()
        calc = MLIPCalculator(pot)
        md = run_md(atoms, calc, temperature=600.0, steps=args.md_steps, timestep=1.0, ensemble="nve",
                    interval=50, seed=1)
        res = {
            "level": level, "n_basis": pot.basis.n_basis, "train_seconds": round(seconds, 1),
            "test_energy_per_atom_rmse_meV": rep["energy_per_atom_rmse_meV"],
            "test_forces_rmse_meV_per_A": rep["forces_rmse_meV_per_A"],
            "test_stress_rmse_GPa": rep["stress_rmse_GPa"],
            "nve_drift_meV_per_atom": float(md["energy_drift_per_atom_meV"]),
            "md_atom_steps_per_second": float(md["atom_steps_per_second"]),
            "history": history,
        }
        results[level] = res
        print(f"level {level} ({pot.basis.n_basis} basis functions), trained {seconds:.0f} s: test E/atom RMSE "
              f"{res['test_energy_per_atom_rmse_meV']:.2f} meV, F RMSE {res['test_forces_rmse_meV_per_A']:.1f} meV/Å, "
              f"S RMSE {res['test_stress_rmse_GPa']:.3f} GPa; NVE {args.md_steps} fs of 500 atoms: drift "
              f"{res['nve_drift_meV_per_atom']:.3f} meV/atom, {res['md_atom_steps_per_second']:.0f} atom-steps/s")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
