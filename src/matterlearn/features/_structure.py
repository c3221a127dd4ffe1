"""Descriptors of crystal structures, and the crystal graph of graph networks.

``StructureFeaturizer`` turns ASE ``Atoms`` into a fixed-length vector: the composition features of
the formula, then geometry and bonding from ASE neighbour lists (first-shell coordination numbers
and bond lengths, the electronegativity contrast across bonds), density and volume per atom, the
space-group number (spglib) and a Gaussian-smeared radial distribution function.
``crystal_graph`` gives the graph of CGCNN (Xie and Grossman 2018): atoms as nodes, the nearest
neighbours within a cutoff as edges, distances expanded in Gaussians.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from ase import Atoms
from ase.neighborlist import neighbor_list

from ..errors import DataFormatError, ParameterError
from ._composition import CompositionFeaturizer, element_table

__all__ = ["StructureFeaturizer", "crystal_graph"]

_GEOMETRY = [
    "density (g/cm3)", "volume per atom (A3)", "space group number",
    "mean coordination", "std coordination", "min coordination", "max coordination",
    "mean bond length (A)", "std bond length (A)", "min bond length (A)", "max bond length (A)",
    "mean bond length / covalent radii sum", "mean bond electronegativity difference",
    "max bond electronegativity difference", "fraction of unlike-species bonds",
]


def _first_shell(atoms: Atoms, cutoff: float, tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``(i, j, d)`` in each atom's first shell: within ``(1 + tol)`` of its nearest distance."""
    i, j, d = neighbor_list("ijd", atoms, cutoff, self_interaction=False)
    if len(d) == 0:
        return i, j, d
    nearest = np.full(len(atoms), np.inf)
    np.minimum.at(nearest, i, d)
    keep = d <= (1 + tol) * nearest[i]
    return i[keep], j[keep], d[keep]


class StructureFeaturizer:
    """Structure descriptors as a scikit-learn transformer over sequences of ``Atoms``.

    Parameters
    ----------
    composition : bool
        Prepend the 148 composition features of the formula (:class:`CompositionFeaturizer`).
    cutoff : float
        Largest neighbour distance in Å (for the first shell and the RDF).
    shell_tolerance : float
        A neighbour is in the first shell if closer than ``(1 + tol)`` times the nearest one.
    rdf_bins : int
        Number of points of the radial distribution fingerprint on ``(0, cutoff]``.
    rdf_width : float
        Gaussian smearing of the RDF in Å.
    """

    def __init__(self, composition: bool = True, cutoff: float = 6.0, shell_tolerance: float = 0.1,
                 rdf_bins: int = 20, rdf_width: float = 0.2) -> None:
        self.composition = composition
        self.cutoff = cutoff
        self.shell_tolerance = shell_tolerance
        self.rdf_bins = rdf_bins
        self.rdf_width = rdf_width

    def fit(self, X: Sequence[Atoms], y: object = None) -> StructureFeaturizer:
        if self.cutoff <= 0 or self.rdf_bins < 1 or self.rdf_width <= 0:
            raise ParameterError("cutoff and rdf_width must be positive and rdf_bins at least 1")
        self.n_features_out_ = len(self.feature_labels())
        return self

    def feature_labels(self) -> list[str]:
        labels = CompositionFeaturizer().feature_labels() if self.composition else []
        labels += list(_GEOMETRY)
        labels += [f"RDF at {r:.2f} A" for r in self._rdf_grid()]
        return labels

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array(self.feature_labels(), dtype=object)

    def citations(self) -> list[str]:
        from ..datasets._citations import BIBTEX

        return [BIBTEX["Ward2016"], BIBTEX["Ward2018"], BIBTEX["Larsen2017"]]

    def _rdf_grid(self) -> np.ndarray:
        return np.linspace(self.cutoff / self.rdf_bins, self.cutoff, self.rdf_bins)

    def transform(self, X: Sequence[Atoms]) -> np.ndarray:
        import spglib
        from ase.data import atomic_masses, covalent_radii

        structures = list(X)
        table = element_table()
        chi = table["Electronegativity"]
        grid = self._rdf_grid()
        rows = []
        for k, atoms in enumerate(structures):
            if not isinstance(atoms, Atoms) or len(atoms) == 0:
                raise DataFormatError(f"structure {k} is not a non-empty ase.Atoms")
            if atoms.cell.rank < 3 or not atoms.pbc.all():
                raise DataFormatError(f"structure {k} ({atoms.get_chemical_formula()}) is not a periodic crystal")
            n = len(atoms)
            vol = atoms.get_volume()
            z = atoms.numbers
            density = atomic_masses[z].sum() / vol * 1.66053906660
            try:
                sg = spglib.get_symmetry_dataset((atoms.cell.array, atoms.get_scaled_positions(), z), symprec=1e-3)
                sg_number = float(sg.number) if sg is not None else 0.0
            except Exception:  # noqa: BLE001  (spglib reports failures in several ways)
                sg_number = 0.0
            i, j, d = _first_shell(atoms, self.cutoff, self.shell_tolerance)
            if len(d) == 0:
                raise DataFormatError(f"structure {k} ({atoms.get_chemical_formula()}) has no neighbours within "
                                      f"{self.cutoff} Å; raise the cutoff")
            coord = np.bincount(i, minlength=n).astype(float)
            rel = d / (covalent_radii[z[i]] + covalent_radii[z[j]])
            dchi = np.abs(chi[z[i] - 1] - chi[z[j] - 1])
            dchi = np.nan_to_num(dchi)
            geo = [density, vol / n, sg_number, coord.mean(), coord.std(), coord.min(), coord.max(),
                   d.mean(), d.std(), d.min(), d.max(), rel.mean(), dchi.mean(), dchi.max(),
                   float((z[i] != z[j]).mean())]
            _, dd = neighbor_list("id", atoms, self.cutoff, self_interaction=False)
            dens = n / vol
            g = np.exp(-0.5 * ((grid[:, None] - dd[None, :]) / self.rdf_width) ** 2).sum(axis=1)
            g /= n * dens * 4 * np.pi * grid ** 2 * self.rdf_width * np.sqrt(2 * np.pi)
            rows.append(np.concatenate([geo, g]))
        out = np.array(rows)
        if self.composition:
            comp = CompositionFeaturizer().fit_transform([a.get_chemical_formula(empirical=False) for a in structures])
            out = np.hstack([comp, out])
        return out

    def fit_transform(self, X: Sequence[Atoms], y: object = None) -> np.ndarray:
        return self.fit(X).transform(X)


