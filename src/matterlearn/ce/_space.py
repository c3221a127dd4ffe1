"""The cluster space: orbits of clusters on a parent lattice, and cluster vectors.

A lattice site is a pair ``(s, n)``: site ``s`` of the primitive cell in the cell translated by the
integer vector ``n``. Symmetry operations of the primitive cell (from spglib) map lattice sites to
lattice sites; an orbit is the set of clusters equivalent to a representative one. The
correlation of an orbit in a structure is the average, over every cluster of the orbit in the
structure and every ordering of its sites that symmetry allows, of the product of point functions.

References
----------
J. M. Sanchez, F. Ducastelle, D. Gratias, Physica A 128, 334 (1984).
A. van de Walle, Calphad 33, 266 (2009).
M. Ångqvist et al., Adv. Theory Simul. 2, 1900015 (2019) (icet).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers

from ..errors import DataFormatError, ParameterError
from ._basis import BASES, point_function_table
from ._symmetry import LatticeSymmetry, supercell_keys

__all__ = ["ClusterSpace", "Orbit", "SpeciesError", "LatticeMappingError"]

SCHEMA_VERSION = 1


class SpeciesError(DataFormatError):
    """A structure holds a species that its site may not hold in the cluster space."""


class LatticeMappingError(DataFormatError):
    """A structure's atoms do not sit on the sites of the cluster space's lattice."""


@dataclass
class Orbit:
    """Symmetry-equivalent clusters.

    Attributes
    ----------
    order : int
        Number of sites of each cluster.
    representative : numpy.ndarray, shape (order, 4)
        One cluster as lattice sites ``(s, n1, n2, n3)``.
    images : numpy.ndarray, shape (n_images, order, 4)
        Every ordered image of the representative under the space group, translated so that its
        first site lies in the cell ``n = 0``; each unordered cluster of the orbit appears with
        every ordering of its sites that symmetry allows, equally often.
    multiplicity : int
        Number of clusters of the orbit per primitive cell.
    radius : float
        Mean distance of the sites from their centroid (Å), as icet reports it.
    diameter : float
        Longest distance between two sites (Å); the cutoff applies to it.
    functions : list of tuple of int
        The symmetry-distinct point-function tuples (``alpha`` per site, 1-based).
    function_counts : list of int
        Number of equivalent tuples in each class (a parameter's multiplicity is
        ``multiplicity * count``).
    """

    order: int
    representative: np.ndarray
    images: np.ndarray
    multiplicity: int
    radius: float
    diameter: float
    functions: list[tuple[int, ...]] = field(default_factory=list)
    function_counts: list[int] = field(default_factory=list)


def _canonical(cluster: np.ndarray) -> tuple[tuple[int, ...], ...]:
    """A key of an unordered cluster that is the same for all its lattice translations."""
    best = None
    for i in range(len(cluster)):
        shifted = cluster.copy()
        shifted[:, 1:] -= cluster[i, 1:]
        key = tuple(sorted(map(tuple, shifted.tolist())))
        if best is None or key < best:
            best = key
    return best  # type: ignore[return-value]


class ClusterSpace:
    """Orbits of clusters on a lattice, their point functions, and cluster vectors.

    Parameters
    ----------
    prim : ase.Atoms
        The primitive cell of the parent lattice (its positions are the sites).
    cutoffs : sequence of float
        Cutoff per cluster order, in Å, on the longest distance inside the cluster: pairs,
        triplets, quadruplets, ... (as icet counts them).
    chemical_symbols : sequence of str, or sequence of sequences of str
        Species allowed on every site, or per site of ``prim``. Use ``"X"`` for a vacancy. A
        site with one species is a spectator.
    basis : {"trigonometric", "orthonormal", "indicator"}
        Point functions (see :func:`~matterlearn.ce._basis.point_function_table`).
    symprec : float
        Symmetry tolerance passed to spglib (Å).
    position_tolerance : float
        Tolerance (Å) for an atom to count as sitting on a lattice site.

    Notes
    -----
    Species on a site are ordered by atomic number (vacancy first), which fixes the sign of odd
    correlations: in a binary, the higher atomic number has point function +1.
    """

    def __init__(
        self,
        prim: Atoms,
        cutoffs: Sequence[float],
        chemical_symbols: Sequence[str] | Sequence[Sequence[str]],
        basis: str = "trigonometric",
        symprec: float = 1e-5,
        position_tolerance: float = 1e-5,
    ) -> None:
        if not isinstance(prim, Atoms) or len(prim) == 0:
            raise ParameterError("prim must be a non-empty ase.Atoms primitive cell")
        if not prim.pbc.all():
            raise ParameterError("the primitive cell must be periodic in all three directions")
        if basis not in BASES:
            raise ParameterError(f"unknown basis {basis!r}; choose from {', '.join(BASES)}")
        cutoffs = [float(c) for c in cutoffs]
        if any(c <= 0 for c in cutoffs):
            raise ParameterError(f"cutoffs must be positive, got {cutoffs}")
        if chemical_symbols and isinstance(chemical_symbols[0], str):
            per_site = [list(chemical_symbols) for _ in range(len(prim))]
        else:
            per_site = [list(s) for s in chemical_symbols]  # type: ignore[arg-type]
        if len(per_site) != len(prim):
            raise ParameterError(
                f"chemical_symbols has {len(per_site)} site lists for a primitive cell of "
                f"{len(prim)} sites"
            )
        for i, species in enumerate(per_site):
            bad = [s for s in species if s not in atomic_numbers]
            if bad or not species or len(set(species)) != len(species):
                raise ParameterError(
                    f"site {i}: species {species} must be distinct element symbols (X for vacancy)"
                )
        self.prim = prim.copy()
        self.prim.calc = None
        self.cutoffs = cutoffs
        self.chemical_symbols = [sorted(s, key=lambda x: atomic_numbers[x]) for s in per_site]
        self.basis = basis
        self.symprec = float(symprec)
        self.position_tolerance = float(position_tolerance)
        self._build()

    # ------------------------------------------------------------------ set-up
    def _build(self) -> None:
        sym = LatticeSymmetry(self.prim, [tuple(s) for s in self.chemical_symbols], self.symprec,
                              self.position_tolerance)
        self._sym = sym
        self._cell, self._inv_cell, self._frac = sym.cell, sym.inv_cell, sym.frac
        self._rot = sym.rotations
        n_sites = len(self.prim)
        self._n_species = np.array([len(s) for s in self.chemical_symbols])
        self._active = np.flatnonzero(self._n_species > 1)
        if len(self._active) == 0:
            raise ParameterError("no site of the cluster space allows more than one species")
        # point-function table: theta[s, alpha, sigma], padded
        m = int(self._n_species.max())
        self._theta = np.zeros((n_sites, m, m))
        for s in self._active:
            self._theta[s, 1:self._n_species[s], :self._n_species[s]] = point_function_table(
                self._n_species[s], self.basis)
        self.orbits = self._make_orbits()
        self._orbit_tables: Any = None
        self._index_cache: dict[bytes, tuple[np.ndarray, list[np.ndarray]]] = {}
        self._instance_cache: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _apply(self, g: int, cluster: np.ndarray) -> np.ndarray:
        return self._sym.apply(g, cluster)

    def _positions(self, cluster: np.ndarray) -> np.ndarray:
        return (self._frac[cluster[:, 0]] + cluster[:, 1:]) @ self._cell

    def _neighbours(self, s: int, cutoff: float) -> np.ndarray:
        """Active lattice sites within ``cutoff`` of site ``(s, 0)``, excluding itself."""
        recip = np.linalg.norm(self._inv_cell, axis=0)  # |b_i| / (2 pi)
        nmax = np.ceil(cutoff * recip).astype(int) + 1
        grid = np.array(list(itertools.product(*(range(-k, k + 1) for k in nmax))))
        origin = self._frac[s] @ self._cell
        out = []
        for t in self._active:
            pos = (self._frac[t] + grid) @ self._cell
            d = np.linalg.norm(pos - origin, axis=1)
            keep = (d <= cutoff + 1e-6) & (d > 1e-6)
            for n in grid[keep]:
                out.append((t, *n))
        return np.array(out, dtype=int).reshape(-1, 4)

    def _stabiliser_perms(self, cluster: np.ndarray) -> list[tuple[int, ...]]:
        key = set(map(tuple, cluster.tolist()))
        perms = set()
        for g in range(len(self._rot)):
            image = self._apply(g, cluster)
            for j in range(len(image)):
                if image[j, 0] != cluster[0, 0]:
                    continue
                shifted = image.copy()
                shifted[:, 1:] += cluster[0, 1:] - image[j, 1:]
                rows = list(map(tuple, shifted.tolist()))
                if set(rows) == key:
                    index = {row: i for i, row in enumerate(map(tuple, cluster.tolist()))}
                    perms.add(tuple(index[r] for r in rows))
                    break
        return sorted(perms)

    def _orbit_from(self, cluster: np.ndarray) -> tuple[Orbit, set[Any]]:
        keys, images = set(), {}
        for g in range(len(self._rot)):
            image = self._apply(g, cluster)
            keys.add(_canonical(image))
            image[:, 1:] -= image[0, 1:]
            images[tuple(map(tuple, image.tolist()))] = image
        pos = self._positions(cluster)
        radius = float(np.mean(np.linalg.norm(pos - pos.mean(axis=0), axis=1)))
        diameter = float(max((np.linalg.norm(a - b) for a, b in itertools.combinations(pos, 2)),
                             default=0.0))
        orbit = Orbit(len(cluster), cluster.copy(), np.array(sorted(images.values(),
                      key=lambda a: a.ravel().tolist())), len(keys), radius, diameter)
        perms = self._stabiliser_perms(cluster)
        ranges = [range(1, self._n_species[s]) for s in cluster[:, 0]]
        classes: dict[tuple[int, ...], int] = {}
        for alpha in itertools.product(*ranges):
            variants = {tuple(alpha[p.index(j)] for j in range(len(p))) for p in perms}
            rep = min(variants)
            classes.setdefault(rep, len(variants))
        orbit.functions = sorted(classes)
        orbit.function_counts = [classes[a] for a in orbit.functions]
        return orbit, keys

    def _make_orbits(self) -> list[Orbit]:
        orbits: list[Orbit] = []
        seen: set[Any] = set()
        for s in self._active:  # singlets
            c = np.array([[s, 0, 0, 0]])
            key = _canonical(c)
            if key not in seen:
                orbit, keys = self._orbit_from(c)
                seen |= keys
                orbits.append(orbit)
        for k, cutoff in enumerate(self.cutoffs, start=2):
            found: list[Orbit] = []
            for s in self._active:
                nbrs = self._neighbours(int(s), cutoff)
                pos = self._positions(nbrs)
                for combo in itertools.combinations(range(len(nbrs)), k - 1):
                    p = pos[list(combo)]
                    if k > 2 and max(np.linalg.norm(a - b)
                                     for a, b in itertools.combinations(p, 2)) > cutoff + 1e-6:
                        continue
                    cluster = np.vstack([[s, 0, 0, 0], nbrs[list(combo)]])
                    key = _canonical(cluster)
                    if key in seen:
                        continue
                    orbit, keys = self._orbit_from(cluster)
                    seen |= keys
                    found.append(orbit)
            found.sort(key=lambda o: (round(o.diameter, 5), round(o.radius, 5), -o.multiplicity))
            orbits.extend(found)
        return orbits

    # ------------------------------------------------------------------ parameters
    @property
    def parameters(self) -> list[dict[str, Any]]:
        """One entry per cluster-vector element: index, order, radius, diameter, multiplicity,
        orbit index (-1 for the zerolet) and point-function tuple."""
        rows = [{"index": 0, "order": 0, "radius": 0.0, "diameter": 0.0, "multiplicity": 1,
                 "orbit": -1, "functions": ()}]
        for i, orbit in enumerate(self.orbits):
            for alpha, count in zip(orbit.functions, orbit.function_counts):
                rows.append({"index": len(rows), "order": orbit.order, "radius": orbit.radius,
                             "diameter": orbit.diameter,
                             "multiplicity": orbit.multiplicity * count, "orbit": i,
                             "functions": alpha})
        return rows

    @property
    def n_parameters(self) -> int:
        """Length of the cluster vector (the zerolet included)."""
        return 1 + sum(len(o.functions) for o in self.orbits)

    @property
    def species(self) -> list[str]:
        """Every species of the active sites, by atomic number."""
        return sorted({s for i in self._active for s in self.chemical_symbols[i]},
                      key=lambda x: atomic_numbers[x])

    def __len__(self) -> int:
        return self.n_parameters

    def __repr__(self) -> str:
        return (f"ClusterSpace({self.prim.get_chemical_formula()}, cutoffs={self.cutoffs}, "
                f"species={self.chemical_symbols}, basis={self.basis!r}, "
                f"{self.n_parameters} parameters)")

    def __str__(self) -> str:
        lines = [repr(self), "index order  radius  diameter  multiplicity  functions"]
        for p in self.parameters:
            lines.append(f"{p['index']:5d} {p['order']:5d} {p['radius']:7.4f} {p['diameter']:9.4f}"
                         f" {p['multiplicity']:13d}  {list(p['functions'])}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ structures
    def lattice_sites(self, atoms: Atoms, name: str = "structure") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Map each atom of a supercell of ``prim`` to its lattice site.

        Returns
        -------
        sites : numpy.ndarray of int, shape (n_atoms,)
            Primitive-cell site of each atom.
        offsets : numpy.ndarray of int, shape (n_atoms, 3)
            Cell translation of each atom.
        supercell : numpy.ndarray of int, shape (3, 3)
            ``atoms.cell = supercell @ prim.cell``.

        Raises
        ------
        LatticeMappingError
            If the cell is not a supercell of ``prim`` or an atom is off the lattice (a relaxed
            structure must first go through :func:`map_structure`).
        """
        p = atoms.cell.array @ self._inv_cell
        P = np.round(p).astype(int)
        if abs(round(np.linalg.det(P))) < 1 or not np.allclose(P @ self._cell, atoms.cell.array,
                                                               atol=self.position_tolerance * 10):
            raise LatticeMappingError(
                f"{name}: its cell is not an integer supercell of the primitive cell; map a "
                "relaxed structure onto the lattice first (matterlearn.ce.map_structure)"
            )
        frac = atoms.positions @ self._inv_cell
        d = frac[:, None, :] - self._frac[None, :, :]
        r = np.round(d)
        err = np.linalg.norm(np.einsum("asi,ij->asj", d - r, self._cell), axis=2)
        sites = np.argmin(err, axis=1)
        worst = err[np.arange(len(atoms)), sites]
        if len(atoms) and worst.max() > self.position_tolerance * 10:
            i = int(np.argmax(worst))
            raise LatticeMappingError(
                f"{name}: atom {i} is {worst[i]:.3g} Å from the nearest lattice site; map a "
                "relaxed structure onto the lattice first (matterlearn.ce.map_structure)"
            )
        offsets = r[np.arange(len(atoms)), sites].astype(int)
        n_cells = abs(int(round(np.linalg.det(P))))
        if len(atoms) != n_cells * len(self.prim):
            raise LatticeMappingError(
                f"{name}: {len(atoms)} atoms for {n_cells * len(self.prim)} lattice sites; every "
                "site must hold an atom (use 'X' for a vacancy)"
            )
        return sites, offsets, P

    def occupations(self, atoms: Atoms, sites: np.ndarray, name: str = "structure") -> np.ndarray:
        """The species index ``sigma`` of every atom on its site (species sorted by atomic number)."""
        symbols = atoms.get_chemical_symbols()
        sigma = np.empty(len(atoms), dtype=int)
        lookup = [{sp: k for k, sp in enumerate(s)} for s in self.chemical_symbols]
        for i, (sym, s) in enumerate(zip(symbols, sites)):
            k = lookup[s].get(sym)
            if k is None:
                raise SpeciesError(
                    f"{name}: atom {i} is {sym}, but its site may hold only "
                    f"{', '.join(self.chemical_symbols[s])}; build the cluster space with the "
                    "species of the data"
                )
            sigma[i] = k
        return sigma

    def cluster_index(self, orbit: Orbit, sites: np.ndarray, offsets: np.ndarray,
                      supercell: np.ndarray) -> np.ndarray:
        """Atom indices of every cluster instance of ``orbit`` in a supercell.

        Returns
        -------
        numpy.ndarray of int, shape (n_images * n_cells, order)
        """
        atom_keys = supercell_keys(sites, offsets, supercell)
        order = np.argsort(atom_keys)
        sorted_keys = atom_keys[order]
        images = orbit.images
        blocks = []
        for s0 in np.unique(images[:, 0, 0]):  # images grouped by the site of their first atom
            group = images[images[:, 0, 0] == s0]  # (n_g, k, 4)
            base = offsets[sites == s0]  # (n_cells, 3)
            n = base[None, :, None, :] + group[:, None, :, 1:]  # (n_g, n_cells, k, 3)
            s = np.broadcast_to(group[:, None, :, 0], n.shape[:-1])
            k = supercell_keys(s, n, supercell).reshape(-1, orbit.order)
            blocks.append(k)
        keys = np.concatenate(blocks, axis=0)
        pos = np.searchsorted(sorted_keys, keys)
        return order[np.minimum(pos, len(order) - 1)]

    def _all_cluster_indices(self, sites: np.ndarray, offsets: np.ndarray,
                             supercell: np.ndarray) -> list[np.ndarray]:
        """:meth:`cluster_index` of every orbit, with one key computation and one search."""
        atom_keys = supercell_keys(sites, offsets, supercell)
        order = np.argsort(atom_keys)
        sorted_keys = atom_keys[order]
        by_order: dict[int, list[tuple[int, np.ndarray]]] = {}
        for i, orbit in enumerate(self.orbits):
            by_order.setdefault(orbit.order, []).append((i, orbit.images))
        out: list[np.ndarray] = [np.empty((0, 0), dtype=int)] * len(self.orbits)
        for k, items in by_order.items():
            images = np.concatenate([im for _, im in items])
            owner = np.concatenate([np.full(len(im), i) for i, im in items])
            rows, owners = [], []
            for s0 in np.unique(images[:, 0, 0]):
                sel = images[:, 0, 0] == s0
                group = images[sel]
                base = offsets[sites == s0]
                n = base[None, :, None, :] + group[:, None, :, 1:]
                st = np.broadcast_to(group[:, None, :, 0], n.shape[:-1])
                rows.append(supercell_keys(st, n, supercell).reshape(-1, k))
                owners.append(np.repeat(owner[sel], len(base)))
            keys = np.concatenate(rows)
            who = np.concatenate(owners)
            idx = order[np.minimum(np.searchsorted(sorted_keys, keys), len(order) - 1)]
            for i, _ in items:
                out[i] = idx[who == i]
        return out

    def _indices(self, sites: np.ndarray, offsets: np.ndarray, P: np.ndarray) -> list[np.ndarray]:
        """Cluster instances of every orbit in a structure.

        Every ordered image of every orbit, as the Monte Carlo templates need them (the cluster
        vector itself goes through the compiled kernel). The work depends only on the supercell:
        it is done once per supercell, on the lattice in a canonical atom order, and cached; a
        structure then only permutes the result into its own atom order.
        """
        key = P.tobytes()
        hit = self._index_cache.get(key)
        if hit is None:
            from ._enumerate import _cosets
            from ._mapping import _hnf_like

            n_cells = abs(int(round(np.linalg.det(P))))
            cos = _cosets(_hnf_like(P))
            c_sites = np.repeat(np.arange(len(self.prim)), n_cells)
            c_offsets = np.tile(cos, (len(self.prim), 1))
            c_keys = supercell_keys(c_sites, c_offsets, P)
            c_order = np.argsort(c_keys)
            c_sites, c_offsets, c_keys = c_sites[c_order], c_offsets[c_order], c_keys[c_order]
            hit = (c_keys, self._all_cluster_indices(c_sites, c_offsets, P))
            if len(self._index_cache) >= 64:
                self._index_cache.pop(next(iter(self._index_cache)))
            self._index_cache[key] = hit
        c_keys, canonical = hit
        atom_keys = supercell_keys(sites, offsets, P)
        order = np.argsort(atom_keys)
        if not np.array_equal(atom_keys[order], c_keys):
            raise LatticeMappingError("two atoms sit on the same lattice site")
        return [order[c] for c in canonical]

    def cluster_vector(self, atoms: Atoms, name: str = "structure") -> np.ndarray:
        """The cluster vector of a structure on the lattice, shape ``(n_parameters,)``.

        The first element is 1 (the zerolet); then the correlations in the order of
        :attr:`parameters`.
        """
        from ._cv_kernel import correlations

        sites, offsets, P = self.lattice_sites(atoms, name)
        sigma = self.occupations(atoms, sites, name)
        t = self._tables()
        c_keys, members, image = self._instances(P)
        atom_keys = supercell_keys(sites, offsets, P)
        atom_of = np.argsort(atom_keys)  # the structure's atom on each site of the table
        if not np.array_equal(atom_keys[atom_of], c_keys):
            raise LatticeMappingError(f"{name}: two atoms sit on the same lattice site")
        return correlations(members, image, atom_of, sites.astype(np.int64), sigma.astype(np.int64),
                            self._theta, t.image_order, t.image_orbit, t.function_start,
                            t.function_alpha, t.function_param, t.n_parameters)

    def _instances(self, P: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The cluster instances of the supercell ``P``
        (:func:`~matterlearn.ce._cv_kernel.instance_table`) on its lattice sites sorted by key,
        with those keys; kept for the last few supercells, so a training set of one supercell (or
        Monte Carlo snapshots) computes them once."""
        from ._cv_kernel import instance_table
        from ._enumerate import _cosets
        from ._mapping import _hnf_like

        key = P.tobytes()
        hit = self._instance_cache.get(key)
        if hit is None:
            t = self._tables()
            n_cells = abs(int(round(np.linalg.det(P))))
            cosets = _cosets(_hnf_like(P))
            c_sites = np.repeat(np.arange(len(self.prim)), n_cells).astype(np.int64)
            c_offsets = np.tile(cosets, (len(self.prim), 1)).astype(np.int64)
            c_keys = supercell_keys(c_sites, c_offsets, P)
            by_key = np.argsort(c_keys)
            c_sites, c_offsets, c_keys = c_sites[by_key], c_offsets[by_key], c_keys[by_key]
            adj = np.round(n_cells * np.linalg.inv(P)).astype(np.int64)
            members, image = instance_table(c_sites, c_offsets, adj, n_cells, t.image_start, t.image_site,
                                            t.image_offset, t.image_order)
            hit = (c_keys, members, image)
            if len(self._instance_cache) >= 8:
                self._instance_cache.pop(next(iter(self._instance_cache)))
            self._instance_cache[key] = hit
        return hit

    def _tables(self) -> Any:
        """The orbits as the flat arrays of the compiled cluster-vector kernel (built once)."""
        if self._orbit_tables is None:
            from ._cv_kernel import orbit_tables

            self._orbit_tables = orbit_tables(self.orbits, len(self.prim), self.n_parameters)
        return self._orbit_tables

    def cluster_vectors(self, structures: Iterable[Atoms], names: Sequence[str] | None = None) -> np.ndarray:
        """Cluster vectors of many structures, shape ``(n_structures, n_parameters)``."""
        rows = []
        for i, atoms in enumerate(structures):
            rows.append(self.cluster_vector(atoms, names[i] if names else f"structure {i}"))
        return np.array(rows).reshape(-1, self.n_parameters)

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, Any]:
        """The recipe: primitive cell, cutoffs, species, basis and tolerances (JSON-ready)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "matterlearn.ClusterSpace",
            "prim": {"cell": self.prim.cell.array.tolist(),
                     "positions": self.prim.positions.tolist(),
                     "numbers": self.prim.numbers.tolist(),
                     "pbc": self.prim.pbc.tolist()},
            "cutoffs": list(self.cutoffs),
            "chemical_symbols": self.chemical_symbols,
            "basis": self.basis,
            "symprec": self.symprec,
            "position_tolerance": self.position_tolerance,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClusterSpace:
        """Rebuild a cluster space from :meth:`to_dict` output."""
        if d.get("kind") != "matterlearn.ClusterSpace":
            raise DataFormatError("not a matterlearn cluster space (missing kind)")
        if d.get("schema_version") != SCHEMA_VERSION:
            raise DataFormatError(
                f"cluster space schema_version {d.get('schema_version')} is not "
                f"{SCHEMA_VERSION}; rebuild it with this version of matterlearn"
            )
        p = d["prim"]
        prim = Atoms(numbers=p["numbers"], positions=p["positions"], cell=p["cell"], pbc=p["pbc"])
        return cls(prim, d["cutoffs"], d["chemical_symbols"], basis=d["basis"],
                   symprec=d["symprec"], position_tolerance=d["position_tolerance"])

