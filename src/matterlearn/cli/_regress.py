"""``matterlearn regress``: property-model benchmarks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ._boundary import Outputs

regress_app = typer.Typer(help="Property models: benchmarks with the Matbench protocol.",
                          no_args_is_help=True)


def _load(data: str, target: str | None, features: str) -> tuple[Any, Any, str, Any, str]:
    """Inputs, targets, task, outer folds and a name, from a dataset name, a CSV file (formulas) or
    a structure file (extxyz, ASE db; ``target`` is a key of each frame's info)."""
    import numpy as np

    from ..data import matbench_splits, read_table
    from ..datasets import info, list_datasets, load
    from ..errors import ParameterError
    from ..regress._benchmark import check_rows

    features = _check_features(features)
    names = {i.name for i in list_datasets()}
    if data not in names and not Path(data).exists() and not Path(data).suffix and "/" not in data:
        info(data)  # a name, not a file: unknown dataset, with the close matches
    if data in names:
        inf = info(data)
        ds = load(data)
        if inf.input_type != "composition" and features != "structure":
            inputs = [a.get_chemical_formula(empirical=False) for a in ds.inputs]
        elif inf.input_type == "composition" and features == "structure":
            raise ParameterError(f"'{data}' holds formulas only; use --features composition")
        else:
            inputs = ds.inputs
        y = ds.targets if target is None else ds.column(target)
        check_rows(np.asarray(y), inf.task, data)
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
    check_rows(np.asarray(y), task, data)
    return inputs, y, task, matbench_splits(y, task), Path(data).name


def _cgcnn_options(epochs: int | None, ensemble: int | None) -> dict[str, int]:
    from ..errors import ParameterError

    opts = {}
    for key, value in (("epochs", epochs), ("n_models", ensemble)):
        if value is not None:
            if value < 1:
                raise ParameterError(f"--{'ensemble' if key == 'n_models' else key} must be at least 1")
            opts[key] = value
    return opts


FEATURE_SETS = ("composition", "fractions", "composition+fractions", "structure")


def _check_features(features: str) -> str:
    from ..errors import ParameterError

    if features not in FEATURE_SETS:
        raise ParameterError(f"--features must be one of {', '.join(FEATURE_SETS)}, not {features!r}")
    return features


def _featurizer(features: str, recipe: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    """The featurizer of a feature set (``recipe``: the stored arguments of a saved model's)."""
    from ..features import CompositionFeaturizer, StructureFeaturizer

    if features == "structure":
        return StructureFeaturizer()
    if recipe:
        return CompositionFeaturizer(**recipe)
    if features == "fractions":
        return CompositionFeaturizer(magpie=False, stoichiometry=False, valence=False, ionic=False,
                                     fractions=True)
    return CompositionFeaturizer(fractions=features == "composition+fractions")


@regress_app.command("benchmark")
def benchmark_cmd(
    data: Annotated[str, typer.Argument(help="Dataset name (matterlearn datasets list) or a CSV with a formula column.")],
    target: Annotated[str | None, typer.Option(help="Target column of a CSV.")] = None,
    model: Annotated[str, typer.Option("--model", help="Models, comma-separated.")] = "rf",
    features: Annotated[str, typer.Option(help="composition (Magpie statistics, stoichiometry, valence, ionic "
                                                "character), fractions (element fractions), "
                                                "composition+fractions, or structure.")] = "composition",
    log10: Annotated[bool, typer.Option("--log10", help="Model log10 of the target (moduli).")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the models and inner CV.")] = 0,
    epochs: Annotated[int | None, typer.Option(help="cgcnn, alignn: most training epochs (default 300; early stopping).")] = None,
    ensemble: Annotated[int | None, typer.Option(help="cgcnn, alignn: networks averaged (default 5 and 3).")] = None,
    intervals: Annotated[float | None, typer.Option(
        help="Regression: wrap every model in conformal intervals at this coverage (e.g. 0.9), "
             "calibrated on each outer training part; report their coverage of the test folds and "
             "their width.")] = None,
    conformal: Annotated[str, typer.Option(help="cv+ (5-fold refits; every row trains and calibrates) or "
                                                "split (80% fits, 20% calibrates).")] = "cv+",
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Processes for the outer folds of the feature "
                                                             "models (-1: all cores).")] = 1,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for the report.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the results as JSON.")] = None,
) -> None:
    """Nested 5-fold CV (official Matbench folds for Matbench tasks; the same protocol for a
    CSV): MAE, RMSE, r2, max error and train MAE per fold; ROC-AUC (from probabilities),
    balanced accuracy, precision, recall, F1 for classifiers; with --intervals, the coverage
    and width of conformal intervals."""
    import numpy as np

    from ..errors import DataFormatError, ParameterError
    from ..regress import GRAPH_MODELS, benchmark, make_model
    from ._progress import progress

    models = [m.strip() for m in model.split(",") if m.strip()]
    if any(m in GRAPH_MODELS for m in models) and features != "structure":
        raise ParameterError("cgcnn and alignn work on crystal structures: add --features structure (a structure "
                             "dataset, or an extxyz / ASE db file)")
    if jobs == 0 or jobs < -1:
        raise ParameterError(f"--jobs must be a positive number of processes or -1 (all cores), not {jobs}")
    if conformal not in ("cv+", "split"):
        raise ParameterError(f"--conformal is cv+ or split, not {conformal!r}")
    if intervals is not None and not 0 < intervals < 1:
        raise ParameterError(f"--intervals is a coverage strictly between 0 and 1 (e.g. 0.9), not {intervals}")
    outs = Outputs()
    outs.folder(out, "--out")
    outs.file(json_out, "--json")
    inputs, y, task, folds, name = _load(data, target, features)
    if intervals is not None and task != "regression":
        raise ParameterError(f"--intervals is for regression; {name} is a classification task, whose "
                             f"probabilities are its uncertainty")
    for m in models:  # an unknown model name is refused before any work
        make_model(m, task, seed=seed, cgcnn_options=_cgcnn_options(epochs, ensemble))
    if task == "classification":
        from ..regress._benchmark import binary_labels

        binary_labels(y)  # exactly two classes, checked before any work
    if log10:
        if task != "regression" or (np.asarray(y) <= 0).any():
            raise DataFormatError("--log10 needs a regression target with positive values")
        y = np.log10(y)
        name = f"{name} log10"
    with progress("benchmark:") as bar:
        t = bar.add_task(f"{features} features of {len(y):,} entries", total=None)
        bar.update(t, completed=0)  # the first line at once
        featurizer = _featurizer(features)
        X = featurizer.fit_transform(inputs)
        bar.update(t, total=len(models) * len(folds), completed=0)
        predictions: dict[str, Any] = {}

        def tick(done: int, total: int, message: str) -> None:
            bar.update(t, completed=done, total=total, description=message)

        result = benchmark(X, y, task, folds, models, seed, name, tick,
                           predictions, structures=inputs if features == "structure" else None,
                           cgcnn_options=_cgcnn_options(epochs, ensemble), intervals=intervals,
                           conformal=conformal, n_jobs=jobs)
        bar.update(t, completed=len(models) * len(folds))
    with outs:
        if out is not None:
            from ..report import regress_report

            yy = y if task == "regression" else (y == max(y)).astype(float)
            regress_report(result, X, yy, folds, predictions, featurizer.feature_labels(),
                           outs.stage(out), seed)
        outs.write_text(json_out, json.dumps(result, indent=2) + "\n")
    for m, r in result["models"].items():
        if task == "regression":
            verdict = "overfits (train MAE < half the test MAE)" if r["overfitting"] else "ok"
            cover = ""
            if intervals is not None:
                cover = (f"; {intervals:.0%} intervals cover {r['coverage']:.1%} of the test points, "
                         f"mean width {r['mean_width_mean']:.3g}")
                if "own_spread_coverage_mean" in r:
                    cover += f" (its own spread as a Gaussian: {r['own_spread_coverage_mean']:.1%})"
            typer.echo(f"{m}: MAE {r['mae_mean']:.4g} ± {r['mae_std']:.2g}, r2 {r['r2_mean']:.3f}, "
                       f"MAE/MAD {r['mae_over_mad']:.3f}; {verdict}{cover}")
        else:
            verdict = "overfits (train ROC-AUC shortfall < half the test one)" if r["overfitting"] else "ok"
            typer.echo(f"{m}: ROC-AUC {r['roc_auc_mean']:.3f}, balanced accuracy "
                       f"{r['balanced_accuracy_mean']:.3f} ± {r['balanced_accuracy_std']:.2g}; {verdict}")


@regress_app.command("fit")
def fit_cmd(
    data: Annotated[str, typer.Argument(help="Dataset name, a CSV with a formula column, or an extxyz / ASE db.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model file to write (skops; torch tensors for cgcnn and alignn).")],
    target: Annotated[str | None, typer.Option(help="Target column of a CSV, or info key of a structure file.")] = None,
    model: Annotated[str, typer.Option("--model", help="Model name.")] = "rf",
    features: Annotated[str, typer.Option(help="composition, fractions, composition+fractions or structure.")] = "composition",
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    epochs: Annotated[int | None, typer.Option(help="cgcnn, alignn: most training epochs (default 300; early stopping).")] = None,
    ensemble: Annotated[int | None, typer.Option(help="cgcnn, alignn: networks averaged (default 5 and 3).")] = None,
    intervals: Annotated[bool, typer.Option("--intervals", help="Regression: conformal intervals (CV+: "
                                                                 "5-fold refits of the tuned model), for any model.")] = False,
) -> None:
    """Tune (inner 5-fold CV; early stopping for cgcnn and alignn) and fit one model on all the data; save
    it with its feature recipe, the elements it saw and its domain of applicability."""
    from ..errors import ParameterError
    from ..regress import (
        GRAPH_MODELS,
        ApplicabilityDomain,
        ConformalRegressor,
        make_model,
        save_model,
    )

    graph = model in GRAPH_MODELS
    if intervals and graph:
        raise ParameterError("--intervals wraps a feature model; a cgcnn or alignn ensemble (--ensemble 2 or more) "
                             "carries its own spread")
    if graph and features != "structure":
        raise ParameterError(f"{model} works on crystal structures: add --features structure")
    outs = Outputs()
    outs.file(out, "--out")
    inputs, y, task, _, name = _load(data, target, features)
    if intervals and task != "regression":
        raise ParameterError(f"--intervals is for regression; {name} is a classification task, whose "
                             f"probabilities are its uncertainty")
    est = make_model(model, task, seed=seed, cgcnn_options=_cgcnn_options(epochs, ensemble))
    if intervals:
        est = ConformalRegressor(est, seed=seed)
    from ..datasets import info, list_datasets

    if target is None and data in {i.name for i in list_datasets()}:
        target = info(data).target.replace(" ", "_")
    recipe: dict[str, Any] = {"features": features, "target": target or "target", "task": task,
                              "model": model, "data": name, "n_train": len(y),
                              "elements": _elements(inputs), "intervals": "conformal cv+" if intervals else None}
    domain = None
    if task == "classification":
        from ..regress._benchmark import binary_labels

        y, classes = binary_labels(y)
        recipe["classes"] = [float(c) for c in classes]
    if graph:
        from rich.progress import BarColumn, Progress, TextColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), transient=True) as bar:
            t = bar.add_task(model, total=est.n_models * est.epochs)

            def tick(member: int, epoch: int, loss: float, val: float) -> None:
                # early stopping may skip epochs: the bar follows network and epoch
                bar.update(t, completed=member * est.epochs + epoch + 1,
                           description=f"{model} {member + 1}/{est.n_models}, epoch {epoch + 1}, "
                                       f"validation error {val:.4g}")

            est.fit(inputs, y, callback=tick)
    else:
        featurizer = _featurizer(features)
        X = featurizer.fit_transform(inputs)
        est.fit(X, y)
        domain = ApplicabilityDomain().fit(X)
        if hasattr(featurizer, "recipe"):
            recipe["featurizer"] = featurizer.recipe()
    from ..regress._benchmark import _plain

    recipe["best_params"] = {k.replace("model__", ""): _plain(v) for k, v in est.best_params_.items()}
    with outs:
        save_model(outs.stage(out), est, recipe, domain)
    typer.echo(f"fitted {model}{' with conformal intervals' if intervals else ''} on {len(y)} entries "
               f"of {name}; wrote {out}")


