"""The run folder of a workflow: one sub-folder per stage, results written atomically, a marker
per finished stage, so that a rerun skips what is done and resumes what was interrupted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ..data import atomic_write_text
from ..errors import ParameterError

__all__ = ["RunFolder"]

SCHEMA_VERSION = 1


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    return obj


class RunFolder:
    """``root/settings.json`` (the recipe of the run), ``root/<stage>/`` (a stage's files) and
    ``root/<stage>/done.json`` (its result, written last)."""

    def __init__(self, root: str | Path, settings: dict[str, Any]) -> None:
        self.root = Path(root)
        self.settings = _jsonable(settings)

    def open(self) -> None:
        """Create the folder, or check that an existing one holds a run with the same settings."""
        path = self.root / "settings.json"
        if path.is_file():
            try:
                old = json.loads(path.read_text())
            except json.JSONDecodeError:
                old = None
            if not isinstance(old, dict) or old.get("settings") != self.settings:
                theirs = (old or {}).get("settings", {}) if isinstance(old, dict) else {}
                diff = sorted(k for k in set(theirs) | set(self.settings)
                              if theirs.get(k) != self.settings.get(k))
                raise ParameterError(
                    f"'{self.root}' holds a run with other settings ("
                    + ", ".join(f"{k}: {theirs.get(k)!r} there, {self.settings.get(k)!r} now"
                                for k in diff[:4])
                    + "); give another --out to start afresh, or the same settings to resume")
            return
        self.root.mkdir(parents=True, exist_ok=True)
        self.write_json(path, {"schema_version": SCHEMA_VERSION,
                               "kind": "matterlearn.workflow.settings", "settings": self.settings})

    def stage_dir(self, stage: str) -> Path:
        d = self.root / stage
        d.mkdir(parents=True, exist_ok=True)
        return d

    def done(self, stage: str) -> dict[str, Any] | None:
        path = self.root / stage / "done.json"
        if not path.is_file():
            return None
        return json.loads(path.read_text())["result"]  # type: ignore[no-any-return]

    def finish(self, stage: str, result: dict[str, Any]) -> dict[str, Any]:
        self.write_json(self.stage_dir(stage) / "done.json",
                        {"schema_version": SCHEMA_VERSION, "stage": stage, "result": result})
        return _jsonable(result)  # type: ignore[no-any-return]

    @staticmethod
    def write_json(path: Path, obj: Any) -> None:
        atomic_write_text(path, json.dumps(_jsonable(obj), indent=1, sort_keys=True) + "\n")

    @staticmethod
    def read_json(path: Path) -> Any:
        return json.loads(Path(path).read_text())
