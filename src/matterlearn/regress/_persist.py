"""Saving and loading fitted property models safely: skops (no pickle) plus a JSON recipe."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..data import atomic_path
from ..errors import DataFileNotFoundError, DataFormatError

__all__ = ["save_model", "load_model", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
_SAFE_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.")


def save_model(path: str | os.PathLike[str], estimator: Any, recipe: dict[str, Any]) -> None:
    """Write ``estimator`` and its ``recipe`` (features, target, task, model name) to one skops
    file, atomically."""
    import skops.io as sio

    payload = {"recipe": json.dumps({"schema_version": SCHEMA_VERSION, **recipe}),
               "estimator": estimator}
    with atomic_path(path) as tmp:
        sio.dump(payload, tmp)


def load_model(path: str | os.PathLike[str]) -> tuple[Any, dict[str, Any]]:
    """Load a model written by :func:`save_model`; refuses a file that would instantiate types
    outside scikit-learn, NumPy and SciPy."""
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise DataFileNotFoundError(f"file '{path}' does not exist")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise DataFormatError(f"file '{path}' is not a matterlearn model ({exc})") from None
    unsafe = [t for t in untrusted if not t.startswith(_SAFE_PREFIXES)]
    if unsafe:
        raise DataFormatError(f"file '{path}' would load types outside scikit-learn: "
                              f"{', '.join(unsafe[:5])}; not loading it")
    payload = sio.load(path, trusted=untrusted)
    recipe = json.loads(payload["recipe"])
    if recipe.get("schema_version") != SCHEMA_VERSION:
        raise DataFormatError(f"file '{path}': model schema_version {recipe.get('schema_version')}, "
                              f"this matterlearn reads {SCHEMA_VERSION}; refit it")
    return payload["estimator"], recipe
