"""Conformal intervals on the outer test folds, and a screening run of 10,000 candidates.

    python benchmarks/bench_uncertainty.py [--tasks steels,expt_gap,elastic] [--jobs 2]
        [--screen] [--figure docs/figures/screen_expt_gap.png] [--json FILE]

Coverage: nested CV with the official Matbench folds (steels, expt_gap; composition features)
and the shuffled 5 folds of ``bench_structure.py`` (elastic_tensor_2015, log10 G_VRH, structure
features); every model wrapped in CV+ conformal intervals at 90 %, calibrated on each outer
training part only; the fraction of all outer test points inside their interval, the mean
width, and the coverage of the model's own spread taken as a Gaussian where it has one.

Screening (``--screen``): an extra-trees model of ``matbench_expt_gap`` with conformal intervals,
fitted on all of it, ranks the first 10,000 formulas of ``matbench_mp_e_form`` (real Materials
Project compounds) for a solar absorber's gap window, 1.1 to 1.7 eV, on one core; the time is
featurizing, predicting, intervals and the domain check together.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from sklearn.model_selection import KFold

from matterlearn.datasets import load
from matterlearn.features import CompositionFeaturizer, StructureFeaturizer
from matterlearn.regress import (
    ApplicabilityDomain,
    ConformalRegressor,
    benchmark,
    make_model,
    screen,
)

RUNS = {
    "steels": "rf,et,gpr,krr",
    "expt_gap": "rf",
    "elastic": "rf,gpr,krr",
}


def coverage(task: str, models: str, jobs: int) -> dict:
    if task == "elastic":
        ds = load("elastic_tensor_2015")
        X = StructureFeaturizer().fit_transform(ds.inputs)
        y = np.log10(ds.column("G_VRH"))
        folds = list(KFold(5, shuffle=True, random_state=18012019).split(X))
        name = "elastic_tensor_2015 log10 G_VRH"
    else:
        ds = load(f"matbench_{task}")
        X = CompositionFeaturizer().fit_transform(ds.inputs)
        y, folds, name = ds.targets, ds.folds, ds.name
    t0 = time.perf_counter()
    res = benchmark(X, y, "regression", folds, models.split(","), dataset=name, intervals=0.9, n_jobs=jobs)
    out = {}
    for model, r in res["models"].items():
        row = {"mae": r["mae_mean"], "coverage": r["coverage"], "mean_width": r["mean_width_mean"],
               "own_spread_coverage": r.get("own_spread_coverage_mean")}
        out[model] = row
        own = "" if row["own_spread_coverage"] is None else f", own spread {row['own_spread_coverage']:.1%}"
        print(f"{name:32s} {model:4s} MAE {row['mae']:.4g}, 90% intervals cover {row['coverage']:.1%}, "
              f"mean width {row['mean_width']:.3g}{own}", flush=True)
    print(f"{name}: {time.perf_counter() - t0:.0f} s with {jobs} process(es)", flush=True)
    return out


def screening(figure: str | None) -> dict:
    import torch

    torch.set_num_threads(1)
    gap = load("matbench_expt_gap")
    feat = CompositionFeaturizer()
    X = feat.fit_transform(gap.inputs)
    t0 = time.perf_counter()
    model = ConformalRegressor(make_model("et"), seed=0).fit(X, gap.targets)
    domain = ApplicabilityDomain().fit(X)
    fit_s = time.perf_counter() - t0
    candidates = load("matbench_mp_e_form").inputs[:10_000]
    t0 = time.perf_counter()
    F = feat.transform(candidates)
    res = screen(model, F, "range:1.1:1.7", coverage=0.9, domain=domain, features=F)
    seconds = time.perf_counter() - t0
    inside = int(np.sum(np.abs(res.prediction - 1.4) <= 0.3))
    print(f"screened {len(candidates):,} formulas in {seconds:.1f} s (fit {fit_s:.0f} s): {inside:,} predicted "
          f"in 1.1-1.7 eV, {int(np.sum(~res.in_domain)):,} outside the domain; best "
          f"{[candidates[i] for i in res.order[:5]]}", flush=True)
    if figure:
        from matterlearn.report import screening_figure

        screening_figure(res, list(candidates), [[] for _ in candidates],
                         {"target": "band gap (eV)", "task": "regression"}, figure)
    return {"n": len(candidates), "seconds": seconds, "fit_seconds": fit_s, "in_window": inside,
            "outside_domain": int(np.sum(~res.in_domain))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", default="steels,expt_gap,elastic")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--screen", action="store_true")
    ap.add_argument("--figure", default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    out: dict = {}
    for task in [t for t in args.tasks.split(",") if t]:
        out[task] = coverage(task, RUNS[task], args.jobs)
    if args.screen:
        out["screen"] = screening(args.figure)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
