"""Rejection-free kinetic Monte Carlo (Bortz-Kalos-Lebowitz n-fold way) of vacancy-mediated
diffusion on a cluster expansion.

A vacancy exchanges with a nearest-neighbour atom at the rate ``nu exp(-E_a / kT)`` with the
kinetically resolved activation barrier ``E_a = E_KRA(species) + dE/2`` (Van der Ven et al.
2001), ``dE`` the energy change of the exchange from the cluster expansion. Each step picks one
exchange with probability proportional to its rate and advances the clock by
``-ln(u) / sum(rates)``. Every atom's unwrapped displacement is tracked for tracer diffusion.

References
----------
A. B. Bortz, M. H. Kalos, J. L. Lebowitz, J. Comput. Phys. 17, 10 (1975).
A. Van der Ven, G. Ceder, M. Asta, P. D. Tepesch, Phys. Rev. B 64, 184307 (2001).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from ase import Atoms
from numba import njit

from ..ce import ClusterExpansion
from ..errors import ParameterError
from . import _kernel
from ._ensembles import KB
from ._system import build_system

__all__ = ["KineticMonteCarlo", "KMCResult"]


@njit(cache=True)
def _kmc_steps(occ, n_hops, u_pick, u_time, vacancies, nn, nn_vec, atom_at, disp, jumps,
               vac_index, e_kra, beta, nu, sys, time):  # type: ignore[no-untyped-def]
    z = nn.shape[1]
    n_vac = vacancies.shape[0]
    rates = np.empty(n_vac * z)
    loc = np.empty(sys[15].shape[1])
    for hop in range(n_hops):
        total = 0.0
        for a in range(n_vac):
            v = vacancies[a]
            for k in range(z):
                b = nn[v, k]
                sb = occ[b]
                if sb == vac_index:
                    rates[a * z + k] = 0.0
                    continue
                d1 = _kernel.delta_flip(occ, v, sb, sys, loc)
                occ[v] = sb
                d2 = _kernel.delta_flip(occ, b, vac_index, sys, loc)
                occ[v] = vac_index
                ea = e_kra[sb] + 0.5 * (d1 + d2)
                if ea < 0.0:
                    ea = 0.0
                r = nu * np.exp(-beta * ea)
                rates[a * z + k] = r
                total += r
        if total == 0.0:
            break
        target = u_pick[hop] * total
        acc = 0.0
        pick = n_vac * z - 1
        for m in range(n_vac * z):
            acc += rates[m]
            if acc >= target and rates[m] > 0.0:
                pick = m
                break
        a = pick // z
        k = pick % z
        v = vacancies[a]
        b = nn[v, k]
        atom = atom_at[b]
        for c in range(3):  # the atom moves from b to v
            disp[atom, c] -= nn_vec[v, k, c]
        jumps[atom] += 1
        occ[v] = occ[b]
        occ[b] = vac_index
        atom_at[v] = atom
        atom_at[b] = -1
        vacancies[a] = b
        time += -np.log(u_time[hop]) / total
    return time


@dataclass
class KMCResult:
    """Accumulated kinetic Monte Carlo results.

    Attributes
    ----------
    time : float
        Physical time (s).
    hops : int
        Vacancy exchanges performed.
    tracer_diffusion : dict of str to float
        Tracer diffusion coefficient of each species, ``<|R|^2> / (6 t)`` in cm^2/s.
    random_walk_diffusion : dict of str to float
        ``Gamma lambda^2 / 6`` for the same species, with ``Gamma`` the species' mean jump
        frequency: the uncorrelated value (cm^2/s).
    correlation_factor : dict of str to float
        Ratio of the two (0.7815 for a dilute vacancy in fcc without interactions).
    """

    time: float
    hops: int
    tracer_diffusion: dict[str, float]
    random_walk_diffusion: dict[str, float]
    correlation_factor: dict[str, float]


class KineticMonteCarlo:
    """Vacancy-mediated kinetic Monte Carlo on a cluster expansion whose sites allow ``X``.

    Parameters
    ----------
    expansion : ClusterExpansion
        Its cluster space must allow the vacancy ``X`` on the active sites.
    structure : ase.Atoms
        Supercell on the lattice, with vacancies as ``X``.
    temperature : float
        K.
    barriers : dict of str to float
        ``E_KRA`` (eV) of each hopping species.
    attempt_frequency : float
        ``nu`` in Hz (default 1e13).
    seed : int
        Seed of the run's own random generator.
    """

    def __init__(self, expansion: ClusterExpansion, structure: Atoms, temperature: float,
                 barriers: Mapping[str, float], attempt_frequency: float = 1e13,
                 seed: int = 0) -> None:
        from ase.neighborlist import neighbor_list

        if temperature <= 0:
            raise ParameterError("temperature must be positive (K)")
        self.system = build_system(expansion, structure)
        self._arrays = _kernel.kernel_arrays(self.system)
        self.occupation = self.system.occupation(structure)
        species = self.system.species[0]
        if "X" not in species:
            raise ParameterError("kinetic Monte Carlo needs a cluster space that allows the "
                                 "vacancy X on its sites")
        if any(sp != species for sp in self.system.species):
            raise ParameterError("kinetic Monte Carlo needs one sublattice")
        self.species = species
        self.vac_index = species.index("X")
        missing = [s for s in species if s != "X" and s not in barriers]
        if missing:
            raise ParameterError(f"give E_KRA barriers for {', '.join(missing)}")
        self.e_kra = np.array([float(barriers.get(s, 0.0)) for s in species])
        self.vacancies = np.flatnonzero(self.occupation == self.vac_index).astype(np.int64)
        if len(self.vacancies) == 0:
            raise ParameterError("the structure holds no vacancy (X); kinetic MC needs one")
        pairs = [o for o in expansion.cluster_space.orbits if o.order == 2]
        nn_dist = pairs[0].diameter if pairs else None
        if nn_dist is None:
            raise ParameterError("the cluster space has no pair orbit to define the hops")
        i, j, dvec = neighbor_list("ijD", structure, nn_dist * 1.05)
        z = np.bincount(i, minlength=len(structure))
        if z.min() != z.max():
            raise ParameterError("sites differ in their number of nearest neighbours")
        order = np.argsort(i, kind="stable")
        self.nn = j[order].reshape(len(structure), -1).astype(np.int64)
        self.nn_vec = dvec[order].reshape(len(structure), -1, 3)
        self.jump_length = float(np.linalg.norm(self.nn_vec[0, 0]))
        self.temperature = float(temperature)
        self.nu = float(attempt_frequency)
        self.rng = np.random.default_rng(seed)
        n = len(structure)
        self.atom_at = np.where(self.occupation != self.vac_index, np.arange(n), -1).astype(np.int64)
        self.atom_species = self.occupation.copy()
        self.disp = np.zeros((n, 3))
        self.jumps = np.zeros(n, dtype=np.int64)
        self.time = 0.0
        self.hops = 0

    def run(self, hops: int) -> KMCResult:
        """Perform ``hops`` vacancy exchanges; return the accumulated diffusion results."""
        u = self.rng.random((2, hops))
        u[1] = np.where(u[1] == 0.0, 1e-300, u[1])
        self.time = _kmc_steps(self.occupation, hops, u[0], u[1], self.vacancies, self.nn,
                               self.nn_vec, self.atom_at, self.disp, self.jumps, self.vac_index,
                               self.e_kra,
                               1.0 / (KB * self.temperature), self.nu, self._arrays, self.time)
        self.hops += hops
        return self.result()

    def result(self) -> KMCResult:
        r2 = np.sum(self.disp**2, axis=1)
        tracer, walk, factor = {}, {}, {}
        for k, sp in enumerate(self.species):
            if sp == "X":
                continue
            atoms = np.flatnonzero(self.atom_species == k)  # atom ids are their first sites
            if len(atoms) == 0 or self.time == 0:
                continue
            d = float(r2[atoms].mean() / (6 * self.time)) * 1e-16  # Å^2/s -> cm^2/s
            gamma = float(self.jumps[atoms].mean() / self.time)
            rw = gamma * self.jump_length**2 / 6 * 1e-16
            tracer[sp], walk[sp] = d, rw
            factor[sp] = d / rw if rw > 0 else float("nan")
        return KMCResult(self.time, self.hops, tracer, walk, factor)
