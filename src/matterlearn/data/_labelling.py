"""Label structures with any ASE calculator: the oracle of cluster expansions and potentials."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes

from ..errors import ParameterError
from ._keys import ENERGY_KEY, FORCES_KEY, STRESS_KEY

__all__ = ["CountingCalculator", "calculator_factory", "label_frames", "label_structure",
           "relax_structure"]


def calculator_factory(name: str) -> Callable[[], Any]:
    """A function that makes a fresh ASE calculator.

    ``"emt"`` is ASE's EMT; any other calculator is named ``"package.module:Name"``, a class or
    function called without arguments (wrap settings in a small function of your own).
    """
    if name.lower() == "emt":
        from ase.calculators.emt import EMT

        return EMT
    if ":" not in name:
        raise ParameterError(
            f"unknown calculator {name!r}; use 'emt' or 'package.module:Name' for any ASE calculator"
        )
    module, attr = name.split(":", 1)
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ParameterError(f"cannot import calculator {name!r}: {exc}") from None
    if not callable(obj):
        raise ParameterError(f"calculator {name!r} is not callable")
    return obj  # type: ignore[no-any-return]


class CountingCalculator(Calculator):
    """Wraps an ASE calculator and counts its evaluations (one per geometry: energy, forces and
    stress of a geometry are taken together and count once).

    The count of oracle calls is the currency of a workflow that replaces most calculator calls
    by a potential; ``calls`` holds it.
    """

    implemented_properties = ("energy", "free_energy", "forces", "stress")

    def __init__(self, inner: Any) -> None:
        super().__init__()
        self.inner = inner
        self.calls = 0

    def calculate(self, atoms: Atoms | None = None, properties: Any = ("energy",),
                  system_changes: Any = all_changes) -> None:
        super().calculate(atoms, properties, system_changes)
        a = self.atoms.copy()
        a.calc = self.inner
        self.calls += 1
        energy = float(a.get_potential_energy())
        self.results = {"energy": energy, "free_energy": energy,
                        "forces": np.array(a.get_forces())}
        if a.cell.rank == 3 and "stress" in getattr(self.inner, "implemented_properties", ()):
            self.results["stress"] = np.array(a.get_stress(voigt=True))


def relax_structure(atoms: Atoms, calc: Any, fmax: float = 0.01,
                    max_steps: int = 500) -> tuple[Atoms, bool, int]:
    """Relax positions and cell of a copy of ``atoms`` with ``calc``.

    BFGS on ASE's ``UnitCellFilter`` (cell and positions together). Measured on the 631 fcc Au-Cu
    structures up to 8 atoms with EMT, it reaches the same minima as FIRE on a
    ``FrechetCellFilter`` (energies equal to 0.05 meV/atom) in half the steps and a quarter of
    the time: the Frechet filter's matrix logarithm and exponential (scipy) cost more than EMT.

    Returns
    -------
    relaxed copy (``calc`` attached), converged, number of optimiser steps
    """
    from ase.filters import UnitCellFilter
    from ase.optimize import BFGS

    a = atoms.copy()
    a.calc = calc
    opt = BFGS(UnitCellFilter(a), logfile=None)
    converged = bool(opt.run(fmax=fmax, steps=max_steps))
    return a, converged, int(opt.nsteps)


def label_structure(atoms: Atoms, calculator: str = "emt", relax: bool = False,
                    fmax: float = 0.01, max_steps: int = 500) -> Atoms:
    """A labelled copy of ``atoms`` (``REF_energy``, ``REF_forces``, ``REF_stress``), relaxed
    (positions and cell, :func:`relax_structure`) if asked. The input is not modified."""
    a = atoms.copy()
    a.calc = calculator_factory(calculator)()
    if relax:
        a, converged, steps = relax_structure(a, a.calc, fmax, max_steps)
        a.info["relaxed"] = converged
        a.info["relax_steps"] = steps
    a.info[ENERGY_KEY] = float(a.get_potential_energy())
    a.arrays[FORCES_KEY] = np.array(a.get_forces())
    try:
        a.info[STRESS_KEY] = np.array(a.get_stress(voigt=True))
    except Exception:  # a calculator without stress (molecules)
        pass
    a.calc = None
    return a


def _label_one(payload: tuple[Atoms, str]) -> Atoms:
    atoms, calculator = payload
    return label_structure(atoms, calculator)


def label_frames(frames: list[Atoms], calculator: str = "emt", client: Any = None) -> list[Atoms]:
    """Labelled copies of ``frames`` (energy, forces, stress), in order; over a Dask client's workers
    when one is given. ``calculator`` is ``"emt"`` or ``"package.module:Name"``
    (:func:`calculator_factory`)."""
    calculator_factory(calculator)  # fail early on a bad name
    if client is None:
        return [label_structure(a, calculator) for a in frames]
    futures = client.map(_label_one, [(a, calculator) for a in frames], pure=False)
    return list(client.gather(futures))
