"""``matterlearn mlip``: train -> test -> md, and its one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ase import units
from ase.build import bulk
from ase.io import write

from matterlearn.data import write_frames
from tests.conftest import files_in


def test_train_test_md(tmp_path, cli, emt_frames) -> None:  # type: ignore[no-untyped-def]
    train = tmp_path / "train.extxyz"
    test = tmp_path / "test.extxyz"
    write_frames(train, emt_frames[:30])
    write_frames(test, emt_frames[30:])
    pot = tmp_path / "pot.json"
    code, out, err = cli("mlip", "train", str(train), "-o", str(pot), "--level", "8", "--cutoff", "4.5",
                         "--max-iter", "5", "--valid", str(test), "--json", str(tmp_path / "train.json"))
    assert code == 0, err
    hist = json.loads((tmp_path / "train.json").read_text())
    code, out, err = cli("mlip", "test", str(pot), str(test), "--json", str(tmp_path / "test.json"),
                         "--figure", str(tmp_path / "parity.png"))
    assert code == 0, err
    assert (tmp_path / "parity.png").read_bytes()[:4] == b"\x89PNG"
    rep = json.loads((tmp_path / "test.json").read_text())
    # the report's numbers, recomputed here from the potential's own predictions
    from matterlearn.mlip import MLIPCalculator, load_potential

    from matterlearn.data import read_frames

    calc = MLIPCalculator(load_potential(pot), warn_extrapolation=False)
    de, df, ds = [], [], []
    for a in read_frames(test):
        b = a.copy()
        b.calc = calc
        de.append((b.get_potential_energy() - a.info["REF_energy"]) / len(a))
        df.append((b.get_forces() - a.arrays["REF_forces"]).ravel())
        ds.append(b.get_stress() - a.info["REF_stress"])
    de, df, ds = np.array(de), np.concatenate(df), np.concatenate(ds)
    assert rep["energy_per_atom_rmse_meV"] == pytest.approx(1000 * np.sqrt(np.mean(de**2)), rel=1e-9)
    assert rep["energy_per_atom_mae_meV"] == pytest.approx(1000 * np.mean(np.abs(de)), rel=1e-9)
    assert rep["forces_rmse_meV_per_A"] == pytest.approx(1000 * np.sqrt(np.mean(df**2)), rel=1e-9)
    assert rep["forces_mae_meV_per_A"] == pytest.approx(1000 * np.mean(np.abs(df)), rel=1e-9)
    assert rep["stress_rmse_GPa"] == pytest.approx(np.sqrt(np.mean(ds**2)) / units.GPa, rel=1e-9)
    # train's validation report is the same numbers; and a fitted potential beats zero forces
    assert hist["valid"]["forces_rmse_meV_per_A"] == pytest.approx(rep["forces_rmse_meV_per_A"], rel=1e-9)
    ref_f = np.concatenate([a.arrays["REF_forces"].ravel() for a in emt_frames[30:]])
    assert rep["forces_rmse_meV_per_A"] < 0.5 * 1000 * np.sqrt(np.mean(ref_f**2))
    assert set(rep["by_config_type"]) == {a.info["config_type"] for a in emt_frames[30:]}
    start = tmp_path / "start.xyz"
    write(start, bulk("Cu", "fcc", a=3.6, cubic=True).repeat(2))
    traj = tmp_path / "md.extxyz"
    code, out, err = cli("mlip", "md", str(pot), str(start), "--temperature", "300", "--steps", "20",
                         "--ensemble", "nve", "--interval", "5", "--trajectory", str(traj),
                         "--json", str(tmp_path / "md.json"))
    assert code == 0, err
    frames = read_frames(traj)
    assert len(frames) == 5
    # predictions are stored as predictions, never under the keys of reference labels
    assert all("MLIP_energy" in a.info and "MLIP_forces" in a.arrays for a in frames)
    assert not any("REF_energy" in a.info or "REF_forces" in a.arrays for a in frames)
    md = json.loads((tmp_path / "md.json").read_text())
    assert abs(md["energy_drift_per_atom_meV"]) < 1.0


def test_errors_are_one_line(tmp_path, cli, emt_frames) -> None:  # type: ignore[no-untyped-def]
    frames = [a.copy() for a in emt_frames[:3]]
    del frames[1].arrays["REF_forces"]
    path = tmp_path / "noforces.extxyz"
    write_frames(path, frames)
    before = files_in(tmp_path)
    code, out, err = cli("mlip", "train", str(path), "-o", str(tmp_path / "pot.json"), "--level", "8")
    assert code == 1
    assert err.count("\n") == 1 and "forces" in err and "frame 1" in err
    assert files_in(tmp_path) == before
    code, out, err = cli("mlip", "train", str(path), "-o", str(tmp_path / "pot.json"), "--weights", "force=1")
    assert code == 1 and "unknown weight" in err
    code, out, err = cli("mlip", "test", str(tmp_path / "missing.json"), str(path))
    assert code == 1 and "potential file" in err and "does not exist" in err


def test_active_cli(tmp_path, cli, emt_frames) -> None:  # type: ignore[no-untyped-def]
    start = [a for a in emt_frames if set(a.get_chemical_symbols()) == {"Cu"}][:3]
    write_frames(tmp_path / "start.extxyz", start)
    write(tmp_path / "seed.xyz", bulk("Cu", "fcc", a=3.61, cubic=True).repeat(2))
    code, out, err = cli("mlip", "active", str(tmp_path / "start.extxyz"), str(tmp_path / "seed.xyz"),
                         "-o", str(tmp_path / "pot.json"), "--level", "8", "--cutoff", "4.5", "--temperatures",
                         "1200", "--md-steps", "10", "--gamma-select", "1.5", "--rounds", "1", "--max-add", "2",
                         "--train-iterations", "20", "--frames-out", str(tmp_path / "train.extxyz"),
                         "--json", str(tmp_path / "al.json"))
    assert code == 0, err
    al = json.loads((tmp_path / "al.json").read_text())
    assert al["n_train"] == 3 + al["oracle_calls"]
    code, out, err = cli("mlip", "active", str(tmp_path / "start.extxyz"), str(tmp_path / "seed.xyz"),
                         "-o", str(tmp_path / "p2.json"), "--oracle", "vasp")
    assert code == 1 and "unknown calculator" in err


def test_nequip_train_test_md_and_bad_l_max(tmp_path, cli, emt_frames) -> None:  # type: ignore[no-untyped-def]
    train = tmp_path / "train.extxyz"
    test = tmp_path / "test.extxyz"
    write_frames(train, emt_frames[::4][:12])
    write_frames(test, emt_frames[1::7][:4])
    pot = tmp_path / "pot.pt"
    code, out, err = cli("mlip", "train", str(train), "-o", str(pot), "--model", "nequip", "--features", "4",
                         "--layers", "1", "--epochs", "2", "--cutoff", "4.0", "--json", str(tmp_path / "h.json"))
    assert code == 0, err
    assert len(json.loads((tmp_path / "h.json").read_text())["history"]) == 2
    code, out, err = cli("mlip", "test", str(pot), str(test), "--json", str(tmp_path / "test.json"))
    assert code == 0, err
    rep = json.loads((tmp_path / "test.json").read_text())
    assert rep["Cu_f_rmse"] > 0 and "Cu atoms" in out
    write(tmp_path / "start.xyz", emt_frames[40])
    code, out, err = cli("mlip", "md", str(pot), str(tmp_path / "start.xyz"), "--trajectory",
                         str(tmp_path / "md.extxyz"), "--steps", "4", "--interval", "2")
    assert code == 0, err
    before = files_in(tmp_path)
    code, out, err = cli("mlip", "train", str(train), "-o", str(tmp_path / "x.pt"), "--model", "nequip",
                         "--l-max", "5")
    assert code == 1 and "l_max must be 0, 1, 2 or 3" in err and len(err.strip().splitlines()) == 1
    assert files_in(tmp_path) == before
