"""The dataset registry: what each dataset is, and how to load it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from ase import Atoms

from ..errors import UnknownDatasetError
from ._citations import bibtex

__all__ = ["DatasetInfo", "Dataset", "register", "list_datasets", "info", "load"]

Split = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset is, without loading it.

    Attributes
    ----------
    name : str
        Registry name (``matbench_steels``).
    description : str
        One or two sentences.
    input_type : {"composition", "structure"}
        What the inputs are: formula strings, or :class:`ase.Atoms`.
    task : {"regression", "classification"}
        The kind of learning task on the default target.
    target : str
        Name of the default target.
    unit : str or None
        Unit of the default target (None for a class label).
    n : int
        Number of entries (for a generator, with its default parameters).
    source : str
        Where the data come from, precisely enough to rebuild them.
    licence : str
        Licence of the data.
    references : tuple of str
        Keys of the BibTeX entries to cite.
    official_folds : bool
        True when the dataset carries a benchmark's official cross-validation folds.
    generated : bool
        True for datasets computed locally by a generator (deterministic by seed).
    notes : str
        Caveats worth knowing before using the data.
    splits : tuple of str
        Named parts the data come in (``("train", "test")`` for a benchmark's fixed split); load one
        with ``load(name, split="test")``. Empty when there are none.
    """

    name: str
    description: str
    input_type: str
    task: str
    target: str
    unit: str | None
    n: int
    source: str
    licence: str
    references: tuple[str, ...]
    official_folds: bool = False
    generated: bool = False
    notes: str = ""
    splits: tuple[str, ...] = ()

    @property
    def citation(self) -> str:
        """BibTeX of the references."""
        return bibtex(*self.references)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (with the BibTeX under ``citation``)."""
        d = asdict(self)
        d["references"] = list(self.references)
        d["splits"] = list(self.splits)
        d["citation"] = self.citation
        return d


@dataclass
class Dataset:
    """A loaded dataset.

    Attributes
    ----------
    info : DatasetInfo
    inputs : list of str or list of ase.Atoms, length n
        Formulas, or structures (structures may carry labels under the data model's keys).
    targets : numpy.ndarray, shape (n,)
        The default target, in ``info.unit``.
    columns : dict of str to numpy.ndarray
        Every numeric target column by name (the default target included).
    units : dict of str to str or None
        Unit of each column.
    folds : list of (train, test) index arrays, or None
        The official outer folds, where the benchmark defines them.
    """

    info: DatasetInfo
    inputs: list[str] | list[Atoms]
    targets: np.ndarray
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    units: dict[str, str | None] = field(default_factory=dict)
    folds: list[Split] | None = None

    @property
    def name(self) -> str:
        return self.info.name

    def __len__(self) -> int:
        return len(self.inputs)

    def column(self, name: str) -> np.ndarray:
        """A target column by name; the error lists the columns there are."""
        try:
            return self.columns[name]
        except KeyError:
            from ..errors import MissingColumnError

            raise MissingColumnError(
                f"dataset '{self.name}' has no column '{name}' (columns: {', '.join(self.columns)})"
            ) from None


_REGISTRY: dict[str, tuple[DatasetInfo, Callable[..., Dataset]]] = {}


def register(info: DatasetInfo, loader: Callable[..., Dataset]) -> None:
    """Add a dataset to the registry (also for a user's own datasets)."""
    _REGISTRY[info.name] = (info, loader)


def _entry(name: str) -> tuple[DatasetInfo, Callable[..., Dataset]]:
    from . import _bundled, _emt  # noqa: F401  (registration on first use)

    try:
        return _REGISTRY[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(str(name), list(_REGISTRY), n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise UnknownDatasetError(
            f"unknown dataset '{name}'; {hint}`matterlearn datasets list` shows the "
            f"{len(_REGISTRY)} there are"
        ) from None


def list_datasets() -> list[DatasetInfo]:
    """Every registered dataset, bundled first, in registration order."""
    from . import _bundled, _emt  # noqa: F401

    return [entry[0] for entry in _REGISTRY.values()]


def info(name: str) -> DatasetInfo:
    """What dataset ``name`` is, without loading it."""
    return _entry(name)[0]


def load(name: str, **kwargs: Any) -> Dataset:
    """Load dataset ``name``; keyword arguments go to a generator (seed, sizes, ...)."""
    return _entry(name)[1](**kwargs)