def _elements(inputs: Any) -> list[str]:
    """The elements present in formulas or structures, sorted."""
    from ..data import parse_formula

    seen: set[str] = set()
    for x in inputs:
        seen.update(x.get_chemical_symbols() if hasattr(x, "get_chemical_symbols") else parse_formula(x))
    return sorted(seen)


def _candidates(data: str, features: str) -> tuple[Any, list[str], list[set[str]]]:
    """Inputs, a name per row and the elements of each row, from a CSV of formulas or (structure
    models) an extxyz / ASE db."""
    from ..data import parse_formula, read_frames, read_table

    if features == "structure":
        frames = read_frames(data)
        return frames, [a.get_chemical_formula() for a in frames], [set(a.get_chemical_symbols()) for a in frames]
    table = read_table(data, None)
    return table.formulas, list(table.formulas), [set(parse_formula(f)) for f in table.formulas]


def _use_intervals(est: Any, recipe: dict[str, Any], model_file: Path, intervals: bool | None) -> bool:
    """Whether to give intervals: ``--intervals`` insists (a model without uncertainty is refused
    with the way to get it), ``--no-intervals`` declines, and by default a regressor that has
    them gives them."""
    from ..errors import ParameterError
    from ..regress import has_uncertainty

    if recipe["task"] != "regression":
        if intervals:
            raise ParameterError(f"{model_file}: a classifier's probabilities are its uncertainty; drop --intervals")
        return False
    if intervals and not has_uncertainty(est):
        raise ParameterError(f"{model_file}: this {recipe['model']} model gives no uncertainty; refit it "
                             f"with `regress fit --intervals` (conformal, any model) or use gpr, rf or et")
    return has_uncertainty(est) if intervals is None else intervals


