"""Canonical Monte Carlo speed: matterlearn against icet's mchammer on the same ECIs.

    python benchmarks/bench_mc.py [--sweeps N] [--tc]

``--tc`` adds the order-disorder temperature from cooling and heating scans, and the same
cooling scan in icet's mchammer (a few minutes).

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

# ECIs (eV/site, cluster-vector coefficients) of the EMT Au-Cu expansion of the README:
#   matterlearn ce enumerate --prim fcc --species Au,Cu --max-atoms 8 --db aucu.db
#   matterlearn ce label --db aucu.db --relax
#   matterlearn ce fit --db aucu.db --cutoffs 5.7,4.0,3.0 --skip-unmappable --hull-constraints -o ce.json
ECIS = [0.012476, 0.00733, 0.035924, -0.019017, -0.014717, 0.002, -0.018593, -0.00269, -0.001069]


def setup():  # type: ignore[no-untyped-def]
    from matterlearn.ce import builtin_prim

    prim = builtin_prim("fcc", ["Au", "Cu"])  # a = 3.859 Å, as `ce enumerate` made it
    cs = ClusterSpace(prim, [5.7, 4.0, 3.0], ["Au", "Cu"])
    ce = ClusterExpansion(cs, np.array(ECIS))
    a = float(np.linalg.norm(prim.cell[0])) * np.sqrt(2)
    cell = bulk("Cu", "fcc", a=a, cubic=True).repeat(8)
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


def main() -> None:
    sweeps = int(sys.argv[sys.argv.index("--sweeps") + 1]) if "--sweeps" in sys.argv else 200
    rate = ours(sweeps)
    print(f"matterlearn canonical: {rate:,.0f} trial steps/s (2048 sites, {sweeps} sweeps)")
    other = icet_mchammer(20000)
    if other is None:
        print("icet not installed: no comparison")
    else:
        print(f"icet mchammer canonical: {other:,.0f} trial steps/s; ratio {rate / other:.0f}x")
    if "--tc" in sys.argv:
        transition_temperatures()


def transition_temperatures(repeat: int = 8, sweeps: int = 400, equilibration: int = 150) -> None:
    """Order-disorder temperature at x(Au) = 0.25 from cooling and heating heat-capacity scans,
    in matterlearn and icet's mchammer, on the same ECIs and the same supercell."""
    from matterlearn.mc import heat_capacity, set_composition, supercell, temperature_scan, transition_temperature

    ce, _ = setup()
    atoms = set_composition(supercell(ce, (repeat,) * 3), ["Au", "Cu"], {"Au": 0.25}, seed=0)
    temps = list(range(800, 199, -40))
    ours = {}
    cool = temperature_scan(ce, atoms, temps, sweeps, equilibration, seed=0)
    heat = temperature_scan(ce, cool.pop("final_structure"), temps[::-1], sweeps, equilibration, seed=1)
    for name, scan in (("cooling", cool), ("heating", heat)):
        ours[name] = (scan["transition_temperature"], scan["transition_temperature_uncertainty"])
        ours[name + "_order"] = (scan["order_transition_temperature"],
                                 scan["order_transition_temperature_uncertainty"])
    print(f"matterlearn, {len(atoms)} sites: Tc cooling {ours['cooling'][0]:.0f} ± {ours['cooling'][1]:.0f} K, "
          f"heating {ours['heating'][0]:.0f} ± {ours['heating'][1]:.0f} K (heat-capacity peak); "
          f"long-range order halves at {ours['cooling_order'][0]:.0f} ± {ours['cooling_order'][1]:.0f} K "
          f"(cooling), {ours['heating_order'][0]:.0f} ± {ours['heating_order'][1]:.0f} K (heating)")
    try:
        import icet
        from mchammer.calculators import ClusterExpansionCalculator
        from mchammer.ensembles import CanonicalEnsemble as McCanonical
    except ImportError:
        print("icet not installed: no comparison")
        return
    ics = icet.ClusterSpace(ce.cluster_space.prim, ce.cluster_space.cutoffs, ["Au", "Cu"])
    calc = ClusterExpansionCalculator(atoms, icet.ClusterExpansion(ics, ce.ecis))
    structure = atoms.copy()
    caps = []
    for t in temps:
        ens = McCanonical(structure, calc, temperature=t, random_seed=0,
                          ensemble_data_write_interval=len(atoms))
        ens.run((sweeps + equilibration) * len(atoms))
        e = np.array(ens.data_container.get("potential"))[equilibration:]
        caps.append(heat_capacity(e, t, len(atoms))[0])
        structure = ens.structure
    tc = transition_temperature(np.array(temps), np.array(caps))
    print(f"icet mchammer, same cooling scan: Tc {tc['transition_temperature']:.0f} ± "
          f"{tc['uncertainty']:.0f} K; difference to matterlearn's cooling scan "
          f"{tc['transition_temperature'] - ours['cooling'][0]:+.0f} K")


if __name__ == "__main__":
    main()
