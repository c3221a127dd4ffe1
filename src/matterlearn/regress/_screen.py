"""Screening: rank candidate materials by a fitted model's predictions, with intervals and a flag
for candidates outside the model's domain of applicability."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ParameterError

__all__ = ["Objective", "ScreenResult", "parse_objective", "screen"]


@dataclass(frozen=True)
class Objective:
    """What a good candidate is: the largest (``max``) or smallest (``min``) value, or one inside
    the window [``low``, ``high``] (``range``)."""

    kind: str
    low: float = float("nan")
    high: float = float("nan")

    def __str__(self) -> str:
        return self.kind if self.kind != "range" else f"range:{self.low:g}:{self.high:g}"


def parse_objective(text: str) -> Objective:
    """``max``, ``min`` or ``range:LOW:HIGH`` (e.g. ``range:1.1:1.7`` for a solar absorber's gap)."""
    t = text.strip().lower()
    if t in ("max", "min"):
        return Objective(t)
    parts = t.split(":")
    if parts[0] == "range" and len(parts) == 3:
        try:
            low, high = float(parts[1]), float(parts[2])
        except ValueError:
            low = high = float("nan")
        if low < high:
            return Objective("range", low, high)
    raise ParameterError(f"objective {text!r}: use max, min or range:LOW:HIGH with LOW < HIGH "
                         f"(e.g. range:1.1:1.7)")


@dataclass
class ScreenResult:
    """Predictions of every candidate and the ranking (``order[0]`` is the best candidate).

    ``lower`` and ``upper`` are NaN without intervals; ``distance``, ``in_domain`` and
    ``in_training`` (the candidate's features equal a training row's: its prediction is close to
    that row's label, and a model that memorises its data, such as extra trees, gives it a very
    narrow interval) come from the model's :class:`~matterlearn.regress.ApplicabilityDomain`
    (NaN, True and False without one).
    """

    prediction: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    distance: np.ndarray
    in_domain: np.ndarray
    in_training: np.ndarray
    order: np.ndarray
    objective: Objective
    coverage: float | None


def screen(model: Any, X: Any, objective: Objective | str = "max", *, task: str = "regression",
           coverage: float | None = 0.9, domain: Any = None, features: np.ndarray | None = None) -> ScreenResult:
    """Predict every candidate (rows of ``X``: features, or structures for a graph model) and rank.

    Parameters
    ----------
    model : estimator
        A fitted regressor (or classifier: candidates are then ranked by the probability of
        class 1 under ``max``, of class 0 under ``min``).
    objective : Objective or str
        ``max``, ``min`` or ``range:LOW:HIGH``. Under ``range`` a candidate's score is the distance
        of its prediction from the window (0 inside), ties broken by the narrower interval.
    coverage : float or None
        Interval coverage (:func:`~matterlearn.regress.predict_interval`); None for none. A model
        without uncertainty and a coverage is an error that says how to get one.
    domain : ApplicabilityDomain, optional
        With ``features`` (the candidates' feature matrix), flags candidates outside it.
    """
    from ._uncertainty import predict_interval

    obj = parse_objective(objective) if isinstance(objective, str) else objective
    n = len(X)
    if task == "classification":
        if obj.kind == "range":
            raise ParameterError("a classifier ranks by probability: use max or min, not a range")
        pred = np.asarray(model.predict_proba(X)[:, 1], dtype=float)
        lower = upper = np.full(n, np.nan)
        coverage = None
    elif coverage is not None:
        pred, lower, upper = predict_interval(model, X, coverage)
    else:
        pred = np.asarray(model.predict(X), dtype=float)
        lower = upper = np.full(n, np.nan)
    if domain is not None and features is not None:
        distance, nearest = domain.measure(features)
        in_domain = distance <= domain.threshold_
        in_training = nearest <= 1e-6
    else:
        distance, in_domain, in_training = np.full(n, np.nan), np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    if obj.kind == "max":
        order = np.argsort(-pred, kind="stable")
    elif obj.kind == "min":
        order = np.argsort(pred, kind="stable")
    else:
        miss = np.maximum(obj.low - pred, 0) + np.maximum(pred - obj.high, 0)
        width = np.nan_to_num(upper - lower, nan=0.0)
        order = np.lexsort((width, miss))
    return ScreenResult(pred, lower, upper, distance, in_domain, in_training, order, obj, coverage)
