"""SNAP through LAMMPS: the paper's SNAP/qSNAP give their published test errors here; the fit's
linear predictions equal LAMMPS running the written files; physics contracts; files; bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ase.build import bulk

from matterlearn.data import write_frames
from matterlearn.datasets import load
from matterlearn.mlip import MLIPCalculator, load_potential
from matterlearn.mlip._lammps import potentials_folder
from matterlearn.mlip.snap import SNAPPotential, fit_snap, read_snap, train_snap
from matterlearn.testing import check_calculator


def _published(quadratic: bool) -> SNAPPotential:
    folder = potentials_folder()
    stem = "Mo_Zuo_JPCA2020" + (".quadratic" if quadratic else "")
    return read_snap(folder / f"{stem}.snapcoeff", folder / f"{stem}.snapparam")


def _mae(pot, frames):  # type: ignore[no-untyped-def]
    p = pot.predict(frames)
    n = np.array([len(a) for a in frames])
    e = np.array([a.info["REF_energy"] for a in frames])
    f = np.concatenate(p["forces"]) - np.concatenate([a.arrays["REF_forces"] for a in frames])
    return 1000 * np.mean(np.abs((p["energy"] - e) / n)), np.mean(np.abs(f))


@pytest.mark.parametrize(("quadratic", "e_mae", "f_mae"), [(False, 5.48, 0.2065), (True, 2.77, 0.1838)])
def test_published_mo_snap_gives_its_test_errors(quadratic: bool, e_mae: float, f_mae: float) -> None:
    pot = _published(quadratic)
    assert pot.twojmax == 6 and pot.quadratic == quadratic
    got_e, got_f = _mae(pot, load("mlearn_Mo", split="test").inputs)
    assert got_e == pytest.approx(e_mae, abs=0.006) and got_f == pytest.approx(f_mae, abs=0.0005)


@pytest.mark.parametrize("quadratic", [False, True])
def test_lammps_running_the_written_files_equals_the_fits_own_predictions(quadratic: bool, tmp_path) -> None:  # type: ignore[no-untyped-def]
    frames = load("mlearn_Mo", split="train").inputs[::20]
    pot = SNAPPotential(["Mo"], twojmax=6, rcutfac=4.6, quadratic=quadratic)
    desc = pot.descriptors(frames)
    fit_snap(pot, frames, {"energy": 1e5, "forces": 1, "stress": 0}, desc=desc)
    pot.write_lammps(tmp_path / "mo")
    again = read_snap(tmp_path / "mo.snapcoeff", tmp_path / "mo.snapparam")
    lammps = again.predict(frames)
    for k, (a, d) in enumerate(zip(frames, desc, strict=True)):
        e, f, s = pot.linear_predict(d)
        assert abs(e - lammps["energy"][k]) / len(a) < 1e-6
        np.testing.assert_allclose(f, lammps["forces"][k], atol=1e-6)
        np.testing.assert_allclose(s, lammps["stress"][k], atol=1e-8)


def test_snap_obeys_the_physics_contracts() -> None:
    rng = np.random.default_rng(5)
    atoms = bulk("Mo", "bcc", a=3.16).repeat((3, 3, 3))
    atoms.positions += rng.normal(0, 0.05, atoms.positions.shape)
    atoms.set_cell(atoms.cell.array @ (np.eye(3) + rng.uniform(-0.01, 0.01, (3, 3))), scale_atoms=True)
    # SNAP's cosine switching function is smooth to first order only: a strain step that moves a
    # pair across the cutoff shows up at h = 1e-4 (relative 2e-5), not at h = 1e-5 (6e-9)
    report = check_calculator(MLIPCalculator(_published(True)), atoms, h=1e-5, atol_force=2e-5, rtol_force=1e-5)
    assert report["forces_vs_finite_difference"] < 2e-5


def test_training_chooses_hyperparameters_by_cross_validation(tmp_path) -> None:  # type: ignore[no-untyped-def]
    train = load("mlearn_Mo", split="train").inputs[::4]
    pot, history = train_snap(train, twojmax=(4, 6), rcutfac=(4.6,), energy_weight=(1e3, 1e5), ridge=(1e-10, 1e-6),
                              folds=3)
    grid = [h for h in history if not h.get("final")]
    assert len(grid) == 8 and history[-1]["final"] and history[-1]["validation"] == "3-fold"
    best = min(grid, key=lambda h: h["score"])
    assert (pot.twojmax, pot.rcutfac) == (best["twojmax"], best["rcutfac"])
    assert history[-1]["ridge"] == best["ridge"] and history[-1]["energy_weight"] == best["energy_weight"]
    # the pooled out-of-fold errors are those of three separate fits, each blind to its fold
    order = np.random.default_rng(0).permutation(len(train))
    e_err, f_err = [], []
    for k in range(3):
        held = set(order[k::3].tolist())
        fit = fit_snap(SNAPPotential(["Mo"], twojmax=best["twojmax"], rcutfac=best["rcutfac"]),
                       [a for i, a in enumerate(train) if i not in held],
                       {"energy": best["energy_weight"], "forces": 1.0, "stress": 0.0}, best["ridge"])
        test = [a for i, a in enumerate(train) if i in held]
        p = fit.predict(test)
        e_err += [abs(e - a.info["REF_energy"]) / len(a) for e, a in zip(p["energy"], test)]
        f_err.append(np.abs(np.concatenate(p["forces"]) - np.concatenate([a.arrays["REF_forces"] for a in test])))
    assert 1000 * np.mean(e_err) == pytest.approx(best["valid_energy_mae_meV"], rel=1e-6)
    assert np.mean(np.concatenate(f_err)) == pytest.approx(best["valid_forces_mae_eV_per_A"], rel=1e-6)
    e_mae, f_mae = _mae(pot, load("mlearn_Mo", split="test").inputs)
    assert e_mae < 15 and f_mae < 0.3
    pot.save(tmp_path / "snap.json")
    back = load_potential(tmp_path / "snap.json")
    np.testing.assert_array_equal(back.coef, pot.coef)
    assert np.isfinite(back.min_seen).all()


def test_cli_trains_snap_and_writes_lammps_files(tmp_path, cli) -> None:  # type: ignore[no-untyped-def]
    write_frames(tmp_path / "train.extxyz", load("mlearn_Mo", split="train").inputs[::6])
    write_frames(tmp_path / "test.extxyz", load("mlearn_Mo", split="test").inputs)
    code, _, err = cli("mlip", "train", str(tmp_path / "train.extxyz"), "--model", "snap", "--twojmax", "6",
                         "--rcutfac", "4.6", "--energy-weight", "1e5", "-o", str(tmp_path / "mo.json"))
    assert code == 0, err
    assert {p.name for p in tmp_path.iterdir()} >= {"mo.json", "mo.snapcoeff", "mo.snapparam"}
    code, _, err = cli("mlip", "test", str(tmp_path / "mo.snapcoeff"), str(tmp_path / "test.extxyz"),
                       "--json", str(tmp_path / "rep.json"))
    assert code == 0, err
    rep = json.loads((tmp_path / "rep.json").read_text())
    assert rep["energy_per_atom_meV"]["mae"] < 20


def test_bad_snap_input_is_one_line(tmp_path, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pot = _published(False)
    with pytest.raises(Exception, match="Si"):
        pot.predict([bulk("Si")])
    (tmp_path / "bad.snapparam").write_text("twojmax 6\nrcutfac 4.6\nbzeroflag 0\n")
    (tmp_path / "bad.snapcoeff").write_text("1 31\nMo 0.5 1\n0.0\n")
    code, _, err = cli("mlip", "test", str(tmp_path / "bad.snapcoeff"), str(tmp_path / "none.extxyz"))
    assert code == 1 and len(err.strip().splitlines()) == 1 and "bad.snapcoeff" in err
    # LAMMPS missing: one line before any work, nothing written
    import matterlearn.mlip._lammps as lmp
    from matterlearn.errors import MissingDependencyError

    def missing() -> None:
        raise MissingDependencyError("LAMMPS is not installed; install the project with `make install`")

    monkeypatch.setattr(lmp, "lammps_instance", missing)
    write_frames(tmp_path / "t.extxyz", load("mlearn_Mo", split="test").inputs[:3])
    code, _, err = cli("mlip", "train", str(tmp_path / "t.extxyz"), "--model", "snap", "-o", str(tmp_path / "x.json"))
    assert code == 1 and "LAMMPS is not installed" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.json").exists()
