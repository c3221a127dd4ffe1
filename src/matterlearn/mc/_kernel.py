"""Compiled Monte Carlo kernels (numba).

For each site the kernel streams through the cluster instances that contain it (contiguous
arrays): an instance's energy is a table entry addressed by the occupation code of its atoms, so
the energy change of a flip reads a few hundred numbers, and the only random access goes to the
small, cached occupation array. A swap evaluates the second flip after the first, which is exact
when the two sites share clusters.

Random numbers come in as arrays drawn from the run's own ``numpy.random.Generator``, so a run is
reproducible and resumable from its saved state.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["total_energy", "delta_flip", "canonical_steps", "sgc_steps"]


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
def delta_flip(occ, j, new, table, tmpl_ptr, sub, t_off, t_self, t_n, t_slot, t_mult, nbr):  # type: ignore[no-untyped-def]
    """Energy change (eV) when site ``j`` takes species index ``new``; ``occ`` is unchanged."""
    old = occ[j]
    s = sub[j]
    out = 0.0
    for p in range(tmpl_ptr[s], tmpl_ptr[s + 1]):
        c = t_off[p]
        for m in range(t_n[p]):
            c += occ[nbr[j, t_slot[p, m]]] * t_mult[p, m]
        out += table[c + new * t_self[p]] - table[c + old * t_self[p]]
    return out


@njit(cache=True)
def canonical_steps(occ, energy, beta, n_steps, u_site, u_partner, u_accept, lists, counts,
                    where, table, tmpl_ptr, sub, t_off, t_self, t_n, t_slot, t_mult, nbr, n_species):  # type: ignore[no-untyped-def]
    """``n_steps`` Metropolis swaps of two sites of different species; returns (energy, accepted).

    ``lists[s, :counts[s]]`` are the active sites holding species ``s``; ``where[i]`` is the
    position of site ``i`` in its list. A trial picks a random active site, then a random active
    site of another species (a symmetric proposal).
    """
    accepted = 0
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
        d1 = delta_flip(occ, i, sj, table, tmpl_ptr, sub, t_off, t_self, t_n, t_slot, t_mult, nbr)
        occ[i] = sj
        d2 = delta_flip(occ, j, si, table, tmpl_ptr, sub, t_off, t_self, t_n, t_slot, t_mult, nbr)
        de = d1 + d2
        if de <= 0.0 or u_accept[step] < np.exp(-beta * de):
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
def sgc_steps(occ, energy, beta, n_steps, u_site, u_species, u_accept, active, n_allowed, mu,
              table, tmpl_ptr, sub, t_off, t_self, t_n, t_slot, t_mult, nbr):  # type: ignore[no-untyped-def]
    """``n_steps`` semi-grand-canonical flips: a random active site takes a random other allowed
    species; accepted with ``min(1, exp(-beta (dE - (mu[new] - mu[old]))))``.
    Returns (energy, accepted)."""
    accepted = 0
    for step in range(n_steps):
        i = active[int(u_site[step] * active.shape[0])]
        old = occ[i]
        new = int(u_species[step] * (n_allowed[i] - 1))
        if new >= old:
            new += 1
        de = delta_flip(occ, i, new, table, tmpl_ptr, sub, t_off, t_self, t_n, t_slot, t_mult, nbr)
        h = de - (mu[new] - mu[old])
        if h <= 0.0 or u_accept[step] < np.exp(-beta * h):
            occ[i] = new
            energy += de
            accepted += 1
    return energy, accepted
