"""Structure features against composition features on elastic_tensor_2015 (log10 G_VRH, log10 K_VRH).

    python benchmarks/bench_structure.py [--models rf] [--json FILE]

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
from matterlearn.regress import benchmark


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="rf")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    ds = load("elastic_tensor_2015")
    formulas = [a.get_chemical_formula(empirical=False) for a in ds.inputs]
    Xc = CompositionFeaturizer().fit_transform(formulas)
    Xs = StructureFeaturizer().fit_transform(ds.inputs)
    folds = list(KFold(5, shuffle=True, random_state=18012019).split(Xc))
    out = {}
    for target in ("G_VRH", "K_VRH"):
        y = np.log10(ds.column(target))
        ok = np.isfinite(y)
        if not ok.all():
            raise SystemExit(f"{target}: non-positive moduli")
        for name, X in (("composition", Xc), ("structure", Xs)):
            res = benchmark(X, y, "regression", folds, args.models.split(","), dataset=f"elastic log10({target})")
            for model, r in res["models"].items():
                out[f"{target}/{name}/{model}"] = {k: r[k] for k in ("mae_mean", "mae_std", "r2_mean")}
                print(f"log10({target}) {name:11s} {model}: MAE {r['mae_mean']:.4f} ± {r['mae_std']:.4f}, "
                      f"r2 {r['r2_mean']:.3f}", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
