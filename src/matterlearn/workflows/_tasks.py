"""Units of work a workflow fans out (module-level functions, so Dask can send them to worker
processes), and the fan-out itself: over a Dask client when there is one, in order otherwise."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from ase import Atoms

from ..data import (
    ENERGY_KEY,
    FORCES_KEY,
    STRESS_KEY,
    CountingCalculator,
    calculator_factory,
    relax_structure,
)

__all__ = ["fan_out", "label_chunk", "relax_chunk"]


def fan_out(fn: Callable[..., Any], payloads: Sequence[Any], client: Any = None,
            on_result: Callable[[int, Any], None] | None = None) -> list[Any]:
    """``[fn(p) for p in payloads]``, over ``client``'s workers when given; ``on_result(k, r)``
    is called as each result arrives (in any order), so that it can be stored at once."""
    results: list[Any] = [None] * len(payloads)
    if client is None:
        for k, p in enumerate(payloads):
            results[k] = fn(p)
            if on_result is not None:
                on_result(k, results[k])
        return results
    from dask.distributed import as_completed

    futures = {client.submit(fn, p, pure=False): k for k, p in enumerate(payloads)}
    for fut in as_completed(list(futures)):
        k = futures[fut]
        results[k] = fut.result()
        if on_result is not None:
            on_result(k, results[k])
    return results


def _strip(a: Atoms) -> Atoms:
    b = Atoms(a.numbers, positions=a.positions, cell=a.cell, pbc=a.pbc)
    return b


def label_chunk(payload: tuple[list[Atoms], str]) -> tuple[list[Atoms], int]:
    """Oracle single points of a list of structures: labelled copies and the number of calls."""
    frames, oracle = payload
    counter = CountingCalculator(calculator_factory(oracle)())
    out = []
    for a in frames:
        b = a.copy()
        b.calc = counter
        e = float(b.get_potential_energy())
        f = np.array(b.get_forces())
        s = np.array(b.get_stress(voigt=True)) if "stress" in counter.results else None
        c = _strip(a)
        c.info.update({k: v for k, v in a.info.items() if isinstance(v, (str, int, float))})
        c.info[ENERGY_KEY] = e
        c.arrays[FORCES_KEY] = f
        if s is not None:
            c.info[STRESS_KEY] = s
        out.append(c)
    return out, counter.calls


def relax_chunk(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Relax structures with the oracle (``oracle``: a calculator name) or a potential
    (``potential``: a saved potential's dict): per structure its relaxed energy, cell, positions,
    steps, convergence, oracle calls, and the potential's largest extrapolation grade at the end."""
    from ..mlip import MLIPCalculator, MomentTensorPotential

    pot = None
    if payload.get("potential") is not None:
        pot = MomentTensorPotential.from_dict(payload["potential"])
    out = []
    for k, a in zip(payload["ids"], payload["structures"]):
        t0 = time.perf_counter()
        if pot is None:
            calc: Any = CountingCalculator(calculator_factory(payload["oracle"])())
        else:
            calc = MLIPCalculator(pot, warn_extrapolation=False, stop_distance_ratio=0.5)
        rec: dict[str, Any] = {"id": int(k)}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r, converged, steps = relax_structure(a, calc, payload["fmax"], payload["max_steps"])
                energy = float(r.get_potential_energy())
            ratio = r.get_volume() / a.get_volume()
            if not np.isfinite(energy) or not 0.5 < ratio < 2.0:
                raise RuntimeError(f"the relaxation ran away (energy {energy:.4g} eV, volume x{ratio:.3g})")
            rec.update(energy=energy, cell=r.cell.array.tolist(), positions=r.positions.tolist(),
                       steps=steps, converged=converged, failed=None)
        except Exception as exc:  # an exploding potential: reported by structure, not raised here
            rec.update(energy=None, failed=f"{type(exc).__name__}: {exc}", steps=None, converged=False)
        rec["oracle_calls"] = int(calc.calls) if pot is None else 0
        rec["seconds"] = round(time.perf_counter() - t0, 4)
        if pot is not None and rec["energy"] is not None and pot.active_set is not None:
            relaxed = Atoms(a.numbers, positions=rec["positions"], cell=rec["cell"], pbc=True)
            rec["grade"] = float(pot.active_set.grades(pot, [relaxed])[0][0])
        out.append(rec)
    return out
