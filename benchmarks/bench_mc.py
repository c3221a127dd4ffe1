"""Canonical Monte Carlo speed: matterlearn against icet's mchammer on the same ECIs.

    python benchmarks/bench_mc.py [--sweeps N]

A 2048-site fcc Au-Cu supercell (8x8x8 conventional cells) at x(Au) = 0.25 and 600 K, with a
cluster expansion of 9 parameters (pairs to 5.7 Å, triplets to 4.0 Å, quadruplets to 3.0 Å).
Trial steps per second on one core; the kernel is compiled once before timing.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from ase.build import bulk

from matterlearn.ce import ClusterExpansion, ClusterSpace
from matterlearn.mc import CanonicalEnsemble

# ECIs of an EMT Au-Cu fit (eV per site, cluster-vector coefficients); any values would time the same
ECIS = [0.00432, -0.00331, 0.02154, -0.00172, 0.00097, -0.00093, 0.00071, -0.00042, 0.00018]


def setup():  # type: ignore[no-untyped-def]
    prim = bulk("Cu", a=3.8)
    cs = ClusterSpace(prim, [5.7, 4.0, 3.0], ["Au", "Cu"])
    ce = ClusterExpansion(cs, np.array(ECIS))
    cell = bulk("Cu", "fcc", a=3.8, cubic=True).repeat(8)
    rng = np.random.default_rng(0)
    symbols = np.array(["Cu"] * len(cell))
    symbols[rng.choice(len(cell), len(cell) // 4, replace=False)] = "Au"
    cell.set_chemical_symbols(symbols.tolist())
    return ce, cell


def ours(sweeps: int) -> float:
    ce, cell = setup()
    ens = CanonicalEnsemble(ce, cell, 600.0, seed=0)
    ens.run(1)  # compile
    data = ens.run(sweeps)
    return data.trial_steps_per_second


def icet_mchammer(steps: int) -> float | None:
    try:
        import icet
        from mchammer.calculators import ClusterExpansionCalculator
        from mchammer.ensembles import CanonicalEnsemble as McCanonical
    except ImportError:
        return None
    ce, cell = setup()
    p = ce.cluster_space.prim
    ics = icet.ClusterSpace(p, ce.cluster_space.cutoffs, ["Au", "Cu"])
    ice = icet.ClusterExpansion(ics, ce.ecis)
    calc = ClusterExpansionCalculator(cell, ice)
    ens = McCanonical(cell, calc, temperature=600.0, random_seed=0,
                      dc_filename=None, ensemble_data_write_interval=10**9)
    t0 = time.perf_counter()
    ens.run(steps)
    return steps / (time.perf_counter() - t0)


if __name__ == "__main__":
    sweeps = int(sys.argv[sys.argv.index("--sweeps") + 1]) if "--sweeps" in sys.argv else 200
    rate = ours(sweeps)
    print(f"matterlearn canonical: {rate:,.0f} trial steps/s (2048 sites, {sweeps} sweeps)")
    other = icet_mchammer(20000)
    if other is None:
        print("icet not installed: no comparison")
    else:
        print(f"icet mchammer canonical: {other:,.0f} trial steps/s; ratio {rate / other:.0f}x")
