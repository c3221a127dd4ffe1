"""Mixing energies and the lower convex hull of a binary alloy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError

__all__ = ["mixing_energy_per_atom", "BinaryHull", "binary_hull"]


def mixing_energy_per_atom(x: np.ndarray, energy_per_atom: np.ndarray,
                           end_members: tuple[float, float] | None = None) -> np.ndarray:
    """Energy per atom relative to the composition-weighted pure end members.

    Parameters
    ----------
    x : numpy.ndarray, shape (n,)
        Fraction of the second species, in [0, 1].
    energy_per_atom : numpy.ndarray, shape (n,)
        Total energy per atom, eV/atom.
    end_members : (float, float), optional
        Energies per atom of the pure first and second species. By default the lowest energy at
        ``x == 0`` and at ``x == 1`` in the data.

    Returns
    -------
    numpy.ndarray, shape (n,)
        ``E - (1 - x) E_A - x E_B`` in eV/atom.
    """
    x = np.asarray(x, dtype=float)
    e = np.asarray(energy_per_atom, dtype=float)
    if end_members is None:
        at0, at1 = np.isclose(x, 0.0), np.isclose(x, 1.0)
        if not at0.any() or not at1.any():
            raise ParameterError(
                "mixing energies need both pure end members (x = 0 and x = 1) in the data, "
                "or their energies through end_members=(E_A, E_B)"
            )
        end_members = (float(e[at0].min()), float(e[at1].min()))
    ea, eb = end_members
    return e - (1.0 - x) * ea - x * eb


@dataclass
class BinaryHull:
    """The lower convex hull of points (x, E) of a binary system.

    Attributes
    ----------
    vertices : numpy.ndarray of int
        Indices of the points on the hull (the ground states), sorted by x.
    distance : numpy.ndarray, shape (n,)
        Energy above the hull of every point, eV/atom (0 on the hull).
    """

    x: np.ndarray
    energy: np.ndarray
    vertices: np.ndarray
    distance: np.ndarray

    def energy_at(self, x: np.ndarray | float) -> np.ndarray:
        """The hull energy at composition(s) ``x`` (piecewise linear)."""
        v = self.vertices
        return np.interp(x, self.x[v], self.energy[v])


def binary_hull(x: np.ndarray, energy: np.ndarray, tol: float = 1e-6) -> BinaryHull:
    """Lower convex hull of (x, E) points.

    Parameters
    ----------
    x : numpy.ndarray, shape (n,)
        Compositions.
    energy : numpy.ndarray, shape (n,)
        Energies per atom (mixing energies, usually), eV/atom.
    tol : float
        Points within ``tol`` of the hull count as on it; of several points at one composition
        only the lowest is a vertex.
    """
    x = np.asarray(x, dtype=float)
    e = np.asarray(energy, dtype=float)
    if x.shape != e.shape or x.ndim != 1 or len(x) < 2:
        raise ParameterError("binary_hull needs two 1-d arrays of equal length >= 2")
    # Andrew's monotone chain on the lowest point per composition
    order = np.lexsort((e, x))
    keep = np.r_[True, np.diff(x[order]) > 1e-12]
    pts = order[keep]
    chain: list[int] = []
    for i in pts:
        while len(chain) >= 2:
            a, b = chain[-2], chain[-1]
            cross = (x[b] - x[a]) * (e[i] - e[a]) - (e[b] - e[a]) * (x[i] - x[a])
            if cross <= 0:  # b is not below the segment a-i
                chain.pop()
            else:
                break
        chain.append(int(i))
    verts = np.array(chain, dtype=int)
    dist = e - np.interp(x, x[verts], e[verts])
    # drop vertices that only touch the hull within tol from a straight segment
    on = [v for k, v in enumerate(verts) if k in (0, len(verts) - 1)
          or _above_segment(x, e, verts[k - 1], verts[k + 1], v) < -tol]
    verts = np.array(on, dtype=int)
    dist = e - np.interp(x, x[verts], e[verts])
    dist[np.abs(dist) < tol] = 0.0
    return BinaryHull(x, e, verts, dist)


def _above_segment(x: np.ndarray, e: np.ndarray, a: int, b: int, i: int) -> float:
    t = (x[i] - x[a]) / (x[b] - x[a])
    return float(e[i] - ((1 - t) * e[a] + t * e[b]))
