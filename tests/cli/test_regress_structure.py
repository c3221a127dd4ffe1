"""``regress benchmark --features structure`` on structure files and datasets."""

from __future__ import annotations

import json

import numpy as np
from ase.build import bulk

from matterlearn.data import write_frames


def test_structure_benchmark_from_extxyz(tmp_path, cli) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    frames = []
    for k in range(30):
        el, a0 = [("Cu", 3.61), ("Ag", 4.09), ("Al", 4.05)][k % 3]
        a = bulk(el, "fcc", a=a0 * rng.uniform(0.97, 1.03), cubic=True)
        a.info["volume_per_atom"] = a.get_volume() / len(a)
        frames.append(a)
    path = tmp_path / "s.extxyz"
    write_frames(path, frames)
    code, out, err = cli("regress", "benchmark", str(path), "--target", "volume_per_atom", "--features",
                         "structure", "--model", "ridge", "--log10", "--json", str(tmp_path / "r.json"))
    assert code == 0, err
    res = json.loads((tmp_path / "r.json").read_text())
    assert res["n"] == 30 and np.isfinite(res["models"]["ridge"]["mae_mean"])
    code, out, err = cli("regress", "benchmark", str(path), "--target", "nope", "--features", "structure")
    assert code == 1 and "no 'nope'" in err
    code, out, err = cli("regress", "benchmark", "matbench_steels", "--features", "structure")
    assert code == 1 and "formulas only" in err
