"""Uncertainty of a regressor's predictions: the spread a model carries itself (a Gaussian
process's predictive standard deviation, the spread of an ensemble of trees or networks) and
split-conformal intervals around any model, with a finite-sample coverage guarantee."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone

from ..errors import ParameterError

__all__ = ["ConformalRegressor", "has_uncertainty", "predict_interval", "predict_std"]


def _final(model: Any) -> tuple[Any, Any]:
    """The fitted estimator at the end of ``model`` (through a grid search and a pipeline) and the
    transformation before it (None when there is none)."""
    est = getattr(model, "best_estimator_", model)
    steps = getattr(est, "steps", None)
    if steps:
        from sklearn.pipeline import Pipeline

        head = Pipeline(steps[:-1]) if len(steps) > 1 else None
        return steps[-1][1], head
    return est, None


def predict_std(model: Any, X: Any) -> np.ndarray | None:
    """The model's own standard deviation of its prediction for each row of ``X``, in the
    target's unit, or None when the model carries none.

    Gaussian-process regression gives its predictive standard deviation (noise included);
    random forests and extra trees the standard deviation over their trees; a CGCNN ensemble
    the standard deviation over its networks. These are spreads, not calibrated intervals: a
    :class:`ConformalRegressor` turns any of them (or none) into intervals that cover.
    """
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
    from sklearn.gaussian_process import GaussianProcessRegressor

    if isinstance(model, ConformalRegressor):
        return predict_std(model.estimator_, X)
    final, head = _final(model)
    if hasattr(final, "predict_std"):  # CGCNN (and ALIGNN) ensembles
        return final.predict_std(X)
    Xt = head.transform(X) if head is not None else X
    if isinstance(final, GaussianProcessRegressor):
        return np.asarray(final.predict(Xt, return_std=True)[1], dtype=float)
    if isinstance(final, (RandomForestRegressor, ExtraTreesRegressor)):
        per_tree = np.stack([t.predict(Xt) for t in final.estimators_])
        return per_tree.std(axis=0)
    return None


def has_uncertainty(model: Any) -> bool:
    """True when :func:`predict_interval` can give intervals for ``model``."""
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
    from sklearn.gaussian_process import GaussianProcessRegressor

    if isinstance(model, ConformalRegressor):
        return True
    final, _ = _final(model)
    if hasattr(final, "predict_std"):
        return getattr(final, "n_models", 2) > 1
    return isinstance(final, (GaussianProcessRegressor, RandomForestRegressor, ExtraTreesRegressor))


def predict_interval(model: Any, X: Any, coverage: float = 0.9) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Prediction, lower and upper bound for each row of ``X``.

    A :class:`ConformalRegressor` gives its calibrated interval; a model with its own spread
    (:func:`predict_std`) the Gaussian interval ``mean ± z σ``, which covers ``coverage`` only
    as far as that spread is right (the benchmark's ``--intervals`` measures how far). Any other
    model is refused with a message saying how to get intervals.
    """
    _check_coverage(coverage)
    if isinstance(model, ConformalRegressor):
        return model.predict_interval(X, coverage)
    if not has_uncertainty(model):
        raise ParameterError("this model gives no uncertainty: fit it with intervals "
                             "(`regress fit --intervals`, split-conformal, any model) or use gpr, rf, "
                             "et or a cgcnn ensemble")
    mean = np.asarray(model.predict(X), dtype=float)
    std = predict_std(model, X)
    from scipy.stats import norm

    half = norm.ppf(0.5 + coverage / 2) * np.asarray(std)
    return mean, mean - half, mean + half


def _check_coverage(coverage: float) -> None:
    if not 0 < coverage < 1:
        raise ParameterError(f"coverage must lie strictly between 0 and 1 (e.g. 0.9), not {coverage}")


def _take(X: Any, idx: np.ndarray) -> Any:
    if isinstance(X, np.ndarray):
        return X[idx]
    return [X[i] for i in idx]


