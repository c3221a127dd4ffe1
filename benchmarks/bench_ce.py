"""Cluster expansion: speed against icet, and the accuracy figures quoted in the README.

    python benchmarks/bench_ce.py            # speed (and the Ta-W fit)
    python benchmarks/bench_ce.py --emt      # also the EMT Au-Cu workflow (about 4 minutes)

Speed: building a cluster space, cluster vectors of 200 random supercells, and enumerating fcc
binaries up to 8 atoms, in matterlearn and (when installed) icet, one process.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from ase.build import bulk, make_supercell

from matterlearn.ce import (
    ClusterSpace,
    builtin_prim,
    compare_hulls,
    enumerate_structures,
    enumerate_to_database,
    fit_cluster_expansion,
    label_database,
    training_set,
)
from matterlearn.ce._expansion import active_composition


def timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def speed() -> None:
    prim = bulk("Au", a=4.0)
    cutoffs = [7.0, 5.0, 4.0]
    rng = np.random.default_rng(0)
    structures = []
    while len(structures) < 200:
        P = rng.integers(-3, 4, (3, 3))
        if 4 <= abs(round(np.linalg.det(P))) <= 32:
            s = make_supercell(prim, P)
            s.set_chemical_symbols(rng.choice(["Au", "Pd"], len(s)).tolist())
            structures.append(s)
    cs, t_cs = timed(lambda: ClusterSpace(prim, cutoffs, ["Au", "Pd"]))
    _, t_cv = timed(lambda: cs.cluster_vectors(structures))
    _, t_en = timed(lambda: sum(1 for _ in enumerate_structures(prim, range(1, 9), ["Au", "Pd"])))
    print(f"matterlearn: cluster space {t_cs:.3f} s; 200 cluster vectors {t_cv:.3f} s; "
          f"enumeration fcc <= 8 atoms {t_en:.3f} s")
    try:
        import icet
        from icet.tools import enumerate_structures as icet_enum
    except ImportError:
        print("icet not installed: no comparison")
        return
    ics, t_cs = timed(lambda: icet.ClusterSpace(prim, cutoffs, ["Au", "Pd"]))
    _, t_cv = timed(lambda: [ics.get_cluster_vector(s) for s in structures])
    _, t_en = timed(lambda: sum(1 for _ in icet_enum(prim, range(1, 9), ["Au", "Pd"])))
    print(f"icet {icet.__version__}:   cluster space {t_cs:.3f} s; 200 cluster vectors {t_cv:.3f} s; "
          f"enumeration fcc <= 8 atoms {t_en:.3f} s")
    # a training set that shares one supercell: tawo_dft, 250 cells of 128 atoms
    from matterlearn.datasets import load

    frames = load("tawo_dft").inputs
    prim = bulk("Ta", "bcc", a=3.194)
    ours = ClusterSpace(prim, [8.0, 5.5, 4.0], ["Ta", "W"])
    theirs = icet.ClusterSpace(prim, [8.0, 5.5, 4.0], ["Ta", "W"])
    _, t_ours = timed(lambda: ours.cluster_vectors(frames))
    _, t_icet = timed(lambda: [theirs.get_cluster_vector(a) for a in frames])
    print(f"tawo_dft, 250 x 128 atoms, 21 parameters: matterlearn {t_ours:.3f} s, icet {t_icet:.3f} s")


def tawo() -> None:
    from matterlearn.datasets import load

    ds = load("tawo_dft")
    cs = ClusterSpace(bulk("Ta", "bcc", a=3.194), [8.0, 5.5, 4.0], ["Ta", "W"])
    e = np.array([a.info["REF_energy"] for a in ds.inputs])
    x = ds.column("x_W")
    for constrain in (False, True):
        r = fit_cluster_expansion(cs, ds.inputs, e, method="ols", n_splits=10,
                                  constrain_hull=constrain)
        ok = compare_hulls(x, r.y, r.y_train_pred).reproduced
        print(f"tawo_dft, cutoffs 8.0/5.5/4.0, ols{' + hull constraints' if constrain else ''}: "
              f"RMSE train {r.rmse_train:.2f}, 10-fold CV {r.rmse_cv:.2f} meV/atom; "
              f"DFT ground states reproduced: {ok}")


def emt_aucu() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "aucu.db")
        prim = builtin_prim("fcc", ["Au", "Cu"])
        n = enumerate_to_database(prim, ["Au", "Cu"], 8, db)
        _, t = timed(lambda: label_database(db, "emt", relax=True))
        print(f"EMT Au-Cu: {n} structures up to 8 atoms relaxed in {t:.0f} s")
        for cutoffs in ([5.7, 4.0, 3.0], [8.0, 5.7, 4.0]):
            cs = ClusterSpace(prim, cutoffs, ["Au", "Cu"])
            structures, energies, _, info = training_set(db, cs, skip_unmappable=True)
            _, comp = active_composition(cs, structures)
            for constrain in (False, True):
                r = fit_cluster_expansion(cs, structures, energies, method="lasso",
                                          constrain_hull=constrain)
                ok = compare_hulls(comp[:, 1], r.y, r.y_train_pred).reproduced
                print(f"  cutoffs {cutoffs}, lasso{' + hull constraints' if constrain else ''}: "
                      f"{len(structures)} mapped ({len(info['skipped'])} left the lattice), "
                      f"RMSE train {r.rmse_train:.2f}, CV {r.rmse_cv:.2f} meV/atom, "
                      f"reference ground states reproduced: {ok}")


if __name__ == "__main__":
    speed()
    tawo()
    if "--emt" in sys.argv:
        emt_aucu()
