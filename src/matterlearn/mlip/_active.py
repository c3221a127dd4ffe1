"""Active learning for any potential: train, explore by MD, select what the potential does not
know, label it with the oracle, repeat.

Two measures of "does not know" (the extrapolation grade ``gamma``: at most about 1 inside the
training data, larger outside):

- **MaxVol** (MTP only; Podryabinkin & Shapeev 2017): the grade of a neighbourhood against the
  active set of training neighbourhoods (:mod:`matterlearn.mlip.mtp._maxvol`);
- **committee disagreement** (any potential): the largest per-atom force uncertainty of a
  structure (the RMS spread of the members' forces) divided by the largest such uncertainty
  over the training frames.

References
----------
E. V. Podryabinkin, A. V. Shapeev, Comput. Mater. Sci. 140, 171 (2017), doi:10.1016/j.commatsci.2017.08.031.
H. S. Seung, M. Opper, H. Sompolinsky, Proc. COLT '92, 287 (1992) (query by committee).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from ase import Atoms

from ..errors import ParameterError
from ._committee import Committee
from .mtp import ActiveSet, select_by_maxvol, train_mtp

__all__ = ["CommitteeGrader", "active_learning", "explore", "select_by_committee", "train_potential"]

log = logging.getLogger(__name__)

MODELS = ("mtp", "nequip")
SELECTIONS = ("maxvol", "committee")


class CommitteeGrader:
    """Grades of a committee: a structure's largest per-atom force uncertainty over the largest
    one among the training frames (``reference``, eV/Å)."""

    def __init__(self, committee: Committee, train: Sequence[Atoms]) -> None:
        self.committee = committee
        self.reference = max(float(committee.force_uncertainty(train).max()), 1e-6)

    def grades(self, pot: Any, frames: Sequence[Atoms]) -> tuple[np.ndarray, list[np.ndarray]]:
        p = self.committee.predict(frames)
        per_atom = [u / self.reference for u in p["force_uncertainty"]]
        return np.array([g.max() if len(g) else 0.0 for g in per_atom]), per_atom


def select_by_committee(grader: CommitteeGrader, candidates: Sequence[Atoms], limit: int) -> list[int]:
    """Indices of the (at most ``limit``) candidates with the largest committee grades above 1,
    largest first."""
    if not candidates or limit <= 0:
        return []
    g, _ = grader.grades(grader.committee, candidates)
    order = [int(k) for k in np.argsort(-g) if g[k] > 1.0]
    return order[:limit]


def explore(pot: Any, active: ActiveSet | CommitteeGrader, seeds: Sequence[Atoms], temperatures: Sequence[float],
            steps: int, gamma_select: float, gamma_break: float, timestep: float = 2.0, check_every: int = 5,
            seed: int = 0) -> tuple[list[Atoms], list[float]]:
    """Langevin MD with the potential from each seed at each temperature; return the configurations
    whose grade (by ``active``: a MaxVol active set or a committee's grader) exceeded
    ``gamma_select``, and their grades. A trajectory stops at the first grade above
    ``gamma_break``: beyond it the potential's forces are not worth following."""
    from ase import units
    from ase.md.langevin import Langevin

    from .._compat import thermalize as thermalize_momenta
    from ._calculator import MLIPCalculator

    rng = np.random.default_rng(seed)
    found: list[Atoms] = []
    grades: list[float] = []
    for start in seeds:
        for temp in temperatures:
            atoms = start.copy()
            atoms.calc = MLIPCalculator(pot, warn_extrapolation=False)
            thermalize_momenta(atoms, temperature_K=temp, rng=rng)
            dyn = Langevin(atoms, timestep * units.fs, temperature_K=temp, friction=0.02, fixcm=False, rng=rng)
            for _ in range(0, steps, check_every):
                dyn.run(check_every)
                snap = atoms.copy()
                snap.calc = None
                g = float(active.grades(pot, [snap])[0][0])
                if g > gamma_select:
                    snap.info["config_type"] = f"active_{round(temp)}K"
                    snap.info["extrapolation_grade"] = g
                    found.append(snap)
                    grades.append(g)
                if g > gamma_break:
                    log.info("grade %.3g > gamma_break at %g K: trajectory stopped", g, temp)
                    break
    return found, grades


def train_potential(frames: Sequence[Atoms], model: str = "mtp", *, seed: int = 0, level: int = 16,
                    cutoff: float = 5.0, weights: dict[str, float] | str | None = None,
                    seconds: float | None = 60.0, iterations: int | None = None,
                    nequip: dict[str, Any] | None = None, initial: Any = None) -> Any:
    """One potential of either kind, trained for ``seconds`` (or ``iterations``: L-BFGS steps of
    the MTP, epochs of the network) from ``seed``."""
    if model == "mtp":
        pot, _ = train_mtp(frames, level=level, cutoff=cutoff, weights=weights,
                           max_iter=100_000 if iterations is None else iterations, lbfgs_steps=50,
                           nonlinear_frames=50, time_limit=seconds if iterations is None else None, seed=seed)
        return pot
    from .nequip import train_nequip

    opts = {"r_max": cutoff, **(nequip or {})}
    pot, _ = train_nequip(frames, weights=weights, epochs=100_000 if iterations is None else iterations,
                          time_limit=seconds if iterations is None else None, seed=seed, initial=initial, **opts)
    return pot


def active_learning(
    start: Sequence[Atoms],
    seeds: Sequence[Atoms],
    oracle: str = "emt",
    *,
    model: str = "mtp",
    selection: str | None = None,
    committee: int = 4,
    level: int = 16,
    cutoff: float = 5.0,
    nequip: dict[str, Any] | None = None,
    weights: dict[str, float] | str | None = None,
    temperatures: Sequence[float] = (300.0, 800.0, 1200.0),
    md_steps: int = 200,
    gamma_select: float = 2.0,
    gamma_break: float = 10.0,
    max_add: int = 10,
    max_rounds: int = 10,
    train_seconds: float | None = 60.0,
    train_iterations: int | None = None,
    valid: Sequence[Atoms] | None = None,
    client: Any = None,
    seed: int = 0,
    callback: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[Any, list[Atoms], list[dict[str, Any]]]:
    """The active-learning loop: train -> explore by MD -> select -> label -> repeat.

    Parameters
    ----------
    start : sequence of Atoms
        Labelled starting frames.
    seeds : sequence of Atoms
        Structures from which each round's MD explores (at every temperature).
    oracle : str
        Labelling calculator: ``"emt"`` or ``"package.module:Name"`` (any ASE calculator).
    model : {"mtp", "nequip"}
        The potential.
    selection : {"maxvol", "committee"}, optional
        How extrapolation is measured (default: MaxVol for the MTP, a committee for NequIP, which
        has no linear basis to take volumes in).
    committee : int
        Members of the committee (each trained from its own seed); with ``selection="maxvol"``
        a single MTP is trained.
    level, cutoff : MTP level and the cutoff (Å) of either potential.
    nequip : dict, optional
        Options of :func:`~matterlearn.mlip.nequip.train_nequip` (``l_max``, ``features``, ...).
    gamma_select, gamma_break : float
        Configurations with a grade above ``gamma_select`` are candidates; MD stops above
        ``gamma_break``.
    max_add : int
        Most configurations labelled per round.
    max_rounds : int
        Stop after this many rounds, or earlier when MD finds no candidate.
    train_seconds : float
        Time limit of each (re)training, per member (results then depend on the machine's speed).
    train_iterations : int, optional
        Instead of a time limit, this many L-BFGS iterations (MTP) or epochs (NequIP) per
        training: the same result on every machine.
    valid : sequence of Atoms, optional
        Test frames, reported after every round.
    client : dask.distributed.Client, optional
        Fan labelling out over its workers.

    Returns
    -------
    potential (a single MTP with MaxVol, else the committee), training frames, history (one
    record per round: frames, oracle calls, errors)
    """
    from ..data._labelling import label_frames
    from ._report import error_report

    if model not in MODELS:
        raise ParameterError(f"unknown model {model!r}; choose from {', '.join(MODELS)}")
    selection = selection or ("maxvol" if model == "mtp" else "committee")
    if selection not in SELECTIONS:
        raise ParameterError(f"unknown selection {selection!r}; choose from {', '.join(SELECTIONS)}")
    if selection == "maxvol" and model != "mtp":
        raise ParameterError("MaxVol selection needs the MTP's linear basis; use selection='committee' "
                             "(--select committee) for NequIP")
    if selection == "committee" and committee < 2:
        raise ParameterError(f"a committee needs at least 2 members, got {committee}")
    if gamma_select < 1 or gamma_break <= gamma_select:
        raise ParameterError(f"need 1 <= gamma_select < gamma_break, got {gamma_select} and {gamma_break}")
    train = list(start)
    calls = 0
    history: list[dict[str, Any]] = []
    pot: Any = None
    members: list[Any] = []
    for rnd in range(max_rounds + 1):
        n_members = 1 if selection == "maxvol" else committee
        members = [train_potential(train, model, seed=seed + 1000 * k, level=level, cutoff=cutoff, weights=weights,
                                   seconds=train_seconds, iterations=train_iterations, nequip=nequip)
                   for k in range(n_members)]
        pot = members[0] if n_members == 1 else Committee(members)
        rec: dict[str, Any] = {"round": rnd, "n_train": len(train), "oracle_calls": calls}
        if valid:
            rep = error_report(pot, valid)
            rec.update({k: rep[k] for k in ("energy_per_atom_rmse_meV", "forces_rmse_meV_per_A", "stress_rmse_GPa")})
        if rnd == max_rounds:
            rec["candidates"] = 0
            history.append(rec)
            break
        grader: ActiveSet | CommitteeGrader
        if selection == "maxvol":
            grader = pot.active_set if pot.active_set is not None else ActiveSet.fit(pot, train)
        else:
            grader = CommitteeGrader(pot, train)
        found, grades = explore(pot, grader, seeds, temperatures, md_steps, gamma_select, gamma_break,
                                seed=seed + rnd)
        rec["candidates"] = len(found)
        rec["max_grade"] = float(max(grades)) if grades else None
        history.append(rec)
        log.info("active learning: %s", rec)
        if callback is not None:
            callback(rec)
        if not found:
            break
        if selection == "maxvol":
            pick = select_by_maxvol(pot, grader, found, max_add)  # type: ignore[arg-type]
        else:
            pick = select_by_committee(grader, found, max_add)  # type: ignore[arg-type]
        new = label_frames([found[k] for k in pick], oracle, client=client)
        calls += len(new)
        train.extend(new)
    return pot, train, history
