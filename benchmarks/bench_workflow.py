"""The main job against the classic route, measured side by side on the same structures.

Runs ``matterlearn workflow phase-diagram`` twice on Cu-Au with EMT as the oracle (fcc structures
up to 8 atoms, two Dask workers): with a moment tensor potential trained by active learning, and
with ``--potential none`` (every structure relaxed with EMT, as ATAT's maps would). Prints and
writes (``--json``) the comparison of the acceptance figures: mixing energies of the relaxed
structures, ground states, order-disorder temperatures, oracle calls and wall time.

    python benchmarks/bench_workflow.py [--out DIR] [--json FILE] [--quick]

Each run keeps its folder, so a second call only compares (delete the folders to rerun).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def mixing(records: list[dict], n_prim: int = 1) -> dict[int, float]:
    """Mixing energy per atom of each on-lattice structure, from the pure end members of the same run."""
    pure = {r["formula"]: r["energy"] / r["n_atoms"] for r in records if r["n_atoms"] == n_prim}
    out = {}
    for r in records:
        if not r["on_lattice"]:
            continue
        counts = _counts(r["formula"])
        n = sum(counts.values())
        ref = sum(c / n * pure[el] for el, c in counts.items())
        out[r["id"]] = r["energy"] / r["n_atoms"] - ref
    return out


def _counts(formula: str) -> dict[str, int]:
    from ase.formula import Formula

    return dict(Formula(formula).count())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="benchmarks/results/workflow", help="folder of the two runs")
    ap.add_argument("--json", default="benchmarks/results/workflow.json")
    ap.add_argument("--quick", action="store_true", help="the quick preset (a smoke test)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from dask.distributed import Client, LocalCluster

    from matterlearn.workflows import WorkflowSettings, phase_diagram_workflow

    out = Path(args.out)
    client = Client(LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True))
    runs = {}
    for route in ("mtp", "none"):
        t0 = time.perf_counter()
        runs[route] = phase_diagram_workflow(out / route, WorkflowSettings.preset(quick=args.quick, potential=route),
                                             client=client)
        print(f"{route}: {time.perf_counter() - t0:.0f} s this call, {runs[route]['seconds']:.0f} s in all",
              flush=True)
    client.close()
    recs = {k: json.loads(Path(r["stages"]["relax"]["structures"]).read_text()) for k, r in runs.items()}
    em, ec = mixing(recs["mtp"]), mixing(recs["none"])
    common = sorted(set(em) & set(ec))
    d = np.array([em[k] - ec[k] for k in common]) * 1000
    gs = {k: [(g["formula"], g["spacegroup"]) for g in r["ground_states"]] for k, r in runs.items()}
    tc = {k: r["transition_temperatures_K"] for k, r in runs.items()}
    dtc = {x: (tc["mtp"].get(x), tc["none"].get(x)) for x in sorted(set(tc["mtp"]) | set(tc["none"]))}
    res = {
        "structures_compared": len(common),
        "mixing_energy_rmse_meV_per_atom": float(np.sqrt(np.mean(d ** 2))),
        "mixing_energy_max_abs_meV_per_atom": float(np.abs(d).max()),
        "ground_states": gs, "same_ground_states": gs["mtp"] == gs["none"],
        "transition_temperatures_K": dtc,
        "transition_temperature_differences_K": {x: (a - b if a is not None and b is not None else None)
                                                 for x, (a, b) in dtc.items()},
        "oracle_calls": {k: r["oracle_calls"] for k, r in runs.items()},
        "oracle_call_ratio": runs["mtp"]["oracle_calls"] / runs["none"]["oracle_calls"],
        "seconds": {k: r["seconds"] for k, r in runs.items()},
        "seconds_by_stage": {k: r["seconds_by_stage"] for k, r in runs.items()},
        "cutoffs": {k: r["stages"]["expansion"]["cutoffs"] for k, r in runs.items()},
        "ce_rmse_cv_meV_per_site": {k: r["stages"]["expansion"]["rmse_cv_meV_per_site"] for k, r in runs.items()},
        "boundaries_inside_hysteresis": {k: r["stages"]["montecarlo"]["all_inside_hysteresis"]
                                         for k, r in runs.items()},
    }
    print(json.dumps(res, indent=1))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
