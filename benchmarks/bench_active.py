"""Active learning against training on everything: oracle calls needed for the same test error.

    python benchmarks/bench_active.py [--level 16] [--train-seconds 60] [--figure FILE] [--json FILE]

Same EMT Cu-Au data and trajectory split as ``bench_mlip.py``. The reference is a potential
trained on all training frames (each one an oracle call). Active learning starts from 10 random
training frames and explores by Langevin MD (300, 800, 1200 K) from 32- and 108-atom cells at
x(Au) = 0, 0.25 and 0.5, labelling with EMT at most ``--max-add`` configurations per round. The
figure shows the test force RMSE against oracle calls for both.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from ase.build import bulk

from matterlearn.mlip import active_learning, error_report, train_mtp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_mlip import dataset  # noqa: E402


def seeds() -> list:  # type: ignore[type-arg]
    out = []
    rng = np.random.default_rng(5)
    for r in (2, 3):
        for x in (0.0, 0.25, 0.5):
            a = 3.61 * (1 - x) + 4.06 * x
            atoms = bulk("Cu", "fcc", a=a, cubic=True).repeat(r)
            atoms.symbols[rng.choice(len(atoms), round(x * len(atoms)), replace=False)] = "Au"
            out.append(atoms)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--level", type=int, default=16)
    ap.add_argument("--train-seconds", type=float, default=60.0)
    ap.add_argument("--max-add", type=int, default=12)
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--md-steps", type=int, default=100)
    ap.add_argument("--figure", default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    train, test = dataset()
    full, _ = train_mtp(train, level=args.level, max_iter=100_000, lbfgs_steps=50, nonlinear_frames=50,
                        time_limit=args.train_seconds, seed=0)
    ref = error_report(full, test)
    print(f"all {len(train)} frames: test F RMSE {ref['forces_rmse_meV_per_A']:.2f} meV/Å, "
          f"E RMSE {ref['energy_per_atom_rmse_meV']:.2f} meV/atom")
    rng = np.random.default_rng(0)
    start = [train[k] for k in rng.choice(len(train), 10, replace=False)]
    _, _, history = active_learning(
        start, seeds(), "emt", level=args.level, temperatures=(300.0, 800.0, 1200.0), md_steps=args.md_steps,
        gamma_select=2.0, gamma_break=10.0, max_add=args.max_add, max_rounds=args.rounds,
        train_seconds=args.train_seconds, valid=test, seed=0,
        callback=lambda r: print(r, flush=True))
    last = history[-1]
    calls = 10 + last["oracle_calls"]
    print(f"active learning: {calls} oracle calls (10 to start), test F RMSE {last['forces_rmse_meV_per_A']:.2f} "
          f"meV/Å, E RMSE {last['energy_per_atom_rmse_meV']:.2f} meV/atom; ratio of oracle calls "
          f"{calls / len(train):.2f}")
    if args.figure:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
        ax.plot([10 + r["oracle_calls"] for r in history], [r["forces_rmse_meV_per_A"] for r in history], "o-",
                label="active learning (MaxVol)")
        ax.plot([len(train)], [ref["forces_rmse_meV_per_A"]], "s", label=f"all {len(train)} frames")
        ax.set_xlabel("oracle calls (EMT labels)")
        ax.set_ylabel("test force RMSE (meV/Å)")
        ax.set_yscale("log")
        ax.legend()
        fig.savefig(args.figure, dpi=120)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"reference": {k: ref[k] for k in ("forces_rmse_meV_per_A", "energy_per_atom_rmse_meV")},
                       "n_train_full": len(train), "history": history}, fh, indent=2)


if __name__ == "__main__":
    main()
