"""Ensembles for lattice Monte Carlo: canonical (swaps) and semi-grand canonical (flips).

An ensemble owns the occupation, its energy, and its own ``numpy.random.Generator``; the energy
changes come from the compiled kernel (:mod:`._kernel`) over a :class:`LatticeSystem`. A run can
be saved (JSON + npz) and resumed; resuming with other parameters is refused.
"""

from __future__ import annotations

import json
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from ..ce import ClusterExpansion
from ..data import atomic_path
from ..errors import DataFileNotFoundError, DataFormatError, ParameterError
from . import _kernel
from ._system import LatticeSystem, build_system

__all__ = ["KB", "CanonicalEnsemble", "SemiGrandCanonicalEnsemble", "RunData", "Observer"]

#: Boltzmann's constant in eV/K (CODATA 2018).
KB = 8.617333262e-5
SCHEMA_VERSION = 1

Observer = Callable[["_Ensemble"], dict[str, float]]


@dataclass
class RunData:
    """What a run recorded, one row per sampled sweep.

    Attributes
    ----------
    energy : numpy.ndarray
        Total mixing energy of the supercell (eV) after each sampled sweep.
    observations : dict of str to numpy.ndarray
        Observer values, by name.
    accepted, trials : int
        Accepted moves and trial steps over the sampling period.
    seconds : float
        Wall time of the sampled sweeps.
    """

    energy: np.ndarray
    observations: dict[str, np.ndarray] = field(default_factory=dict)
    accepted: int = 0
    trials: int = 0
    seconds: float = 0.0

    @property
    def acceptance(self) -> float:
        return self.accepted / self.trials if self.trials else 0.0

    @property
    def trial_steps_per_second(self) -> float:
        return self.trials / self.seconds if self.seconds > 0 else 0.0


