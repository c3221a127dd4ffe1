"""Space-group operations of a primitive cell acting on lattice sites ``(s, n)``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms

from ..errors import ParameterError

__all__ = ["LatticeSymmetry", "supercell_keys"]


class LatticeSymmetry:
    """The space group of a primitive cell whose sites are told apart by their allowed species.

    Attributes
    ----------
    rotations : numpy.ndarray of int, shape (n_ops, 3, 3)
        Rotations in fractional coordinates (``x' = R x + t``, column vectors), from spglib.
    translations : numpy.ndarray, shape (n_ops, 3)
    site_perm : numpy.ndarray of int, shape (n_ops, n_sites)
        Site that each operation maps site ``s`` to.
    site_shift : numpy.ndarray of int, shape (n_ops, n_sites, 3)
        Cell translation that goes with it: ``g(s, n) = (site_perm[g, s], site_shift[g, s] + R n)``.
    """

    def __init__(self, prim: Atoms, site_kinds: Sequence[object], symprec: float = 1e-5,
                 position_tolerance: float = 1e-5) -> None:
        import spglib

        self.cell = prim.cell.array.copy()
        self.inv_cell = np.linalg.inv(self.cell)
        frac = prim.get_scaled_positions(wrap=True)
        frac[np.abs(frac - 1.0) < 1e-12] = 0.0
        self.frac = frac
        kinds = {k: i for i, k in enumerate(dict.fromkeys(site_kinds))}
        types = [kinds[k] for k in site_kinds]
        ds = spglib.get_symmetry((self.cell, frac, types), symprec=symprec)
        if ds is None:
            raise ParameterError("spglib found no symmetry for the primitive cell; check it")
        self.rotations = np.asarray(ds["rotations"], dtype=int)
        self.translations = np.asarray(ds["translations"], dtype=float)
        n_ops, n_sites = len(self.rotations), len(prim)
        self.site_perm = np.empty((n_ops, n_sites), dtype=int)
        self.site_shift = np.empty((n_ops, n_sites, 3), dtype=int)
        for g in range(n_ops):
            x = frac @ self.rotations[g].T + self.translations[g]
            for s in range(n_sites):
                d = x[s] - frac
                r = np.round(d)
                err = np.linalg.norm((d - r) @ self.cell, axis=1)
                j = int(np.argmin(err))
                if err[j] > max(position_tolerance, 10 * symprec):
                    raise ParameterError("a symmetry operation maps a site off the lattice")
                self.site_perm[g, s] = j
                self.site_shift[g, s] = r[j].astype(int)

    def apply(self, g: int, sites: np.ndarray) -> np.ndarray:
        """Image of lattice sites ``(k, 4)`` rows ``(s, n1, n2, n3)`` under operation ``g``."""
        s = sites[:, 0]
        out = np.empty_like(sites)
        out[:, 0] = self.site_perm[g, s]
        out[:, 1:] = self.site_shift[g, s] + sites[:, 1:] @ self.rotations[g].T
        return out


def supercell_keys(sites: np.ndarray, offsets: np.ndarray, supercell: np.ndarray) -> np.ndarray:
    """An integer key per lattice site that is equal for sites equivalent modulo the supercell.

    Parameters
    ----------
    sites : numpy.ndarray of int, shape (...,)
    offsets : numpy.ndarray of int, shape (..., 3)
    supercell : numpy.ndarray of int, shape (3, 3)
        Rows: supercell vectors in units of the primitive cell vectors.
    """
    n_cells = abs(int(round(np.linalg.det(supercell))))
    adj = np.round(n_cells * np.linalg.inv(supercell)).astype(np.int64)
    f = np.mod(offsets.astype(np.int64) @ adj, n_cells)
    return ((np.asarray(sites, dtype=np.int64) * n_cells + f[..., 0]) * n_cells
            + f[..., 1]) * n_cells + f[..., 2]