class ConformalRegressor(RegressorMixin, BaseEstimator):
    """Conformal prediction intervals around any regressor: CV+ (default) or split-conformal.

    Nonconformity scores are the absolute residuals of rows a model did not learn from,
    ``|y - ŷ|``, divided by the model's own spread σ(x) where it has one and ``normalized`` is
    set (:func:`predict_std`), so that intervals widen where the model is unsure.

    ``method="cv+"`` (the jackknife+ of Barber et al. with K folds): the estimator is tuned and
    fitted on all rows (the point prediction), then refitted with the chosen hyperparameters on
    each of ``folds`` K-fold training parts; every training row is scored by the fold model that
    did not see it, and the interval at a new point is read off the n fold-model predictions
    shifted by the n scores. Every row both trains and calibrates, so small data get steady
    intervals; the guarantee is coverage at least 1 - 2α, and in practice it is close to 1 - α.

    ``method="split"``: a random ``calibration`` fraction is held out, the estimator is fitted on
    the rest, and the interval is ``ŷ ± q σ`` with ``q`` the ⌈(n + 1)(1 - α)⌉-th smallest of the
    n held-out scores: coverage at least 1 - α (and at most 1 - α + 1/(n + 1)) for exchangeable
    data, whatever the model, at the price of learning from fewer rows.

    Any coverage can be asked for after fitting.

    Parameters
    ----------
    estimator : estimator
        Any regressor (a :func:`~matterlearn.regress.make_model` grid search, a CGCNN).
    method : str
        ``"cv+"`` or ``"split"``.
    folds : int
        K of CV+.
    calibration : float
        Fraction of the rows held out by the split method.
    normalized : bool
        Divide the scores by the model's own spread where it has one.
    seed : int
        Seed of the folds or of the split.

    References
    ----------
    V. Vovk, A. Gammerman, G. Shafer, *Algorithmic Learning in a Random World* (Springer, 2005).
    J. Lei, M. G'Sell, A. Rinaldo, R. J. Tibshirani, L. Wasserman, Distribution-free predictive
    inference for regression, J. Am. Stat. Assoc. 113, 1094 (2018).
    R. F. Barber, E. J. Candès, A. Ramdas, R. J. Tibshirani, Predictive inference with the
    jackknife+, Ann. Statist. 49, 486 (2021).
    H. Papadopoulos, V. Vovk, A. Gammerman, Regression conformal prediction with nearest
    neighbours, J. Artif. Intell. Res. 40, 815 (2011) (normalised scores).
    """

    def __init__(self, estimator: Any = None, method: str = "cv+", folds: int = 10, calibration: float = 0.2,
                 normalized: bool = True, seed: int = 0) -> None:
        self.estimator = estimator
        self.method = method
        self.folds = folds
        self.calibration = calibration
        self.normalized = normalized
        self.seed = seed

    def fit(self, X: Any, y: Sequence[float]) -> ConformalRegressor:
        """Fit the point model and the calibration (see the class description)."""
        if self.estimator is None:
            raise ParameterError("ConformalRegressor needs an estimator")
        if self.method not in ("cv+", "split"):
            raise ParameterError(f"method must be 'cv+' or 'split', not {self.method!r}")
        y = np.asarray(y, dtype=float)
        if self.method == "split":
            return self._fit_split(X, y)
        if self.folds < 2 or len(y) < 2 * self.folds:
            raise ParameterError(f"CV+ with {self.folds} folds needs at least {2 * self.folds} rows "
                                 f"and 2 folds or more; got {len(y)} rows")
        from sklearn.model_selection import KFold

        self.estimator_ = clone(self.estimator).fit(X, y)
        self.best_params_ = dict(getattr(self.estimator_, "best_params_", {}))
        # refit the chosen hyperparameters (not the search) on every fold
        base = getattr(self.estimator_, "best_estimator_", self.estimator)
        self.fold_of_ = np.empty(len(y), dtype=int)
        self.fold_models_ = []
        raw = np.empty(len(y))
        spread = np.empty(len(y))
        for k, (train, test) in enumerate(KFold(self.folds, shuffle=True, random_state=self.seed).split(np.zeros(len(y)))):
            m = clone(base).fit(_take(X, train), y[train])
            Xt = _take(X, test)
            raw[test] = np.abs(y[test] - np.asarray(m.predict(Xt), dtype=float))
            std = predict_std(m, Xt) if self.normalized else None
            spread[test] = np.nan if std is None else std
            self.fold_of_[test] = k
            self.fold_models_.append(m)
        self.floor_ = self._floor(None if np.isnan(spread).any() else spread)
        self.scores_ = raw / (np.ones(len(y)) if np.isnan(spread).any() else np.maximum(spread, self.floor_))
        return self

    def _fit_split(self, X: Any, y: np.ndarray) -> ConformalRegressor:
        if not 0 < self.calibration < 1:
            raise ParameterError(f"calibration must lie strictly between 0 and 1, not {self.calibration}")
        n_cal = round(self.calibration * len(y))
        if n_cal < 10 or len(y) - n_cal < 10:
            raise ParameterError(f"{len(y)} rows are too few for split-conformal intervals: at least "
                                 f"10 to fit and 10 to calibrate (calibration fraction {self.calibration})")
        order = np.random.default_rng(self.seed).permutation(len(y))
        cal, fit = np.sort(order[:n_cal]), np.sort(order[n_cal:])
        self.estimator_ = clone(self.estimator).fit(_take(X, fit), y[fit])
        self.best_params_ = dict(getattr(self.estimator_, "best_params_", {}))
        X_cal = _take(X, cal)
        pred = np.asarray(self.estimator_.predict(X_cal), dtype=float)
        self.floor_ = self._floor(predict_std(self.estimator_, X_cal) if self.normalized else None)
        self.scores_ = np.sort(np.abs(y[cal] - pred) / self._scale(self.estimator_, X_cal))
        return self

    @staticmethod
    def _floor(std: np.ndarray | None) -> float:
        """The smallest spread a score is divided by: a thousandth of the median, so that a point
        where every tree agrees does not get an interval of width zero."""
        med = float(np.median(std)) if std is not None and len(std) else 0.0
        return 1e-3 * med if med > 0 else 1.0

    def _scale(self, model: Any, X: Any) -> np.ndarray:
        """σ(x) of the normalised scores under ``model`` (ones when not normalised or when the
        model has no spread)."""
        std = predict_std(model, X) if self.normalized else None
        if std is None:
            return np.ones(len(X))
        return np.maximum(np.asarray(std, dtype=float), self.floor_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "scores_"):
            raise ParameterError("this ConformalRegressor is not fitted yet; call fit first")

    def predict(self, X: Any) -> np.ndarray:
        """The point prediction of the model fitted on all rows (split: on the fitting part)."""
        self._check_fitted()
        return np.asarray(self.estimator_.predict(X), dtype=float)

    def quantile(self, coverage: float = 0.9) -> float:
        """Split method: the score quantile ``q`` of an interval at ``coverage`` (inf when the
        calibration set is too small for that coverage)."""
        self._check_fitted()
        _check_coverage(coverage)
        if self.method != "split":
            raise ParameterError("quantile is the split method's; CV+ reads its bounds per point")
        n = len(self.scores_)
        k = math.ceil((n + 1) * coverage)
        return float("inf") if k > n else float(self.scores_[k - 1])

    def predict_interval(self, X: Any, coverage: float = 0.9) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Prediction, lower and upper bound of each row of ``X`` at ``coverage``."""
        pred = self.predict(X)
        if self.method == "split":
            half = self.quantile(coverage) * self._scale(self.estimator_, X)
            return pred, pred - half, pred + half
        n = len(self.scores_)
        alpha = 1 - coverage
        k_hi = math.ceil((1 - alpha) * (n + 1))
        k_lo = math.floor(alpha * (n + 1))  # an int already
        if k_hi > n or k_lo < 1:
            inf = np.full(len(pred), np.inf)
            return pred, -inf, inf
        # every fold model's prediction and spread at every point: (folds, points)
        mu = np.stack([np.asarray(m.predict(X), dtype=float) for m in self.fold_models_])
        sig = np.stack([self._scale(m, X) for m in self.fold_models_])
        lower, upper = np.empty(len(pred)), np.empty(len(pred))
        for start in range(0, len(pred), 2048):
            sl = slice(start, start + 2048)
            m_i = mu[self.fold_of_, sl]            # (n, block): the model that did not see row i
            r_i = self.scores_[:, None] * sig[self.fold_of_, sl]
            lower[sl] = np.partition(m_i - r_i, k_lo - 1, axis=0)[k_lo - 1]
            upper[sl] = np.partition(m_i + r_i, k_hi - 1, axis=0)[k_hi - 1]
        return pred, lower, upper

    def predict_std(self, X: Any) -> np.ndarray | None:
        """The point model's own spread (None where it has none)."""
        self._check_fitted()
        return predict_std(self.estimator_, X)
