"""Compiled Monte Carlo kernels (numba).

Every site of one primitive-cell site sees the same clusters up to a translation, so the clusters
that contain a site are stored once, as a template over slots of a per-site neighbour table
(:class:`~matterlearn.mc.LatticeSystem`). On a binary lattice the energy change of a flip is a
multilinear polynomial in the neighbours' occupations: the linear part is a dot product, and
the products (from triplets and larger clusters) are read from one table over the occupations of
the few neighbours they involve; on a multicomponent lattice each cluster's energy is read from its table by the
occupation code of its atoms. A swap evaluates the second flip after the first, which is exact
when the two sites share clusters.

Random numbers come in as arrays drawn from the run's own ``numpy.random.Generator``, so a run is
reproducible and resumable from its saved state.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["total_energy", "delta_flip", "canonical_steps", "sgc_steps", "kernel_arrays"]


def kernel_arrays(system):  # type: ignore[no-untyped-def]
    """The tuple of arrays that the kernels take, from a :class:`LatticeSystem`."""
    s = system
    return (s.table, s.t_grp, s.sub, s.t_off, s.t_self, s.t_slot, s.t_mult, s.poly_c, s.poly_w,
            s.v_ptr, s.v_idx, s.v_coef, s.u_ptr, s.u_idx, s.u_coef, s.nbr, s.base == 2,
            s.hot_tab, s.hot_off, s.hot_slot, s.hot_n, len(s.hot_tab) > 0)


@njit(cache=True)
def total_energy(occ, inst_atoms, inst_order, inst_offset, table, base, e0):  # type: ignore[no-untyped-def]
    """Mixing energy (eV) of the whole supercell."""
    e = e0
    for t in range(inst_atoms.shape[0]):
        code = 0
        mult = 1
        for i in range(inst_order[t]):
            code += occ[inst_atoms[t, i]] * mult
            mult *= base
        e += table[inst_offset[t] + code]
    return e


@njit(cache=True)
def _gather(occ, j, nbr, loc):  # type: ignore[no-untyped-def]
    for q in range(nbr.shape[1]):
        loc[q] = occ[nbr[j, q]]


@njit(cache=True, inline="always")
def _flip_hot(occ, j, new, sub, poly_c, poly_w, nbr, hot_tab, hot_off, hot_slot, hot_n):  # type: ignore[no-untyped-def]
    """Binary flip with tabulated products: the linear part, then one table lookup."""
    old = occ[j]
    if new == old:
        return 0.0
    s = sub[j]
    out = poly_c[s]
    for q in range(nbr.shape[1]):
        out += poly_w[s, q] * occ[nbr[j, q]]
    m = 0
    for k in range(hot_n[s]):
        m |= occ[nbr[j, hot_slot[s, k]]] << k
    out += hot_tab[hot_off[s] + m]
    return out if new > old else -out


@njit(cache=True, inline="always")
def delta_flip(occ, j, new, sys, loc):  # type: ignore[no-untyped-def]
    """Energy change (eV) when site ``j`` takes species index ``new``; ``occ`` is unchanged.

    ``sys`` is the tuple of kernel arrays (:func:`kernel_arrays`); ``loc`` a scratch array of
    the neighbour-table width.
    """
    (table, grp, sub, t_off, t_self, t_slot, t_mult, poly_c, poly_w, v_ptr, v_idx, v_coef, u_ptr,
     u_idx, u_coef, nbr, binary, hot_tab, hot_off, hot_slot, hot_n, use_hot) = sys
    old = occ[j]
    if new == old:
        return 0.0
    s = sub[j]
    out = 0.0
    if binary and use_hot:
        return _flip_hot(occ, j, new, sub, poly_c, poly_w, nbr, hot_tab, hot_off, hot_slot, hot_n)
    if binary:
        _gather(occ, j, nbr, loc)
        out = poly_c[s]
        for q in range(nbr.shape[1]):
            out += poly_w[s, q] * loc[q]
        for r in range(v_ptr[s], v_ptr[s + 1]):
            out += v_coef[r] * (loc[v_idx[r, 0]] * loc[v_idx[r, 1]])
        for r in range(u_ptr[s], u_ptr[s + 1]):
            out += u_coef[r] * (loc[u_idx[r, 0]] * loc[u_idx[r, 1]] * loc[u_idx[r, 2]])
        return out if new > old else -out
    for p in range(grp[s, 0], grp[s, 4]):
        c = t_off[p] + occ[nbr[j, t_slot[p, 0]]] * t_mult[p, 0] \
            + occ[nbr[j, t_slot[p, 1]]] * t_mult[p, 1] + occ[nbr[j, t_slot[p, 2]]] * t_mult[p, 2]
        out += table[c + new * t_self[p]] - table[c + old * t_self[p]]
    return out


@njit(cache=True)
def canonical_steps(occ, energy, beta, n_steps, u_site, u_partner, log_u, lists, counts,
                    where, sys, n_species):  # type: ignore[no-untyped-def]
    """``n_steps`` Metropolis swaps of two sites of different species; returns (energy, accepted).

    ``lists[s, :counts[s]]`` are the active sites holding species ``s``; ``where[i]`` is the
    position of site ``i`` in its list. A trial picks a random active site, then a random active
    site of another species (a symmetric proposal). ``log_u`` holds the logarithms of the
    acceptance uniforms (Metropolis: accept when ``log u < -beta dE``).
    """
    accepted = 0
    loc = np.empty(sys[15].shape[1])
    # the arrays of the tabulated binary flip, unpacked once (passing the whole tuple into the
    # loop costs more than the flips themselves)
    sub, poly_c, poly_w, nbr = sys[2], sys[7], sys[8], sys[15]
    hot_tab, hot_off, hot_slot, hot_n = sys[17], sys[18], sys[19], sys[20]
    hot = sys[16] and sys[21]
    n_active = 0
    for s in range(n_species):
        n_active += counts[s]
    for step in range(n_steps):
        r = int(u_site[step] * n_active)
        si = 0
        while r >= counts[si]:
            r -= counts[si]
            si += 1
        i = lists[si, r]
        r = int(u_partner[step] * (n_active - counts[si]))
        sj = 0
        while True:
            if sj != si:
                if r < counts[sj]:
                    break
                r -= counts[sj]
            sj += 1
        j = lists[sj, r]
        if hot:
            d1 = _flip_hot(occ, i, sj, sub, poly_c, poly_w, nbr, hot_tab, hot_off, hot_slot, hot_n)
            occ[i] = sj
            d2 = _flip_hot(occ, j, si, sub, poly_c, poly_w, nbr, hot_tab, hot_off, hot_slot, hot_n)
        else:
            d1 = delta_flip(occ, i, sj, sys, loc)
            occ[i] = sj
            d2 = delta_flip(occ, j, si, sys, loc)
        de = d1 + d2
        if de <= 0.0 or log_u[step] < -beta * de:
            occ[j] = si
            energy += de
            accepted += 1
            pi = where[i]
            pj = where[j]
            lists[si, pi] = j
            where[j] = pi
            lists[sj, pj] = i
            where[i] = pj
        else:
            occ[i] = si
    return energy, accepted


@njit(cache=True)
def sgc_steps(occ, energy, beta, n_steps, u_site, u_species, log_u, active, n_allowed, mu,
              sys):  # type: ignore[no-untyped-def]
    """``n_steps`` semi-grand-canonical flips: a random active site takes a random other allowed
    species; accepted with ``min(1, exp(-beta (dE - (mu[new] - mu[old]))))``.
    Returns (energy, accepted)."""
    accepted = 0
    loc = np.empty(sys[15].shape[1])
    sub, poly_c, poly_w, nbr = sys[2], sys[7], sys[8], sys[15]
    hot_tab, hot_off, hot_slot, hot_n = sys[17], sys[18], sys[19], sys[20]
    hot = sys[16] and sys[21]
    for step in range(n_steps):
        i = active[int(u_site[step] * active.shape[0])]
        old = occ[i]
        new = int(u_species[step] * (n_allowed[i] - 1))
        if new >= old:
            new += 1
        if hot:
            de = _flip_hot(occ, i, new, sub, poly_c, poly_w, nbr, hot_tab, hot_off, hot_slot, hot_n)
        else:
            de = delta_flip(occ, i, new, sys, loc)
        h = de - (mu[new] - mu[old])
        if h <= 0.0 or log_u[step] < -beta * h:
            occ[i] = new
            energy += de
            accepted += 1
    return energy, accepted
