"""Uncertainty: the models' own spreads, conformal intervals (their coverage), kernel models, and
the benchmark's coverage report and parallel folds."""

from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from matterlearn.errors import ParameterError
from matterlearn.regress import (
    ApplicabilityDomain,
    ConformalRegressor,
    benchmark,
    has_uncertainty,
    make_model,
    predict_interval,
    predict_std,
)


def _data(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A smooth signal with noise whose size grows with |x1| (heteroscedastic)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, np.sin(X[:, 0]) + 0.1 * (1 + np.abs(X[:, 1])) * rng.normal(size=n)


@pytest.mark.parametrize("method", ["cv+", "split"])
def test_conformal_intervals_cover_as_promised(method: str) -> None:
    """Over 12 independent data sets the mean coverage of 90 % intervals is 0.90 within three
    standard errors of the mean (per data set the coverage's spread is about 0.02 for CV+ and
    0.04 for split; both are measured here, not assumed)."""
    cover = []
    for seed in range(12):
        X, y = _data(seed, 200)
        Xt, yt = _data(100 + seed, 2000)
        c = ConformalRegressor(Ridge(1.0), method=method, seed=seed).fit(X, y)
        pred, lo, hi = c.predict_interval(Xt, 0.9)
        np.testing.assert_allclose(pred, c.predict(Xt))
        assert (lo <= hi).all()
        cover.append(np.mean((yt >= lo) & (yt <= hi)))
    cover = np.array(cover)
    assert abs(cover.mean() - 0.9) < 3 * cover.std() / np.sqrt(len(cover)) + 0.005
    # a wider coverage gives wider intervals
    _, lo80, hi80 = c.predict_interval(Xt, 0.8)
    assert np.all(hi80 - lo80 <= hi - lo + 1e-12)


def test_split_quantile_is_the_finite_sample_order_statistic() -> None:
    X, y = _data(0, 100)
    c = ConformalRegressor(Ridge(), method="split", calibration=0.2).fit(X, y)
    scores = c.scores_
    assert len(scores) == 20 and np.all(np.diff(scores) >= 0)
    # ceil((20 + 1) * 0.9) = 19: the 19th smallest of 20 scores
    assert c.quantile(0.9) == scores[18]
    assert c.quantile(0.99) == np.inf  # 20 calibration rows cannot promise 99 %


def test_normalized_intervals_follow_the_models_spread() -> None:
    """With a random forest's spread as the scale, intervals are wider where the noise is larger
    (|x1| large) than where it is small; unnormalised ones have one width for all."""
    X, y = _data(1, 600)
    rf = make_model("rf", inner_folds=2)
    c = ConformalRegressor(rf, seed=0).fit(X, y)
    Xt, _ = _data(2, 2000)
    _, lo, hi = c.predict_interval(Xt, 0.9)
    wide = np.abs(Xt[:, 1]) > 1.5
    assert (hi - lo)[wide].mean() > (hi - lo)[np.abs(Xt[:, 1]) < 0.3].mean()
    flat = ConformalRegressor(Ridge(), method="split", normalized=False).fit(X, y)
    _, lo, hi = flat.predict_interval(Xt, 0.9)
    np.testing.assert_allclose(hi - lo, (hi - lo)[0])


def test_own_spreads() -> None:
    X, y = _data(3, 120)
    gp = make_model("gpr", inner_folds=2).fit(X, y)
    rf = make_model("rf", inner_folds=2).fit(X, y)
    ridge = make_model("ridge", inner_folds=2).fit(X, y)
    for m in (gp, rf):
        s = predict_std(m, X[:10])
        assert s.shape == (10,) and (s > 0).all() and has_uncertainty(m)
    # the forest's spread is the standard deviation over its trees
    est = rf.best_estimator_
    trees = np.stack([t.predict(est[:-1].transform(X[:5]) if len(est) > 1 else X[:5])
                      for t in est[-1].estimators_])
    np.testing.assert_allclose(predict_std(rf, X[:5]), trees.std(axis=0))
    # a GP is least sure far from its data
    far = np.full((1, 4), 8.0)
    assert predict_std(gp, far)[0] > 3 * np.median(predict_std(gp, X))
    assert predict_std(ridge, X) is None and not has_uncertainty(ridge)
    with pytest.raises(ParameterError, match="gives no uncertainty.*--intervals"):
        predict_interval(ridge, X)
    _, lo, hi = predict_interval(gp, X[:4], 0.9)
    np.testing.assert_allclose((hi - lo) / 2, 1.6448536 * predict_std(gp, X[:4]), rtol=1e-6)


def test_kernel_models_learn_a_smooth_function() -> None:
    X, y = _data(4, 300)
    Xt, yt = _data(5, 500)
    for name in ("krr", "gpr"):
        m = make_model(name, inner_folds=3).fit(X, y)
        assert np.mean(np.abs(m.predict(Xt) - yt)) < 0.25, name  # noise alone: about 0.13
    # the GP's kernel family is chosen by the inner CV, its length scale by the likelihood
    assert "kernel" in next(iter(m.best_params_)).split("__")[-1]


def test_benchmark_coverage_and_parallel_folds_equal_serial() -> None:
    X, y = _data(6, 150)
    folds = [(np.setdiff1d(np.arange(150), t), t) for t in np.array_split(np.arange(150), 5)]
    serial = benchmark(X, y, "regression", folds, ["ridge", "knn"], intervals=0.9)
    parallel = benchmark(X, y, "regression", folds, ["ridge", "knn"], intervals=0.9, n_jobs=2)
    for name in ("ridge", "knn"):
        a, b = serial["models"][name], parallel["models"][name]
        assert a["mae_mean"] == b["mae_mean"] and a["coverage"] == b["coverage"]
        assert 0.75 < a["coverage"] <= 1 and a["mean_width_mean"] > 0
        assert len(a["folds"]) == 5 and "coverage" in a["folds"][0]
    assert serial["intervals"] == {"coverage": 0.9, "method": "cv+"}
    with pytest.raises(ParameterError, match="intervals are for regression"):
        benchmark(X, (y > 0).astype(float), "classification", folds, ["logreg"], intervals=0.9)
    with pytest.raises(ParameterError, match="n_jobs"):
        benchmark(X, y, "regression", folds, ["ridge"], n_jobs=0)


def test_domain_flags_what_lies_far_from_the_training_rows() -> None:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(400, 6))
    d = ApplicabilityDomain().fit(X)
    # fresh rows from the same distribution lie inside (the threshold is the 99th percentile)
    assert d.contains(rng.normal(size=(1000, 6))).mean() > 0.95
    assert not d.contains(np.full((1, 6), 6.0))[0]
    # distances are the mean over the 5 nearest training rows, in standardised units
    q = rng.normal(size=(3, 6))
    Z = (X - X.mean(0)) / X.std(0)
    dq = np.sqrt(((((q - X.mean(0)) / X.std(0))[:, None, :] - Z[None]) ** 2).sum(-1))
    np.testing.assert_allclose(d.distance(q), np.sort(dq, axis=1)[:, :5].mean(1), rtol=1e-5)
    # a large training set is kept as a seeded subset, the threshold measured on it
    assert d.in_training(X[:3]).all() and not d.in_training(q).any()
    big = ApplicabilityDomain(max_rows=100).fit(X)
    assert big.train_.shape == (100, 6) and big.contains(rng.normal(size=(500, 6))).mean() > 0.9