@regress_app.command("screen")
def screen_cmd(
    model_file: Annotated[Path, typer.Argument(help="Model file from `regress fit`.")],
    candidates: Annotated[str, typer.Argument(help="CSV with a formula column, or an extxyz / ASE db for structure models.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Ranked CSV to write.")],
    objective: Annotated[str, typer.Option(help="max, min, or range:LOW:HIGH (a window, e.g. range:1.1:1.7).")] = "max",
    top: Annotated[int | None, typer.Option(help="Write only the best N candidates.")] = None,
    coverage: Annotated[float, typer.Option(help="Coverage of the intervals.")] = 0.9,
    intervals: Annotated[bool | None, typer.Option("--intervals/--no-intervals",
                                                   help="Intervals on every prediction (default: when the model has them).")] = None,
    figure: Annotated[Path | None, typer.Option(help="Figure of the ranking (PNG) to write.")] = None,
) -> None:
    """Rank candidates by the model's predictions, with intervals, flagging candidates outside the
    model's domain of applicability (farther from the training data in feature space than the
    training rows lie from each other) and those with elements the model never saw."""
    import csv
    import io

    import numpy as np

    from ..errors import EmptyDataError, ParameterError
    from ..regress import (
        GRAPH_MODELS,
        load_domain,
        load_model,
        parse_objective,
        screen,
    )

    obj = parse_objective(objective)
    if top is not None and top < 1:
        raise ParameterError(f"--top must be at least 1, not {top}")
    if not 0 < coverage < 1:
        raise ParameterError(f"--coverage lies strictly between 0 and 1 (e.g. 0.9), not {coverage}")
    outs = Outputs()
    outs.file(out, "--out", (".csv",))
    outs.file(figure, "--figure", (".png",))
    est, recipe = load_model(model_file)
    task = recipe["task"]
    use_intervals = _use_intervals(est, recipe, model_file, intervals)
    if obj.kind == "range" and task == "classification":
        raise ParameterError("a classifier ranks by probability: use --objective max or min")
    features = recipe.get("features", "composition")
    inputs, names, elements = _candidates(candidates, features)
    if len(names) == 0:
        raise EmptyDataError(f"{candidates}: no candidates in the file")
    graph = recipe["model"] in GRAPH_MODELS
    X = F = None
    if not graph:
        F = X = _featurizer(features, recipe.get("featurizer")).fit_transform(inputs)
    else:
        X = inputs
    known = set(recipe.get("elements", []))
    unseen = [sorted(e - known) if known else [] for e in elements]
    res = screen(est, X, obj, task=task, coverage=coverage if use_intervals else None,
                 domain=load_domain(model_file), features=F)
    order = res.order if top is None else res.order[:top]
    value = f"probability_{recipe['target']}" if task == "classification" else f"predicted_{recipe['target']}"
    buf = io.StringIO()
    w = csv.writer(buf)
    header = ["rank", "formula", value]
    if use_intervals:
        header += [f"lower_{coverage:.0%}", f"upper_{coverage:.0%}"]
    header += ["in_domain", "domain_distance", "in_training", "unseen_elements"]
    w.writerow(header)
    for rank, i in enumerate(order, start=1):
        row: list[Any] = [rank, names[i], f"{res.prediction[i]:.6g}"]
        if use_intervals:
            row += [f"{res.lower[i]:.6g}", f"{res.upper[i]:.6g}"]
        row += [bool(res.in_domain[i] and not unseen[i]),
                "" if np.isnan(res.distance[i]) else f"{res.distance[i]:.4g}", bool(res.in_training[i]),
                " ".join(unseen[i])]
        w.writerow(row)
    with outs:
        outs.write_text(out, buf.getvalue())
        if figure is not None:
            from ..report import screening_figure

            screening_figure(res, names, unseen, recipe, outs.stage(figure))
    outside = int(np.sum(~res.in_domain)) + sum(1 for i in range(len(names)) if unseen[i] and res.in_domain[i])
    best = order[0]
    typer.echo(f"ranked {len(names):,} candidates ({obj}); best {names[best]} at {res.prediction[best]:.4g}"
               + (f" [{res.lower[best]:.4g}, {res.upper[best]:.4g}]" if use_intervals else "")
               + f"; {outside:,} outside the model's domain; wrote {len(order):,} rows to {out}")


