"""Structure features and CGCNN against composition features on elastic_tensor_2015 (log10 G_VRH,
log10 K_VRH).

    python benchmarks/bench_structure.py [--models rf,cgcnn] [--targets G_VRH,K_VRH] [--json FILE]

Feature-based models run on both feature sets; cgcnn runs on the crystal graphs.
Same outer folds for both feature sets (KFold 5, shuffled, seed 18012019, as Matbench); nested CV
with hyperparameters tuned on each outer training part.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from sklearn.model_selection import KFold

from matterlearn.datasets import load
from matterlearn.features import CompositionFeaturizer, StructureFeaturizer
from matterlearn.regress import GRAPH_MODELS, benchmark


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="rf,cgcnn")
    ap.add_argument("--targets", default="G_VRH,K_VRH")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    ds = load("elastic_tensor_2015")
    formulas = [a.get_chemical_formula(empirical=False) for a in ds.inputs]
    Xc = CompositionFeaturizer().fit_transform(formulas)
    Xs = StructureFeaturizer().fit_transform(ds.inputs)
    folds = list(KFold(5, shuffle=True, random_state=18012019).split(Xc))
    out = {}
    models = args.models.split(",")
    feature_models = [m for m in models if m not in GRAPH_MODELS]
    graph_models = [m for m in models if m in GRAPH_MODELS]
    for target in args.targets.split(","):
        y = np.log10(ds.column(target))
        ok = np.isfinite(y)
        if not ok.all():
            raise SystemExit(f"{target}: non-positive moduli")
        runs = [("composition", Xc, feature_models), ("structure", Xs, feature_models), ("graph", Xs, graph_models)]
        for name, X, which in runs:
            if not which:
                continue
            res = benchmark(X, y, "regression", folds, which, dataset=f"elastic log10({target})",
                            structures=ds.inputs)
            for model, r in res["models"].items():
                out[f"{target}/{name}/{model}"] = {k: r[k] for k in ("mae_mean", "mae_std", "r2_mean")}
                print(f"log10({target}) {name:11s} {model}: MAE {r['mae_mean']:.4f} ± {r['mae_std']:.4f}, "
                      f"r2 {r['r2_mean']:.3f}", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
