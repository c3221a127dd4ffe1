"""Training: the analytic loss gradient, the linear solve, weights, missing labels."""

from __future__ import annotations

import numpy as np
import pytest

from matterlearn.errors import MissingLabelError, ParameterError
from matterlearn.mlip import MomentTensorPotential, parse_weights
from matterlearn.mlip.mtp._train import (
    TrainingSet,
    _residuals,
    loss_and_gradient,
    solve_linear,
)


def test_loss_gradient_matches_finite_differences(emt_frames) -> None:  # type: ignore[no-untyped-def]
    frames = emt_frames[:4]
    w = parse_weights("energy=1,forces=0.01,stress=0.001")
    pot = MomentTensorPotential(["Cu", "Au"], level=8, cutoff=4.2, min_distance=2.0, n_radial=4, seed=1)
    data = TrainingSet.from_frames(pot, frames, w)
    solve_linear(pot, data, w)
    pot.xi *= 1.05  # away from the linear optimum so every term has a gradient
    loss, g_coef, g_xi, g_ref = loss_and_gradient(pot, data, w)
    rng = np.random.default_rng(0)
    for _ in range(6):
        idx = tuple(int(rng.integers(n)) for n in pot.radial_coef.shape)
        h = 1e-6
        pot.radial_coef[idx] += h
        lp = _residuals(pot, data, w)[0]
        pot.radial_coef[idx] -= 2 * h
        lm = _residuals(pot, data, w)[0]
        pot.radial_coef[idx] += h
        assert g_coef[idx] == pytest.approx((lp - lm) / (2 * h), rel=1e-4, abs=1e-7 * abs(loss))
    for k in rng.choice(pot.basis.n_basis, 4, replace=False):
        h = 1e-6 * max(abs(pot.xi[k]), 1e-3)
        pot.xi[k] += h
        lp = _residuals(pot, data, w)[0]
        pot.xi[k] -= 2 * h
        lm = _residuals(pot, data, w)[0]
        pot.xi[k] += h
        assert g_xi[k] == pytest.approx((lp - lm) / (2 * h), rel=1e-4, abs=1e-7 * abs(loss))
    pot.ref_energy[1] += 1e-6
    lp = _residuals(pot, data, w)[0]
    pot.ref_energy[1] -= 2e-6
    lm = _residuals(pot, data, w)[0]
    assert g_ref[1] == pytest.approx((lp - lm) / 2e-6, rel=1e-5)


def test_linear_solve_is_the_least_squares_optimum(emt_frames) -> None:  # type: ignore[no-untyped-def]
    w = parse_weights(None)
    pot = MomentTensorPotential(["Cu", "Au"], level=8, cutoff=4.2, min_distance=2.0)
    data = TrainingSet.from_frames(pot, emt_frames[:6], w)
    solve_linear(pot, data, w, ridge=1e-14)
    best = _residuals(pot, data, w)[0]
    xi, ref = pot.xi.copy(), pot.ref_energy.copy()
    rng = np.random.default_rng(1)
    for _ in range(5):
        step = 1e-3 * rng.normal(size=xi.shape) * np.abs(xi)
        for sign in (1, -1):
            pot.xi = xi + sign * step
            assert _residuals(pot, data, w)[0] >= best * (1 - 1e-9)
        pot.xi = xi
        pot.ref_energy = ref + 1e-4 * rng.normal(size=ref.shape)
        assert _residuals(pot, data, w)[0] >= best * (1 - 1e-9)
        pot.ref_energy = ref


def test_training_improves_and_is_deterministic(emt_frames, trained) -> None:  # type: ignore[no-untyped-def]
    from matterlearn.mlip import train_mtp

    pot, history = trained
    assert history[-1]["train_forces_rmse_meV_per_A"] < history[0]["train_forces_rmse_meV_per_A"]
    again, _ = train_mtp(emt_frames[:40], level=10, cutoff=4.5, max_iter=20, lbfgs_steps=10, nonlinear_frames=20,
                         seed=0)
    np.testing.assert_array_equal(again.xi, pot.xi)


def test_weights_and_missing_labels(emt_frames) -> None:  # type: ignore[no-untyped-def]
    assert parse_weights("forces=0.1") == {"energy": 1.0, "forces": 0.1, "stress": 0.001}
    with pytest.raises(ParameterError, match="unknown weight"):
        parse_weights("force=1")
    with pytest.raises(ParameterError, match="not a number"):
        parse_weights("energy=abc")
    frame = emt_frames[0].copy()
    del frame.arrays["REF_forces"]
    pot = MomentTensorPotential(["Cu", "Au"], level=8)
    with pytest.raises(MissingLabelError, match="frame 1: no forces, but forces are weighted"):
        TrainingSet.from_frames(pot, [emt_frames[1], frame], parse_weights(None))
    TrainingSet.from_frames(pot, [frame], parse_weights("forces=0"))


def test_checkpoint_and_resume(tmp_path, emt_frames) -> None:  # type: ignore[no-untyped-def]
    from matterlearn.mlip import load_potential, train_mtp

    ck = tmp_path / "ck.json"
    pot, history = train_mtp(emt_frames[:10], level=8, cutoff=4.5, max_iter=4, lbfgs_steps=2, full_every=1,
                             checkpoint=ck)
    assert ck.exists() and len(history) >= 2
    saved = load_potential(ck)
    np.testing.assert_array_equal(saved.radial_coef, pot.radial_coef)
    # resuming starts from the checkpoint's radial functions, not from a fresh start
    again, _ = train_mtp(emt_frames[:10], level=8, cutoff=4.5, max_iter=0, checkpoint=ck, resume=True)
    np.testing.assert_allclose(again.radial_coef, pot.radial_coef)
    fresh, _ = train_mtp(emt_frames[:10], level=8, cutoff=4.5, max_iter=0)
    assert not np.allclose(fresh.radial_coef, pot.radial_coef)


def test_warm_start_from_a_lower_level(trained, emt_frames) -> None:  # type: ignore[no-untyped-def]
    from matterlearn.mlip import train_mtp

    low, _ = trained  # level 10: radial indices 0..2
    high, _ = train_mtp(emt_frames[:40], level=14, cutoff=4.5, max_iter=0, initial=low)
    np.testing.assert_array_equal(high.radial_coef[:, :, :low.basis.n_mu], low.radial_coef)
    with pytest.raises(ParameterError, match="same species"):
        train_mtp(emt_frames[:5], level=12, cutoff=5.0, max_iter=0, initial=low)


def test_the_last_solve_uses_every_frame(emt_frames) -> None:  # type: ignore[no-untyped-def]
    """However the budget ends, the linear coefficients are the least-squares optimum on all frames."""
    from matterlearn.mlip import train_mtp

    w = parse_weights(None)
    for kw in ({"max_iter": 6, "lbfgs_steps": 2, "full_every": 100}, {"time_limit": 3.0, "full_every": 100}):
        pot, history = train_mtp(emt_frames[:12], level=8, cutoff=4.5, nonlinear_frames=3, **kw)
        data = TrainingSet.from_frames(pot, emt_frames[:12], w)
        before = _residuals(pot, data, w)[0]
        solve_linear(pot, data, w)
        assert _residuals(pot, data, w)[0] == pytest.approx(before, rel=1e-8)
