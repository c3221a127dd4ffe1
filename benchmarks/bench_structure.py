"""Structure features and graph networks (CGCNN, ALIGNN) against composition features on
elastic_tensor_2015 (log10 G_VRH, log10 K_VRH) or flla_2015 (formation energy per atom).

    python benchmarks/bench_structure.py [--dataset elastic_tensor_2015] [--models rf,cgcnn,alignn]
        [--targets G_VRH,K_VRH] [--epochs N] [--ensemble N] [--jobs N] [--json FILE]

Feature-based models run on both feature sets; cgcnn and alignn run on their graphs.
Same outer folds for both feature sets (KFold 5, shuffled, seed 18012019, as Matbench); nested CV
with hyperparameters tuned on each outer training part.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from sklearn.model_selection import KFold

from matterlearn.datasets import load
from matterlearn.features import CompositionFeaturizer, StructureFeaturizer
from matterlearn.regress import GRAPH_MODELS, benchmark

#: each dataset's targets and whether they are modelled as log10
TARGETS = {"elastic_tensor_2015": (["G_VRH", "K_VRH"], True),
           "flla_2015": (["formation_energy_per_atom"], False)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="elastic_tensor_2015", choices=sorted(TARGETS))
    ap.add_argument("--models", default="rf,cgcnn")
    ap.add_argument("--targets", default=None)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--ensemble", type=int, default=None)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    targets, log10 = TARGETS[args.dataset]
    targets = args.targets.split(",") if args.targets else targets
    graph_options = {k: v for k, v in (("epochs", args.epochs), ("n_models", args.ensemble)) if v is not None}
    ds = load(args.dataset)
    formulas = [a.get_chemical_formula(empirical=False) for a in ds.inputs]
    Xc = CompositionFeaturizer().fit_transform(formulas)
    Xs = StructureFeaturizer().fit_transform(ds.inputs)
    folds = list(KFold(5, shuffle=True, random_state=18012019).split(Xc))
    out = {}
    models = args.models.split(",")
    feature_models = [m for m in models if m not in GRAPH_MODELS]
    graph_models = [m for m in models if m in GRAPH_MODELS]
    for target in targets:
        y = np.log10(ds.column(target)) if log10 else ds.column(target)
        ok = np.isfinite(y)
        if not ok.all():
            raise SystemExit(f"{target}: non-positive moduli")
        label = f"log10({target})" if log10 else target
        runs = [("composition", Xc, feature_models), ("structure", Xs, feature_models), ("graph", Xs, graph_models)]
        for name, X, which in runs:
            if not which:
                continue
            t0 = time.perf_counter()
            res = benchmark(X, y, "regression", folds, which, dataset=f"{args.dataset} {label}",
                            structures=ds.inputs, cgcnn_options=graph_options, n_jobs=args.jobs)
            for model, r in res["models"].items():
                out[f"{target}/{name}/{model}"] = {k: r[k] for k in ("mae_mean", "mae_std", "r2_mean")}
                out[f"{target}/{name}/{model}"]["seconds"] = sum(f["seconds"] for f in r["folds"])
                print(f"{label} {name:11s} {model}: MAE {r['mae_mean']:.4f} ± {r['mae_std']:.4f}, "
                      f"r2 {r['r2_mean']:.3f}", flush=True)
            print(f"{label} {name}: {time.perf_counter() - t0:.0f} s", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