class _Ensemble(ABC):
    kind = "base"

    def __init__(self, expansion: ClusterExpansion, structure: Atoms, temperature: float,
                 seed: int = 0) -> None:
        if temperature <= 0:
            raise ParameterError(f"temperature must be positive (K), got {temperature}")
        self.expansion = expansion
        self.system: LatticeSystem = build_system(expansion, structure)
        self._arrays = _kernel.kernel_arrays(self.system)
        self.structure = structure.copy()
        self.occupation = self.system.occupation(structure)
        self.temperature = float(temperature)
        self.seed = int(seed)
        self.rng = np.random.default_rng(seed)
        self.active = np.flatnonzero(self.system.allowed.sum(axis=1) > 1).astype(np.int64)
        if len(self.active) == 0:
            raise ParameterError("the supercell has no site that can change species")
        self.n_allowed = self.system.allowed.sum(axis=1).astype(np.int64)
        self.energy = self.calculate_total()
        self.sweeps_done = 0

    # --- calculator face -----------------------------------------------------------------
    def calculate_total(self, occupation: np.ndarray | None = None) -> float:
        """Total mixing energy (eV) of ``occupation`` (default: the current one)."""
        s = self.system
        occ = self.occupation if occupation is None else np.asarray(occupation, dtype=np.int32)
        return float(_kernel.total_energy(occ, s.inst_atoms, s.inst_order, s.inst_offset,
                                          s.table, s.base, s.e0))

    def calculate_change(self, site: int, species: int) -> float:
        """Energy change (eV) if ``site`` took species index ``species``."""
        s = self.system
        loc = np.empty(s.nbr.shape[1])
        return float(_kernel.delta_flip(self.occupation, site, species, self._arrays, loc))

    @property
    def beta(self) -> float:
        return 1.0 / (KB * self.temperature)

    @property
    def n_sites(self) -> int:
        return self.system.n_sites

    def atoms(self) -> Atoms:
        """The current configuration as a structure."""
        a = self.structure.copy()
        a.set_chemical_symbols(self.system.symbols(self.occupation))
        return a

    def composition(self) -> dict[str, float]:
        """Fraction of each species over the active sites."""
        names = self.system.species[int(self.active[0])]
        occ = self.occupation[self.active]
        return {n: float(np.mean(occ == k)) for k, n in enumerate(names)}

    # --- running ---------------------------------------------------------------------------
    @abstractmethod
    def _sweep(self, n_steps: int) -> int:
        """Run ``n_steps`` trial moves; return how many were accepted."""

    def run(self, sweeps: int, equilibration: int = 0, observers: Mapping[str, Observer] | None = None,
            interval: int = 1, progress: Callable[[int, int], None] | None = None) -> RunData:
        """Equilibrate, then sample ``sweeps`` sweeps (one sweep = one trial per active site).

        Observers are called every ``interval`` sampled sweeps and return a dict of numbers.
        """
        import time

        n = len(self.active)
        for k in range(equilibration):
            self._sweep(n)
            self.sweeps_done += 1
            if progress:
                progress(k + 1, equilibration + sweeps)
        energies, obs = [], {}
        accepted = trials = 0
        t0 = time.perf_counter()
        for k in range(sweeps):
            accepted += self._sweep(n)
            trials += n
            self.sweeps_done += 1
            if (k + 1) % interval == 0:
                energies.append(self.energy)
                for name, fn in (observers or {}).items():
                    for key, val in fn(self).items():
                        obs.setdefault(f"{name}{'.' + key if key else ''}", []).append(val)
            if progress:
                progress(equilibration + k + 1, equilibration + sweeps)
        seconds = time.perf_counter() - t0
        drift = self.calculate_total() - self.energy
        if abs(drift) > 1e-6 * max(1.0, abs(self.energy)):
            raise RuntimeError(f"energy bookkeeping drifted by {drift} eV")  # a kernel bug
        return RunData(np.array(energies), {k: np.array(v) for k, v in obs.items()}, accepted,
                       trials, seconds)

    # --- persistence -----------------------------------------------------------------------
    def _parameters(self) -> dict[str, Any]:
        return {"ensemble": self.kind, "temperature": self.temperature, "seed": self.seed,
                "n_sites": self.n_sites}

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the state (``path`` JSON with parameters and RNG state, ``path.npz`` arrays)."""
        path = Path(path)
        state = {"schema_version": SCHEMA_VERSION, "kind": "matterlearn.MCState",
                 "parameters": self._parameters(), "sweeps_done": self.sweeps_done,
                 "energy": self.energy, "rng": self.rng.bit_generator.state}
        with atomic_path(path.with_suffix(".npz")) as tmp:
            np.savez_compressed(tmp, occupation=self.occupation, **self._extra_arrays())
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(state, default=int))

    def resume(self, path: str | os.PathLike[str]) -> None:
        """Continue from a saved state; refuses a state saved with other parameters."""
        path = Path(path)
        if not path.is_file():
            raise DataFileNotFoundError(f"file '{path}' does not exist")
        state = json.loads(path.read_text())
        if state.get("kind") != "matterlearn.MCState" or state.get("schema_version") != SCHEMA_VERSION:
            raise DataFormatError(f"file '{path}' is not a matterlearn Monte Carlo state of "
                                  f"schema {SCHEMA_VERSION}")
        mine, theirs = self._parameters(), state["parameters"]
        diff = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
        if diff:
            raise ParameterError(
                f"file '{path}' was saved with other parameters ("
                + ", ".join(f"{k}: {theirs.get(k)} there, {mine.get(k)} here" for k in diff)
                + "); start a new run or use the same parameters"
            )
        with np.load(path.with_suffix(".npz")) as z:
            self.occupation = z["occupation"].astype(np.int32)
            extra = {k: z[k] for k in z.files if k != "occupation"}
        self.rng.bit_generator.state = state["rng"]
        self.sweeps_done = int(state["sweeps_done"])
        self.energy = self.calculate_total()
        self._after_resume(extra)

    def _extra_arrays(self) -> dict[str, np.ndarray]:
        """Arrays beyond the occupation that a subclass needs saved to resume exactly."""
        return {}

    def _after_resume(self, extra: dict[str, np.ndarray]) -> None:  # noqa: B027
        """Restore subclass state from :meth:`_extra_arrays` (nothing by default)."""


class CanonicalEnsemble(_Ensemble):
    """Fixed composition: Metropolis swaps of two sites holding different species.

    Parameters
    ----------
    expansion : ClusterExpansion
    structure : ase.Atoms
        Supercell on the lattice; its occupation is the starting configuration and fixes the
        composition.
    temperature : float
        K.
    seed : int
        Seed of the run's own random generator.

    Notes
    -----
    Needs one active sublattice (every active site allows the same species).
    """

    kind = "canonical"

    def __init__(self, expansion: ClusterExpansion, structure: Atoms, temperature: float,
                 seed: int = 0) -> None:
        super().__init__(expansion, structure, temperature, seed)
        kinds = {tuple(self.system.species[i]) for i in self.active}
        if len(kinds) != 1:
            raise ParameterError("canonical swaps need one active sublattice; this supercell has "
                                 f"{len(kinds)} ({sorted(kinds)})")
        self.n_species = len(next(iter(kinds)))
        self._build_lists()

    def _build_lists(self) -> None:
        occ = self.occupation[self.active]
        self.counts = np.bincount(occ, minlength=self.n_species).astype(np.int64)
        if np.count_nonzero(self.counts) < 2:
            raise ParameterError("canonical Monte Carlo needs at least two species present")
        self.lists = np.full((self.n_species, len(self.active)), -1, dtype=np.int64)
        self.where = np.zeros(self.n_sites, dtype=np.int64)
        fill = np.zeros(self.n_species, dtype=np.int64)
        for i in self.active:
            s = self.occupation[i]
            self.lists[s, fill[s]] = i
            self.where[i] = fill[s]
            fill[s] += 1

    def _extra_arrays(self) -> dict[str, np.ndarray]:
        # the order of the site lists decides which sites the random numbers pick
        return {"lists": self.lists, "where": self.where, "counts": self.counts}

    def _after_resume(self, extra: dict[str, np.ndarray]) -> None:
        self._build_lists()
        if {"lists", "where", "counts"} <= set(extra):
            self.lists, self.where, self.counts = (extra["lists"].astype(np.int64),
                                                   extra["where"].astype(np.int64),
                                                   extra["counts"].astype(np.int64))

    def _sweep(self, n_steps: int) -> int:
        u = self.rng.random((3, n_steps))
        self.energy, acc = _kernel.canonical_steps(
            self.occupation, self.energy, self.beta, n_steps, u[0], u[1], np.log(u[2]), self.lists,
            self.counts, self.where, self._arrays, self.n_species)
        return int(acc)


class SemiGrandCanonicalEnsemble(_Ensemble):
    """Fixed chemical-potential differences: Metropolis flips of one site's species.

    Parameters
    ----------
    expansion, structure, temperature, seed
        As for :class:`CanonicalEnsemble`.
    chemical_potentials : dict of str to float
        Chemical potential (eV) of each species; only differences matter. The weight of a
        configuration is ``exp(-(E - sum_s mu_s N_s) / kT)``.
    """

    kind = "sgc"

    def __init__(self, expansion: ClusterExpansion, structure: Atoms, temperature: float,
                 chemical_potentials: Mapping[str, float], seed: int = 0) -> None:
        super().__init__(expansion, structure, temperature, seed)
        self.set_chemical_potentials(chemical_potentials)

    def set_chemical_potentials(self, chemical_potentials: Mapping[str, float]) -> None:
        """Change the chemical potentials (eV) between runs, keeping the configuration (scans
        along the chemical potential)."""
        names = self.system.species[int(self.active[0])]
        unknown = set(chemical_potentials) - set(names)
        if unknown:
            raise ParameterError(f"chemical potentials for species not on the lattice: {sorted(unknown)}")
        self.chemical_potentials = {n: float(chemical_potentials.get(n, 0.0)) for n in names}
        self.mu = np.array([self.chemical_potentials[n] for n in names]
                           + [0.0] * (self.system.base - len(names)))

    def set_occupation(self, occupation: np.ndarray) -> None:
        """Replace the configuration (species index per site), e.g. to start from a snapshot."""
        occ = np.asarray(occupation, dtype=np.int32)
        if occ.shape != self.occupation.shape:
            raise ParameterError(f"occupation of {occ.shape[0]} sites for a supercell of {self.n_sites}")
        self.occupation = occ.copy()
        self.energy = self.calculate_total()

    def _parameters(self) -> dict[str, Any]:
        return {**super()._parameters(), "chemical_potentials": self.chemical_potentials}

    def _sweep(self, n_steps: int) -> int:
        u = self.rng.random((3, n_steps))
        self.energy, acc = _kernel.sgc_steps(
            self.occupation, self.energy, self.beta, n_steps, u[0], u[1], np.log(u[2]), self.active,
            self.n_allowed, self.mu, self._arrays)
        return int(acc)


