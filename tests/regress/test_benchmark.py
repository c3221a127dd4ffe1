"""The benchmark protocol and the `matterlearn regress benchmark` command."""

import json
from pathlib import Path

import numpy as np
import pytest

from matterlearn.regress import classification_metrics, make_model, regression_metrics

from ..conftest import files_in


def _csv(tmp_path: Path, n: int = 60, classes: int = 0) -> Path:
    rng = np.random.default_rng(0)
    rows = ["formula,y"]
    for _ in range(n):
        a, b = rng.integers(1, 5, 2)
        x = a / (a + b)
        y = int(rng.integers(classes)) if classes else 3 * x + rng.normal(0, 0.05)
        rows.append(f"Fe{a}Ni{b},{y}")
    p = tmp_path / "d.csv"
    p.write_text("\n".join(rows) + "\n")
    return p


def test_metrics() -> None:
    y = np.array([1.0, 2.0, 3.0])
    m = regression_metrics(y, y + np.array([0.0, 0.5, -1.0]))
    assert m["mae"] == pytest.approx(0.5) and m["max_error"] == 1.0
    assert m["r2"] == pytest.approx(1 - 1.25 / 2)
    c = classification_metrics(np.array([0, 0, 1, 1]), np.array([0.1, 0.6, 0.4, 0.9]))
    assert c["roc_auc"] == pytest.approx(0.75)  # from probabilities, not labels
    assert c["balanced_accuracy"] == pytest.approx(0.5)


def test_unknown_model() -> None:
    from matterlearn.errors import ParameterError

    with pytest.raises(ParameterError, match="unknown regression model 'svc'"):
        make_model("svc", "regression")


def test_benchmark_command(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("regress", "benchmark", str(_csv(tmp_path)), "--target", "y",
                         "--model", "ridge,knn", "--json", str(tmp_path / "r.json"),
                         "--out", str(tmp_path / "rep"))
    assert code == 0, err
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["task"] == "regression" and r["n"] == 60 and len(r["models"]["ridge"]["folds"]) == 5
    for key in ("mae_mean", "mae_std", "rmse_mean", "r2_mean", "max_error_mean", "mae_over_mad",
                "train_mae_mean"):
        assert key in r["models"]["ridge"]
    assert r["models"]["ridge"]["mae_over_mad"] < 0.5  # the target is linear in x(Fe)
    html = (tmp_path / "rep" / "regress.html").read_text()
    assert html.count("data:image/png") == 3 and "verdict" in html


@pytest.mark.parametrize("case, fragment", [
    ("missing column", "no target column 'gap' (columns: formula, y)"),
    ("bad formula", "unknown element 'Xx'"),
    ("three classes", "exactly two classes; this one has 3"),
    ("unknown features", "--features must be one of composition, fractions"),
    ("cgcnn on formulas", "cgcnn and alignn work on crystal structures"),
])
def test_benchmark_bad_input(cli, tmp_path: Path, case: str, fragment: str) -> None:  # type: ignore[no-untyped-def]
    if case == "missing column":
        args = [str(_csv(tmp_path)), "--target", "gap"]
    elif case == "bad formula":
        p = tmp_path / "bad.csv"
        p.write_text("formula,y\nFe2O3,1\nXx2O3,2\n")
        args = [str(p), "--target", "y"]
    elif case == "three classes":
        args = [str(_csv(tmp_path, classes=3)), "--target", "y", "--model", "logreg"]
    elif case == "unknown features":
        args = [str(_csv(tmp_path)), "--target", "y", "--features", "magpie"]
    else:
        args = [str(_csv(tmp_path)), "--target", "y", "--model", "cgcnn"]
    before = files_in(tmp_path)
    code, _, err = cli("regress", "benchmark", *args, "--json", str(tmp_path / "o.json"))
    assert code == 1 and len(err.strip().splitlines()) == 1 and fragment in err, err
    assert files_in(tmp_path) == before


def test_fit_and_predict_round_trip(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = _csv(tmp_path)
    code, _, err = cli("regress", "fit", str(data), "--target", "y", "--model", "ridge",
                       "-o", str(tmp_path / "m.skops"))
    assert code == 0, err
    (tmp_path / "new.csv").write_text("formula\nFe1Ni1\nFe3Ni1\n")
    code, _, err = cli("regress", "predict", str(tmp_path / "m.skops"), str(tmp_path / "new.csv"),
                       "-o", str(tmp_path / "p.csv"))
    assert code == 0, err
    rows = (tmp_path / "p.csv").read_text().splitlines()
    assert rows[0] == "formula,predicted_y"
    values = [float(r.split(",")[1]) for r in rows[1:]]
    assert values[0] == pytest.approx(1.5, abs=0.2) and values[1] == pytest.approx(2.25, abs=0.2)
    (tmp_path / "junk.skops").write_text("not a model")
    code, _, err = cli("regress", "predict", str(tmp_path / "junk.skops"), str(tmp_path / "new.csv"),
                       "-o", str(tmp_path / "q.csv"))
    assert code == 1 and "not a matterlearn model" in err and not (tmp_path / "q.csv").exists()


def test_classification_report(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(1)
    rows = ["formula,metal"]
    for _ in range(80):
        a = int(rng.integers(1, 6))
        rows.append(f"Cu{a}O{6 - a},{int(a > 3)}")
    (tmp_path / "c.csv").write_text("\n".join(rows) + "\n")
    code, _, err = cli("regress", "benchmark", str(tmp_path / "c.csv"), "--target", "metal",
                       "--model", "logreg", "--json", str(tmp_path / "c.json"), "--out",
                       str(tmp_path / "rep"))
    assert code == 0, err
    r = json.loads((tmp_path / "c.json").read_text())["models"]["logreg"]
    for key in ("roc_auc_mean", "balanced_accuracy_mean", "accuracy_mean", "precision_mean",
                "recall_mean", "f1_mean", "roc_auc_std"):
        assert key in r
    assert r["roc_auc_mean"] > 0.95


def test_fractions_and_hurdle_models(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Element fractions as features, and a hurdle model on a target with many zeros.

    The target is 0 below x(Fe) = 0.5 and linear above: a straight line cannot follow the step,
    while the hurdle's classifier finds the zeros and its ridge the line. Compositions are
    continuous (no exact duplicates); over six data seeds the plain ridge's MAE is 6.5 to 25 times
    the hurdle's, so the factor of 2 asserted here is far outside version or seed noise.
    """
    rng = np.random.default_rng(2)
    rows = ["formula,gap"]
    for _ in range(120):
        a, b = rng.uniform(0.5, 5.0, 2)
        x = a / (a + b)
        rows.append(f"Fe{a:.3f}Ni{b:.3f},{0.0 if x < 0.5 else 1.0 + 4 * x + rng.normal(0, 0.02):.4f}")
    (tmp_path / "g.csv").write_text("\n".join(rows) + "\n")
    code, out, err = cli("regress", "benchmark", str(tmp_path / "g.csv"), "--target", "gap", "--features",
                         "fractions", "--model", "ridge,ridge-hurdle", "--json", str(tmp_path / "r.json"))
    assert code == 0, err
    r = json.loads((tmp_path / "r.json").read_text())["models"]
    assert r["ridge-hurdle"]["mae_mean"] < 0.5 * r["ridge"]["mae_mean"]
    params = set(r["ridge-hurdle"]["folds"][0]["best_params"])
    assert {p.split("__")[0] for p in params} == {"classifier", "regressor"}
