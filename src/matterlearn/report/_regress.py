"""The property-model benchmark report: parity, residuals, ROC, learning curve, permutation
importance, overfitting warnings and a verdict per model."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._html import HTMLReport, new_figure

__all__ = ["regress_report", "screening_figure"]


def _verdict(task: str, r: dict[str, Any]) -> str:
    if task == "regression":
        rel = r["mae_over_mad"]
        quality = ("excellent" if rel < 0.2 else "good" if rel < 0.4 else "fair" if rel < 0.7
                   else "barely better than the mean")
        over = " It overfits: training error under half the test error." if r["overfitting"] else ""
        return f"MAE is {rel:.2f} of the target's mean absolute deviation: {quality}.{over}"
    auc = r["roc_auc_mean"]
    quality = "excellent" if auc > 0.95 else "good" if auc > 0.85 else "fair" if auc > 0.7 else "weak"
    over = " It overfits: training ROC-AUC near 1." if r.get("overfitting") else ""
    return f"ROC-AUC {auc:.3f} ({quality}); balanced accuracy {r['balanced_accuracy_mean']:.3f}.{over}"


def regress_report(result: dict[str, Any], X: np.ndarray, y: np.ndarray,
                   folds: Sequence[tuple[np.ndarray, np.ndarray]],
                   predictions: dict[str, np.ndarray], labels: Sequence[str],
                   folder: str | os.PathLike[str], seed: int = 0) -> Path:
    """Write ``folder/regress.html`` for a :func:`~matterlearn.regress.benchmark` result."""
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import roc_curve

    from ..regress import GRAPH_MODELS, make_model

    folder = Path(folder)
    task = result["task"]
    rep = HTMLReport(f"Benchmark: {result['dataset']}")
    rep.paragraph(f"{result['n']} entries, {task}, nested 5-fold cross-validation "
                  "(hyperparameters tuned on each outer training part only).")
    key = "mae_mean" if task == "regression" else "roc_auc_mean"
    best = (min if task == "regression" else max)(result["models"], key=lambda m: result["models"][m][key])
    rows = []
    for name, r in result["models"].items():
        if task == "regression":
            rows.append([name, r["mae_mean"], r["mae_std"], r["rmse_mean"], r["r2_mean"],
                         r["train_mae_mean"], _verdict(task, r)])
        else:
            rows.append([name, r["roc_auc_mean"], r["balanced_accuracy_mean"], r["precision_mean"],
                         r["recall_mean"], r["f1_mean"], _verdict(task, r)])
        if task == "regression" and r["overfitting"]:
            rep.paragraph(f"{name}: training MAE {r['train_mae_mean']:.4g} is far below the test "
                          f"MAE {r['mae_mean']:.4g}; the model memorises its training data.",
                          kind="warn")
        elif task == "classification" and r.get("overfitting"):
            rep.paragraph(f"{name}: training ROC-AUC {r['train_roc_auc_mean']:.3f} against "
                          f"{r['roc_auc_mean']:.3f} on the test folds; the model memorises its "
                          "training data.", kind="warn")
    header = (["model", "MAE", "MAE std", "RMSE", "r2", "train MAE", "verdict"] if task == "regression"
              else ["model", "ROC-AUC", "balanced acc.", "precision", "recall", "F1", "verdict"])
    rep.table(header, rows)
    fig = new_figure(10, 4)
    ax1, ax2 = fig.subplots(1, 2)
    for name, p in predictions.items():
        ok = np.isfinite(p)
        if task == "regression":
            ax1.plot(y[ok], p[ok], ".", ms=3, alpha=0.5, label=name)
            ax2.hist(p[ok] - y[ok], bins=50, histtype="step", label=name)
        else:
            fpr, tpr, _ = roc_curve(y[ok].astype(int), p[ok])
            ax1.plot(fpr, tpr, label=f"{name} (AUC {result['models'][name]['roc_auc_mean']:.3f})")
            ax2.hist(p[ok][y[ok] == 1], bins=30, histtype="step", label=f"{name}: class 1")
            ax2.hist(p[ok][y[ok] == 0], bins=30, histtype="step", ls="--", label=f"{name}: class 0")
    if task == "regression":
        lim = [np.nanmin(y), np.nanmax(y)]
        ax1.plot(lim, lim, "k--", lw=1)
        ax1.set_xlabel("target")
        ax1.set_ylabel("out-of-fold prediction")
        ax2.set_xlabel("residual")
        rep_caption = "Parity and residuals of the out-of-fold predictions."
    else:
        ax1.plot([0, 1], [0, 1], "k--", lw=1)
        ax1.set_xlabel("false positive rate")
        ax1.set_ylabel("true positive rate")
        ax2.set_xlabel("predicted probability")
        rep_caption = "ROC curves and predicted probabilities (out of fold)."
    ax1.legend(fontsize=8)
    ax2.legend(fontsize=8)
    rep.figure(fig, rep_caption)
    # learning curve and permutation importance of the best feature-based model on the first
    # outer fold (graph models have no feature matrix to permute)
    feature_models = [m for m in result["models"] if m not in GRAPH_MODELS]
    if not feature_models:
        folder.mkdir(parents=True, exist_ok=True)
        rep.write(folder / "regress.html")
        return folder / "regress.html"
    best = (min if task == "regression" else max)(feature_models, key=lambda m: result["models"][m][key])
    train, test = folds[0]
    model = make_model(best, task, seed=seed).fit(X[train], y[train])
    params = model.best_params_
    sizes, scores = [], []
    rng = np.random.default_rng(seed)
    for frac in (0.1, 0.2, 0.4, 0.7, 1.0):
        sub = rng.permutation(train)[: max(10, int(frac * len(train)))]
        est = make_model(best, task, seed=seed)
        if hasattr(est, "estimator"):  # a grid search: reuse the parameters tuned on the full fold
            est = est.estimator.set_params(**params)
        est.fit(X[sub], y[sub])
        if task == "regression":
            scores.append(float(np.mean(np.abs(est.predict(X[test]) - y[test]))))
        else:
            from sklearn.metrics import roc_auc_score

            scores.append(float(roc_auc_score(y[test].astype(int), est.predict_proba(X[test])[:, 1])))
        sizes.append(len(sub))
    fig = new_figure(5, 3.5)
    ax = fig.subplots()
    ax.plot(sizes, scores, "o-")
    ax.set_xscale("log")
    ax.set_xlabel("training entries")
    ax.set_ylabel("test MAE" if task == "regression" else "test ROC-AUC")
    rep.figure(fig, f"Learning curve of {best} on the first outer fold.")
    imp = permutation_importance(getattr(model, "best_estimator_", model), X[test], y[test], n_repeats=5,
                                 random_state=seed,
                                 scoring="neg_mean_absolute_error" if task == "regression" else "roc_auc")
    order = np.argsort(-imp.importances_mean)[:20]
    fig = new_figure(6, 5)
    ax = fig.subplots()
    ax.barh([labels[i] for i in order][::-1], imp.importances_mean[order][::-1],
            xerr=imp.importances_std[order][::-1])
    ax.set_xlabel("permutation importance")
    rep.figure(fig, f"Top 20 features of {best} (first outer fold's test part).")
    folder.mkdir(parents=True, exist_ok=True)
    rep.write(folder / "regress.html")
    return folder / "regress.html"


def screening_figure(result: Any, names: Sequence[str], unseen: Sequence[Sequence[str]],
                     recipe: dict[str, Any], path: str | os.PathLike[str], top: int = 25) -> None:
    """The ranking of a :func:`~matterlearn.regress.screen` run as a PNG: the best ``top``
    candidates with their intervals, coloured by whether they lie in the model's domain, and every
    candidate's prediction against its distance from the training data."""
    order = result.order[:top]
    inside = np.asarray(result.in_domain) & np.array([not u for u in unseen])
    fig = new_figure(11.0, max(4.0, 0.22 * len(order) + 1.2))
    ax, ax2 = fig.subplots(1, 2, width_ratios=(1.2, 1))
    ypos = np.arange(len(order))[::-1]
    colour = np.where(inside[order], "tab:blue", "tab:orange")
    pred = result.prediction[order]
    has_int = result.coverage is not None
    if has_int:
        err = np.vstack([pred - result.lower[order], result.upper[order] - pred])
        for c in ("tab:blue", "tab:orange"):
            sel = colour == c
            ax.errorbar(pred[sel], ypos[sel], xerr=err[:, sel], fmt="o", color=c, capsize=2, ms=4)
    else:
        ax.scatter(pred, ypos, c=colour, s=16)
    ax.set_yticks(ypos, [names[i] for i in order], fontsize=7)
    target = recipe.get("target", "target")
    kind = "probability" if recipe.get("task") == "classification" else "predicted"
    ax.set_xlabel(f"{kind} {target}" + (f" ({result.coverage:.0%} interval)" if has_int else ""))
    ax.set_title(f"best {len(order)} of {len(names):,} ({result.objective}); orange: outside the domain",
                 fontsize=9)
    obj = result.objective
    for a in (ax, ax2):
        if obj.kind == "range":
            (a.axvspan if a is ax else a.axhspan)(obj.low, obj.high, color="tab:green", alpha=0.12)
    dist = result.distance
    if np.isfinite(dist).any():
        ax2.scatter(dist, result.prediction, s=4, c=np.where(inside, "tab:blue", "tab:orange"), alpha=0.5)
        ax2.scatter(dist[order], result.prediction[order], s=18, facecolors="none", edgecolors="k",
                    label=f"best {len(order)}")
        ax2.set_xlabel("distance to the training data (standardised)")
        ax2.legend(fontsize=8)
    else:
        ax2.hist(result.prediction, bins=40, color="tab:blue", alpha=0.7)
        ax2.set_xlabel("no feature-space domain for this model")
    ax2.set_ylabel(f"{kind} {target}")
    fig.savefig(path, format="png")
