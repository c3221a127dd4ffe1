"""The hurdle (two-part) regressor for targets with many exact zeros."""

from __future__ import annotations

import numpy as np
import pytest

from matterlearn.errors import DataFormatError, ParameterError
from matterlearn.regress import HurdleRegressor, load_model, make_model, save_model


def _gaps(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A toy 'band gap': zero when x0 < 0 (metals), 1 + 2 x1 otherwise."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 3))
    return X, np.where(X[:, 0] < 0, 0.0, 1.0 + 2.0 * (X[:, 1] + 1))


def test_hurdle_beats_its_regressor_and_predicts_exact_zeros() -> None:
    X, y = _gaps(400)
    Xt, yt = _gaps(200, seed=1)
    hurdle = make_model("ridge-hurdle", "regression").fit(X, y)
    plain = make_model("ridge", "regression").fit(X, y)
    assert isinstance(hurdle, HurdleRegressor)
    mae_h = np.mean(np.abs(hurdle.predict(Xt) - yt))
    mae_p = np.mean(np.abs(plain.predict(Xt) - yt))
    assert mae_h < 0.15 and mae_p > 5 * mae_h
    pred = hurdle.predict(Xt)
    assert (pred[Xt[:, 0] < -0.2] == 0).all()  # clear metals get exactly zero
    assert set(hurdle.best_params_) == {"classifier__C", "regressor__alpha"}


def test_hurdle_saves_and_loads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    X, y = _gaps(200)
    model = make_model("knn-hurdle", "regression").fit(X, y)
    save_model(tmp_path / "h.skops", model, {"features": "composition", "target": "gap",
                                              "task": "regression", "model": "knn-hurdle"})
    loaded, recipe = load_model(tmp_path / "h.skops")
    assert recipe["model"] == "knn-hurdle" and np.array_equal(loaded.predict(X), model.predict(X))


def test_hurdle_errors() -> None:
    X, y = _gaps(50)
    with pytest.raises(DataFormatError, match="at least 5 zero"):
        make_model("ridge-hurdle").fit(X, y + 10)
    with pytest.raises(ParameterError, match="unknown regression model 'cgcnn-hurdle'"):
        make_model("cgcnn-hurdle")
