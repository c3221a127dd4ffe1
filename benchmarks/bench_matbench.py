"""The four Matbench composition tasks with the official folds and nested CV: the table of the
README (about an hour and a half on one core; ``--tasks`` picks some).

    python benchmarks/bench_matbench.py [--tasks steels,expt_gap,glass,expt_is_metal] [--json FILE]

The same runs from the command line, e.g.
``matterlearn regress benchmark matbench_steels --features fractions --model et,gbr,rf``.
"""

from __future__ import annotations

import argparse
import json

from matterlearn.datasets import load
from matterlearn.features import CompositionFeaturizer
from matterlearn.regress import benchmark

# task: (feature sets with their models)
RUNS = {
    "steels": [("fractions", ["et", "gbr", "rf"]), ("composition", ["rf"])],
    "expt_gap": [("composition", ["et-hurdle", "et"])],
    "glass": [("composition", ["rf", "et"])],
    "expt_is_metal": [("composition", ["rf", "et"])],
}


def featurizer(name: str) -> CompositionFeaturizer:
    if name == "fractions":
        return CompositionFeaturizer(magpie=False, stoichiometry=False, valence=False, ionic=False,
                                     fractions=True)
    return CompositionFeaturizer()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", default=",".join(RUNS))
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    out = {}
    for task in args.tasks.split(","):
        ds = load(f"matbench_{task}")
        for features, models in RUNS[task]:
            X = featurizer(features).fit_transform(ds.inputs)
            res = benchmark(X, ds.targets, ds.info.task, ds.folds, models, dataset=ds.name)
            for model, r in res["models"].items():
                out[f"{task}/{features}/{model}"] = {k: v for k, v in r.items() if k != "folds"}
                if ds.info.task == "regression":
                    print(f"{task:14s} {features:12s} {model:10s} MAE {r['mae_mean']:.4g} ± {r['mae_std']:.2g} "
                          f"{ds.info.unit}", flush=True)
                else:
                    print(f"{task:14s} {features:12s} {model:10s} balanced accuracy "
                          f"{r['balanced_accuracy_mean']:.3f} ± {r['balanced_accuracy_std']:.3f}, "
                          f"ROC-AUC {r['roc_auc_mean']:.3f}", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
