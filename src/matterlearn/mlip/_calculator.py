"""An ASE calculator for matterlearn potentials."""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes

from ..errors import ExtrapolationError
from ._neighbors import pair_shifts

__all__ = ["ExtrapolationWarning", "MLIPCalculator"]

log = logging.getLogger(__name__)


class ExtrapolationWarning(UserWarning):
    """A structure lies outside what the potential was trained on."""


class MLIPCalculator(Calculator):
    """Energy, forces, stress and per-atom energies from a matterlearn potential.

    Neighbour lists come from vesin (as ASE would find them) with a Verlet skin: the list is built for
    ``cutoff + skin`` and reused until an atom has moved (or the cell has deformed) by more than
    half the skin, so molecular dynamics rebuilds it only every few tens of steps. The calculator
    never modifies the ``Atoms`` it is given.

    Parameters
    ----------
    potential : Potential
        Any potential of :mod:`matterlearn.mlip` (the MTP, the equivariant network, a
        committee), or a path to a saved one.
    skin : float
        Verlet skin in Å.
    warn_extrapolation : bool
        Warn (once per calculator) when two atoms come closer than the closest pair of their
        species in the training data.
    stop_distance_ratio : float, optional
        Raise :class:`~matterlearn.errors.ExtrapolationError` (with the extrapolation grade, when
        the potential has an active set) instead of answering when two atoms come closer than this
        fraction of the closest such pair in the training data: far outside the training data a
        potential's energies and forces are meaningless (1e10 eV, say), and molecular dynamics
        should stop rather than write them. ``None``: never stop.
    """

    implemented_properties = ("energy", "free_energy", "energies", "forces", "stress", "force_uncertainty")

    def __init__(self, potential: Any, skin: float = 1.0,
                 warn_extrapolation: bool = True, stop_distance_ratio: float | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(potential, (str, os.PathLike)):
            from ._protocol import load_potential

            potential = load_potential(potential)
        self.potential = potential
        self.skin = float(skin)
        self.warn_extrapolation = warn_extrapolation
        self.stop_distance_ratio = stop_distance_ratio
        self._warned = False
        self._nl: tuple[np.ndarray, ...] | None = None
        self._ref_pos: np.ndarray | None = None
        self._ref_cell: np.ndarray | None = None
        self._ref_key: tuple | None = None
        #: number of neighbour-list builds (for tests and benchmarks)
        self.n_builds = 0

    def _neighbours(self, atoms: Atoms) -> tuple[np.ndarray, ...]:
        pos = atoms.positions
        cell = atoms.cell.array
        key = (tuple(atoms.numbers.tolist()), tuple(atoms.pbc.tolist()))
        rebuild = self._nl is None or key != self._ref_key
        if not rebuild:
            disp = np.sqrt(((pos - self._ref_pos) ** 2).sum(axis=1)).max() if len(pos) else 0.0
            dcell = np.linalg.norm(cell - self._ref_cell, 2) * self._max_shift
            rebuild = 2 * disp + dcell > self.skin
        if rebuild:
            i, j, S = pair_shifts(atoms, self.potential.cutoff + self.skin)
            n = len(atoms)
            first = np.concatenate([[0], np.cumsum(np.bincount(i, minlength=n))]).astype(np.int64)
            self._nl = (i, j.astype(np.int64), S.astype(float), first)
            self._ref_pos, self._ref_cell, self._ref_key = pos.copy(), cell.copy(), key
            self._max_shift = float(np.abs(S).sum(axis=1).max()) if len(S) else 0.0
            self.n_builds += 1
        return self._nl

    def calculate(self, atoms: Atoms | None = None, properties: list[str] | None = None,
                  system_changes: list[str] = all_changes) -> None:
        super().calculate(atoms, properties or ["energy"], system_changes)
        atoms = self.atoms
        pot = self.potential
        pot.check_species(atoms)
        i, j, S, _ = self._neighbours(atoms)
        e_at, forces, stress = pot.evaluate_neighbours(atoms, i, j, S)
        if len(i) and (self.stop_distance_ratio is not None
                       or (self.warn_extrapolation and not self._warned)):
            vec = atoms.positions[j] - atoms.positions[i] + S @ atoms.cell.array
            idx = pot.species_index
            species = np.array([idx[z] for z in atoms.numbers], dtype=np.int64)
            self._check_distances(vec, species, i)
        energy = float(e_at.sum())
        self.results["energy"] = energy
        self.results["free_energy"] = energy
        self.results["energies"] = e_at
        self.results["forces"] = forces
        if stress is not None:
            self.results["stress"] = stress
        uncertainty = getattr(pot, "last_force_uncertainty", None)
        if uncertainty is not None:
            self.results["force_uncertainty"] = uncertainty

    def _check_distances(self, vec: np.ndarray, species: np.ndarray, i: np.ndarray) -> None:
        r = np.sqrt((vec ** 2).sum(axis=1))
        seen = self.potential.min_seen
        if not np.isfinite(seen).any():
            return
        limit = seen[species[i], species[self._nl[1]]]
        # the list holds pairs out to cutoff + skin; a pair of species never seen together in
        # training has no closest distance to compare with
        known = (r < self.potential.cutoff) & np.isfinite(limit)
        ratio = np.where(known, r / np.where(known, limit, 1.0), np.inf)
        k = int(np.argmin(ratio))
        stop = self.stop_distance_ratio is not None and ratio[k] < self.stop_distance_ratio
        if ratio[k] < 0.999 and (stop or not self._warned):
            sym = self.potential.species
            grade = ""
            if getattr(self.potential, "active_set", None) is not None:
                g = float(self.potential.active_set.grades(self.potential, [self.atoms])[0][0])
                self.results["extrapolation_grade"] = g
                grade = f"; extrapolation grade {g:.3g} (above 1: outside the training set)"
            where = (f"atoms {int(i[k])} and {int(self._nl[1][k])} ({sym[species[i[k]]]}-"
                     f"{sym[species[self._nl[1][k]]]}) are {r[k]:.3f} Å apart")
            if stop:
                raise ExtrapolationError(
                    f"{where}, far closer than any such pair in the training data ({limit[k]:.3f} Å)"
                    f"{grade}; the potential cannot be trusted there: add such structures to the "
                    f"training set (mlip active)")
            warnings.warn(
                f"{where}, closer than any such pair in the training data ({limit[k]:.3f} Å){grade}; "
                "the potential is extrapolating, add such structures to the training set",
                ExtrapolationWarning, stacklevel=3)
            self._warned = True
