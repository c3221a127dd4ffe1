"""Molecular dynamics with a matterlearn potential on ASE's integrators."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import numpy as np
from ase import Atoms, units

from ..data._keys import PREDICTED_ENERGY_KEY, PREDICTED_FORCES_KEY
from ..errors import ExtrapolationError, ParameterError

__all__ = ["run_md"]

log = logging.getLogger(__name__)

ENSEMBLES = ("nve", "nvt", "npt")


def run_md(atoms: Atoms, calc: Any, temperature: float, steps: int, timestep: float = 1.0, ensemble: str = "nvt",
           trajectory: str | os.PathLike[str] | None = None, interval: int = 10, seed: int = 0,
           friction: float = 0.01, pressure: float = 0.0,
           callback: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run MD and return a summary; ``atoms`` is copied, never modified.

    Parameters
    ----------
    atoms : Atoms
        Starting structure.
    calc : Calculator
        Energy model.
    temperature : float
        Temperature in K (initial Maxwell-Boltzmann velocities, and the thermostat's target).
    steps : int
        Number of MD steps.
    timestep : float
        Time step in fs.
    ensemble : {"nve", "nvt", "npt"}
        Velocity Verlet; Langevin (``friction`` in 1/fs); or Langevin with a Berendsen-like
        isotropic barostat at ``pressure`` (GPa) via ASE's ``NPTBerendsen``.
    trajectory : path, optional
        extxyz file written every ``interval`` steps (atomically at the end); the potential's
        energies and forces go under ``MLIP_energy`` and ``MLIP_forces``, never under the keys of
        reference labels.
    seed : int
        Seed of velocities and thermostat noise.

    Returns
    -------
    dict
        ``time_fs``, ``temperature_K``, ``potential_energy``, ``total_energy`` (eV, arrays over the
        recorded steps), ``energy_drift_per_atom_meV`` (last minus first total energy, per atom)
        and ``atom_steps_per_second``.
    """
    import time

    from ase.md.langevin import Langevin
    from ase.md.velocitydistribution import Stationary
    from ase.md.verlet import VelocityVerlet

    from .._compat import thermalize as thermalize_momenta

    if ensemble not in ENSEMBLES:
        raise ParameterError(f"unknown ensemble {ensemble!r}; choose from {', '.join(ENSEMBLES)}")
    if steps < 1 or timestep <= 0 or temperature < 0 or interval < 1:
        raise ParameterError("need steps >= 1, timestep > 0, temperature >= 0 and interval >= 1")
    rng = np.random.default_rng(seed)
    atoms = atoms.copy()
    atoms.calc = calc
    thermalize_momenta(atoms, temperature_K=temperature, rng=rng)
    Stationary(atoms)
    dt = timestep * units.fs
    if ensemble == "nve":
        dyn = VelocityVerlet(atoms, dt)
    elif ensemble == "nvt":
        dyn = Langevin(atoms, dt, temperature_K=temperature, friction=friction / units.fs, fixcm=False, rng=rng)
    else:
        from ase.md.nptberendsen import NPTBerendsen

        dyn = NPTBerendsen(atoms, dt, temperature_K=temperature, pressure_au=pressure * units.GPa,
                           taut=100 * units.fs, taup=1000 * units.fs, compressibility_au=1.0 / (100 * units.GPa))
    frames: list[Atoms] = []
    record: dict[str, list[float]] = {"time_fs": [], "temperature_K": [], "potential_energy": [], "total_energy": []}

    def observe() -> None:
        epot = atoms.get_potential_energy()
        ekin = atoms.get_kinetic_energy()
        record["time_fs"].append(dyn.get_number_of_steps() * timestep)
        record["temperature_K"].append(atoms.get_temperature())
        record["potential_energy"].append(epot)
        record["total_energy"].append(epot + ekin)
        if trajectory is not None:
            snap = atoms.copy()
            snap.calc = None
            snap.info[PREDICTED_ENERGY_KEY] = epot
            snap.arrays[PREDICTED_FORCES_KEY] = atoms.get_forces().copy()
            frames.append(snap)

    done = 0
    try:
        observe()
        t0 = time.perf_counter()
        while done < steps:
            n = min(interval, steps - done)
            dyn.run(n)
            done += n
            observe()
            if callback is not None:
                callback(done)
    except ExtrapolationError as exc:
        raise ExtrapolationError(f"MD stopped after {done} of {steps} steps: {exc}") from None
    seconds = time.perf_counter() - t0
    if trajectory is not None:
        from ..data import write_frames

        write_frames(trajectory, frames)
    out: dict[str, Any] = {k: np.array(v) for k, v in record.items()}
    out["energy_drift_per_atom_meV"] = 1000 * (out["total_energy"][-1] - out["total_energy"][0]) / len(atoms)
    out["atom_steps_per_second"] = len(atoms) * steps / seconds
    out["final"] = atoms
    return out
