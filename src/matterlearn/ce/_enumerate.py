"""Enumeration of symmetry-distinct derivative superstructures.

Superlattices are Hermite normal forms of the primitive cell reduced by the point group; on each
superlattice, labelings (occupations) are reduced by the group of lattice translations and the
space-group operations that leave the superlattice invariant, and labelings that repeat with a
smaller period are dropped (they belong to a smaller cell).

References
----------
G. L. W. Hart and R. W. Forcade, Phys. Rev. B 77, 224115 (2008).
G. L. W. Hart and R. W. Forcade, Phys. Rev. B 80, 014120 (2009) (multilattices, e.g. hcp).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from ..errors import ParameterError
from ._symmetry import LatticeSymmetry, supercell_keys

__all__ = ["hermite_normal_forms", "enumerate_superlattices", "enumerate_structures",
           "check_species", "structure_count_lower_bound"]


def check_species(chemical_symbols: Sequence[str] | Sequence[Sequence[str]]) -> list[list[str]]:
    """Species per site (one list for all sites, or one per site), checked: element symbols or X
    (vacancy), no repeats on a site, at least one site with two or more. Returns one list per
    given site list."""
    per_site = ([list(chemical_symbols)] if chemical_symbols and isinstance(chemical_symbols[0], str)
                else [list(s) for s in chemical_symbols])
    for site in per_site:
        for s in site:
            if s != "X" and s not in atomic_numbers:
                raise ParameterError(f"unknown species {s!r}: give element symbols (Au, Cu, ...) "
                                     f"or X for a vacancy")
        if len(set(site)) != len(site):
            raise ParameterError(f"species {','.join(site)} name one twice")
    if not per_site or max(len(site) for site in per_site) < 2:
        raise ParameterError("a cluster expansion needs at least two species on a site, "
                             "e.g. --species Au,Cu")
    return per_site


def structure_count_lower_bound(n_point_ops: int, species_per_site: Sequence[int],
                                max_size: int) -> float:
    """A lower bound on the number of derivative structures up to ``max_size`` primitive cells.

    On the ``H(N) = sum over a c f = N of a**2 c`` superlattices of index ``N``, the
    ``prod(k)**N`` occupations fall into orbits of a group of at most ``n_point_ops * N``
    operations, so there are at least ``H(N) prod(k)**N / (n_point_ops N)`` of them (less the few
    that repeat with a smaller period, which matter only for small ``N``).
    """
    k = float(np.prod(species_per_site))
    total = 0.0
    for n in range(1, max_size + 1):
        h = sum(a * a * c for a in range(1, n + 1) if n % a == 0
                for c in range(1, n // a + 1) if (n // a) % c == 0)
        total += h * k**n / (n_point_ops * n)
    return total


def hermite_normal_forms(n: int) -> Iterator[np.ndarray]:
    """Every Hermite normal form of determinant ``n``, shape (3, 3).

    Rows are the supercell vectors in units of the primitive ones: ``[[a,0,0],[b,c,0],[d,e,f]]``
    with ``a c f = n``, ``0 <= b, d < a`` and ``0 <= e < c`` (each entry below the diagonal reduced
    modulo the diagonal entry of its column), so that distinct forms are distinct lattices.
    """
    for a in range(1, n + 1):
        if n % a:
            continue
        for c in range(1, n // a + 1):
            if (n // a) % c:
                continue
            f = n // (a * c)
            for b in range(a):
                for d in range(a):
                    for e in range(c):
                        yield np.array([[a, 0, 0], [b, c, 0], [d, e, f]])


def _is_integer(m: np.ndarray) -> bool:
    return bool(np.allclose(m, np.round(m), atol=1e-8))


def enumerate_superlattices(sym: LatticeSymmetry, n: int) -> list[np.ndarray]:
    """Hermite normal forms of determinant ``n`` that are distinct under the point group."""
    rotations = np.unique(sym.rotations, axis=0)
    unique: list[np.ndarray] = []
    inverses: list[np.ndarray] = []
    for h in hermite_normal_forms(n):
        images = [h @ w.T for w in rotations]
        if any(_is_integer(img @ hinv) for img in images for hinv in inverses):
            continue
        unique.append(h)
        inverses.append(np.linalg.inv(h))
    return unique


def _cosets(h: np.ndarray) -> np.ndarray:
    """Integer translations inside the superlattice ``h`` (lower-triangular HNF), (n, 3)."""
    return np.array(list(itertools.product(range(h[0, 0]), range(h[1, 1]), range(h[2, 2]))))


def _site_permutations(sym: LatticeSymmetry, h: np.ndarray, n_sites: int
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sites of the supercell and the permutations of them by the supercell's symmetry group.

    Returns (sites, offsets, perms, translation_perms): ``perms`` (n_group, n) includes every
    pure translation; ``translation_perms`` holds the non-trivial pure translations alone.
    """
    t = _cosets(h)
    sites = np.repeat(np.arange(n_sites), len(t))
    offsets = np.tile(t, (n_sites, 1))
    keys = supercell_keys(sites, offsets, h)
    order = np.argsort(keys)
    sorted_keys = keys[order]

    def perm_of(new_sites: np.ndarray, new_offsets: np.ndarray) -> np.ndarray:
        k = supercell_keys(new_sites, new_offsets, h)
        idx = np.searchsorted(sorted_keys, k)
        return order[idx]

    hinv = np.linalg.inv(h)
    trans_perms = [perm_of(sites, offsets + tv) for tv in t]
    perms = []
    for g in range(len(sym.rotations)):
        w = sym.rotations[g]
        if not _is_integer(h @ w.T @ hinv):
            continue  # this operation does not map the superlattice onto itself
        img = sym.apply(g, np.column_stack([sites, offsets]))
        p = perm_of(img[:, 0], img[:, 1:])
        for tp in trans_perms:
            perms.append(tp[p])
    pure = [tp for k, tp in enumerate(trans_perms) if k > 0]
    return sites, offsets, np.unique(np.array(perms), axis=0), np.array(pure).reshape(-1, len(sites))