def crystal_graph(atoms: Atoms, cutoff: float = 8.0, max_neighbors: int = 12, n_gaussians: int = 40,
                  width: float = 0.2) -> dict[str, Any]:
    """The crystal graph of CGCNN.

    Each atom links to its ``max_neighbors`` nearest neighbours within ``cutoff`` Å (periodic images
    included, so two atoms may share several edges); edge features are the distance expanded in
    ``n_gaussians`` Gaussians of width ``width`` centred from 0 to ``cutoff``.

    Returns
    -------
    dict
        ``numbers`` (n_atoms,), ``edge_index`` (2, n_edges) as (centre, neighbour),
        ``distance`` (n_edges,) in Å and ``edge_attr`` (n_edges, n_gaussians).

    References
    ----------
    T. Xie, J. C. Grossman, Phys. Rev. Lett. 120, 145301 (2018), doi:10.1103/PhysRevLett.120.145301.
    """
    i, j, d = neighbor_list("ijd", atoms, cutoff, self_interaction=False)
    order = np.lexsort((d, i))
    i, j, d = i[order], j[order], d[order]
    starts = np.searchsorted(i, np.arange(len(atoms)))
    rank = np.arange(len(i)) - starts[i]
    keep = rank < max_neighbors
    i, j, d = i[keep], j[keep], d[keep]
    attr = gaussian_expansion(d, cutoff, n_gaussians, width)
    return {"numbers": atoms.numbers.copy(), "edge_index": np.vstack([i, j]), "distance": d, "edge_attr": attr}


def gaussian_expansion(distance: np.ndarray, cutoff: float = 8.0, n_gaussians: int = 40,
                       width: float = 0.2) -> np.ndarray:
    """Distances (n,) as (n, n_gaussians) Gaussians of ``width`` Å centred from 0 to ``cutoff``."""
    centres = np.linspace(0.0, cutoff, n_gaussians)
    return np.exp(-((np.asarray(distance)[:, None] - centres[None, :]) ** 2) / width**2)
