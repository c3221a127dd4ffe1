"""Composition featurizing speed: 10,000 ``matbench_mp_e_form`` formulas, the full feature set,
one core; matminer's rate beside it when installed (a few hundred formulas per second).

    python benchmarks/bench_features.py
"""

from __future__ import annotations

import time

from matterlearn.data._composition import _parse
from matterlearn.datasets import load
from matterlearn.features import CompositionFeaturizer


def main() -> None:
    formulas = load("matbench_mp_e_form").inputs[:10000]
    f = CompositionFeaturizer().fit(formulas)
    best = float("inf")
    for _ in range(3):
        _parse.cache_clear()  # parse every formula again
        t0 = time.perf_counter()
        f.transform(formulas)
        best = min(best, time.perf_counter() - t0)
    print(f"matterlearn: {len(formulas)} formulas x {f.n_features_out_} features in {best:.3f} s "
          f"({len(formulas) / best:,.0f} formulas/s)")
    try:
        from matminer.featurizers.composition import (
            ElementProperty,
            IonProperty,
            Stoichiometry,
            ValenceOrbital,
        )
        from pymatgen.core import Composition
    except ImportError:
        print("matminer not installed: no comparison")
        return
    feats = [ElementProperty.from_preset("magpie"), Stoichiometry(), ValenceOrbital(),
             IonProperty(fast=True)]
    sample = formulas[:500]
    t0 = time.perf_counter()
    for formula in sample:
        comp = Composition(formula)
        for feat in feats:
            feat.featurize(comp)
    rate = len(sample) / (time.perf_counter() - t0)
    print(f"matminer: {rate:,.0f} formulas/s; ratio {len(formulas) / best / rate:.0f}x")


if __name__ == "__main__":
    main()
