"""Point functions of the cluster expansion.

A site that can hold ``M`` species carries point functions ``theta_alpha(sigma)`` for
``alpha = 1 .. M-1`` of the occupation ``sigma = 0 .. M-1`` (species sorted by atomic number).

References
----------
A. van de Walle, "Multicomponent multisublattice alloys, nonconfigurational entropy and other
additions to the Alloy Theoretic Automated Toolkit", Calphad 33, 266 (2009).
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError

__all__ = ["BASES", "point_function_table"]

BASES = ("trigonometric", "orthonormal", "indicator")


def point_function_table(n_species: int, basis: str = "trigonometric") -> np.ndarray:
    """Values of the point functions, shape ``(n_species - 1, n_species)``.

    Row ``alpha - 1`` holds ``theta_alpha(sigma)`` for ``sigma = 0 .. M-1``.

    * ``trigonometric`` (van de Walle 2009, as ATAT and icet): ``-cos(2 pi ceil(a/2) s / M)`` for
      odd ``a``, ``-sin(2 pi ceil(a/2) s / M)`` for even ``a``; orthogonal, with unit norm for
      binaries.
    * ``orthonormal``: the trigonometric functions scaled to unit norm under the uniform measure
      ``(1/M) sum_s``.
    * ``indicator``: ``theta_a(s) = 1 if s == a else 0`` (occupation variables; not orthogonal).
    """
    m = int(n_species)
    if m < 2:
        raise ParameterError("point functions need at least two species on a site")
    s = np.arange(m)
    rows = []
    for a in range(1, m):
        if basis in ("trigonometric", "orthonormal"):
            k = 2.0 * np.pi * np.ceil(a / 2) * s / m
            row = -np.cos(k) if a % 2 == 1 else -np.sin(k)
            if basis == "orthonormal":
                row = row / np.sqrt(np.mean(row**2))
        elif basis == "indicator":
            row = (s == a).astype(float)
        else:
            raise ParameterError(f"unknown basis {basis!r}; choose from {', '.join(BASES)}")
        rows.append(row)
    out = np.array(rows)
    out[np.abs(out) < 1e-14] = 0.0
    return out
