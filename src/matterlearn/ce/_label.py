"""Label structures in an ASE database with any ASE calculator: resumable, optionally in
parallel over a Dask client."""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from ase import Atoms

from ..data._keys import ENERGY_KEY, FORCES_KEY, STRESS_KEY
from ..errors import ParameterError

__all__ = ["calculator_factory", "label_structure", "label_database"]

log = logging.getLogger(__name__)


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


def _label_row(payload: tuple[int, Atoms, str, bool, float, int]) -> tuple[int, Atoms, float]:
    row_id, atoms, calculator, relax, fmax, steps = payload
    t0 = time.perf_counter()
    out = label_structure(atoms, calculator, relax, fmax, steps)
    return row_id, out, time.perf_counter() - t0


def label_database(db_path: str, calculator: str = "emt", relax: bool = False,
                   fmax: float = 0.01, max_steps: int = 500, client: Any = None,
                   progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Label every row of an ASE database that has no ``REF_energy`` yet.

    Rows already labelled are skipped, so an interrupted run resumes where it stopped. Each row
    is written as soon as it is done (one transaction per row). A relaxed row keeps the relaxed
    structure as its atoms and the ideal one in ``data`` (``ideal_cell``, ``ideal_positions``,
    ``ideal_numbers``); provenance goes into key-value pairs (``label_calculator``, ``relaxed``,
    ``label_seconds``).

    Parameters
    ----------
    db_path : str
        ASE database path or URL.
    calculator : str
        ``"emt"`` or ``"package.module:Name"`` (see :func:`calculator_factory`).
    relax : bool
        Relax positions and cell before taking the energy.
    fmax, max_steps : float, int
        Relaxation convergence (eV/Å) and step limit.
    client : dask.distributed.Client, optional
        Fan the work out over this client's workers.
    progress : callable, optional
        ``progress(done, total)`` after each row.

    Returns
    -------
    dict
        ``labelled``, ``skipped`` (already labelled), ``total``.
    """
    import ase.db

    from ..data._frames import read_frames  # validates that the database can be read

    calculator_factory(calculator)  # fail early on a bad name
    read_frames(db_path, index=0)  # a missing or empty database gives its clear error here
    db = ase.db.connect(db_path)
    todo, skipped = [], 0
    for row in db.select():
        if row.get(ENERGY_KEY) is not None:
            skipped += 1
            continue
        todo.append((row.id, row.toatoms(), calculator, relax, fmax, max_steps))
    total = len(todo)

    def store(row_id: int, atoms: Atoms, seconds: float) -> None:
        row = db.get(id=row_id)
        data: dict[str, Any] = {FORCES_KEY: atoms.arrays[FORCES_KEY]}
        if STRESS_KEY in atoms.info:
            data[STRESS_KEY] = atoms.info[STRESS_KEY]
        kvp: dict[str, Any] = {ENERGY_KEY: atoms.info[ENERGY_KEY], "label_calculator": calculator,
                               "relaxed": bool(relax), "label_seconds": round(seconds, 3)}
        new_atoms = None
        if relax:
            ideal = row.toatoms()
            data.update(ideal_cell=ideal.cell.array, ideal_positions=ideal.positions,
                        ideal_numbers=ideal.numbers)
            kvp["relax_converged"] = bool(atoms.info.get("relaxed", False))
            new_atoms = atoms.copy()
            new_atoms.info = {}
            for k in (FORCES_KEY,):
                new_atoms.arrays.pop(k, None)
        with db:
            db.update(row_id, atoms=new_atoms, data=data, **kvp)

    done = 0
    if client is None:
        for payload in todo:
            store(*_label_row(payload))
            done += 1
            if progress:
                progress(done, total)
    else:
        from dask.distributed import as_completed

        futures = client.map(_label_row, todo, pure=False)
        for fut in as_completed(futures):
            store(*fut.result())
            done += 1
            if progress:
                progress(done, total)
    log.info("labelled %d rows, skipped %d already labelled", done, skipped)
    return {"labelled": done, "skipped": skipped, "total": done + skipped}
