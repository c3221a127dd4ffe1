"""``matterlearn regress``: property-model benchmarks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

regress_app = typer.Typer(help="Property models: benchmarks with the Matbench protocol.",
                          no_args_is_help=True)


def _load(data: str, target: str | None, features: str) -> tuple[Any, Any, str, Any, str]:
    """Inputs, targets, task, outer folds and a name, from a dataset name, a CSV file (formulas) or
    a structure file (extxyz, ASE db; ``target`` is a key of each frame's info)."""
    import numpy as np

    from ..data import matbench_splits, read_table
    from ..datasets import info, list_datasets, load
    from ..errors import ParameterError

    if features not in ("composition", "structure"):
        raise ParameterError(f"--features must be composition or structure, not {features!r}")
    names = {i.name for i in list_datasets()}
    if data in names:
        inf = info(data)
        ds = load(data)
        if inf.input_type != "composition" and features == "composition":
            inputs = [a.get_chemical_formula(empirical=False) for a in ds.inputs]
        elif inf.input_type == "composition" and features == "structure":
            raise ParameterError(f"'{data}' holds formulas only; use --features composition")
        else:
            inputs = ds.inputs
        y = ds.targets if target is None else ds.column(target)
        folds = ds.folds if ds.folds is not None else matbench_splits(y, inf.task)
        return inputs, y, inf.task, folds, data
    if data.lower().endswith((".csv", ".csv.gz", ".csv.xz")):
        if features == "structure":
            raise ParameterError(f"'{data}' is a table of formulas; structure features need an extxyz or ASE db")
        table = read_table(data, target or "target")
        inputs, y = table.formulas, table.targets
    else:
        from ..data import read_frames
        from ..errors import MissingLabelError

        if target is None:
            raise ParameterError("give --target, the key of the property in each frame's info")
        frames = read_frames(data)
        missing = [k for k, a in enumerate(frames) if target not in a.info]
        if missing:
            raise MissingLabelError(f"{data}, frame {missing[0]}: no '{target}' in its info "
                                    f"({len(missing)} frames lack it); choose the key with --target")
        y = np.array([float(a.info[target]) for a in frames])
        inputs = frames if features == "structure" else [a.get_chemical_formula(empirical=False) for a in frames]
    labels = np.unique(y)
    # a handful of integer values is a class label (the benchmark then insists on two classes)
    task = ("classification" if len(labels) <= 10 and np.allclose(labels, np.round(labels))
            else "regression")
    return inputs, y, task, matbench_splits(y, task), Path(data).name


def _featurizer(features: str):  # type: ignore[no-untyped-def]
    from ..features import CompositionFeaturizer, StructureFeaturizer

    return StructureFeaturizer() if features == "structure" else CompositionFeaturizer()


@regress_app.command("benchmark")
def benchmark_cmd(
    data: Annotated[str, typer.Argument(help="Dataset name (matterlearn datasets list) or a CSV with a formula column.")],
    target: Annotated[Optional[str], typer.Option(help="Target column of a CSV.")] = None,
    model: Annotated[str, typer.Option("--model", help="Models, comma-separated.")] = "rf",
    features: Annotated[str, typer.Option(help="composition or structure.")] = "composition",
    log10: Annotated[bool, typer.Option("--log10", help="Model log10 of the target (moduli).")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the models and inner CV.")] = 0,
    out: Annotated[Optional[Path], typer.Option("--out", help="Folder for the report.")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the results as JSON.")] = None,
) -> None:
    """Nested 5-fold CV (official Matbench folds for Matbench tasks; the same protocol for a
    CSV): MAE, RMSE, r2, max error and train MAE per fold; ROC-AUC (from probabilities),
    balanced accuracy, precision, recall, F1 for classifiers."""
    import numpy as np

    from ..data import atomic_write_text
    from ..errors import DataFormatError
    from ..regress import benchmark

    inputs, y, task, folds, name = _load(data, target, features)
    if log10:
        if task != "regression" or (np.asarray(y) <= 0).any():
            raise DataFormatError("--log10 needs a regression target with positive values")
        y = np.log10(y)
        name = f"{name} log10"
    featurizer = _featurizer(features)
    X = featurizer.fit_transform(inputs)
    models = [m.strip() for m in model.split(",") if m.strip()]
    from rich.progress import BarColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), transient=True) as bar:
        t = bar.add_task("benchmark", total=len(models) * len(folds))
        predictions: dict[str, Any] = {}
        result = benchmark(X, y, task, folds, models, seed, name,
                           lambda m, k, n: bar.update(t, advance=1, description=f"{m} fold {k + 1}"),
                           predictions)
    if out is not None:
        from ..report import regress_report

        yy = y if task == "regression" else (y == max(y)).astype(float)
        regress_report(result, X, yy, folds, predictions, featurizer.feature_labels(), out, seed)
    if json_out is not None:
        atomic_write_text(json_out, json.dumps(result, indent=2) + "\n")
    for m, r in result["models"].items():
        if task == "regression":
            verdict = "overfits (train MAE < half the test MAE)" if r["overfitting"] else "ok"
            typer.echo(f"{m}: MAE {r['mae_mean']:.4g} ± {r['mae_std']:.2g}, r2 {r['r2_mean']:.3f}, "
                       f"MAE/MAD {r['mae_over_mad']:.3f}; {verdict}")
        else:
            typer.echo(f"{m}: ROC-AUC {r['roc_auc_mean']:.3f}, balanced accuracy "
                       f"{r['balanced_accuracy_mean']:.3f} ± {r['balanced_accuracy_std']:.2g}")


@regress_app.command("fit")
def fit_cmd(
    data: Annotated[str, typer.Argument(help="Dataset name or a CSV with a formula column.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model file to write (skops).")],
    target: Annotated[Optional[str], typer.Option(help="Target column of a CSV.")] = None,
    model: Annotated[str, typer.Option("--model", help="Model name.")] = "rf",
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
) -> None:
    """Tune (inner 5-fold CV) and fit one model on all the data; save it with its feature recipe."""
    from ..features import CompositionFeaturizer
    from ..regress import make_model, save_model

    formulas, y, task, _, name = _load(data, target, "composition")
    featurizer = CompositionFeaturizer()
    X = featurizer.fit_transform(formulas)
    est = make_model(model, task, seed=seed).fit(X, y)
    save_model(out, est, {"features": "composition", "featurizer": {
        "magpie": True, "stoichiometry": True, "valence": True, "ionic": True},
        "target": target or "target", "task": task, "model": model, "data": name,
        "n_train": int(len(y)), "best_params": {k.replace("model__", ""): v
                                               for k, v in est.best_params_.items()}})
    typer.echo(f"fitted {model} on {len(y)} entries of {name}; wrote {out}")


@regress_app.command("predict")
def predict_cmd(
    model_file: Annotated[Path, typer.Argument(help="Model file from `regress fit`.")],
    data: Annotated[str, typer.Argument(help="CSV with a formula column.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Predictions CSV to write.")],
) -> None:
    """Predict the target of every formula of a CSV."""
    import csv
    import io

    from ..data import atomic_write_text, read_table
    from ..features import CompositionFeaturizer
    from ..regress import load_model

    est, recipe = load_model(model_file)
    table = read_table(data, None)
    X = CompositionFeaturizer(**recipe["featurizer"]).fit_transform(table.formulas)
    buf = io.StringIO()
    w = csv.writer(buf)
    if recipe["task"] == "classification":
        p = est.predict_proba(X)[:, 1]
        w.writerow(["formula", f"probability_{recipe['target']}"])
    else:
        p = est.predict(X)
        w.writerow(["formula", f"predicted_{recipe['target']}"])
    for f, v in zip(table.formulas, p):
        w.writerow([f, repr(float(v))])
    atomic_write_text(out, buf.getvalue())
    typer.echo(f"wrote {len(p)} predictions to {out}")
