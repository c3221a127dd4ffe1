"""The domain of applicability of a fitted property model: how far a candidate lies from the
data the model learned from, in the model's own feature space."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from ..errors import DataFormatError, ParameterError

__all__ = ["ApplicabilityDomain"]


class ApplicabilityDomain(BaseEstimator):
    """Distance-based domain of applicability.

    Features are standardised on the training rows; a row's distance is the mean Euclidean
    distance to its ``k`` nearest training rows. The threshold is the ``quantile`` of the
    training rows' own distances (each to its ``k`` nearest *other* training rows): a candidate
    beyond it lies farther from the training data than almost every training row lies from the
    rest, and its prediction is an extrapolation.

    Parameters
    ----------
    k : int
        Nearest training rows averaged.
    quantile : float
        Quantile of the training rows' distances used as the threshold.
    max_rows : int
        Keep at most this many training rows (a seeded random subset; the threshold is measured on
        the same subset), so that a model of 100,000 rows does not carry them all.
    seed : int
        Seed of that subset.

    References
    ----------
    A. Tropsha, P. Gramatica, V. K. Gombar, The importance of being earnest: validation is the
    absolute essential for successful application and interpretation of QSPR models, QSAR Comb.
    Sci. 22, 69 (2003).
    """

    def __init__(self, k: int = 5, quantile: float = 0.99, max_rows: int = 20_000, seed: int = 0) -> None:
        self.k = k
        self.quantile = quantile
        self.max_rows = max_rows
        self.seed = seed

    def fit(self, X: np.ndarray, y: Any = None) -> ApplicabilityDomain:
        """Learn the training rows ``X`` (shape (n, n_features)) and the threshold."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or len(X) < 2:
            raise DataFormatError(f"the domain needs a feature matrix of at least 2 rows, got shape {X.shape}")
        if not 1 <= self.k or not 0 < self.quantile <= 1:
            raise ParameterError(f"k must be at least 1 and quantile in (0, 1]; got {self.k}, {self.quantile}")
        if len(X) > self.max_rows:
            X = X[np.sort(np.random.default_rng(self.seed).choice(len(X), self.max_rows, replace=False))]
        self.mean_ = X.mean(axis=0)
        scale = X.std(axis=0)
        # a feature constant on the training rows (to rounding) is measured in its own units
        self.scale_ = np.where(scale > 1e-9 * np.maximum(1.0, np.abs(self.mean_)), scale, 1.0)
        # float32 halves what a model file carries; distances need no more digits
        self.train_ = ((X - self.mean_) / self.scale_).astype(np.float32)
        k = min(self.k, len(X) - 1)
        self.threshold_ = float(np.quantile(self._distance(self.train_.astype(float), k, skip_self=True), self.quantile))
        return self

    def _distance(self, Z: np.ndarray, k: int, skip_self: bool = False,
                  nearest: np.ndarray | None = None) -> np.ndarray:
        """Mean distance of each row of ``Z`` to its ``k`` nearest training rows (and, into
        ``nearest``, the distance to the nearest one), in blocks, so that 10,000 candidates against
        5,000 training rows never hold more than a few MB."""
        out = np.empty(len(Z))
        train = self.train_.astype(float)
        sq_train = np.einsum("ij,ij->i", train, train)
        for start in range(0, len(Z), 1024):
            block = Z[start:start + 1024]
            d2 = (np.einsum("ij,ij->i", block, block)[:, None] + sq_train[None, :]
                  - 2.0 * block @ train.T)
            np.maximum(d2, 0.0, out=d2)
            if skip_self:  # a training row is not its own neighbour
                rows = np.arange(len(block))
                d2[rows, start + rows] = np.inf
            near = np.partition(d2, k - 1, axis=1)[:, :k]
            out[start:start + len(block)] = np.sqrt(near).mean(axis=1)
            if nearest is not None:
                nearest[start:start + len(block)] = np.sqrt(near.min(axis=1))
        return out

    def _standardised(self, X: np.ndarray) -> np.ndarray:
        if not hasattr(self, "train_"):
            raise ParameterError("this ApplicabilityDomain is not fitted yet; call fit first")
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.train_.shape[1]:
            raise DataFormatError(f"expected {self.train_.shape[1]} features per row, got shape {X.shape}")
        return (X - self.mean_) / self.scale_

    def measure(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """In one pass: each row's mean distance to its ``k`` nearest training rows and its
        distance to the nearest one (standardised units)."""
        Z = self._standardised(X)
        nearest = np.empty(len(Z))
        return self._distance(Z, min(self.k, len(self.train_) - 1), nearest=nearest), nearest

    def distance(self, X: np.ndarray) -> np.ndarray:
        """Each row's mean distance to its ``k`` nearest training rows (standardised units)."""
        return self._distance(self._standardised(X), min(self.k, len(self.train_) - 1))

    def in_training(self, X: np.ndarray, tol: float = 1e-6) -> np.ndarray:
        """True for each row whose features equal a training row's (to ``tol`` in standardised
        units): a model that memorises its data predicts such a row's label, with a spread near 0."""
        return self.measure(X)[1] <= tol

    def contains(self, X: np.ndarray) -> np.ndarray:
        """True for each row within the threshold."""
        return self.distance(X) <= self.threshold_
