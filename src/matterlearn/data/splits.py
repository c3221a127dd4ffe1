"""Cross-validation splits: the Matbench protocol, and groups by composition or config_type.

Every function returns a list of ``(train_indices, test_indices)`` pairs of integer arrays, usable
as the ``cv`` argument of scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms

from ..errors import ParameterError
from ._composition import reduced_formula
from ._keys import CONFIG_TYPE_KEY

__all__ = [
    "MATBENCH_RANDOM_STATE",
    "MATBENCH_N_SPLITS",
    "matbench_splits",
    "group_splits",
    "composition_groups",
    "config_type_groups",
    "fold_ids",
]

#: The seed and fold count of Matbench v0.1 (Dunn et al., npj Comput. Mater. 6, 138 (2020)).
MATBENCH_RANDOM_STATE = 18012019
MATBENCH_N_SPLITS = 5

Split = tuple[np.ndarray, np.ndarray]


def matbench_splits(
    targets: np.ndarray,
    task: str = "regression",
    n_splits: int = MATBENCH_N_SPLITS,
    random_state: int = MATBENCH_RANDOM_STATE,
) -> list[Split]:
    """Outer folds of the Matbench protocol.

    ``KFold(5, shuffle=True, random_state=18012019)`` for regression and the same
    ``StratifiedKFold`` on the labels for classification. For a Matbench v0.1 task in its official
    row order this reproduces the official folds exactly (tested against matbench's
    ``matbench_v0.1_validation.json``).

    Parameters
    ----------
    targets : numpy.ndarray, shape (n,)
        Targets in the dataset's row order (labels for classification).
    task : {"regression", "classification"}
    n_splits, random_state : int
        The protocol's defaults; change them only for a non-Matbench study.

    References
    ----------
    A. Dunn, Q. Wang, A. Ganose, D. Dopp, A. Jain, npj Comput. Mater. 6, 138 (2020).
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    y = np.asarray(targets)
    if len(y) < n_splits:
        raise ParameterError(f"{len(y)} rows cannot be split into {n_splits} folds; give at least "
                             f"{n_splits} rows")
    if task == "classification":
        cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
        return [(tr, te) for tr, te in cv.split(np.zeros(len(y)), y)]
    if task == "regression":
        cv = KFold(n_splits=n_splits, shuffle=True, random_state=random_state)
        return [(tr, te) for tr, te in cv.split(np.zeros(len(y)))]
    raise ParameterError(f"task must be 'regression' or 'classification', not {task!r}")


def fold_ids(splits: Sequence[Split], n: int) -> np.ndarray:
    """The test-fold index of every row, shape (n,); -1 for a row in no test fold."""
    out = np.full(n, -1, dtype=int)
    for k, (_, test) in enumerate(splits):
        out[test] = k
    return out


def group_splits(groups: Sequence[object], n_splits: int = 5, seed: int = 0) -> list[Split]:
    """K folds in which no group is split between train and test.

    Groups are shuffled by ``seed`` and dealt, largest first, to the currently smallest fold, so
    folds are balanced in rows as well as possible.

    Parameters
    ----------
    groups : sequence, length n
        A hashable group label per row (a reduced formula, a config_type, a trajectory id).
    n_splits : int
        Number of folds; at most the number of distinct groups.
    seed : int
        Seed of the shuffle that breaks ties between groups of equal size.
    """
    labels = np.asarray([str(g) for g in groups])
    uniq, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if n_splits < 2:
        raise ParameterError(f"n_splits must be at least 2, got {n_splits}")
    if len(uniq) < n_splits:
        raise ParameterError(
            f"{len(uniq)} distinct groups cannot fill {n_splits} folds; use fewer folds"
        )
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(uniq))
    order = order[np.argsort(-counts[order], kind="stable")]
    fold_of_group = np.empty(len(uniq), dtype=int)
    sizes = np.zeros(n_splits, dtype=int)
    for g in order:
        k = int(np.argmin(sizes))
        fold_of_group[g] = k
        sizes[k] += counts[g]
    fold = fold_of_group[inverse]
    idx = np.arange(len(labels))
    return [(idx[fold != k], idx[fold == k]) for k in range(n_splits)]


def composition_groups(formulas: Sequence[str]) -> list[str]:
    """A group label per formula: the same for every formula of one composition."""
    return [reduced_formula(f) for f in formulas]


def config_type_groups(frames: Sequence[Atoms], key: str = CONFIG_TYPE_KEY) -> list[str]:
    """A group label per frame from ``atoms.info[key]`` (``"default"`` where absent)."""
    return [str(a.info.get(key, "default")) for a in frames]
