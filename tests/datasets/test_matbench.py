"""The bundled Matbench v0.1 tasks against Matbench's own metadata and official folds."""

import json

import numpy as np
import pytest

from matterlearn.data import fold_ids, matbench_splits
from matterlearn.datasets import info, list_datasets, load
from matterlearn.datasets._bundled import MATBENCH_TASKS, data_file, official_fold_ids

META = json.loads(data_file("matbench_v0.1_metadata.json").read_text())
SMALL = ["steels", "expt_gap", "expt_is_metal", "glass", "jdft2d", "phonons", "dielectric"]
LARGE = [t for t in MATBENCH_TASKS if t not in SMALL]


def _check_task(task: str) -> None:
    ds = load(f"matbench_{task}")
    ref = META[f"matbench_{task}"]
    assert len(ds) == ref["n_samples"] == ds.info.n
    y = ds.targets
    if ref["task_type"] == "classification":
        assert set(np.unique(y)) == {0.0, 1.0}
        assert np.mean(y) == pytest.approx(ref["frac_true"], rel=1e-12)
    else:
        assert np.mean(np.abs(y - y.mean())) == pytest.approx(ref["mad"], rel=1e-12)
    # the official folds, from matbench_v0.1_validation.json, equal the protocol's
    ours = fold_ids(ds.folds, len(ds))
    np.testing.assert_array_equal(ours, official_fold_ids(task))
    np.testing.assert_array_equal(fold_ids(matbench_splits(y, ref["task_type"]), len(y)), ours)


@pytest.mark.parametrize("task", SMALL)
def test_small_tasks_match_official(task: str) -> None:
    _check_task(task)


@pytest.mark.slow
@pytest.mark.parametrize("task", LARGE)
def test_large_tasks_match_official(task: str) -> None:
    _check_task(task)


def test_official_steels_folds_first_rows() -> None:
    # mb-steels-001 is row 0; matbench puts mb-steels-003 first in fold 0's test set
    ids = official_fold_ids("steels")
    test0 = np.flatnonzero(ids == 0)
    assert test0[0] == 2 and len(test0) == 63


def test_registry_sizes_and_labels() -> None:
    sizes = {i.name: i.n for i in list_datasets()}
    expected = {"matbench_steels": 312, "matbench_expt_gap": 4604, "matbench_expt_is_metal": 4921,
                "matbench_glass": 5680, "matbench_log_gvrh": 10987, "matbench_mp_e_form": 132752,
                "elastic_tensor_2015": 1181, "tawo_dft": 250}
    for name, n in expected.items():
        assert sizes[name] == n
    assert sum(name.startswith("matbench_") for name in sizes) == 13
    official = {"steels", "expt_gap", "expt_is_metal", "glass"}
    for task in MATBENCH_TASKS:
        inf = info(f"matbench_{task}")
        assert inf.official_folds
        assert ("Composition-only version" in inf.notes) == (task not in official)
        assert "@article{Dunn2020" in inf.citation


def test_steels_units_and_first_row() -> None:
    ds = load("matbench_steels")
    assert ds.info.unit == "MPa" and ds.info.task == "regression"
    assert ds.inputs[0].startswith("Fe0.620C0.000953") and ds.targets[0] == 2411.5
