"""The equivariant potential: symmetry, derivatives, smoothness, training, persistence, bad input."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from ase.build import bulk
from scipy.spatial.transform import Rotation

from matterlearn.errors import (
    MatterlearnError,
    MissingLabelError,
    ParameterError,
    UnknownElementError,
)
from matterlearn.mlip import Committee, MLIPCalculator, error_report, load_potential
from matterlearn.mlip.nequip import NequIPPotential, train_nequip
from matterlearn.testing import check_calculator


def _cell(seed: int = 0):  # type: ignore[no-untyped-def]
    a = bulk("Cu", "fcc", a=3.7, cubic=True).repeat(2)
    rng = np.random.default_rng(seed)
    a.symbols[rng.choice(len(a), 10, replace=False)] = "Au"
    a.positions += 0.1 * rng.standard_normal(a.positions.shape)
    a.set_cell(a.cell.array @ (np.eye(3) + 0.02 * rng.standard_normal((3, 3))), scale_atoms=True)
    return a


def _rotate(a, R):  # type: ignore[no-untyped-def]
    b = a.copy()
    b.set_cell(a.cell.array @ R.T, scale_atoms=False)
    b.positions = a.positions @ R.T
    return b


def _full(s: np.ndarray) -> np.ndarray:
    xx, yy, zz, yz, xz, xy = s
    return np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-10), ("float32", 1e-5)])
@pytest.mark.parametrize("l_max,parity", [(1, True), (2, False), (3, True)])
def test_energy_invariant_forces_and_stress_equivariant(dtype: str, tol: float, l_max: int, parity: bool) -> None:
    pot = NequIPPotential(["Cu", "Au"], l_max=l_max, parity=parity, features=4, layers=2, dtype=dtype, seed=1)
    a = _cell()
    p = pot.predict([a])
    for k in range(3):
        R = Rotation.random(random_state=k).as_matrix()
        q = pot.predict([_rotate(a, R)])
        scale = max(1.0, abs(p["energy"][0]))
        assert abs(q["energy"][0] - p["energy"][0]) < tol * scale
        assert np.abs(q["forces"][0] - p["forces"][0] @ R.T).max() < tol * max(1.0, np.abs(p["forces"][0]).max())
        assert np.abs(_full(q["stress"][0]) - R @ _full(p["stress"][0]) @ R.T).max() < tol


def test_parity_on_is_invariant_under_inversion_and_off_is_not() -> None:
    # a pseudoscalar (a triple product) needs three layers: vectors, their cross product, its dot
    a = _cell(2)
    b = a.copy()
    b.set_cell(-a.cell.array, scale_atoms=False)
    b.positions = -a.positions
    for parity, same in ((True, True), (False, False)):
        pot = NequIPPotential(["Cu", "Au"], l_max=2, parity=parity, features=4, layers=3, dtype="float64", seed=3)
        diff = abs(pot.predict([a])["energy"][0] - pot.predict([b])["energy"][0])
        assert (diff < 1e-10) == same


def test_fused_tensor_product_equals_e3nn() -> None:
    a = _cell(1)
    ref = NequIPPotential(["Cu", "Au"], l_max=2, features=6, layers=2, dtype="float64", seed=4, fused=False)
    fused = NequIPPotential(["Cu", "Au"], l_max=2, features=6, layers=2, dtype="float64", seed=4, fused=True)
    fused.model.load_state_dict(ref.model.state_dict(), strict=False)
    # same weights (the tensor products hold none of their own): same energies and forces
    p, q = ref.predict([a]), fused.predict([a])
    assert abs(p["energy"][0] - q["energy"][0]) < 1e-10
    assert np.abs(p["forces"][0] - q["forces"][0]).max() < 1e-10


def test_energy_and_forces_go_smoothly_to_zero_at_the_cutoff() -> None:
    from ase import Atoms

    pot = NequIPPotential(["Cu"], r_max=4.0, features=4, layers=2, dtype="float64", seed=0)
    e, f = [], []
    for r in np.linspace(3.9, 4.1, 41):
        d = Atoms("Cu2", positions=[[0, 0, 0], [r, 0, 0]])
        p = pot.predict([d])
        e.append(p["energy"][0])
        f.append(p["forces"][0][0, 0])
    e, f = np.array(e), np.array(f)
    assert np.ptp(e[20:]) < 1e-12 and np.abs(f[20:]).max() < 1e-12  # beyond r_max: nothing
    step = np.abs(np.diff(e[:21]))  # approaching r_max the energy flattens out: no jump, no kink
    assert np.all(np.diff(step) < 0) and step[-1] < 1e-8 and np.abs(f[19:21]).max() < 1e-6


@pytest.fixture(scope="module")
def trained(emt_frames):  # type: ignore[no-untyped-def]
    torch.set_num_threads(1)
    return train_nequip(emt_frames[:20], features=8, layers=2, epochs=3, batch_size=4, dtype="float64", seed=0)


def test_trained_model_meets_the_physics_contract(trained, emt_frames) -> None:  # type: ignore[no-untyped-def]
    pot, history = trained
    assert len(history) == 3 and history[-1]["valid_forces_rmse_meV_per_A"] < history[0]["valid_forces_rmse_meV_per_A"]
    check_calculator(MLIPCalculator(pot, warn_extrapolation=False), _cell(5))
    rep = error_report(pot, emt_frames[20:30])
    assert {"Cu_f_mae", "Cu_f_rmse"} <= set(rep) and rep["forces_by_species"]["Cu"]["n_atoms"] > 0


def test_training_is_deterministic_and_resumes(emt_frames, tmp_path) -> None:  # type: ignore[no-untyped-def]
    torch.set_num_threads(1)
    kw = {"features": 4, "layers": 1, "epochs": 2, "batch_size": 4, "seed": 7}
    a, _ = train_nequip(emt_frames[:10], **kw)
    b, _ = train_nequip(emt_frames[:10], **kw)
    frames = emt_frames[10:12]
    assert np.array_equal(a.predict(frames)["energy"], b.predict(frames)["energy"])
    ck = tmp_path / "ck.pt"
    train_nequip(emt_frames[:10], **{**kw, "epochs": 1}, checkpoint=ck)
    c, hist = train_nequip(emt_frames[:10], **kw, checkpoint=ck, resume=True)
    assert [h["epoch"] for h in hist] == [1, 2]
    assert np.allclose(a.predict(frames)["energy"], c.predict(frames)["energy"], rtol=0, atol=1e-5)


def test_save_load_round_trip_and_committee(trained, tmp_path, emt_frames) -> None:  # type: ignore[no-untyped-def]
    pot, _ = trained
    path = tmp_path / "pot.pt"
    pot.save(path)
    again = load_potential(path)
    frames = emt_frames[30:32]
    assert np.array_equal(pot.predict(frames)["energy"], again.predict(frames)["energy"])
    other = NequIPPotential(pot.species, features=8, layers=2, dtype="float64", seed=9)
    com = Committee([pot, other])
    p = com.predict(frames)
    assert p["max_force_uncertainty"].min() > 0
    com.save(tmp_path / "com.json")
    back = load_potential(tmp_path / "com.json")
    assert np.allclose(back.predict(frames)["energy"], p["energy"])


def test_bad_input_is_one_clear_error(emt_frames, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match="l_max"):
        NequIPPotential(["Cu"], l_max=4)
    pot = NequIPPotential(["Cu"], features=4, layers=1)
    with pytest.raises(UnknownElementError, match="Au"):
        pot.predict([_cell()])
    bare = [a.copy() for a in emt_frames[:6]]
    for a in bare:
        a.arrays.pop("REF_forces", None)
    with pytest.raises(MissingLabelError, match="frame 0: no forces"):
        train_nequip(bare, features=4, layers=1, epochs=1)
    bad = [a.copy() for a in emt_frames[:6]]
    bad[2].info["REF_energy"] = float("nan")
    with pytest.raises(MatterlearnError, match="frame 2: the energy label holds NaN"):
        train_nequip(bad, features=4, layers=1, epochs=1, valid=emt_frames[6:8])
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"PK\x03\x04 not a potential")
    with pytest.raises(MatterlearnError, match="not a matterlearn NequIP file"):
        load_potential(junk)
