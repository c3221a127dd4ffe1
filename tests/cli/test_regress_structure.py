"""``regress benchmark --features structure`` on structure files and datasets."""

from __future__ import annotations

import json

import numpy as np
import pytest
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
    # the volume per atom is itself a structure feature: a linear model finds it almost exactly
    assert res["n"] == 30 and res["models"]["ridge"]["mae_over_mad"] < 0.2
    code, out, err = cli("regress", "benchmark", str(path), "--target", "nope", "--features", "structure")
    assert code == 1 and "no 'nope'" in err
    code, out, err = cli("regress", "benchmark", "matbench_steels", "--features", "structure")
    assert code == 1 and "formulas only" in err


def _frames(n: int = 30) -> list:
    rng = np.random.default_rng(0)
    frames = []
    for k in range(n):
        el, a0 = [("Cu", 3.61), ("Ag", 4.09), ("Al", 4.05)][k % 3]
        a = bulk(el, "fcc", a=a0 * rng.uniform(0.97, 1.03), cubic=True)
        a.info["volume_per_atom"] = a.get_volume() / len(a)
        frames.append(a)
    return frames


def test_cgcnn_benchmark_fit_and_predict(tmp_path, cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "s.extxyz"
    write_frames(path, _frames())
    code, out, err = cli("regress", "benchmark", str(path), "--target", "volume_per_atom", "--features",
                         "structure", "--model", "cgcnn,ridge", "--epochs", "20", "--ensemble", "1", "--json", str(tmp_path / "r.json"),
                         "--out", str(tmp_path / "rep"))
    assert code == 0, err
    res = json.loads((tmp_path / "r.json").read_text())
    cg = res["models"]["cgcnn"]
    assert len(cg["folds"]) == 5 and "epochs_run" in cg["folds"][0]["best_params"]
    # 30 fcc cells of three metals, 20 epochs: the network learns the volume well beyond the
    # mean (measured MAE/MAD 0.38; ridge on the structure features 0.002)
    assert cg["mae_over_mad"] < 0.7
    assert (tmp_path / "rep" / "regress.html").is_file()
    model = tmp_path / "cg.pt"
    code, out, err = cli("regress", "fit", str(path), "--target", "volume_per_atom", "--features", "structure",
                         "--model", "cgcnn", "--epochs", "80", "--ensemble", "2", "-o", str(model))
    assert code == 0, err
    new = tmp_path / "new.extxyz"
    write_frames(new, [bulk("Cu", "fcc", a=3.61, cubic=True), bulk("Ag", "fcc", a=4.09, cubic=True)])
    code, out, err = cli("regress", "predict", str(model), str(new), "-o", str(tmp_path / "p.csv"))
    assert code == 0, err
    rows = (tmp_path / "p.csv").read_text().splitlines()
    # an ensemble of two networks: intervals from their spread, by default
    assert rows[0] == "formula,predicted_volume_per_atom,lower_90%,upper_90%" and rows[1].startswith("Cu4,")
    cu, ag = (float(r.split(",")[1]) for r in rows[1:])
    assert ag > cu  # Ag's volume per atom (17.1 Å^3) is larger than Cu's (11.8)
    for r in rows[1:]:
        value, lower, upper = (float(v) for v in r.split(",")[1:])
        assert lower <= value <= upper
    code, out, err = cli("regress", "benchmark", "matbench_steels", "--model", "cgcnn")
    assert code == 1 and "--features structure" in err


def test_structure_rf_fit_and_predict(tmp_path, cli) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "s.extxyz"
    write_frames(path, _frames())
    code, out, err = cli("regress", "fit", str(path), "--target", "volume_per_atom", "--features", "structure",
                         "--model", "rf", "-o", str(tmp_path / "rf.skops"))
    assert code == 0, err
    new = tmp_path / "new.extxyz"
    write_frames(new, [bulk("Al", "fcc", a=4.05, cubic=True)])
    code, out, err = cli("regress", "predict", str(tmp_path / "rf.skops"), str(new), "-o", str(tmp_path / "p.csv"))
    assert code == 0, err
    value = float((tmp_path / "p.csv").read_text().splitlines()[1].split(",")[1])
    assert value == pytest.approx(4.05**3 / 4, rel=0.05)
