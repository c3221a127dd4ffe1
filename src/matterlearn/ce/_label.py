"""Label structures in an ASE database with any ASE calculator: resumable, optionally in
parallel over a Dask client."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from ase import Atoms

from .._signals import deferred_interrupts
from ..data._frames import connect_database
from ..data._keys import ENERGY_KEY, FORCES_KEY, STRESS_KEY
from ..data._labelling import calculator_factory, label_structure

__all__ = ["calculator_factory", "label_structure", "label_database"]

log = logging.getLogger(__name__)


def _label_row(payload: tuple[int, Atoms, str, bool, float, int]) -> tuple[int, Atoms, float]:
    row_id, atoms, calculator, relax, fmax, steps = payload
    t0 = time.perf_counter()
    out = label_structure(atoms, calculator, relax, fmax, steps)
    return row_id, out, time.perf_counter() - t0


def _check_stale_lock(db_path: str, wait: float = 5.0) -> None:
    """An SQLite database's lock file that stays: left by a process killed while writing (ASE would
    wait for it for ever), or another process labelling the same database."""
    import os

    from ..data._frames import _URL_PREFIXES
    from ..errors import DataFormatError

    if str(db_path).startswith(_URL_PREFIXES):
        return
    lock = f"{db_path}.lock"
    t0 = time.monotonic()
    while os.path.exists(lock):
        if time.monotonic() - t0 > wait:
            raise DataFormatError(
                f"database '{db_path}' is locked by '{lock}' (for {wait:g} s): another process is "
                "writing it, or one was killed while writing; if none is running, delete the lock "
                "file and rerun")
        time.sleep(0.2)


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

    from ..data._frames import read_frames  # validates that the database can be read

    calculator_factory(calculator)  # fail early on a bad name
    read_frames(db_path, index=0)  # a missing or empty database gives its clear error here
    _check_stale_lock(db_path)
    db = connect_database(db_path)
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
        with deferred_interrupts(), db:  # never an interrupt inside the write (its lock file)
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
