"""Active learning for linear-in-parameters potentials: MaxVol active sets and extrapolation grades.

An atomic neighbourhood is a row ``b = (B_1(i), ..., B_m(i))`` of basis-function values. The
active set is the ``m`` training neighbourhoods whose rows span the largest volume (the MaxVol
algorithm of Goreinov, Oseledets, Savostyanov et al. 2010). The extrapolation grade of a new
neighbourhood is ``gamma = max_j |(b A^-1)_j|``: at most 1 inside the training domain (it
interpolates the active set), larger outside. A configuration's grade is the largest of its atoms'.

References
----------
S. A. Goreinov, I. V. Oseledets, D. V. Savostyanov, E. E. Tyrtyshnikov, N. L. Zamarashkin, in
*Matrix Methods: Theory, Algorithms, Applications* (World Scientific, 2010), 247-256.
E. V. Podryabinkin, A. V. Shapeev, Comput. Mater. Sci. 140, 171 (2017), doi:10.1016/j.commatsci.2017.08.031.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from ase import Atoms

from ...errors import EmptyDataError, ParameterError
from .._neighbors import Pairs
from . import _kernel

if TYPE_CHECKING:
    from ._model import MomentTensorPotential

__all__ = ["ActiveSet", "maxvol", "neighbourhood_rows", "select_by_maxvol"]


def maxvol(A: np.ndarray, tol: float = 1.01, max_iter: int = 1000) -> np.ndarray:
    """Rows of ``A`` (n x m, n >= m) whose m x m submatrix has a locally maximal ``|det|``.

    Starts from the rows chosen by a column-pivoted QR of ``A.T`` and swaps in any row whose
    coefficient in the current basis exceeds ``tol`` in absolute value, until none does.
    """
    import scipy.linalg

    n, m = A.shape
    if n < m:
        raise ParameterError(f"MaxVol needs at least as many rows as columns, got {n} x {m}")
    _, _, piv = scipy.linalg.qr(A.T, pivoting=True, mode="economic")
    rows = np.array(piv[:m])
    Ainv = np.linalg.pinv(A[rows])
    C = A @ Ainv
    for _ in range(max_iter):
        i, j = np.unravel_index(np.argmax(np.abs(C)), C.shape)
        if abs(C[i, j]) <= tol:
            break
        # swap row i into slot j: rank-one update of C = A A_sel^-1
        cj = C[:, j].copy()
        ri = C[i, :].copy()
        ri[j] -= 1.0
        C -= np.outer(cj, ri) / C[i, j]
        rows[j] = i
    return rows


def _values(pot: MomentTensorPotential, pairs: Pairs) -> np.ndarray:
    b = pot.basis
    vals, _, _ = _kernel.design(pairs.first, pairs.nbr, pairs.vec, pairs.species, pot.radial_coef, pot.min_distance,
                                pot.cutoff, b.unit, b.comp_mu, b.comp_exp, b.ops, b.coef, b.n_buffer, b.basis, b.inv_ref,
                                b.inv_op_start, b.inv_op_stop, b.basis_factors, pairs.atom_frame, pairs.n_frames,
                                np.arange(pairs.n_atoms, dtype=np.int64), False)
    return vals


def neighbourhood_rows(pot: MomentTensorPotential, frames: Sequence[Atoms]) -> tuple[np.ndarray, np.ndarray]:
    """Basis values of every atom of ``frames`` (n_atoms, n_basis) and each atom's frame index."""
    pairs = pot.pairs(frames)
    return _values(pot, pairs), pairs.atom_frame


@dataclass
class ActiveSet:
    """The MaxVol active set of a potential's neighbourhoods.

    Attributes
    ----------
    scale : (n_basis,) column scales applied before selection (conditioning)
    inverse : (n_basis, n_basis) inverse of the selected, scaled rows
    frames : (n_basis,) training frame of each selected neighbourhood
    """

    scale: np.ndarray
    inverse: np.ndarray
    frames: np.ndarray

    @classmethod
    def fit(cls, pot: MomentTensorPotential, frames: Sequence[Atoms]) -> ActiveSet:
        if not frames:
            raise EmptyDataError("no frames to build an active set from")
        rows, frame_of = neighbourhood_rows(pot, frames)
        if len(rows) < rows.shape[1]:
            raise ParameterError(f"{len(rows)} neighbourhoods are fewer than the {rows.shape[1]} basis functions; "
                                 "add training frames or lower the level")
        scale = np.sqrt((rows ** 2).mean(axis=0))
        scale[scale == 0] = 1.0
        A = rows / scale
        sel = maxvol(A)
        return cls(scale=scale, inverse=np.linalg.pinv(A[sel]), frames=frame_of[sel])

    def grade_rows(self, rows: np.ndarray) -> np.ndarray:
        """Extrapolation grade of each row (neighbourhood)."""
        return np.abs((rows / self.scale) @ self.inverse).max(axis=1)

    def grades(self, pot: MomentTensorPotential, frames: Sequence[Atoms]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Grade of each configuration (its largest per-atom grade) and the per-atom grades."""
        rows, frame_of = neighbourhood_rows(pot, frames)
        g = self.grade_rows(rows)
        per_atom = [g[frame_of == k] for k in range(len(frames))]
        return np.array([x.max() if len(x) else 0.0 for x in per_atom]), per_atom

    def to_dict(self) -> dict[str, Any]:
        return {"scale": self.scale.tolist(), "inverse": self.inverse.tolist(), "frames": self.frames.tolist()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ActiveSet:
        return cls(np.asarray(d["scale"], float), np.asarray(d["inverse"], float), np.asarray(d["frames"], int))


def select_by_maxvol(pot: MomentTensorPotential, active: ActiveSet, candidates: Sequence[Atoms],
                     limit: int) -> list[int]:
    """Greedy selection of up to ``limit`` candidate configurations that extend the active set most:
    repeatedly take the configuration with the largest grade, then update the active set as if it
    had been added (its neighbourhoods replace the rows they beat)."""
    if not candidates or limit <= 0:
        return []
    rows, frame_of = neighbourhood_rows(pot, candidates)
    A = rows / active.scale
    # the current active rows, recovered from the inverse
    base = np.linalg.pinv(active.inverse)
    chosen: list[int] = []
    for _ in range(limit):
        g = np.abs(A @ np.linalg.pinv(base)).max(axis=1)
        per_cfg = np.array([g[frame_of == k].max() if (frame_of == k).any() else 0 for k in range(len(candidates))])
        per_cfg[chosen] = 0.0
        k = int(np.argmax(per_cfg))
        if per_cfg[k] <= 1.0 + 1e-9:
            break
        chosen.append(k)
        stacked = np.vstack([base, A[frame_of == k]])
        base = stacked[maxvol(stacked)]
    return chosen
