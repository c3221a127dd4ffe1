"""What every potential offers, and the one loader of potential files.

A potential (the moment tensor potential, the equivariant network, a committee of either) has:

- ``kind`` (``"mtp"``, ``"nequip"``, ``"snap"``, ``"committee"``), ``species`` (tuple of symbols) and
  ``cutoff`` (Å);
- ``predict(frames, forces=True)``: ``energy`` (n_frames,), ``energies`` and ``forces`` (lists of
  per-atom arrays), ``stress`` (n_frames, 6; ASE's Voigt order and sign, eV/Å^3, nan without a
  cell);
- ``evaluate_neighbours(atoms, i, j, S)``: per-atom energies, forces and stress of one structure
  from a neighbour list that may reach past the cutoff (what :class:`MLIPCalculator` calls);
- ``check_species(atoms, where)``, ``min_seen`` (closest distance per species pair in training)
  and ``save(path)``.

:func:`load_potential` reads any of them back. This module imports neither numba nor torch.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers, chemical_symbols

from ..errors import (
    DataFileNotFoundError,
    DataFormatError,
    ParameterError,
    UnknownElementError,
)

__all__ = ["Potential", "check_species", "load_potential", "species_index", "validate_species"]

#: the first bytes of a zip archive: what torch.save writes
_ZIP_MAGIC = b"PK\x03\x04"


@runtime_checkable
class Potential(Protocol):
    kind: str
    species: tuple[str, ...]
    min_seen: np.ndarray

    @property
    def cutoff(self) -> float: ...

    def predict(self, frames: Sequence[Atoms], forces: bool = True) -> dict[str, Any]: ...

    def evaluate_neighbours(self, atoms: Atoms, i: np.ndarray, j: np.ndarray, S: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]: ...

    def check_species(self, atoms: Atoms, where: str = "structure") -> None: ...

    def save(self, path: str | os.PathLike[str]) -> None: ...


def validate_species(species: Sequence[str]) -> None:
    for s in species:
        if s not in atomic_numbers or s == "X":
            raise UnknownElementError(f"unknown chemical symbol {s!r} in the species of the potential")
    if len(set(species)) != len(species) or not species:
        raise ParameterError(f"species must be distinct and not empty, got {list(species)}")


def species_index(species: Sequence[str]) -> dict[int, int]:
    """Atomic number -> index in ``species``."""
    return {atomic_numbers[s]: k for k, s in enumerate(species)}


def check_species(species: Sequence[str], atoms: Atoms, where: str = "structure") -> None:
    """One line naming the species of ``atoms`` that the potential does not know."""
    known = set(species_index(species))
    unknown = sorted({chemical_symbols[z] for z in set(atoms.numbers.tolist()) - known})
    if unknown:
        raise UnknownElementError(
            f"{where} contains {', '.join(unknown)}, which the potential was not trained on "
            f"(it knows {', '.join(species)}); train on data with these species")


def load_potential(path: str | os.PathLike[str], species: str | Sequence[str] | None = None) -> Any:
    """Load any potential written by ``save``: an MTP (JSON), an equivariant network (a torch
    file, read with ``weights_only=True``), a SNAP (JSON) or a committee (JSON naming its
    members); or an mlip-2 ``.mtp`` file, whose unnamed species 0, 1, ... are given by
    ``species`` (``"Mo"``, ``["Li", "Si"]``); or a LAMMPS ``.snapcoeff`` file (its ``.snapparam``
    beside it)."""
    import json

    path = os.fspath(path)
    if os.path.isdir(path):
        raise DataFormatError(f"'{path}' is a folder, not a potential file")
    if not os.path.exists(path):
        raise DataFileNotFoundError(f"potential file '{path}' does not exist")
    with open(path, "rb") as fh:
        head = fh.read(4)
    if path.lower().endswith(".snapcoeff"):
        from .snap import read_snap

        return read_snap(path, path[: -len(".snapcoeff")] + ".snapparam")
    if head[:3] == b"MTP" or path.lower().endswith(".mtp"):
        from .mtp import read_mtp

        return read_mtp(path, species)
    if head == _ZIP_MAGIC:
        from .nequip import load_nequip

        return load_nequip(path)
    try:
        with open(path, encoding="utf-8") as fh:
            d = json.load(fh)
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"{path}: not a potential file ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(d, dict):
        raise DataFormatError(f"{path}: not a potential file (expected a JSON object)")
    kind = d.get("kind")
    if kind == "snap":
        from .snap import SNAPPotential

        return SNAPPotential.from_dict(d, where=path)
    if kind == "committee":
        from ._committee import Committee

        return Committee.from_dict(d, where=path)
    from .mtp import MomentTensorPotential

    return MomentTensorPotential.from_dict(d, where=path)