def _fe_ni_csv(path: Path, n: int, seed: int) -> None:
    """``n`` Fe-Ni formulas with y = 3 x(Fe) plus noise of 0.05."""
    rng = np.random.default_rng(seed)
    rows = ["formula,y"]
    for _ in range(n):
        a, b = rng.uniform(0.5, 4, 2)
        rows.append(f"Fe{a:.3f}Ni{b:.3f},{3 * a / (a + b) + rng.normal(0, 0.05):.4f}")
    path.write_text("\n".join(rows) + "\n")


def test_fit_intervals_and_screen_commands(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _fe_ni_csv(tmp_path / "d.csv", 80, seed=8)
    code, out, err = cli("regress", "fit", str(tmp_path / "d.csv"), "--target", "y", "--model", "ridge",
                         "--intervals", "-o", str(tmp_path / "m.skops"))
    assert code == 0 and "with conformal intervals" in out, err
    cands = ["formula"] + [f"Fe{x:.2f}Ni{1 - x:.2f}" for x in np.linspace(0.2, 0.8, 30)] + ["Fe0.5Pt0.5"]
    (tmp_path / "c.csv").write_text("\n".join(cands) + "\n")
    code, out, err = cli("regress", "screen", str(tmp_path / "m.skops"), str(tmp_path / "c.csv"),
                         "--objective", "range:1.4:1.6", "--top", "5", "-o", str(tmp_path / "r.csv"),
                         "--figure", str(tmp_path / "r.png"))
    assert code == 0, err
    lines = (tmp_path / "r.csv").read_text().splitlines()
    assert lines[0] == ("rank,formula,predicted_y,lower_90%,upper_90%,in_domain,domain_distance,in_training,"
                        "unseen_elements")
    assert len(lines) == 6
    first = lines[1].split(",")
    assert 1.4 <= float(first[2]) <= 1.6 and float(first[3]) < float(first[2]) < float(first[4])
    assert (tmp_path / "r.png").stat().st_size > 10_000
    # the candidate with platinum, which the model never saw, is flagged, not refused
    code, out, err = cli("regress", "screen", str(tmp_path / "m.skops"), str(tmp_path / "c.csv"),
                         "-o", str(tmp_path / "all.csv"))
    assert code == 0, err
    pt = next(r for r in (tmp_path / "all.csv").read_text().splitlines() if "Pt" in r).split(",")
    assert pt[5] == "False" and pt[8] == "Pt" and "outside the model's domain" in out
    # `regress predict` gives the same intervals, unless asked not to
    code, out, err = cli("regress", "predict", str(tmp_path / "m.skops"), str(tmp_path / "c.csv"),
                         "--coverage", "0.8", "-o", str(tmp_path / "p.csv"))
    assert code == 0 and "with 80% intervals" in out, err
    rows = (tmp_path / "p.csv").read_text().splitlines()
    assert rows[0] == "formula,predicted_y,lower_80%,upper_80%" and len(rows) == len(cands)
    for row in rows[1:]:
        value, lower, upper = (float(v) for v in row.split(",")[1:])
        assert lower < value < upper
    code, out, err = cli("regress", "predict", str(tmp_path / "m.skops"), str(tmp_path / "c.csv"),
                         "--no-intervals", "-o", str(tmp_path / "plain.csv"))
    assert code == 0 and (tmp_path / "plain.csv").read_text().splitlines()[0] == "formula,predicted_y"


def test_screen_bad_input(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ..conftest import files_in

    rows = ["formula,y"] + [f"Fe{a}Ni{5 - a},{1.1 * a + 0.01 * k}" for a in range(1, 5) for k in range(10)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    code, _, err = cli("regress", "fit", str(tmp_path / "d.csv"), "--target", "y", "--model", "ridge",
                       "-o", str(tmp_path / "plain.skops"))
    assert code == 0, err
    (tmp_path / "c.csv").write_text("formula\nFe2Ni3\n")
    (tmp_path / "empty.csv").write_text("formula\n")
    before = files_in(tmp_path)
    both, screen_only = ("screen", "predict"), ("screen",)
    for args, fragment, commands in (
        (["plain.skops", "c.csv", "--intervals"], "gives no uncertainty; refit it with `regress fit --intervals`", both),
        (["plain.skops", "empty.csv"], "empty.csv", screen_only),
        (["plain.skops", "c.csv", "--objective", "best"], "use max, min or range:LOW:HIGH", screen_only),
        (["plain.skops", "c.csv", "--objective", "range:2:1"], "LOW < HIGH", screen_only),
        (["plain.skops", "c.csv", "--coverage", "90"], "--coverage lies strictly between 0 and 1", both),
    ):
        for command in commands:
            code, _, err = cli("regress", command, *[str(tmp_path / a) if a.endswith((".csv", ".skops")) else a
                                                     for a in args], "-o", str(tmp_path / "out.csv"))
            assert code == 1 and len(err.strip().splitlines()) == 1 and fragment in err, (command, args, err)
    assert files_in(tmp_path) == before


def test_benchmark_command_with_intervals_and_jobs(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    _fe_ni_csv(tmp_path / "d.csv", 60, seed=9)
    code, out, err = cli("regress", "benchmark", str(tmp_path / "d.csv"), "--target", "y", "--model", "ridge,knn",
                         "--intervals", "0.9", "--jobs", "2", "--json", str(tmp_path / "r.json"))
    assert code == 0, err
    assert "90% intervals cover" in out
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["intervals"]["method"] == "cv+" and 0 < r["models"]["ridge"]["coverage"] <= 1
    for args, fragment in ((["--intervals", "1.5"], "--intervals is a coverage strictly between 0 and 1"),
                           (["--jobs", "0"], "--jobs must be a positive number"),
                           (["--intervals", "0.9", "--conformal", "jackknife"], "--conformal is cv+ or split")):
        code, _, err = cli("regress", "benchmark", str(tmp_path / "d.csv"), "--target", "y", "--model", "ridge", *args)
        assert code == 1 and len(err.strip().splitlines()) == 1 and fragment in err, err
