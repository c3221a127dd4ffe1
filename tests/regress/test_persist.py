"""Model files: every model matterlearn writes loads again, and crafted files are refused."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from matterlearn.errors import DataFormatError
from matterlearn.regress import (
    CLASSIFIERS,
    GRAPH_MODELS,
    REGRESSORS,
    load_model,
    make_model,
    save_model,
)
from matterlearn.regress._persist import SCHEMA_VERSION, TRUSTED_TYPES


def _fitted_models() -> list[tuple[str, object]]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X[:, 0]
    y_zero = np.where(X[:, 1] > 0, 0.0, 1 + X[:, 0] ** 2)
    y_class = (X[:, 0] > 0).astype(int)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in REGRESSORS:
            if name in GRAPH_MODELS:
                continue
            out.append((name, make_model(name, "regression", inner_folds=2).fit(X, y)))
        # a hurdle model holds the types of its two parts and its own class: one shows them all
        out.append(("knn-hurdle", make_model("knn-hurdle", "regression", inner_folds=2).fit(X, y_zero)))
        # conformal intervals around a model, saved with its domain of applicability
        from matterlearn.regress import ConformalRegressor

        out.append(("rf-conformal", ConformalRegressor(make_model("rf", inner_folds=2), folds=3).fit(X, y)))
        for name in CLASSIFIERS:
            if name not in GRAPH_MODELS:
                out.append((name + " (classifier)", make_model(name, "classification", inner_folds=2).fit(X, y_class)))
    return out


def test_every_model_round_trips_and_needs_only_the_trusted_types(tmp_path: Path) -> None:
    import skops.io as sio

    seen: set[str] = set()
    X = np.random.default_rng(1).normal(size=(5, 3))
    from matterlearn.regress import ApplicabilityDomain, load_domain

    for name, est in _fitted_models():
        path = tmp_path / f"{name.split()[0]}.skops"
        domain = ApplicabilityDomain().fit(np.random.default_rng(2).normal(size=(20, 3))) if name == "rf-conformal" else None
        save_model(path, est, {"model": name}, domain)
        seen |= set(sio.get_untrusted_types(file=path))
        loaded, recipe = load_model(path)
        assert recipe == {"schema_version": SCHEMA_VERSION, "model": name}
        np.testing.assert_array_equal(loaded.predict(X), est.predict(X))  # type: ignore[attr-defined]
        if domain is not None:
            np.testing.assert_array_equal(load_domain(path).distance(X), domain.distance(X))
            np.testing.assert_array_equal(loaded.predict_interval(X)[1], est.predict_interval(X)[1])
        else:
            assert load_domain(path) is None
    # the allow-list is exactly what the models need: no more (a wider door), no less (a refusal)
    assert seen == set(TRUSTED_TYPES)


def test_a_foreign_function_inside_a_trusted_estimator_is_refused(tmp_path: Path) -> None:
    import json

    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    path = tmp_path / "evil.skops"
    sio.dump({"recipe": json.dumps({"schema_version": SCHEMA_VERSION, "model": "ridge"}),
              "estimator": FunctionTransformer(func=eval)}, path)
    with pytest.raises(DataFormatError, match=r"builtins\.eval\); not loading it"):
        load_model(path)


class Stranger:
    """A class of someone else's."""

    def __init__(self) -> None:
        self.value = 1


def test_an_unknown_class_is_refused_in_one_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    import skops.io as sio

    path = tmp_path / "stranger.skops"
    sio.dump({"recipe": json.dumps({"schema_version": SCHEMA_VERSION, "model": "ridge",
                                    "task": "regression", "features": "composition"}),
              "estimator": Stranger()}, path)
    (tmp_path / "new.csv").write_text("formula\nFe2O3\n")
    code, out, err = cli("regress", "predict", str(path), str(tmp_path / "new.csv"), "-o",
                         str(tmp_path / "p.csv"))
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "Stranger" in err and "not loading it" in err and "Traceback" not in err
    assert not (tmp_path / "p.csv").exists()
