"""Saving and loading fitted property models safely: skops (no pickle) plus a JSON recipe for
scikit-learn models; a torch state_dict plus a JSON config for CGCNN."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..data import atomic_path
from ..errors import DataFileNotFoundError, DataFormatError

__all__ = ["SCHEMA_VERSION", "TRUSTED_TYPES", "load_domain", "load_model", "save_model"]

SCHEMA_VERSION = 1

#: Exactly the types that skops does not trust on its own and that the models of
#: :func:`~matterlearn.regress.make_model` carry (a test rebuilds this set from every model and
#: compares). Anything else in a file (a function such as ``builtins.eval`` hidden in a
#: transformer, a class of someone else's) makes :func:`load_model` refuse the file.
TRUSTED_TYPES = frozenset({
    "matterlearn.regress._domain.ApplicabilityDomain",
    "matterlearn.regress._hurdle.HurdleRegressor",
    "matterlearn.regress._uncertainty.ConformalRegressor",
    "sklearn.gaussian_process.kernels.ConstantKernel",
    "sklearn.gaussian_process.kernels.Matern",
    "sklearn.gaussian_process.kernels.Product",
    "sklearn.gaussian_process.kernels.RBF",
    "sklearn.gaussian_process.kernels.Sum",
    "sklearn.gaussian_process.kernels.WhiteKernel",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.metrics._ranking.roc_auc_score",
    "sklearn.metrics._regression.mean_absolute_error",
    "sklearn.metrics._scorer._Scorer",
    "sklearn.model_selection._split.KFold",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.tree._tree.Tree",
})


def save_model(path: str | os.PathLike[str], estimator: Any, recipe: dict[str, Any],
               domain: Any = None) -> None:
    """Write ``estimator``, its ``recipe`` (features, target, task, model name) and optionally its
    :class:`~matterlearn.regress.ApplicabilityDomain` to one file, atomically: skops for
    scikit-learn models, tensors and JSON for a CGCNN (whose file holds no domain)."""
    import skops.io as sio

    from ._cgcnn import CGCNN, save_cgcnn

    if isinstance(estimator, CGCNN):
        save_cgcnn(path, estimator, {"schema_version": SCHEMA_VERSION, **recipe})
        return

    payload = {"recipe": json.dumps({"schema_version": SCHEMA_VERSION, **recipe}),
               "estimator": estimator}
    if domain is not None:
        payload["domain"] = domain
    with atomic_path(path) as tmp:
        sio.dump(payload, tmp)


def load_model(path: str | os.PathLike[str]) -> tuple[Any, dict[str, Any]]:
    """Load a model written by :func:`save_model`; refuses a file that would load any type
    beyond skops's own trusted set and :data:`TRUSTED_TYPES`, the types matterlearn writes."""
    payload, recipe = _load(path)
    return payload["estimator"] if isinstance(payload, dict) else payload, recipe


def load_domain(path: str | os.PathLike[str]) -> Any:
    """The :class:`~matterlearn.regress.ApplicabilityDomain` saved with a model, or None (a model
    saved without one, or a CGCNN)."""
    payload, _ = _load(path)
    return payload.get("domain") if isinstance(payload, dict) else None


def _load(path: str | os.PathLike[str]) -> tuple[Any, dict[str, Any]]:
    """The file's payload (a dict for skops files, the model for a CGCNN) and its recipe."""
    import zipfile

    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise DataFileNotFoundError(f"file '{path}' does not exist")
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError):
        raise DataFormatError(f"file '{path}' is not a matterlearn model (not a skops or torch file)") from None
    if any(n.endswith("data.pkl") for n in names):  # torch's format: a CGCNN
        from ._cgcnn import load_cgcnn

        model, recipe = load_cgcnn(path)
        _check_schema(path, recipe)
        return model, recipe
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise DataFormatError(f"file '{path}' is not a matterlearn model ({exc})") from None
    unsafe = sorted(t for t in untrusted if t not in TRUSTED_TYPES)
    if unsafe:
        raise DataFormatError(f"file '{path}' would load types that matterlearn never writes "
                              f"({', '.join(unsafe[:5])}); not loading it: only load model files "
                              f"from sources you trust, and refit the model with `regress fit`")
    payload = sio.load(path, trusted=untrusted)
    recipe = json.loads(payload["recipe"])
    _check_schema(path, recipe)
    return payload, recipe


def _check_schema(path: Path, recipe: dict[str, Any]) -> None:
    if recipe.get("schema_version") != SCHEMA_VERSION:
        raise DataFormatError(f"file '{path}': model schema_version {recipe.get('schema_version')}, "
                              f"this matterlearn reads {SCHEMA_VERSION}; refit it")
