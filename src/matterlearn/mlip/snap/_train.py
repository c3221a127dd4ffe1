"""Training SNAP: weighted linear least squares on LAMMPS's descriptors, with the bispectrum
order, the cutoff, the energy weight and the ridge penalty chosen by cross-validation over frames."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from ase import Atoms

from ...data._keys import ENERGY_KEY, FORCES_KEY, STRESS_KEY
from ...errors import EmptyDataError, MissingLabelError, ParameterError
from ..mtp._train import check_close_atoms, parse_weights
from ._potential import SNAPPotential

__all__ = ["DEFAULT_WEIGHTS", "fit_snap", "train_snap"]

log = logging.getLogger(__name__)

#: loss weights: energy per atom (eV/atom), force components (eV/Å), stress components (eV/Å^3)
DEFAULT_WEIGHTS = {"energy": 100.0, "forces": 1.0, "stress": 0.0}
#: selection score on the validation (or out-of-fold) frames: force MAE (eV/Å) + ENERGY_PER_FORCE x energy MAE (eV/atom)
ENERGY_PER_FORCE = 10.0


def _labels(frames: Sequence[Atoms], weights: dict[str, float], where: str) -> list[dict[str, Any]]:
    out = []
    for k, a in enumerate(frames):
        here = f"{where}, frame {k}"
        check_close_atoms(a, here)
        lab: dict[str, Any] = {"n": len(a)}
        if ENERGY_KEY in a.info:
            lab["energy"] = float(a.info[ENERGY_KEY])
        if FORCES_KEY in a.arrays:
            lab["forces"] = np.asarray(a.arrays[FORCES_KEY], dtype=float).ravel()
        if STRESS_KEY in a.info:
            lab["stress"] = np.asarray(a.info[STRESS_KEY], dtype=float).reshape(6)
        for key in ("energy", "forces", "stress"):
            if weights[key] > 0 and key not in lab:
                raise MissingLabelError(f"{here} has no {key} label but {key} is weighted "
                                        f"({weights[key]:g}); label it or set its weight to 0")
            if key in lab and not np.all(np.isfinite(lab[key])):
                raise ParameterError(f"{here}: its {key} label holds NaN or infinity")
        out.append(lab)
    return out


def _system(desc: list[dict[str, np.ndarray]], labels: list[dict[str, Any]], weights: dict[str, float]
            ) -> tuple[np.ndarray, np.ndarray]:
    rows, rhs = [], []
    for d, lab in zip(desc, labels, strict=True):
        if weights["energy"] > 0 and "energy" in lab:
            s = np.sqrt(weights["energy"])
            rows.append(s * d["energy"][None, :] / lab["n"])
            rhs.append([s * lab["energy"] / lab["n"]])
        if weights["forces"] > 0 and "forces" in lab:
            s = np.sqrt(weights["forces"])
            rows.append(s * d["forces"])
            rhs.append(s * lab["forces"])
        if weights["stress"] > 0 and "stress" in lab:
            s = np.sqrt(weights["stress"])
            rows.append(s * d["stress"])
            rhs.append(s * lab["stress"])
    return np.vstack(rows), np.concatenate([np.ravel(r) for r in rhs])


def _solve(a: np.ndarray, b: np.ndarray, ridge: float) -> np.ndarray:
    """Ridge least squares with standardised columns (scikit-learn); constant-zero columns get 0."""
    from sklearn.linear_model import Ridge

    scale = np.sqrt((a ** 2).mean(axis=0))
    live = scale > 0
    model = Ridge(alpha=ridge * len(b), fit_intercept=False, solver="auto")
    model.fit(a[:, live] / scale[live], b)
    coef = np.zeros(a.shape[1])
    coef[live] = model.coef_ / scale[live]
    return coef


def _mae(pot: SNAPPotential, desc: list[dict[str, np.ndarray]], labels: list[dict[str, Any]]) -> dict[str, float]:
    e_err, f_err = [], []
    for d, lab in zip(desc, labels, strict=True):
        e, f, _ = pot.linear_predict(d)
        if "energy" in lab:
            e_err.append(abs(e - lab["energy"]) / lab["n"])
        if "forces" in lab:
            f_err.append(np.abs(f.ravel() - lab["forces"]))
    return {"energy_mae": float(np.mean(e_err)) if e_err else float("nan"),
            "forces_mae": float(np.mean(np.concatenate(f_err))) if f_err else float("nan")}


def fit_snap(pot: SNAPPotential, frames: Sequence[Atoms], weights: dict[str, float] | str | None = None,
             ridge: float = 1e-10, desc: list[dict[str, np.ndarray]] | None = None) -> SNAPPotential:
    """Fit the coefficients of ``pot`` (hyperparameters as they are) to labelled ``frames``."""
    w = parse_weights(weights, defaults=DEFAULT_WEIGHTS)
    labels = _labels(frames, w, "training data")
    desc = pot.descriptors(frames, "training frame") if desc is None else desc
    a, b = _system(desc, labels, w)
    pot.coef = _solve(a, b, ridge).reshape(pot.coef.shape)
    return pot


def train_snap(
    frames: Sequence[Atoms],
    species: Sequence[str] | None = None,
    quadratic: bool = False,
    twojmax: Sequence[int] | int = (6, 8),
    rcutfac: Sequence[float] | float = (4.2, 4.6, 5.0),
    energy_weight: Sequence[float] | float = (1e4, 1e5, 1e6),
    weights: dict[str, float] | str | None = None,
    ridge: Sequence[float] | float = (1e-10, 1e-8, 1e-6),
    valid: Sequence[Atoms] | None = None,
    folds: int = 5,
    seed: int = 0,
    callback: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[SNAPPotential, list[dict[str, Any]]]:
    """Train a SNAP (or quadratic SNAP) potential, choosing ``twojmax``, ``rcutfac``, the energy
    weight and the ridge penalty by cross-validation over frames, then refitting on every
    training frame.

    Parameters
    ----------
    frames : sequence of Atoms
        Training frames with ``REF_energy`` and ``REF_forces`` (``REF_stress`` if weighted).
    species : sequence of str, optional
        Default: the species in ``frames``, by atomic number.
    quadratic : bool
        Quadratic SNAP.
    twojmax, rcutfac, energy_weight, ridge : value or sequence
        The grid searched: bispectrum order, cutoff factor (Å, radius 0.5), the weight of the
        energy per atom relative to the force components, and the ridge penalty per row on
        standardised features.
    weights : dict or str, optional
        The other loss weights (``forces``, ``stress``; see :data:`DEFAULT_WEIGHTS`).
    valid : sequence of Atoms, optional
        Validation frames for the search instead of cross-validation.
    folds : int
        Folds of the cross-validation (frames shuffled by ``seed``); the descriptors of each
        (``twojmax``, ``rcutfac``) are computed once and every fold reuses them.
    callback : callable, optional
        Called with each grid point's record.

    Returns
    -------
    potential, history
        ``history`` lists every grid point with its validation (or pooled out-of-fold) MAEs and
        score (force MAE + :data:`ENERGY_PER_FORCE` x energy MAE per atom), then the final fit.
    """
    if not frames:
        raise EmptyDataError("no training frames")
    w0 = parse_weights(weights, defaults=DEFAULT_WEIGHTS)
    if species is None:
        from ase.data import chemical_symbols

        species = [chemical_symbols[z] for z in sorted({int(z) for a in frames for z in a.numbers})]

    def grid(v: Any) -> list[Any]:
        return [v] if isinstance(v, (int, float, np.integer, np.floating)) else list(v)

    grid_j, grid_r, grid_e, grid_a = grid(twojmax), grid(rcutfac), grid(energy_weight), grid(ridge)
    if not grid_j or not grid_r or not grid_e or not grid_a:
        raise ParameterError("give at least one twojmax, rcutfac, energy weight and ridge penalty")
    if any(ew < 0 for ew in grid_e) or any(a < 0 for a in grid_a):
        raise ParameterError("energy weights and ridge penalties must not be negative")
    if folds < 2:
        raise ParameterError(f"folds={folds}: need at least 2")
    labels = _labels(frames, {**w0, "energy": max(grid_e)}, "training data")  # fails early on bad labels
    n_points = len(grid_j) * len(grid_r) * len(grid_e) * len(grid_a)
    if valid is not None:
        v_frames = list(valid)
        v_labels = _labels(v_frames, {**w0, "energy": 0.0}, "validation data")
        splits = None
    elif n_points > 1 and len(frames) >= folds:
        order = np.random.default_rng(seed).permutation(len(frames))
        splits = [np.sort(order[k::folds]) for k in range(folds)]
    else:
        splits = []  # nothing to choose
    t0 = time.perf_counter()
    history: list[dict[str, Any]] = []
    best: tuple[float, int, float, float, float] | None = None
    for tj, rc in itertools.product(grid_j, grid_r):
        pot = SNAPPotential(species, twojmax=int(tj), rcutfac=float(rc), quadratic=quadratic)
        if splits == []:
            best = (0.0, int(tj), float(rc), float(grid_e[0]), float(grid_a[0]))
            break
        desc = pot.descriptors(frames, "training frame")
        d_valid = pot.descriptors(v_frames, "validation frame") if splits is None else None
        for ew, alpha in itertools.product(grid_e, grid_a):
            w = {**w0, "energy": float(ew)}
            if splits is None:
                fit_snap(pot, frames, w, alpha, desc)
                m = _mae(pot, d_valid, v_labels)  # type: ignore[arg-type]
            else:
                m = _cv_mae(pot, desc, labels, splits, w, alpha)
            score = m["forces_mae"] + ENERGY_PER_FORCE * m["energy_mae"]
            rec = {"twojmax": int(tj), "rcutfac": float(rc), "energy_weight": float(ew), "ridge": float(alpha),
                   "valid_energy_mae_meV": 1000 * m["energy_mae"], "valid_forces_mae_eV_per_A": m["forces_mae"],
                   "score": score, "seconds": round(time.perf_counter() - t0, 2)}
            history.append(rec)
            log.info("%s", rec)
            if callback is not None:
                callback(rec)
            if best is None or score < best[0]:
                best = (score, int(tj), float(rc), float(ew), float(alpha))
    assert best is not None
    _, tj, rc, ew, alpha = best
    pot = SNAPPotential(species, twojmax=tj, rcutfac=rc, quadratic=quadratic)
    fit_snap(pot, frames, {**w0, "energy": ew}, alpha)
    pot.min_seen = _closest(frames, species)
    history.append({"final": True, "twojmax": tj, "rcutfac": rc, "energy_weight": ew, "ridge": alpha,
                    "validation": "frames" if splits is None else f"{folds}-fold" if splits else "none",
                    "seconds": round(time.perf_counter() - t0, 2)})
    return pot, history


def _cv_mae(pot: SNAPPotential, desc: list[dict[str, np.ndarray]], labels: list[dict[str, Any]],
            splits: list[np.ndarray], w: dict[str, float], alpha: float) -> dict[str, float]:
    """Out-of-fold MAEs, pooled over every frame (energies) and force component."""
    e_sum = f_sum = 0.0
    n_e = n_f = 0
    for held in splits:
        keep = np.setdiff1d(np.arange(len(desc)), held)
        a, b = _system([desc[k] for k in keep], [labels[k] for k in keep], w)
        pot.coef = _solve(a, b, alpha).reshape(pot.coef.shape)
        lab = [labels[k] for k in held]
        m = _mae(pot, [desc[k] for k in held], lab)
        n_e_here = sum("energy" in x for x in lab)
        n_f_here = sum(len(x["forces"]) for x in lab if "forces" in x)
        if n_e_here:
            e_sum += m["energy_mae"] * n_e_here
            n_e += n_e_here
        if n_f_here:
            f_sum += m["forces_mae"] * n_f_here
            n_f += n_f_here
    return {"energy_mae": e_sum / n_e if n_e else float("nan"), "forces_mae": f_sum / n_f if n_f else float("nan")}


def _closest(frames: Sequence[Atoms], species: Sequence[str]) -> np.ndarray:
    """Shortest distance per species pair in ``frames`` (Å; inf where none)."""
    from ase.data import atomic_numbers
    from ase.neighborlist import neighbor_list

    idx = {atomic_numbers[s]: t for t, s in enumerate(species)}
    out = np.full((len(species), len(species)), np.inf)
    for a in frames:
        i, j, d = neighbor_list("ijd", a, 3.0)
        if len(d) == 0:
            continue
        ti = np.array([idx[z] for z in a.numbers[i]])
        tj = np.array([idx[z] for z in a.numbers[j]])
        np.minimum.at(out, (ti, tj), d)
    return np.minimum(out, out.T)
