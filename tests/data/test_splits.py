import numpy as np
import pytest

from matterlearn.data import (
    composition_groups,
    config_type_groups,
    fold_ids,
    group_splits,
    matbench_splits,
)
from matterlearn.errors import ParameterError


def _check_partition(splits, n):  # type: ignore[no-untyped-def]
    ids = fold_ids(splits, n)
    assert (ids >= 0).all()
    for train, test in splits:
        assert len(np.intersect1d(train, test)) == 0
        assert len(train) + len(test) == n


def test_matbench_regression_and_classification() -> None:
    y = np.arange(100.0)
    s = matbench_splits(y)
    assert len(s) == 5
    _check_partition(s, 100)
    labels = np.r_[np.zeros(80), np.ones(20)]
    s = matbench_splits(labels, "classification")
    _check_partition(s, 100)
    for _, test in s:  # stratified: each test fold keeps the class ratio
        assert labels[test].sum() == 4
    with pytest.raises(ParameterError):
        matbench_splits(y, "ranking")


def test_group_splits_keep_groups_together() -> None:
    formulas = ["Fe2O3", "Fe4O6", "NaCl", "Na2Cl2", "Si", "Ge", "GaAs", "AlN", "MgO", "ZnO"]
    groups = composition_groups(formulas)
    s = group_splits(groups, n_splits=3, seed=1)
    _check_partition(s, len(formulas))
    g = np.array(groups)
    for train, test in s:
        assert not set(g[train]) & set(g[test])
    assert group_splits(groups, 3, seed=1)[0][1].tolist() == s[0][1].tolist()  # deterministic


def test_group_splits_too_few_groups() -> None:
    with pytest.raises(ParameterError, match="2 distinct groups cannot fill 5 folds"):
        group_splits(["a", "b", "a"], 5)


def test_config_type_groups(labelled_frames) -> None:  # type: ignore[no-untyped-def]
    frames = [a.copy() for a in labelled_frames]
    del frames[0].info["config_type"]
    assert config_type_groups(frames) == ["default", "test", "test"]
