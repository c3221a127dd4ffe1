"""Label structures with any ASE calculator: the oracle of cluster expansions and potentials."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
from ase import Atoms

from ..errors import ParameterError
from ._keys import ENERGY_KEY, FORCES_KEY, STRESS_KEY

__all__ = ["calculator_factory", "label_frames", "label_structure"]


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


def label_structure(atoms: Atoms, calculator: str = "emt", relax: bool = False,
                    fmax: float = 0.01, max_steps: int = 500) -> Atoms:
    """A labelled copy of ``atoms`` (``REF_energy``, ``REF_forces``, ``REF_stress``), relaxed
    (positions and cell, FIRE on a FrechetCellFilter) if asked. The input is not modified."""
    a = atoms.copy()
    a.calc = calculator_factory(calculator)()
    if relax:
        from ase.filters import FrechetCellFilter
        from ase.optimize import FIRE

        opt = FIRE(FrechetCellFilter(a), logfile=None)
        a.info["relaxed"] = bool(opt.run(fmax=fmax, steps=max_steps))
        a.info["relax_steps"] = int(opt.nsteps)
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
