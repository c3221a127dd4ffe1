"""The compiled cluster vector of a structure on the lattice, in two steps.

:func:`instance_table`: for every atom and every image of every orbit that starts on the atom's
primitive-cell site, the cluster instance is that image translated to the atom's cell; its
members are found by their supercell key (binary search in the sorted keys of the structure's
atoms). The table depends only on where the atoms sit, so structures that share a supercell and
a supercell share it: it is computed once per supercell, on the lattice sites in the order of
their keys, and a structure's atoms are matched to those sites by sorting their own keys.
:func:`correlations`: each parameter is the mean of its point-function product over the
instances of its orbit, as :meth:`ClusterSpace.cluster_vector` defines it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit


@dataclass(frozen=True)
class OrbitTables:
    """A cluster space's orbits as flat arrays for :func:`cluster_vector_kernel`.

    Images are sorted by the primitive-cell site of their first member; ``image_start[s]`` to
    ``image_start[s + 1]`` are those starting on site ``s``. Each orbit's point functions are rows
    ``function_start[o]`` to ``function_start[o + 1]`` of ``function_alpha`` (the function index
    of each member, ``-1`` past the orbit's order) with their parameter index in ``function_param``.
    """

    image_start: np.ndarray  # (n_sites + 1,)
    image_site: np.ndarray  # (n_images, max_order)
    image_offset: np.ndarray  # (n_images, max_order, 3)
    image_order: np.ndarray  # (n_images,)
    image_orbit: np.ndarray  # (n_images,)
    function_start: np.ndarray  # (n_orbits + 1,)
    function_alpha: np.ndarray  # (n_functions, max_order)
    function_param: np.ndarray  # (n_functions,)
    n_parameters: int


def _distinct_clusters(images: np.ndarray) -> np.ndarray:
    """One ordered image per cluster: the images of an orbit list every ordering of its members
    that the symmetry produces, each cluster equally often, so where the point-function products
    do not depend on the order, one per cluster gives the same mean."""
    keep, seen = [], set()
    for j, image in enumerate(images):
        members = sorted(map(tuple, image.tolist()))
        low = np.array(members[0][1:])
        key = tuple((m[0], *(np.array(m[1:]) - low)) for m in members)
        if key not in seen:
            seen.add(key)
            keep.append(j)
    return images[keep]


def orbit_tables(orbits: list, n_sites: int, n_parameters: int) -> OrbitTables:  # type: ignore[type-arg]
    """Flatten the orbits (``images`` of shape (n, order, 4), ``functions``) of a cluster space.

    An orbit whose point functions are all symmetric under permuting the members (every binary
    orbit: all function indices 1) keeps one image per cluster; any other keeps all its images.
    """
    max_order = max([o.order for o in orbits] + [1])
    sites, offsets, orders, owners = [], [], [], []
    for i, orbit in enumerate(orbits):
        symmetric = all(len(set(alpha)) == 1 for alpha in orbit.functions)
        images = _distinct_clusters(orbit.images) if symmetric and orbit.order > 1 else orbit.images
        for image in images:
            s = np.full(max_order, -1, dtype=np.int64)
            off = np.zeros((max_order, 3), dtype=np.int64)
            s[: orbit.order] = image[:, 0]
            off[: orbit.order] = image[:, 1:]
            sites.append(s)
            offsets.append(off)
            orders.append(orbit.order)
            owners.append(i)
    site = np.array(sites, dtype=np.int64).reshape(-1, max_order)
    offset = np.array(offsets, dtype=np.int64).reshape(-1, max_order, 3)
    order = np.argsort(site[:, 0], kind="stable") if len(site) else np.zeros(0, dtype=np.int64)
    site, offset = site[order], offset[order]
    image_order = np.array(orders, dtype=np.int64)[order]
    image_orbit = np.array(owners, dtype=np.int64)[order]
    image_start = np.searchsorted(site[:, 0], np.arange(n_sites + 1)).astype(np.int64)
    alphas, params, starts = [], [], [0]
    param = 1
    for orbit in orbits:
        for alpha in orbit.functions:
            row = np.full(max_order, -1, dtype=np.int64)
            row[: len(alpha)] = alpha
            alphas.append(row)
            params.append(param)
            param += 1
        starts.append(len(alphas))
    return OrbitTables(image_start, site, offset, image_order, image_orbit,
                       np.array(starts, dtype=np.int64),
                       np.array(alphas, dtype=np.int64).reshape(-1, max_order),
                       np.array(params, dtype=np.int64), n_parameters)


@njit(cache=True, inline="always")
def _key(site: int, o0: int, o1: int, o2: int, adj: np.ndarray, n: int) -> int:
    f0 = (o0 * adj[0, 0] + o1 * adj[1, 0] + o2 * adj[2, 0]) % n
    f1 = (o0 * adj[0, 1] + o1 * adj[1, 1] + o2 * adj[2, 1]) % n
    f2 = (o0 * adj[0, 2] + o1 * adj[1, 2] + o2 * adj[2, 2]) % n
    return ((site * n + f0) * n + f1) * n + f2


@njit(cache=True, inline="always")
def _find(sorted_keys: np.ndarray, key: int) -> int:
    lo, hi = 0, len(sorted_keys)
    while lo < hi:
        mid = (lo + hi) // 2
        if sorted_keys[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def instance_table(sites: np.ndarray, offsets: np.ndarray, adj: np.ndarray, n_cells: int,
                   image_start: np.ndarray, image_site: np.ndarray, image_offset: np.ndarray,
                   image_order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every cluster instance of a structure whose atom ``a`` sits on primitive site ``sites[a]``
    in cell ``offsets[a]``: the atom index of each member ``(n_instances, max_order)`` and the
    image each instance comes from ``(n_instances,)``; ``adj`` is ``round(n_cells * inv(P))`` of
    the supercell matrix ``P``. It depends on the positions only, not on the occupation. Every
    lattice site of the supercell must hold exactly one atom (the caller checks).
    """
    n_atoms = len(sites)
    max_order = image_site.shape[1]
    keys = np.empty(n_atoms, dtype=np.int64)
    for a in range(n_atoms):
        keys[a] = _key(sites[a], offsets[a, 0], offsets[a, 1], offsets[a, 2], adj, n_cells)
    order = np.argsort(keys)
    sorted_keys = keys[order]
    n_instances = 0
    for a in range(n_atoms):
        n_instances += image_start[sites[a] + 1] - image_start[sites[a]]
    members = np.full((n_instances, max_order), -1, dtype=np.int32)
    image = np.empty(n_instances, dtype=np.int32)
    row = 0
    for a in range(n_atoms):
        s0 = sites[a]
        for j in range(image_start[s0], image_start[s0 + 1]):
            for i in range(image_order[j]):
                key = _key(image_site[j, i], offsets[a, 0] + image_offset[j, i, 0],
                           offsets[a, 1] + image_offset[j, i, 1], offsets[a, 2] + image_offset[j, i, 2],
                           adj, n_cells)
                members[row, i] = order[_find(sorted_keys, key)]
            image[row] = j
            row += 1
    return members, image


@njit(cache=True)
def correlations(members: np.ndarray, image: np.ndarray, atom_of: np.ndarray, sites: np.ndarray, sigma: np.ndarray,
                 theta: np.ndarray, image_order: np.ndarray, image_orbit: np.ndarray,
                 function_start: np.ndarray, function_alpha: np.ndarray, function_param: np.ndarray,
                 n_parameters: int) -> np.ndarray:
    """The cluster vector ``(n_parameters,)`` from :func:`instance_table` (on any atom order;
    ``atom_of`` maps its atom indices to the structure's) and the species index ``sigma`` of
    every atom of the structure: each parameter is the mean of its point-function product over
    the instances of its orbit; the first is 1 (the zerolet)."""
    total = np.zeros(n_parameters)
    count = np.zeros(n_parameters)
    for r in range(len(image)):
        j = image[r]
        k = image_order[j]
        orbit = image_orbit[j]
        for f in range(function_start[orbit], function_start[orbit + 1]):
            value = 1.0
            for i in range(k):
                atom = atom_of[members[r, i]]
                value *= theta[sites[atom], function_alpha[f, i], sigma[atom]]
            p = function_param[f]
            total[p] += value
            count[p] += 1.0
    out = np.empty(n_parameters)
    out[0] = 1.0
    for p in range(1, n_parameters):
        out[p] = total[p] / count[p] if count[p] > 0 else 0.0
    return out
