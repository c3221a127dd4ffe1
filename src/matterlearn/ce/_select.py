"""Cutoffs chosen by cross-validation: which clusters a cluster expansion needs, from the data.

The candidates are nested by neighbour shell of the parent lattice, so they mean the same on any
lattice: pairs out to the 2nd ... 6th shell, triplets none or out to the 1st or 2nd shell,
quadruplets none or within the 1st shell, and never a higher order reaching further than a lower
one (a triplet only with its pairs). Each candidate is fitted and cross-validated with the same
method and folds; the one with the lowest cross-validation error wins (parsimony is left to the
fit's own regularisation: a second rule, such as the fewest parameters within a few per cent of the
best, flips between near-equal candidates on small changes of the data, and the thermodynamics of
near-equal candidates can differ by far more than their scores do).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from ase import Atoms

from ..errors import ParameterError
from ._fit import fit_cluster_expansion
from ._space import ClusterSpace

__all__ = ["neighbour_shells", "cutoff_candidates", "select_cutoffs"]

log = logging.getLogger(__name__)


def neighbour_shells(prim: Atoms, n_shells: int = 6, tol: float = 1e-3) -> np.ndarray:
    """Distances (Å) of the first ``n_shells`` neighbour shells of the lattice's sites."""
    from ase.neighborlist import neighbor_list

    vol = prim.get_volume() / len(prim)
    r = 2.5 * vol ** (1 / 3)
    while True:
        d = neighbor_list("d", prim, r)
        shells = np.unique(np.round(d[d > tol] / tol) * tol)
        merged = [shells[0]] if len(shells) else []
        for s in shells[1:]:
            if s - merged[-1] > 10 * tol:
                merged.append(s)
        if len(merged) > n_shells:
            return np.array(merged[:n_shells])
        r *= 1.4


def cutoff_candidates(prim: Atoms, max_pair_shell: int = 6,
                      min_pair_shell: int = 2) -> list[list[float]]:
    """The nested grid of cutoffs (pairs, triplets, quadruplets) described in the module note,
    each cutoff half-way between a shell and the next."""
    shells = neighbour_shells(prim, max_pair_shell + 1)
    cut = [(shells[k] + shells[k + 1]) / 2 for k in range(len(shells) - 1)]  # cut[k]: shells 1..k+1
    out: list[list[float]] = []
    for p in range(min_pair_shell - 1, max_pair_shell):
        for t in (None, 0, 1):
            for q in (None, 0):
                if t is None and q is not None:
                    continue
                if (t is not None and t > p) or (q is not None and t is not None and q > t):
                    continue
                c = [round(float(cut[p]), 3)]
                if t is not None:
                    c.append(round(float(cut[t]), 3))
                if q is not None:
                    c.append(round(float(cut[q]), 3))
                out.append(c)
    return out


def select_cutoffs(
    prim: Atoms,
    chemical_symbols: Sequence[str] | Sequence[Sequence[str]],
    structures: Sequence[Atoms],
    energies: np.ndarray,
    candidates: Sequence[Sequence[float]] | None = None,
    method: str = "lasso",
    n_splits: int = 10,
    seed: int = 0,
    max_parameter_fraction: float = 0.5,
    progress: Callable[[int, int], None] | None = None,
    constrain_hull: bool = False,
    pin_references: bool = False,
) -> dict[str, Any]:
    """Choose a cluster expansion's cutoffs by cross-validation over a grid.

    Parameters
    ----------
    prim, chemical_symbols : as for :class:`ClusterSpace`.
    structures, energies : the training data, as for :func:`fit_cluster_expansion`.
    candidates : sequence of cutoff lists, optional
        Default: :func:`cutoff_candidates` of ``prim``.
    method, n_splits, seed : as for :func:`fit_cluster_expansion` (the same folds for all).
    max_parameter_fraction : float
        Skip candidates with more parameters than this fraction of the structures.
    constrain_hull, pin_references : bool
        Cross-validate each candidate with the fit that will be used (see
        :func:`fit_cluster_expansion`); a candidate whose clusters cannot keep the hull is
        recorded (``keeps_hull`` false) and not chosen. The score of the model used, not of a
        relative: on EMT Au-Cu, unconstrained LASSO ranks two candidates within 2 % of each other
        that the constrained, pinned fit separates by 4 %.

    Returns
    -------
    dict
        ``cutoffs`` (the choice), ``rmse_cv`` (meV/site) and ``table``: one row per candidate
        with ``cutoffs``, ``n_parameters``, ``rmse_cv`` and ``rmse_train``.
    """
    cands = [list(map(float, c)) for c in (candidates or cutoff_candidates(prim))]
    if not cands:
        raise ParameterError("no cutoff candidates to choose from")
    table: list[dict[str, Any]] = []
    limit = max_parameter_fraction * len(structures)
    for k, cut in enumerate(cands):
        cs = ClusterSpace(prim, cut, chemical_symbols)
        if cs.n_parameters > limit:
            log.info("cutoffs %s: %d parameters for %d structures, skipped", cut, cs.n_parameters,
                     len(structures))
        else:
            try:
                res = fit_cluster_expansion(cs, structures, energies, method=method, n_splits=n_splits,
                                            seed=seed, constrain_hull=constrain_hull,
                                            pin_references=pin_references)
                table.append({"cutoffs": cut, "n_parameters": cs.n_parameters, "keeps_hull": True,
                              "rmse_cv": res.rmse_cv, "rmse_train": res.rmse_train})
            except ParameterError:
                if not constrain_hull:
                    raise
                table.append({"cutoffs": cut, "n_parameters": cs.n_parameters, "keeps_hull": False,
                              "rmse_cv": None, "rmse_train": None})
        if progress is not None:
            progress(k + 1, len(cands))
    fitted = [r for r in table if r["rmse_cv"] is not None]
    if not fitted and constrain_hull and table:
        # no candidate can keep the hull (few structures, short cutoffs): choose among the plain fits
        log.warning("no cutoff candidate keeps the hull's ground states; choosing without constraints")
        res = select_cutoffs(prim, chemical_symbols, structures, energies, cands, method, n_splits, seed,
                             max_parameter_fraction, progress)
        return {**res, "hull_constraints": False}
    if not fitted:
        raise ParameterError(f"no cutoff candidate can be fitted: each has more parameters than "
                             f"{max_parameter_fraction:g} x {len(structures)} structures, or cannot keep "
                             "the hull; add structures or give other cutoffs")
    pick = min(fitted, key=lambda r: (round(r["rmse_cv"], 9), r["n_parameters"]))
    return {"cutoffs": pick["cutoffs"], "rmse_cv": pick["rmse_cv"],
            "n_parameters": pick["n_parameters"], "table": table, "hull_constraints": constrain_hull}
