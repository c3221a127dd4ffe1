"""A two-part ("hurdle") regressor for targets with a mass at zero, such as band gaps.

Half of the experimental band gaps of ``matbench_expt_gap`` are exactly zero (metals). A single
regressor averages over that cliff and predicts small positive gaps for metals; the hurdle
model asks a classifier whether the target is zero, and a regressor fitted on the non-zero
entries only gives the value otherwise:

    prediction = regressor(x)  if P(y != 0 | x) >= threshold  else 0.

References
----------
J. G. Cragg, Econometrica 39, 829 (1971) (the two-part model).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone

from ..errors import DataFormatError

__all__ = ["HurdleRegressor"]


class HurdleRegressor(RegressorMixin, BaseEstimator):
    """Classifier for ``y != 0`` and a regressor on the non-zero ``y``.

    Parameters
    ----------
    classifier : a scikit-learn classifier with ``predict_proba`` (tuned inside its own fit if
        it is a grid search).
    regressor : a scikit-learn regressor, fitted on the entries with ``y != 0`` only.
    threshold : probability of a non-zero target above which the regressor is used.
    """

    def __init__(self, classifier: Any = None, regressor: Any = None, threshold: float = 0.5) -> None:
        self.classifier = classifier
        self.regressor = regressor
        self.threshold = threshold

    def fit(self, X: np.ndarray, y: np.ndarray) -> HurdleRegressor:
        y = np.asarray(y, dtype=float)
        nonzero = y != 0
        if nonzero.sum() < 5 or (~nonzero).sum() < 5:
            raise DataFormatError(f"a hurdle model needs at least 5 zero and 5 non-zero targets; "
                                  f"got {int((~nonzero).sum())} and {int(nonzero.sum())}")
        X = np.asarray(X)
        self.classifier_ = clone(self.classifier).fit(X, nonzero.astype(int))
        self.regressor_ = clone(self.regressor).fit(X[nonzero], y[nonzero])
        self.best_params_ = {}
        for part, est in (("classifier", self.classifier_), ("regressor", self.regressor_)):
            for k, v in getattr(est, "best_params_", {}).items():
                self.best_params_[f"{part}__{k.replace('model__', '')}"] = v
        return self

    def predict_nonzero_proba(self, X: np.ndarray) -> np.ndarray:
        """Probability that each target is non-zero."""
        return self.classifier_.predict_proba(np.asarray(X))[:, 1]

    def predict(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        out = np.zeros(len(X))
        use = self.predict_nonzero_proba(X) >= self.threshold
        if use.any():
            out[use] = self.regressor_.predict(X[use])
        return out
