"""Simulated annealing and semi-grand-canonical phase diagrams, fanned out over Dask."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from ase import Atoms

from ..ce import ClusterExpansion
from ..errors import ParameterError
from ._ensembles import CanonicalEnsemble, SemiGrandCanonicalEnsemble

__all__ = ["anneal", "sgc_scan", "phase_diagram"]


def anneal(expansion: ClusterExpansion, structure: Atoms, t_start: float = 2000.0,
           t_end: float = 10.0, sweeps: int = 200, seed: int = 0) -> tuple[Atoms, float]:
    """Simulated annealing at fixed composition (geometric cooling, one temperature per sweep).

    Returns the lowest-energy configuration met and its mixing energy per site (eV).
    """
    if not (t_start > t_end > 0):
        raise ParameterError("annealing needs t_start > t_end > 0")
    ens = CanonicalEnsemble(expansion, structure, t_start, seed=seed)
    best_e, best = ens.energy, ens.occupation.copy()
    for t in np.geomspace(t_start, t_end, sweeps):
        ens.temperature = float(t)
        ens.run(1)
        if ens.energy < best_e:
            best_e, best = ens.energy, ens.occupation.copy()
    ens.occupation = best
    return ens.atoms(), float(best_e / ens.n_sites)


def sgc_scan(expansion: ClusterExpansion, structure: Atoms, species: str, dmu: float,
             temperatures: Sequence[float], sweeps: int, equilibration: int,
             seed: int = 0) -> dict[str, Any]:
    """Composition and energy along ``temperatures`` at one chemical-potential difference
    (``dmu`` for ``species`` against the others), carrying the configuration over."""
    ens = SemiGrandCanonicalEnsemble(expansion, structure, float(temperatures[0]),
                                     {species: dmu}, seed=seed)
    x, e = [], []
    for t in temperatures:
        ens.temperature = float(t)
        data = ens.run(sweeps, equilibration=equilibration,
                       observers={"x": lambda en: {"": en.composition()[species]}})
        x.append(float(np.mean(data.observations["x"])))
        e.append(float(np.mean(data.energy) / ens.n_sites))
    return {"dmu": float(dmu), "temperatures": [float(t) for t in temperatures],
            "composition": x, "energy": e}


def phase_diagram(expansion: ClusterExpansion, structure: Atoms, species: str,
                  dmus: Sequence[float], temperatures: Sequence[float], sweeps: int = 100,
                  equilibration: int = 50, seed: int = 0, client: Any = None,
                  progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """A temperature-composition phase diagram from semi-grand-canonical scans.

    One scan per chemical-potential difference, each run from the lowest temperature up
    (heating), fanned out over a Dask ``client`` when given (one task per ``dmu``). Where the
    composition jumps between neighbouring ``dmu`` at a temperature, the jump is a two-phase
    region; its edges are returned as the phase boundaries.

    Returns
    -------
    dict
        ``temperatures``, ``dmu``, ``composition`` (n_dmu, n_T) and ``two_phase`` (a list of
        ``{"temperature", "x_low", "x_high"}`` for every gap wider than 0.05 in composition).
    """
    temps = sorted(float(t) for t in temperatures)
    dmus = [float(d) for d in dmus]
    if len(dmus) < 2:
        raise ParameterError("a phase diagram needs at least two chemical potentials")
    if species not in expansion.cluster_space.species:
        raise ParameterError(f"unknown species {species!r}; the expansion has "
                             f"{', '.join(expansion.cluster_space.species)}")
    args = [(expansion, structure, species, d, temps, sweeps, equilibration, seed + k)
            for k, d in enumerate(dmus)]
    results: list[dict[str, Any]] = [{}] * len(dmus)
    if client is None:
        for k, a in enumerate(args):
            results[k] = sgc_scan(*a)
            if progress:
                progress(k + 1, len(args))
    else:
        from dask.distributed import as_completed

        futures = {client.submit(sgc_scan, *a, pure=False): k for k, a in enumerate(args)}
        done = 0
        for fut in as_completed(list(futures)):
            results[futures[fut]] = fut.result()
            done += 1
            if progress:
                progress(done, len(args))
    x = np.array([r["composition"] for r in results])  # (n_dmu, n_T)
    order = np.argsort(dmus)
    x = x[order]
    gaps = []
    for j, t in enumerate(temps):
        col = x[:, j]
        for k in range(len(col) - 1):
            if col[k + 1] - col[k] > 0.05:
                gaps.append({"temperature": t, "x_low": float(col[k]), "x_high": float(col[k + 1])})
    return {"species": species, "temperatures": temps, "dmu": [dmus[i] for i in order],
            "composition": x.tolist(), "two_phase": gaps}
