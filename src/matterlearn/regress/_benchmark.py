"""The Matbench protocol: nested cross-validation with the official outer folds, honest metrics
per fold (test and train), and their means and spreads."""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import DataFormatError, ParameterError
from ._models import GRAPH_MODELS, make_model

__all__ = ["MIN_ROWS", "benchmark", "binary_labels", "check_rows", "classification_metrics", "regression_metrics"]

log = logging.getLogger(__name__)


def regression_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    err = pred - y
    ss = float(np.sum((y - y.mean()) ** 2))
    return {"mae": float(np.mean(np.abs(err))), "rmse": float(np.sqrt(np.mean(err**2))),
            "r2": float(1 - np.sum(err**2) / ss) if ss > 0 else float("nan"),
            "max_error": float(np.max(np.abs(err)))}


def classification_metrics(y: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    """Metrics of a binary classifier; ROC-AUC from the predicted probabilities of class 1."""
    from sklearn.metrics import (
        accuracy_score,
        balanced_accuracy_score,
        f1_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )

    label = (proba >= 0.5).astype(int)
    y = y.astype(int)
    return {"roc_auc": float(roc_auc_score(y, proba)),
            "balanced_accuracy": float(balanced_accuracy_score(y, label)),
            "accuracy": float(accuracy_score(y, label)),
            "precision": float(precision_score(y, label, zero_division=0)),
            "recall": float(recall_score(y, label, zero_division=0)),
            "f1": float(f1_score(y, label, zero_division=0))}


def binary_labels(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A two-class target as 0/1 (the larger label is class 1) and its two labels; any other
    number of classes is an error that says how many there are."""
    y = np.asarray(y, dtype=float)
    classes = np.unique(y)
    if len(classes) != 2:
        raise DataFormatError(
            f"a classification target needs exactly two classes; this one has {len(classes)} "
            f"({', '.join(f'{c:g}' for c in classes[:6])}{' ...' if len(classes) > 6 else ''})"
        )
    return (y == classes[1]).astype(float), classes


#: fewest rows for nested 5-fold cross-validation: 5 outer folds, each training part large enough
#: for a 5-fold search of its own
MIN_ROWS = 25


def check_rows(y: np.ndarray, task: str, name: str) -> None:
    """Refuse data too small for the nested cross-validation of :func:`benchmark`: fewer than
    :data:`MIN_ROWS` rows, or (classification) a class with fewer than 5 members."""
    n = len(y)
    if n < MIN_ROWS:
        raise ParameterError(f"{name}: {n} rows are too few for nested 5-fold cross-validation "
                             f"(5 outer folds, a 5-fold search inside each); give at least {MIN_ROWS}")
    if task == "classification":
        values, counts = np.unique(y, return_counts=True)
        if len(values) == 2 and counts.min() < 5:
            raise ParameterError(f"{name}: class {values[np.argmin(counts)]:g} has {counts.min()} rows; "
                                 f"stratified 5-fold cross-validation needs at least 5 of each class")


def _fold(name: str, task: str, Xm: Any, y: np.ndarray, train: np.ndarray, test: np.ndarray, seed: int,
          cgcnn_options: dict[str, Any] | None, intervals: float | None,
          conformal: str) -> tuple[dict[str, Any], np.ndarray, np.ndarray | None]:
    """Tune, fit and score one model on one outer fold: its metrics, its predictions of the test
    part and (with ``intervals``) whether each test point lies inside its interval."""
    from ._uncertainty import ConformalRegressor, predict_std

    t0 = time.perf_counter()
    model = make_model(name, task, seed=seed, cgcnn_options=cgcnn_options)
    if intervals is not None:
        model = ConformalRegressor(model, method=conformal, seed=seed)
    with warnings.catch_warnings():
        # a Gaussian process whose noise level sits at its bound interpolates its data: the inner
        # CV judges that choice, the warning of each fit adds nothing
        warnings.filterwarnings("ignore", message=".*close to the specified (lower|upper) bound")
        model.fit(Xm[train], y[train])
    inside = None
    if task == "regression":
        if intervals is not None:
            pred, lo, hi = model.predict_interval(Xm[test], intervals)
            inside = (lo <= y[test]) & (y[test] <= hi)
        else:
            pred = model.predict(Xm[test])
        m = regression_metrics(y[test], pred)
        m["train_mae"] = regression_metrics(y[train], model.predict(Xm[train]))["mae"]
        if intervals is not None:
            m["coverage"] = float(np.mean(inside))
            m["mean_width"] = float(np.mean(hi - lo))
            std = predict_std(model, Xm[test])
            if std is not None:  # the model's own spread as a Gaussian interval, for comparison
                from scipy.stats import norm

                z = norm.ppf(0.5 + intervals / 2)
                m["own_spread_coverage"] = float(np.mean(np.abs(y[test] - pred) <= z * std))
    else:
        pred = model.predict_proba(Xm[test])[:, 1]
        m = classification_metrics(y[test], pred)
        m["train_roc_auc"] = classification_metrics(y[train], model.predict_proba(Xm[train])[:, 1])["roc_auc"]
    m["best_params"] = {k.replace("model__", ""): _plain(v) for k, v in model.best_params_.items()}
    m["seconds"] = round(time.perf_counter() - t0, 2)
    return m, pred, inside


def _plain(value: Any) -> Any:
    """A hyperparameter as JSON can hold it (a kernel object as its text)."""
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def benchmark(X: np.ndarray, y: np.ndarray, task: str, folds: Sequence[tuple[np.ndarray, np.ndarray]],
              models: Sequence[str], seed: int = 0, dataset: str = "",
              progress: Callable[[int, int, str], None] | None = None,
              predictions: dict[str, np.ndarray] | None = None,
              structures: Sequence[Any] | None = None,
              cgcnn_options: dict[str, Any] | None = None,
              intervals: float | None = None, conformal: str = "cv+",
              n_jobs: int = 1) -> dict[str, Any]:
    """Nested CV: for each outer fold, tune and fit each model on the training part (inner
    5-fold CV inside :func:`make_model`; CGCNN: an inner validation split with early
    stopping), then score on the test part and on the training part.

    ``X`` is the feature matrix of the feature-based models; ``structures`` (ASE Atoms or
    crystal graphs, one per row of ``X``) feed the graph models (``cgcnn``), built with
    ``cgcnn_options`` (e.g. ``{"epochs": 100, "n_models": 1}``).

    ``intervals`` (a coverage such as 0.9; regression only) wraps every model in a
    :class:`~matterlearn.regress.ConformalRegressor` (``conformal``: ``"cv+"``, calibrated by
    5-fold refits of the tuned model on each outer training part, or ``"split"``, 80 % to fit
    and 20 % to calibrate); each fold reports the fraction of its test points inside their
    intervals (``coverage``), the mean width, and, for a model with a spread of its own, the
    coverage of that spread taken as a Gaussian (``own_spread_coverage``).

    ``n_jobs`` runs the (model, outer fold) pairs of the feature-based models in that many
    processes (-1: every core this process may use); each pair is seeded as in a serial run, so
    the results do not depend on ``n_jobs``. Graph models train in this process, on torch's threads.

    ``progress(done, total, message)`` is called before the first (model, fold) pair and after each.

    Returns the JSON of ``matterlearn regress benchmark``. If ``predictions`` is a dict, it
    receives each model's out-of-fold predictions (probabilities of class 1 for classifiers).
    """
    y = np.asarray(y, dtype=float)
    check_rows(y, task, dataset or "the data")
    if intervals is not None:
        if task != "regression":
            raise ParameterError("intervals are for regression; a classifier's probabilities are its uncertainty")
        from ._uncertainty import _check_coverage

        _check_coverage(intervals)
        if conformal not in ("cv+", "split"):
            raise ParameterError(f"conformal must be 'cv+' or 'split', not {conformal!r}")
    if n_jobs == 0 or n_jobs < -1:
        raise ParameterError(f"n_jobs must be a positive number of processes or -1 (all cores), not {n_jobs}")
    graphs: dict[str, np.ndarray] = {}
    if any(m in GRAPH_MODELS for m in models):
        if structures is None:
            raise ParameterError("graph models (cgcnn, alignn) need crystal structures: a structure "
                                 "dataset or an extxyz / ASE db file, with --features structure")
        for name in dict.fromkeys(m for m in models if m in GRAPH_MODELS):
            # once for every fold, with the graph parameters the model will use
            spec = make_model(name, task, seed=seed, cgcnn_options=cgcnn_options)
            graphs[name] = np.empty(len(structures), dtype=object)
            for k, g in enumerate(spec._graphs(structures)):
                graphs[name][k] = g
    if task == "classification":
        y, _ = binary_labels(y)
    elif task != "regression":
        raise ParameterError(f"task must be regression or classification, not {task!r}")
    out: dict[str, Any] = {"dataset": dataset, "task": task, "n": len(y), "models": {}}
    if intervals is not None:
        out["intervals"] = {"coverage": intervals, "method": conformal}
    mad = float(np.mean(np.abs(y - y.mean())))
    pairs = [(name, k) for name in models for k in range(len(folds))]
    results: dict[tuple[str, int], tuple[dict[str, Any], np.ndarray, np.ndarray | None]] = {}

    def args(name: str, k: int) -> tuple[Any, ...]:
        train, test = folds[k]
        return (name, task, graphs[name] if name in GRAPH_MODELS else X, y, np.asarray(train), np.asarray(test),
                seed, cgcnn_options, intervals, conformal)

    def tick(message: str) -> None:
        if progress:
            progress(len(results), len(pairs), message)

    parallel = [p for p in pairs if p[0] not in GRAPH_MODELS] if n_jobs != 1 else []
    if len(parallel) > 1:
        from joblib import Parallel, delayed

        # feature models in worker processes, each on one thread; the results arrive in any order
        runner = Parallel(n_jobs=n_jobs, return_as="generator_unordered", backend="loky")
        tick(f"{len(parallel)} fits in {n_jobs if n_jobs > 0 else 'all'} processes")
        for pair, res in runner(delayed(_tagged)(p, args(*p)) for p in parallel):
            results[pair] = res
            tick(f"{pair[0]}, outer fold {pair[1] + 1} of {len(folds)} done")
    for name, k in pairs:
        if (name, k) not in results:
            tick(f"{name}, outer fold {k + 1} of {len(folds)} (tuning and fitting)")
            results[(name, k)] = _fold(*args(name, k))
    tick("done")
    for name in models:
        per_fold = [results[(name, k)][0] for k in range(len(folds))]
        oof = np.full(len(y), np.nan)
        for k, (_, test) in enumerate(folds):
            oof[np.asarray(test)] = results[(name, k)][1]
        summary: dict[str, Any] = {"folds": per_fold}
        keys = [k for k, v in per_fold[0].items() if isinstance(v, float)]
        for key in keys:
            vals = np.array([f[key] for f in per_fold])
            summary[f"{key}_mean"] = float(vals.mean())
            summary[f"{key}_std"] = float(vals.std())
        if task == "regression":
            summary["mae_over_mad"] = summary["mae_mean"] / mad if mad > 0 else float("nan")
            summary["overfitting"] = bool(summary["train_mae_mean"] < 0.5 * summary["mae_mean"])
            if intervals is not None:  # over all test points, not a mean of the folds' fractions
                inside = np.concatenate([results[(name, k)][2] for k in range(len(folds))])
                summary["coverage"] = float(inside.mean())
        else:  # the same test on the ROC-AUC's shortfall from 1
            summary["overfitting"] = bool(1 - summary["train_roc_auc_mean"] < 0.5 * (1 - summary["roc_auc_mean"]))
        out["models"][name] = summary
        if predictions is not None:
            predictions[name] = oof
        log.info("%s: done", name)
    return out


def _tagged(pair: tuple[str, int], args: tuple[Any, ...]) -> tuple[tuple[str, int], Any]:
    """One outer fold in a worker process, on one thread, returned with its (model, fold) tag."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return pair, _fold(*args)
