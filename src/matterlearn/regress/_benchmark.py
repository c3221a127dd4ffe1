"""The Matbench protocol: nested cross-validation with the official outer folds, honest metrics
per fold (test and train), and their means and spreads."""

from __future__ import annotations

import logging
import time
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


def benchmark(X: np.ndarray, y: np.ndarray, task: str, folds: Sequence[tuple[np.ndarray, np.ndarray]],
              models: Sequence[str], seed: int = 0, dataset: str = "",
              progress: Callable[[str, int, int], None] | None = None,
              predictions: dict[str, np.ndarray] | None = None,
              structures: Sequence[Any] | None = None,
              cgcnn_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Nested CV: for each outer fold, tune and fit each model on the training part (inner
    5-fold CV inside :func:`make_model`; CGCNN: an inner validation split with early
    stopping), then score on the test part and on the training part.

    ``X`` is the feature matrix of the feature-based models; ``structures`` (ASE Atoms or
    crystal graphs, one per row of ``X``) feed the graph models (``cgcnn``), built with
    ``cgcnn_options`` (e.g. ``{"epochs": 100, "n_models": 1}``).

    Returns the JSON of ``matterlearn regress benchmark``. If ``predictions`` is a dict, it
    receives each model's out-of-fold predictions (probabilities of class 1 for classifiers).
    """
    y = np.asarray(y, dtype=float)
    check_rows(y, task, dataset or "the data")
    graphs = None
    if any(m in GRAPH_MODELS for m in models):
        if structures is None:
            raise ParameterError("cgcnn needs crystal structures: a structure dataset or an extxyz / "
                                 "ASE db file, with --features structure")
        from ._cgcnn import _as_graphs

        # once for every fold, with the graph parameters the models will use
        spec = make_model("cgcnn", task, seed=seed, cgcnn_options=cgcnn_options)
        graphs = np.empty(len(structures), dtype=object)
        for k, g in enumerate(_as_graphs(structures, spec.cutoff, spec.max_neighbors)):
            graphs[k] = g
    if task == "classification":
        y, _ = binary_labels(y)
    elif task != "regression":
        raise ParameterError(f"task must be regression or classification, not {task!r}")
    out: dict[str, Any] = {"dataset": dataset, "task": task, "n": len(y), "models": {}}
    mad = float(np.mean(np.abs(y - y.mean())))
    for name in models:
        per_fold = []
        oof = np.full(len(y), np.nan)
        for k, (train, test) in enumerate(folds):
            if progress:
                progress(name, k, len(folds))
            t0 = time.perf_counter()
            model = make_model(name, task, seed=seed, cgcnn_options=cgcnn_options)
            Xm = graphs if name in GRAPH_MODELS else X
            model.fit(Xm[train], y[train])
            if task == "regression":
                oof[test] = model.predict(Xm[test])
                m = regression_metrics(y[test], oof[test])
                m["train_mae"] = regression_metrics(y[train], model.predict(Xm[train]))["mae"]
            else:
                oof[test] = model.predict_proba(Xm[test])[:, 1]
                m = classification_metrics(y[test], oof[test])
                m["train_roc_auc"] = classification_metrics(
                    y[train], model.predict_proba(Xm[train])[:, 1])["roc_auc"]
            m["best_params"] = {k2.replace("model__", ""): v for k2, v in model.best_params_.items()}
            m["seconds"] = round(time.perf_counter() - t0, 2)
            per_fold.append(m)
        summary: dict[str, Any] = {"folds": per_fold}
        keys = [k for k, v in per_fold[0].items() if isinstance(v, float)]
        for key in keys:
            vals = np.array([f[key] for f in per_fold])
            summary[f"{key}_mean"] = float(vals.mean())
            summary[f"{key}_std"] = float(vals.std())
        if task == "regression":
            summary["mae_over_mad"] = summary["mae_mean"] / mad if mad > 0 else float("nan")
            summary["overfitting"] = bool(summary["train_mae_mean"] < 0.5 * summary["mae_mean"])
        else:  # the same test on the ROC-AUC's shortfall from 1
            summary["overfitting"] = bool(1 - summary["train_roc_auc_mean"] < 0.5 * (1 - summary["roc_auc_mean"]))
        out["models"][name] = summary
        if predictions is not None:
            predictions[name] = oof
        log.info("%s: done", name)
    return out
