"""A fitted cluster expansion: a cluster space plus effective cluster interactions."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from ..data import atomic_write_text
from ..errors import DataFileNotFoundError, DataFormatError
from ._space import ClusterSpace

__all__ = ["ClusterExpansion", "active_composition"]

SCHEMA_VERSION = 1


def active_composition(cs: ClusterSpace, structures: Sequence[Atoms]) -> tuple[list[str], np.ndarray]:
    """Fractions of each active species over the active sites, shape (n_structures, n_species)."""
    species = cs.species
    active_symbols = {s for i in cs._active for s in cs.chemical_symbols[i]}
    out = np.zeros((len(structures), len(species)))
    for k, atoms in enumerate(structures):
        sites, _, _ = cs.lattice_sites(atoms, f"structure {k}")
        mask = np.isin(sites, cs._active)
        symbols = np.array(atoms.get_chemical_symbols())[mask]
        for j, sp in enumerate(species):
            out[k, j] = np.mean(symbols == sp) if sp in active_symbols else 0.0
    return species, out


class ClusterExpansion:
    """Energy per site of a configuration on a lattice: ``E = sum_a J_a m_a Phi_a`` plus the
    composition-weighted reference energies of the pure species (when fitted to mixing energies).

    Parameters
    ----------
    cluster_space : ClusterSpace
    ecis : numpy.ndarray, shape (n_parameters,)
        Coefficients of the cluster vector (eV/site). The multiplicities are absorbed, so
        ``E_mix = ecis @ cluster_vector``.
    references : dict of str to float, optional
        Energy per site of each pure species (eV); predictions add ``sum_s x_s E_s``.
    metadata : dict, optional
        How it was fitted (method, errors, data); kept in the file.
    """

    def __init__(self, cluster_space: ClusterSpace, ecis: np.ndarray,
                 references: dict[str, float] | None = None,
                 metadata: dict[str, Any] | None = None) -> None:
        ecis = np.asarray(ecis, dtype=float)
        if ecis.shape != (cluster_space.n_parameters,):
            raise DataFormatError(
                f"{len(ecis)} ECIs for a cluster space of {cluster_space.n_parameters} parameters"
            )
        self.cluster_space = cluster_space
        self.ecis = ecis
        self.references = dict(references) if references else None
        self.metadata = dict(metadata or {})

    def mixing_energy(self, atoms: Atoms, name: str = "structure") -> float:
        """Predicted mixing energy per site (eV/site) of an on-lattice structure."""
        return float(self.cluster_space.cluster_vector(atoms, name) @ self.ecis)

    def predict(self, atoms: Atoms, name: str = "structure") -> float:
        """Predicted energy per site (eV/site), references included."""
        e = self.mixing_energy(atoms, name)
        if self.references:
            species, x = active_composition(self.cluster_space, [atoms])
            e += float(sum(x[0, j] * self.references.get(sp, 0.0) for j, sp in enumerate(species)))
        return e

    def eci_table(self) -> list[dict[str, Any]]:
        """ECIs by orbit: index, order, radius, diameter, multiplicity and ECI per cluster
        (``eci / multiplicity``, eV) next to the raw coefficient."""
        rows = []
        for p, j in zip(self.cluster_space.parameters, self.ecis):
            rows.append({**p, "functions": list(p["functions"]), "coefficient": float(j),
                         "eci": float(j / p["multiplicity"])})
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "matterlearn.ClusterExpansion",
            "cluster_space": self.cluster_space.to_dict(),
            "ecis": self.ecis.tolist(),
            "references": self.references,
            "metadata": self.metadata,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "cluster expansion") -> ClusterExpansion:
        if d.get("kind") != "matterlearn.ClusterExpansion":
            raise DataFormatError(f"{source}: not a matterlearn cluster expansion (kind is "
                                  f"{d.get('kind')!r}); make one with `matterlearn ce fit`")
        if d.get("schema_version") != SCHEMA_VERSION:
            raise DataFormatError(
                f"{source}: schema_version {d.get('schema_version')!r}, but this matterlearn reads "
                f"version {SCHEMA_VERSION}; refit it with `matterlearn ce fit`"
            )
        cs = ClusterSpace.from_dict(d["cluster_space"])
        return cls(cs, np.array(d["ecis"]), d.get("references"), d.get("metadata"))

    def write(self, path: str | os.PathLike[str]) -> None:
        """Save as JSON (atomically)."""
        atomic_write_text(path, json.dumps(self.to_dict(), indent=1) + "\n")

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> ClusterExpansion:
        """Load from :meth:`write`'s JSON; errors name the file."""
        path = Path(path)
        if not path.is_file():
            raise DataFileNotFoundError(f"file '{path}' does not exist")
        try:
            d = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataFormatError(f"file '{path}': not JSON ({exc})") from None
        if not isinstance(d, dict):
            raise DataFormatError(f"file '{path}': not a matterlearn cluster expansion")
        return cls.from_dict(d, source=f"file '{path}'")
