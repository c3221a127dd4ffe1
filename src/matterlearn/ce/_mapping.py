"""Map a relaxed structure onto the ideal lattice of a cluster space."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from ase import Atoms

from ._space import LatticeMappingError

if TYPE_CHECKING:
    from ._space import ClusterSpace

__all__ = ["MappedStructure", "map_structure"]


@dataclass
class MappedStructure:
    """A relaxed structure and the ideal lattice structure it corresponds to.

    Attributes
    ----------
    ideal : ase.Atoms
        On the lattice of the cluster space, with the relaxed structure's species (``X`` on
        sites left empty, when the cluster space allows vacancies).
    supercell : numpy.ndarray of int, shape (3, 3)
        ``ideal.cell = supercell @ prim.cell``.
    displacements : numpy.ndarray, shape (n_atoms, 3)
        Relaxed minus ideal position of each atom after removing the homogeneous strain (Å).
    strain : numpy.ndarray, shape (3, 3)
        Green-Lagrange strain of the relaxed cell relative to the ideal one.
    volume_ratio : float
        Relaxed volume over ideal volume.
    """

    ideal: Atoms
    supercell: np.ndarray
    displacements: np.ndarray
    strain: np.ndarray
    volume_ratio: float

    @property
    def max_displacement(self) -> float:
        return float(np.linalg.norm(self.displacements, axis=1).max()) if len(self.displacements) else 0.0

    @property
    def mean_displacement(self) -> float:
        return float(np.linalg.norm(self.displacements, axis=1).mean()) if len(self.displacements) else 0.0


def map_structure(
    structure: Atoms,
    cluster_space: ClusterSpace,
    *,
    max_displacement: float | None = None,
    max_strain: float = 0.15,
    name: str = "structure",
) -> MappedStructure:
    """Map a (relaxed) structure onto the ideal lattice of ``cluster_space``.

    The relaxed cell is scaled to the ideal volume, the supercell matrix found by rounding, and
    each atom assigned to an ideal site by a minimum-cost matching (Hungarian algorithm) of the
    strain-free fractional positions.

    Parameters
    ----------
    structure : ase.Atoms
        Relaxed (or ideal) structure; vacancies are simply absent atoms.
    cluster_space : ClusterSpace
        Supplies the primitive cell and the allowed species.
    max_displacement : float, optional
        Largest accepted displacement of an atom from its site (Å); by default a quarter of the
        shortest distance between lattice sites.
    max_strain : float
        Largest accepted absolute component of the Green-Lagrange strain after removing the
        volume change.
    name : str
        How to name the structure in error messages.

    Raises
    ------
    LatticeMappingError
        Naming the structure, when no supercell fits, two atoms claim one site, or an atom moved
        or the cell distorted beyond the tolerances.
    """
    from scipy.optimize import linear_sum_assignment

    prim = cluster_space.prim
    n_sites = len(prim)
    vacancies = any("X" in s for s in cluster_space.chemical_symbols)
    v_prim = abs(prim.cell.volume)
    v = abs(structure.cell.volume)
    if len(structure) == 0 or v < 1e-8:
        raise LatticeMappingError(f"{name}: empty structure or zero cell volume")
    if vacancies:
        n_cells = max(1, int(round(v / v_prim)))
    else:
        if len(structure) % n_sites:
            raise LatticeMappingError(
                f"{name}: {len(structure)} atoms are not a multiple of the {n_sites} sites of the "
                "primitive cell (and the cluster space allows no vacancies)"
            )
        n_cells = len(structure) // n_sites
    scale = (n_cells * v_prim / v) ** (1.0 / 3.0)
    scaled = structure.cell.array * scale
    P = np.round(scaled @ np.linalg.inv(prim.cell.array)).astype(int)
    if abs(round(np.linalg.det(P))) != n_cells:
        raise LatticeMappingError(
            f"{name}: cannot find a supercell of {n_cells} primitive cells that matches its cell; "
            "it may have relaxed away from the parent lattice"
        )
    ideal_cell = P @ prim.cell.array
    f_t = np.linalg.solve(ideal_cell, structure.cell.array)  # relaxed = ideal @ F^T
    green = 0.5 * (f_t @ f_t.T - np.eye(3))
    deviatoric = 0.5 * ((f_t / scale) @ (f_t / scale).T - np.eye(3))
    if np.abs(deviatoric).max() > max_strain:
        raise LatticeMappingError(
            f"{name}: the cell is strained by {np.abs(deviatoric).max():.3f} (beyond {max_strain}) "
            "relative to the ideal lattice; it relaxed away from it"
        )
    # ideal sites of the supercell
    from ._enumerate import _cosets

    h = _hnf_like(P)
    cosets = _cosets(h)
    frac_prim = prim.get_scaled_positions(wrap=True)
    site_frac_prim = (frac_prim[:, None, :] + cosets[None, :, :]).reshape(-1, 3)
    site_frac = np.mod(site_frac_prim @ prim.cell.array @ np.linalg.inv(ideal_cell) + 1e-9, 1.0)
    atom_frac = np.mod(structure.get_scaled_positions(wrap=True) + 1e-9, 1.0)
    d = atom_frac[:, None, :] - site_frac[None, :, :]
    d -= np.round(d)
    cart = d @ ideal_cell
    cost = np.linalg.norm(cart, axis=2)
    if len(structure) > len(site_frac):
        raise LatticeMappingError(f"{name}: more atoms than lattice sites in the matched supercell")
    rows, cols = linear_sum_assignment(cost)
    disp = cart[rows, cols]
    if max_displacement is None:
        from ase.neighborlist import neighbor_list

        dist = neighbor_list("d", prim, 6.0)
        nn = float(dist.min()) if len(dist) else 3.0
        max_displacement = 0.25 * nn
    worst = np.linalg.norm(disp, axis=1)
    if worst.max() > max_displacement:
        i = int(rows[np.argmax(worst)])
        raise LatticeMappingError(
            f"{name}: atom {i} is {worst.max():.2f} Å from the nearest free lattice site (limit "
            f"{max_displacement:.2f} Å); it cannot be mapped onto the lattice"
        )
    symbols = ["X"] * len(site_frac)
    for r, c in zip(rows, cols):
        symbols[c] = structure[r].symbol
    if not vacancies and "X" in symbols:
        raise LatticeMappingError(f"{name}: lattice sites left empty but no vacancies allowed")
    positions = site_frac @ ideal_cell
    ideal = Atoms(symbols=symbols, positions=positions, cell=ideal_cell, pbc=True)
    order = np.argsort(rows)
    return MappedStructure(ideal, P, disp[order], green, float(v / abs(np.linalg.det(ideal_cell))))


def _hnf_like(P: np.ndarray) -> np.ndarray:
    """A lower-triangular basis (HNF) of the lattice spanned by the rows of ``P``."""
    h = P.astype(np.int64).copy()
    # column-wise integer row reduction to lower-triangular form
    for col in (2, 1):
        rows = list(range(col + 1))
        while True:
            nz = [r for r in rows if h[r, col] != 0]
            if len(nz) <= 1:
                break
            nz.sort(key=lambda r: abs(h[r, col]))
            pivot = nz[0]
            for r in nz[1:]:
                h[r] -= (h[r, col] // h[pivot, col]) * h[pivot]
        nz = [r for r in rows if h[r, col] != 0]
        if nz:
            r = nz[0]
            h[[r, col]] = h[[col, r]]
            if h[col, col] < 0:
                h[col] = -h[col]
    if h[0, 0] < 0:
        h[0] = -h[0]
    for col in range(3):
        for r in range(col + 1, 3):
            h[r] -= (h[r, col] // h[col, col]) * h[col]
    return h