@regress_app.command("predict")
def predict_cmd(
    model_file: Annotated[Path, typer.Argument(help="Model file from `regress fit`.")],
    data: Annotated[str, typer.Argument(help="CSV with a formula column, or an extxyz / ASE db for structure models.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Predictions CSV to write.")],
    coverage: Annotated[float, typer.Option(help="Coverage of the intervals.")] = 0.9,
    intervals: Annotated[bool | None, typer.Option("--intervals/--no-intervals",
                                                   help="Intervals on every prediction (default: when the model has them).")] = None,
) -> None:
    """Predict the target of every formula of a CSV, or of every structure of a file, with
    intervals where the model has them (conformal, a Gaussian process, a forest's or an
    ensemble's spread)."""
    import csv
    import io

    from ..data import read_frames, read_table
    from ..errors import ParameterError
    from ..regress import GRAPH_MODELS, load_model, predict_interval

    if not 0 < coverage < 1:
        raise ParameterError(f"--coverage lies strictly between 0 and 1 (e.g. 0.9), not {coverage}")
    outs = Outputs()
    outs.file(out, "--out", (".csv",))
    est, recipe = load_model(model_file)
    use_intervals = _use_intervals(est, recipe, model_file, intervals)
    features = recipe.get("features", "composition")
    if features == "structure":
        frames = read_frames(data)
        inputs: Any = frames
        names = [a.get_chemical_formula() for a in frames]
    else:
        table = read_table(data, None)
        inputs = names = table.formulas
    if recipe["model"] in GRAPH_MODELS:
        X = inputs
    else:
        X = _featurizer(features, recipe.get("featurizer")).fit_transform(inputs)
    buf = io.StringIO()
    w = csv.writer(buf)
    if recipe["task"] == "classification":
        p = est.predict_proba(X)[:, 1]
        w.writerow(["formula", f"probability_{recipe['target']}"])
        rows = [[f, repr(float(v))] for f, v in zip(names, p)]
    elif use_intervals:
        p, lower, upper = predict_interval(est, X, coverage)
        w.writerow(["formula", f"predicted_{recipe['target']}", f"lower_{coverage:.0%}", f"upper_{coverage:.0%}"])
        rows = [[f, repr(float(v)), repr(float(lo)), repr(float(hi))] for f, v, lo, hi in zip(names, p, lower, upper)]
    else:
        p = est.predict(X)
        w.writerow(["formula", f"predicted_{recipe['target']}"])
        rows = [[f, repr(float(v))] for f, v in zip(names, p)]
    w.writerows(rows)
    with outs:
        outs.write_text(out, buf.getvalue())
    typer.echo(f"wrote {len(p)} predictions to {out}" + (f", with {coverage:.0%} intervals" if use_intervals else ""))
