"""Active learning: MaxVol, extrapolation grades, the select-label-retrain loop."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk

from matterlearn.errors import ParameterError
from matterlearn.mlip import ActiveSet, active_learning, maxvol, select_by_maxvol


def test_maxvol_finds_a_dominant_submatrix() -> None:
    rng = np.random.default_rng(0)
    A = rng.normal(size=(200, 8))
    rows = maxvol(A, tol=1.0 + 1e-9)
    assert len(set(rows.tolist())) == 8
    C = A @ np.linalg.inv(A[rows])
    assert np.abs(C).max() <= 1.0 + 1e-6  # every row is a combination with coefficients <= 1
    best_random = max(abs(np.linalg.det(A[rng.choice(200, 8, replace=False)])) for _ in range(500))
    assert abs(np.linalg.det(A[rows])) >= best_random
    with pytest.raises(ParameterError):
        maxvol(A[:5])


def test_grades_inside_and_outside_the_training_domain(trained, emt_frames) -> None:  # type: ignore[no-untyped-def]
    pot, _ = trained
    active = ActiveSet.fit(pot, emt_frames[:40])
    g_train, per_atom = active.grades(pot, emt_frames[:40])
    assert g_train.max() <= 1.0 + 1e-6
    assert [len(x) for x in per_atom] == [len(a) for a in emt_frames[:40]]
    squeezed = bulk("Cu", "fcc", a=3.0, cubic=True).repeat(2)
    assert active.grades(pot, [squeezed])[0][0] > 10
    # selection prefers the extrapolating configuration and stops when nothing extrapolates
    cands = [emt_frames[0], squeezed, emt_frames[1]]
    assert select_by_maxvol(pot, active, cands, 3)[0] == 1
    assert select_by_maxvol(pot, active, emt_frames[:3], 3) == []
    # round trip
    again = ActiveSet.from_dict(active.to_dict())
    np.testing.assert_allclose(again.grades(pot, [squeezed])[0], active.grades(pot, [squeezed])[0])


def test_active_learning_loop_labels_what_extrapolates(emt_frames) -> None:  # type: ignore[no-untyped-def]
    start = [a for a in emt_frames if a.info["config_type"] == "md_300K"][:3]
    seed = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(2)
    valid = [a for a in emt_frames if set(a.get_chemical_symbols()) == {"Cu"}][-6:]
    pot, train, history = active_learning(start, [seed], "emt", level=8, cutoff=4.5, temperatures=(1200.0,),
                                          md_steps=20, gamma_select=1.5, gamma_break=50, max_add=2, max_rounds=2,
                                          train_iterations=20, valid=valid, seed=0)
    assert len(history) >= 2
    assert history[0]["candidates"] > 0 and history[1]["oracle_calls"] > 0
    assert len(train) == len(start) + history[-1]["oracle_calls"]
    assert all("REF_forces" in a.arrays for a in train)
    # every round's potential is a real fit: far better than forces of zero on unseen frames
    rms = 1000 * np.sqrt(np.mean(np.concatenate([a.arrays["REF_forces"].ravel() for a in valid]) ** 2))
    assert all(r["forces_rmse_meV_per_A"] < 0.5 * rms for r in history), (rms, history)
    with pytest.raises(ParameterError, match="gamma_select"):
        active_learning(start, [seed], gamma_select=5, gamma_break=2)


def test_active_learning_by_committee_disagreement(emt_frames) -> None:  # type: ignore[no-untyped-def]
    from matterlearn.mlip import Committee

    start = [a for a in emt_frames if a.info["config_type"] == "md_300K"][:3]
    seed = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(2)
    pot, train, history = active_learning(start, [seed], "emt", selection="committee", committee=2, level=8,
                                          cutoff=4.5, temperatures=(1200.0,), md_steps=20, gamma_select=1.2,
                                          gamma_break=50, max_add=2, max_rounds=1, train_iterations=10, seed=0)
    assert isinstance(pot, Committee) and len(pot.members) == 2
    assert history[0]["candidates"] > 0 and history[0]["max_grade"] > 1.2
    assert len(train) == len(start) + history[-1]["oracle_calls"] and history[-1]["oracle_calls"] > 0
    with pytest.raises(ParameterError, match="MaxVol selection needs the MTP"):
        active_learning(start, [seed], model="nequip", selection="maxvol")