def enumerate_structures(
    prim: Atoms,
    sizes: Sequence[int] | int,
    chemical_symbols: Sequence[str] | Sequence[Sequence[str]],
    concentration_restrictions: Mapping[str, tuple[float, float]] | None = None,
    symprec: float = 1e-5,
    position_tolerance: float = 1e-5,
) -> Iterator[Atoms]:
    """Yield every symmetry-distinct derivative structure of ``prim``.

    Parameters
    ----------
    prim : ase.Atoms
        Primitive cell of the parent lattice.
    sizes : int or sequence of int
        Supercell sizes in primitive cells (``range(1, 9)`` for up to 8 atoms on fcc).
    chemical_symbols : sequence of str, or one sequence per site
        Allowed species, as for :class:`~matterlearn.ce.ClusterSpace` (``"X"``: vacancy).
    concentration_restrictions : dict of str to (float, float), optional
        Fraction range of a species over the active sites, e.g. ``{"Au": (0.0, 0.5)}``.
    symprec, position_tolerance : float
        Tolerances for spglib and for matching sites (Å).

    Yields
    ------
    ase.Atoms
        With ``info["supercell"]`` (the HNF as 9 integers) and ``info["n_cells"]``. Structures
        are yielded by size, then superlattice, then labeling.
    """
    if isinstance(sizes, int):
        sizes = [sizes]
    if chemical_symbols and isinstance(chemical_symbols[0], str):
        per_site = [list(chemical_symbols) for _ in range(len(prim))]
    else:
        per_site = [list(s) for s in chemical_symbols]  # type: ignore[arg-type]
    if len(per_site) != len(prim):
        raise ParameterError(f"chemical_symbols needs one list per site of prim ({len(prim)})")
    per_site = [sorted(s, key=lambda x: atomic_numbers[x]) for s in per_site]
    restrictions = dict(concentration_restrictions or {})
    unknown = set(restrictions) - {s for sp in per_site for s in sp}
    if unknown:
        raise ParameterError(f"concentration restriction on species not in the lattice: {unknown}")
    sym = LatticeSymmetry(prim, [tuple(s) for s in per_site], symprec, position_tolerance)
    n_sites = len(prim)
    active = [s for s in range(n_sites) if len(per_site[s]) > 1]
    for n in sizes:
        if n < 1:
            raise ParameterError(f"sizes must be positive, got {n}")
        for h in enumerate_superlattices(sym, n):
            sites, offsets, perms, pure = _site_permutations(sym, h, n_sites)
            yield from _labelings(prim, sym, h, sites, offsets, perms, pure, per_site, active,
                                  restrictions)


def _labelings(prim: Atoms, sym: LatticeSymmetry, h: np.ndarray, sites: np.ndarray,
               offsets: np.ndarray, perms: np.ndarray, pure: np.ndarray,
               per_site: list[list[str]], active: list[int],
               restrictions: dict[str, tuple[float, float]]) -> Iterator[Atoms]:
    n_species = np.array([len(per_site[s]) for s in sites])
    ranges = [range(m) for m in n_species]
    labels = np.array(list(itertools.product(*ranges)), dtype=np.int64).reshape(-1, len(sites))
    is_active = np.isin(sites, active)
    if restrictions:
        keep = np.ones(len(labels), dtype=bool)
        n_active = int(is_active.sum())
        for species, (lo, hi) in restrictions.items():
            hit = np.zeros(len(labels))
            for i in np.flatnonzero(is_active):
                sp = per_site[sites[i]]
                if species in sp:
                    hit += labels[:, i] == sp.index(species)
            x = hit / n_active
            keep &= (x >= lo - 1e-9) & (x <= hi + 1e-9)
        labels = labels[keep]
    if len(labels) == 0:
        return
    base = int(n_species.max())
    powers = base ** np.arange(len(sites) - 1, -1, -1, dtype=np.int64)
    own = labels @ powers
    best = own.copy()
    for p in perms:
        np.minimum(best, labels[:, p] @ powers, out=best)
    canonical = own == best
    for tp in pure:  # a labeling with a smaller period belongs to a smaller cell
        canonical &= ~(labels[:, tp] == labels).all(axis=1)
    cell = h @ prim.cell.array
    positions = (sym.frac[sites] + offsets) @ sym.cell
    for lab in labels[canonical]:
        atoms = Atoms(symbols=[per_site[s][k] for s, k in zip(sites, lab)], positions=positions,
                      cell=cell, pbc=True)
        atoms.info["supercell"] = " ".join(str(int(v)) for v in h.ravel())
        atoms.info["n_cells"] = int(round(abs(np.linalg.det(h))))
        yield atoms
