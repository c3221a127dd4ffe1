"""Temperature scans: one ensemble carried through a list of temperatures (heating or cooling),
with energies, heat capacities, order parameters and the transition temperature."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from ase import Atoms

from .._signals import raise_if_interrupted
from ..ce import ClusterExpansion
from ..errors import ParameterError
from ._analysis import (
    blocking_error,
    heat_capacity,
    lattice_grid,
    long_range_order,
    order_transition_temperature,
    transition_temperature,
    warren_cowley,
)
from ._ensembles import CanonicalEnsemble, SemiGrandCanonicalEnsemble

__all__ = ["supercell", "set_composition", "temperature_scan", "parse_temperatures",
           "supercell_memory"]

#: measured peak of a scan, per neighbour pair of the longest cutoff and per site (bytes): about
#: 21-26 kB per site for fcc with 54 neighbours within 5.7 Å, at 8,000 and 64,000 sites
_BYTES_PER_PAIR = 500.0
_BYTES_PER_SITE = 1000.0


def parse_temperatures(text: str) -> list[float]:
    """``"1200:300:-25"`` (start:stop:step, stop included) or ``"300,600,900"``."""
    try:
        if ":" in text:
            start, stop, step = (float(v) for v in text.split(":"))
            if step == 0 or (stop - start) * step < 0:
                raise ValueError
            n = int(np.floor((stop - start) / step + 1e-9)) + 1
            return [start + k * step for k in range(n)]
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ParameterError(
            f"temperatures '{text}': write start:stop:step (e.g. 1200:300:-25) or a list 300,600"
        ) from None


def supercell_memory(expansion: ClusterExpansion, n_sites: int) -> float:
    """Estimated peak memory (bytes) of Monte Carlo on ``n_sites`` sites of ``expansion``: set-up
    (neighbour tables of the longest cutoff) dominates."""
    from ase.neighborlist import neighbor_list

    cs = expansion.cluster_space
    cutoff = max(cs.cutoffs) if len(cs.cutoffs) else 0.0
    pairs_per_site = len(neighbor_list("i", cs.prim, cutoff)) / len(cs.prim) if cutoff > 0 else 0.0
    return n_sites * (_BYTES_PER_SITE + _BYTES_PER_PAIR * pairs_per_site)


def supercell(expansion: ClusterExpansion, repeat: Sequence[int]) -> Atoms:
    """The expansion's primitive cell repeated ``repeat`` times; each site holds its last allowed
    species (the heaviest), to be replaced by :func:`set_composition` or an ensemble.

    Raises :class:`~matterlearn.errors.ResourceLimitError` before allocating anything when Monte
    Carlo on that many sites would not fit in the available memory.
    """
    from .._resources import check_memory

    cs = expansion.cluster_space
    n_sites = len(cs.prim) * int(np.prod([int(r) for r in repeat], dtype=object))
    label = "x".join(str(int(r)) for r in repeat)
    check_memory(supercell_memory(expansion, n_sites),
                 f"a {label} supercell ({n_sites:,} sites)",
                 "choose a smaller --supercell")
    atoms = cs.prim.repeat(tuple(int(r) for r in repeat))
    per_site = [cs.chemical_symbols[i % len(cs.prim)] for i in range(len(atoms))]
    atoms.set_chemical_symbols([sp[-1] for sp in per_site])
    return atoms


def set_composition(atoms: Atoms, species: Sequence[str], composition: Mapping[str, float],
                    seed: int = 0) -> Atoms:
    """Random occupation of the active sites with exactly the given fractions.

    The fractions of the species not named make up the rest, in equal parts; a composition that
    does not give whole numbers of atoms is refused, naming the nearest that does.
    """
    n = len(atoms)
    unknown = set(composition) - set(species)
    if unknown:
        raise ParameterError(f"unknown species {sorted(unknown)} for this expansion "
                             f"(species: {', '.join(species)})")
    rest = [s for s in species if s not in composition]
    for s, x in composition.items():
        if not 0 <= x <= 1:
            raise ParameterError(f"composition {s}={x:g} is {'negative' if x < 0 else 'above 1'}; "
                                 f"fractions lie between 0 and 1, e.g. {s}=0.25")
    left = 1.0 - sum(composition.values())
    if left < -1e-9:
        raise ParameterError(f"composition {dict(composition)} adds up to {1 - left:g}, more than 1")
    fractions = dict(composition)
    for s in rest:
        fractions[s] = left / len(rest)
    counts = {}
    for s, x in fractions.items():
        c = x * n
        if abs(c - round(c)) > 1e-6:
            raise ParameterError(
                f"composition {s}={x:g} does not fit the supercell of {n} sites ({c:g} atoms); "
                f"use a multiple of 1/{n}, e.g. {s}={round(c) / n:g}"
            )
        counts[s] = int(round(c))
    if sum(counts.values()) != n:
        raise ParameterError(f"composition {dict(composition)} gives {sum(counts.values())} atoms "
                             f"for {n} sites")
    rng = np.random.default_rng(seed)
    symbols = np.concatenate([[s] * c for s, c in counts.items()])
    out = atoms.copy()
    out.set_chemical_symbols(rng.permutation(symbols).tolist())
    return out


def _nn_pairs(atoms: Atoms, expansion: ClusterExpansion) -> np.ndarray:
    from ase.neighborlist import neighbor_list

    pairs = [o for o in expansion.cluster_space.orbits if o.order == 2]
    if not pairs:
        return np.zeros((0, 2), dtype=int)
    d1 = pairs[0].diameter
    i, j = neighbor_list("ij", atoms, d1 * 1.05)
    keep = i < j
    return np.column_stack([i[keep], j[keep]])


def temperature_scan(
    expansion: ClusterExpansion,
    structure: Atoms,
    temperatures: Sequence[float],
    sweeps: int,
    equilibration: int = 0,
    ensemble: str = "canonical",
    chemical_potentials: Mapping[str, float] | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Run one ensemble through ``temperatures`` in the given order (the configuration is carried
    over: a decreasing list is a cooling run, an increasing one heating).

    Returns
    -------
    dict
        ``n_sites``, ``temperatures``, ``energy_mean`` (eV/site), ``energy_std_error``,
        ``heat_capacity`` (k_B/site) and its error, ``order_parameter`` (long-range order,
        :func:`~matterlearn.mc.long_range_order`, of a binary on a repeated primitive cell, else
        NaN), ``short_range_order`` (nearest-neighbour Warren-Cowley alpha of a binary, or NaN),
        ``acceptance``, ``trial_steps_per_second``, ``transition_temperature`` (heat-capacity
        peak) and its ``uncertainty``, and ``order_transition_temperature`` (where the
        long-range order falls to half its largest value) and its uncertainty.
    """
    if sweeps < 1:
        raise ParameterError("sweeps must be at least 1")
    temps = [float(t) for t in temperatures]
    if not temps:
        raise ParameterError("give at least one temperature")
    if ensemble == "canonical":
        ens: Any = CanonicalEnsemble(expansion, structure, temps[0], seed=seed)
    elif ensemble == "sgc":
        ens = SemiGrandCanonicalEnsemble(expansion, structure, temps[0],
                                         chemical_potentials or {}, seed=seed)
    else:
        raise ParameterError(f"ensemble must be 'canonical' or 'sgc', not {ensemble!r}")
    pairs = _nn_pairs(structure, expansion)
    binary = len(expansion.cluster_space.species) == 2
    n = ens.n_sites
    out: dict[str, list[Any]] = {k: [] for k in (
        "energy_mean", "energy_std_error", "heat_capacity", "heat_capacity_error",
        "order_parameter", "short_range_order", "acceptance", "composition")}
    grid = lattice_grid(structure, expansion.cluster_space.prim) if binary else None
    steps = seconds = 0.0
    total = len(temps) * (sweeps + equilibration)
    for k, t in enumerate(temps):
        ens.temperature = t

        def tick(done: int, _: int, k: int = k) -> None:
            raise_if_interrupted()
            if progress:
                progress(k * (sweeps + equilibration) + done, total)

        observers: dict[str, Any] = {}
        if binary and len(pairs):
            observers["alpha1"] = lambda e: {"": warren_cowley(e.occupation, pairs)}
        if grid is not None:
            observers["lro"] = lambda e: {"": long_range_order(e.occupation, grid)}
        data = ens.run(sweeps, equilibration=equilibration, observers=observers, progress=tick)
        e = data.energy / n
        c, c_err = heat_capacity(data.energy, t, n)
        out["energy_mean"].append(float(e.mean()))
        out["energy_std_error"].append(blocking_error(e))
        out["heat_capacity"].append(c)
        out["heat_capacity_error"].append(c_err)
        alpha = data.observations.get("alpha1")
        out["short_range_order"].append(float(np.mean(alpha)) if alpha is not None else float("nan"))
        lro = data.observations.get("lro")
        out["order_parameter"].append(float(np.mean(lro)) if lro is not None else float("nan"))
        out["acceptance"].append(data.acceptance)
        out["composition"].append(ens.composition())
        steps += data.trials
        seconds += data.seconds
    result: dict[str, Any] = {"n_sites": n, "ensemble": ensemble, "temperatures": temps,
                              "sweeps": sweeps, "equilibration": equilibration, **out,
                              "trial_steps_per_second": steps / seconds if seconds else 0.0}
    if len(temps) >= 3:
        tc = transition_temperature(np.array(temps), np.array(out["heat_capacity"]),
                                    np.array(out["heat_capacity_error"]))
        result["transition_temperature"] = tc["transition_temperature"]
        result["transition_temperature_uncertainty"] = tc["uncertainty"]
        result["transition_at_scan_edge"] = tc["at_edge"]
        if np.isfinite(out["order_parameter"]).all():
            to = order_transition_temperature(np.array(temps), np.array(out["order_parameter"]))
            result["order_transition_temperature"] = to["transition_temperature"]
            result["order_transition_temperature_uncertainty"] = to["uncertainty"]
        else:
            result["order_transition_temperature"] = None
    else:
        result["transition_temperature"] = None
        result["order_transition_temperature"] = None
    result["final_structure"] = ens.atoms()
    return result
