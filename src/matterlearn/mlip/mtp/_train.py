"""Training a moment tensor potential on energies, forces and stresses.

The loss, summed over frames ``f`` with ``N_f`` atoms, is

``L = w_E sum_f N_f (dE_f / N_f)^2 + w_F sum_f sum_i |dF_i|^2 + w_S sum_f N_f |dW_f / N_f|^2``

with ``W = stress * volume`` the virial (eV, Voigt), plus a small ridge term on the linear
coefficients. Per-atom energy and virial errors are weighted by the frame's size, so that a frame
counts in proportion to its atoms for every label, as its forces do. For fixed radial coefficients the model is linear in ``xi`` and the per-species
reference energies, so they are solved exactly by regularised least squares; the radial
coefficients are then improved by L-BFGS on the full loss, and the two steps alternate (as in
mlip-2). The L-BFGS gradient needs derivatives of forces and stresses with respect to parameters; we
get them from one identity: ``sum_k r_k dF_k/dp = -d/dt [dE/dp](x + t r)``, a directional derivative
of the energy gradient along the residual field, taken by central differences.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg
from ase import Atoms

from ..._signals import raise_if_interrupted
from ...data._keys import ENERGY_KEY, FORCES_KEY, STRESS_KEY
from ...errors import DataFormatError, EmptyDataError, MissingLabelError, ParameterError
from .._neighbors import Pairs
from . import _kernel
from ._model import MomentTensorPotential, _voigt

__all__ = ["TrainingSet", "parse_weights", "solve_linear", "train_mtp"]

log = logging.getLogger(__name__)

DEFAULT_WEIGHTS = {"energy": 1.0, "forces": 0.01, "stress": 0.001}


#: closer than this (Å) no two atoms are in any physical structure (H2's bond is 0.74 Å)
CLOSEST_PHYSICAL_DISTANCE = 0.5


def check_close_atoms(atoms: Atoms, where: str, limit: float = CLOSEST_PHYSICAL_DISTANCE) -> None:
    """Refuse a frame with two atoms closer than ``limit`` Å (overlapping atoms are a broken
    frame, not training data), naming the atoms and their distance."""
    from ase.neighborlist import neighbor_list

    i, j, d = neighbor_list("ijd", atoms, limit)
    if len(d):
        k = int(np.argmin(d))
        raise DataFormatError(f"{where}: atoms {int(min(i[k], j[k]))} and {int(max(i[k], j[k]))} are "
                              f"{d[k]:.3g} Å apart (closer than {limit} Å: overlapping atoms); fix or "
                              f"remove the frame")


def parse_weights(text: str | dict[str, float] | None, defaults: dict[str, float] | None = None) -> dict[str, float]:
    """``"energy=1,forces=0.01,stress=0.001"`` -> dict; missing names keep their defaults (the
    MTP's unless ``defaults`` are given)."""
    out = dict(DEFAULT_WEIGHTS if defaults is None else defaults)
    if text is None:
        return out
    items = text.items() if isinstance(text, dict) else [kv.split("=", 1) for kv in str(text).split(",") if kv]
    for item in items:
        if len(item) != 2:
            raise ParameterError(f"weights must look like energy=1,forces=0.01,stress=0.001, got {text!r}")
        key, value = item
        key = str(key).strip()
        if key not in out:
            raise ParameterError(f"unknown weight {key!r}; use energy, forces and stress")
        try:
            out[key] = float(value)
        except ValueError:
            raise ParameterError(f"weight {key}={value!r} is not a number") from None
        if out[key] < 0 or not np.isfinite(out[key]):
            raise ParameterError(f"weight {key} must be finite and non-negative, got {value}")
    if not any(out.values()):
        raise ParameterError("all weights are zero; nothing to fit")
    return out


@dataclass
class TrainingSet:
    """Frames with their labels as arrays, and their neighbour pairs for one potential."""

    pairs: Pairs
    n_atoms: np.ndarray  # (n_frames,)
    energy: np.ndarray  # (n_frames,) nan where missing
    forces: np.ndarray  # (n_atoms_total, 3) nan where missing
    virial: np.ndarray  # (n_frames, 6) eV, nan where missing
    counts: np.ndarray  # (n_frames, n_species)
    volume: np.ndarray  # (n_frames,) nan without a cell
    config_type: list[str] = field(default_factory=list)

    @classmethod
    def from_frames(cls, pot: MomentTensorPotential, frames: Sequence[Atoms], weights: dict[str, float] | None = None,
                    where: str = "training data") -> TrainingSet:
        if not frames:
            raise EmptyDataError(f"{where}: no frames")
        weights = weights or {}
        n_s = len(pot.species)
        idx = pot.species_index
        energy = np.full(len(frames), np.nan)
        virial = np.full((len(frames), 6), np.nan)
        volume = np.full(len(frames), np.nan)
        counts = np.zeros((len(frames), n_s))
        forces = []
        ctype = []
        for k, atoms in enumerate(frames):
            pot.check_species(atoms, f"{where}, frame {k}")
            if ENERGY_KEY in atoms.info:
                energy[k] = float(atoms.info[ENERGY_KEY])
            elif weights.get("energy", 0) > 0:
                raise MissingLabelError(
                    f"{where}, frame {k}: no energy, but energies are weighted; label the frame, name the "
                    f"energy's key in the file (--energy-key), or leave energies out of the fit "
                    f"(--weights energy=0,forces={weights.get('forces', 0):g},stress={weights.get('stress', 0):g})")
            if FORCES_KEY in atoms.arrays:
                forces.append(np.asarray(atoms.arrays[FORCES_KEY], dtype=float))
            else:
                if weights.get("forces", 0) > 0:
                    raise MissingLabelError(
                        f"{where}, frame {k}: no forces, but forces are weighted (weight {weights['forces']:g}); "
                        f"label the frame with forces, name the forces' key in the file (--forces-key), or fit "
                        f"energies alone (--weights energy={weights.get('energy', 0):g},forces=0,"
                        f"stress={weights.get('stress', 0):g})")
                forces.append(np.full((len(atoms), 3), np.nan))
            if atoms.cell.rank == 3:
                volume[k] = atoms.get_volume()
                if STRESS_KEY in atoms.info:
                    virial[k] = np.asarray(atoms.info[STRESS_KEY], dtype=float) * volume[k]
            if np.isnan(virial[k]).any() and weights.get("stress", 0) > 0 and atoms.cell.rank == 3 \
                    and STRESS_KEY not in atoms.info:
                log.debug("%s, frame %d has no stress; its stress is not fitted", where, k)
            for z in atoms.numbers:
                counts[k, idx[int(z)]] += 1
            ctype.append(str(atoms.info.get("config_type", "default")))
        pairs = pot.pairs(frames)
        return cls(pairs, np.array([len(a) for a in frames], dtype=float), energy, np.concatenate(forces),
                   virial, counts, volume, ctype)

    @property
    def n_frames(self) -> int:
        return len(self.n_atoms)


def _design(pot: MomentTensorPotential, data: TrainingSet, want_forces: bool) -> tuple[np.ndarray, ...]:
    b = pot.basis
    p = data.pairs
    return _kernel.design(p.first, p.nbr, p.vec, p.species, pot.radial_coef, pot.min_distance, pot.cutoff,
                          b.unit, b.comp_mu, b.comp_exp, b.ops, b.coef, b.n_buffer, b.basis, b.inv_ref, b.inv_op_start,
                          b.inv_op_stop, b.basis_factors, p.atom_frame, p.n_frames,
                          np.arange(p.n_atoms, dtype=np.int64), want_forces)


def _virial_voigt(dvir: np.ndarray) -> np.ndarray:
    """(n_frames, 9, n) with index 3*y + x -> (n_frames, 6, n)."""
    m = dvir.reshape(dvir.shape[0], 3, 3, -1)
    return np.moveaxis(_voigt(np.moveaxis(m, -1, 1)), 1, -1)


def solve_linear(pot: MomentTensorPotential, data: TrainingSet, weights: dict[str, float],
                 ridge: float = 1e-9) -> np.ndarray:
    """Set ``pot.xi`` and ``pot.ref_energy`` to the regularised least-squares optimum for the current
    radial coefficients; returns the column scales of the problem (for preconditioning)."""
    want_f = weights["forces"] > 0 and np.isfinite(data.forces).any()
    values, dforces, dvir = _design(pot, data, want_f)
    off = data.pairs.offsets
    n_basis = pot.basis.n_basis
    n_s = len(pot.species)
    blocks, targets = [], []
    e_ok = np.isfinite(data.energy)
    if weights["energy"] > 0 and e_ok.any():
        per = np.add.reduceat(values, off[:-1], axis=0) / data.n_atoms[:, None]
        a = np.hstack([per, data.counts / data.n_atoms[:, None]])[e_ok]
        sw = np.sqrt(weights["energy"] * data.n_atoms[e_ok])
        blocks.append(sw[:, None] * a)
        targets.append(sw * (data.energy / data.n_atoms)[e_ok])
    if want_f:
        ok = np.isfinite(data.forces).all(axis=1)
        rows = np.repeat(ok, 3)
        blocks.append(np.sqrt(weights["forces"]) * np.hstack([dforces[rows], np.zeros((rows.sum(), n_s))]))
        targets.append(np.sqrt(weights["forces"]) * data.forces[ok].ravel())
    s_ok = np.isfinite(data.virial).all(axis=1)
    if weights["stress"] > 0 and s_ok.any():
        vv = _virial_voigt(dvir)[s_ok] / data.n_atoms[s_ok, None, None]
        a = np.concatenate([vv, np.zeros((vv.shape[0], 6, n_s))], axis=2).reshape(-1, n_basis + n_s)
        sw = np.repeat(np.sqrt(weights["stress"] * data.n_atoms[s_ok]), 6)
        blocks.append(sw[:, None] * a)
        targets.append(sw * (data.virial[s_ok] / data.n_atoms[s_ok, None]).ravel())
    if not blocks:
        raise EmptyDataError("no labels to fit: the weighted labels are missing from every frame")
    A = np.vstack(blocks)
    y = np.concatenate(targets)
    scale = np.sqrt((A ** 2).mean(axis=0))
    scale[scale == 0] = 1.0
    As = A / scale
    # QR of the stacked problem [As; sqrt(ridge) I]: the normal equations would square a condition
    # number that products of nearly constant moments make large
    n_col = As.shape[1]
    As = np.vstack([As, np.sqrt(ridge * len(y)) * np.eye(n_col)])
    y = np.concatenate([y, np.zeros(n_col)])
    q, r = np.linalg.qr(As)
    try:
        theta = scipy.linalg.solve_triangular(r, q.T @ y)
    except np.linalg.LinAlgError:  # exactly rank deficient (no ridge): minimum-norm solution
        theta = np.linalg.lstsq(As, y, rcond=None)[0]
    theta /= scale
    pot.xi = theta[:n_basis].copy()
    pot.ref_energy = theta[n_basis:].copy()
    return scale[:n_basis]


def _residuals(pot: MomentTensorPotential, data: TrainingSet, weights: dict[str, float]
               ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    e_at, f_at, vir = pot.evaluate_pairs(data.pairs, True)
    off = data.pairs.offsets
    E = np.add.reduceat(e_at, off[:-1])
    rE = np.nan_to_num((E - data.energy) / data.n_atoms) if weights["energy"] > 0 else np.zeros(len(E))
    rF = np.nan_to_num(f_at - data.forces) if weights["forces"] > 0 else np.zeros_like(f_at)
    rW = np.nan_to_num((_voigt(vir) - data.virial) / data.n_atoms[:, None]) if weights["stress"] > 0 \
        else np.zeros((len(E), 6))
    loss = weights["energy"] * (data.n_atoms * rE ** 2).sum() + weights["forces"] * (rF ** 2).sum() \
        + weights["stress"] * (data.n_atoms[:, None] * rW ** 2).sum()
    return float(loss), rE, rF, rW


def loss_and_gradient(pot: MomentTensorPotential, data: TrainingSet, weights: dict[str, float]
                      ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """The loss and its gradients with respect to ``radial_coef``, ``xi`` and ``ref_energy``."""
    loss, rE, rF, rW = _residuals(pot, data, weights)
    p = data.pairs
    args = pot._kernel_args()
    a_e = (2 * weights["energy"] * rE)[p.atom_frame]
    g_coef, g_xi, _ = _kernel.energy_coef_grad(p.first, p.nbr, p.vec, p.species, pot.radial_coef, pot.xi,
                                               *args, a_e)
    g_ref = (2 * weights["energy"] * rE) @ data.counts
    # forces and stresses: a directional derivative of dE/dparams along the residual field
    disp = -2 * weights["forces"] * rF
    i_of_pair = np.repeat(np.arange(p.n_atoms), np.diff(p.first))
    delta = disp[p.nbr] - disp[i_of_pair]
    c = 2 * weights["stress"] * rW
    R = np.zeros((data.n_frames, 3, 3))
    R[:, 0, 0], R[:, 1, 1], R[:, 2, 2] = c[:, 0], c[:, 1], c[:, 2]
    R[:, 1, 2] = R[:, 2, 1] = c[:, 3] / 2
    R[:, 0, 2] = R[:, 2, 0] = c[:, 4] / 2
    R[:, 0, 1] = R[:, 1, 0] = c[:, 5] / 2
    delta += np.einsum("pa,pab->pb", p.vec, R[p.atom_frame[i_of_pair]])
    size = np.abs(delta).max() if len(delta) else 0.0
    if size > 0:
        h = 1e-4 / size
        ones = np.ones(p.n_atoms)
        gp_c, gp_x, _ = _kernel.energy_coef_grad(p.first, p.nbr, p.vec + h * delta, p.species, pot.radial_coef,
                                                 pot.xi, *args, ones)
        gm_c, gm_x, _ = _kernel.energy_coef_grad(p.first, p.nbr, p.vec - h * delta, p.species, pot.radial_coef,
                                                 pot.xi, *args, ones)
        g_coef = g_coef + (gp_c - gm_c) / (2 * h)
        g_xi = g_xi + (gp_x - gm_x) / (2 * h)
    return loss, g_coef, g_xi, g_ref


def errors(pot: MomentTensorPotential, data: TrainingSet) -> dict[str, float]:
    """RMS errors: energy per atom (meV/atom), forces (meV/Å), stress (GPa)."""
    from ase.units import GPa

    e_at, f_at, vir = pot.evaluate_pairs(data.pairs, True)
    E = np.add.reduceat(e_at, data.pairs.offsets[:-1])
    de = (E - data.energy) / data.n_atoms
    df = f_at - data.forces
    ds = (_voigt(vir) - data.virial) / data.volume[:, None]
    out = {}
    if np.isfinite(de).any():
        out["energy_per_atom_rmse_meV"] = 1000 * float(np.sqrt(np.nanmean(de ** 2)))
    if np.isfinite(df).any():
        out["forces_rmse_meV_per_A"] = 1000 * float(np.sqrt(np.nanmean(df ** 2)))
    if np.isfinite(ds).any():
        out["stress_rmse_GPa"] = float(np.sqrt(np.nanmean(ds ** 2))) / GPa
    return out


def train_mtp(
    frames: Sequence[Atoms],
    species: Sequence[str] | None = None,
    level: int = 16,
    cutoff: float = 5.0,
    min_distance: float | None = None,
    n_radial: int = 8,
    weights: dict[str, float] | str | None = None,
    valid: Sequence[Atoms] | None = None,
    max_iter: int = 400,
    lbfgs_steps: int = 50,
    ridge: float = 1e-9,
    nonlinear_frames: int | None = 80,
    full_every: int = 4,
    active_set: bool = True,
    initial: MomentTensorPotential | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    checkpoint: str | os.PathLike[str] | None = None,
    resume: bool = False,
    callback: Callable[[dict[str, Any]], None] | None = None,
    on_iteration: Callable[[int], None] | None = None,
    tables: dict[str, Any] | None = None,
) -> tuple[MomentTensorPotential, list[dict[str, Any]]]:
    """Fit a moment tensor potential.

    Parameters
    ----------
    frames : sequence of Atoms
        Training frames with labels under ``REF_energy``, ``REF_forces``, ``REF_stress``.
    species : sequence of str, optional
        Species of the potential (default: those in ``frames``, by atomic number).
    level, cutoff, n_radial : see :class:`MomentTensorPotential`.
    min_distance : float, optional
        Lower end of the radial basis; default 0.9 times the shortest distance in ``frames``.
    weights : dict or str
        Loss weights ``energy``, ``forces``, ``stress`` (default 1, 0.01, 0.001).
    valid : sequence of Atoms, optional
        Validation frames, reported after every linear solve.
    max_iter : int
        Total L-BFGS iterations over the radial coefficients (0: linear fit only).
    lbfgs_steps : int
        L-BFGS iterations between two exact linear solves.
    ridge : float
        Ridge regularisation of the (scaled) linear problem, relative to its mean diagonal.
    nonlinear_frames : int, optional
        Optimise the radial coefficients on a random subset of this many frames (all when None or
        larger than the set).
    full_every : int
        The linear coefficients are re-solved on the subset after every L-BFGS round, and on every
        frame (with a history record and a checkpoint) every ``full_every`` rounds and at the end.
    initial : MomentTensorPotential, optional
        Start from this potential's radial functions (for the radial indices both have), e.g. a
        lower level trained first: a level-24 fit then starts from optimised radial functions.
    active_set : bool
        Store the MaxVol active set of the training neighbourhoods in the potential, so that the
        calculator can report extrapolation grades.
    time_limit : float, optional
        Wall-clock budget in seconds: the nonlinear optimisation stops early enough for the last
        linear solve on every frame to finish within it.
    seed : int
        Seed of the initial radial coefficients.
    checkpoint : path, optional
        Write the potential there after every linear solve; with ``resume`` start from it.
    callback : callable, optional
        Called with each history record (after each full linear solve).
    on_iteration : callable, optional
        Called with the number of L-BFGS iterations done, after each one (for progress bars).
    tables : dict, optional
        Train in mlip-2's basis given by these tables (``read_mtp_basis(path)["tables"]`` of an
        untrained template or a trained ``.mtp`` file) instead of this project's basis of
        ``level``: the result can be written as ``.mtp`` (:func:`write_mtp`).

    Returns
    -------
    potential, history
    """
    from scipy.optimize import minimize

    from ._model import load_mtp as load_potential

    w = parse_weights(weights)
    if not frames:
        raise EmptyDataError("no training frames")
    if not 0 < cutoff < np.inf:
        raise ParameterError(f"cutoff {cutoff:g}: give a positive cutoff radius in Å")
    for where, group in (("training data", frames), ("validation data", valid or [])):
        for k, atoms in enumerate(group):
            check_close_atoms(atoms, f"{where}, frame {k}")
    if species is None:
        zs = sorted({int(z) for a in frames for z in a.numbers})
        from ase.data import chemical_symbols
        species = [chemical_symbols[z] for z in zs]
    t0 = time.perf_counter()
    if checkpoint is not None and resume and os.path.exists(checkpoint):
        pot = load_potential(checkpoint)
        log.info("resuming from %s", checkpoint)
    else:
        if initial is not None:
            min_distance = initial.min_distance
        if min_distance is None:
            probe = MomentTensorPotential(species, level=2, cutoff=cutoff, min_distance=0.5 * cutoff)
            p = probe.pairs(frames)
            dmin = float(np.sqrt((p.vec ** 2).sum(axis=1)).min()) if len(p.vec) else 0.5 * cutoff
            min_distance = round(0.9 * dmin, 3)
        pot = MomentTensorPotential(species, level=level, cutoff=cutoff, min_distance=min_distance,
                                    n_radial=n_radial, seed=seed, tables=tables)
        if initial is not None:
            if (tuple(initial.species) != tuple(pot.species) or initial.cutoff != pot.cutoff
                    or initial.n_radial != pot.n_radial):
                raise ParameterError("the initial potential must have the same species, cutoff and n_radial")
            m = min(pot.basis.n_mu, initial.basis.n_mu)
            pot.radial_coef[:, :, :m] = initial.radial_coef[:, :, :m]
    data = TrainingSet.from_frames(pot, frames, w)
    vdata = TrainingSet.from_frames(pot, valid, w, where="validation data") if valid else None
    rng = np.random.default_rng(seed)
    if nonlinear_frames is not None and nonlinear_frames < len(frames):
        pick = np.sort(rng.choice(len(frames), nonlinear_frames, replace=False))
        ndata = TrainingSet.from_frames(pot, [frames[k] for k in pick], w)
    else:
        ndata = data
    p = data.pairs
    pot.min_seen = np.minimum(pot.min_seen, _kernel.min_distances(p.first, p.nbr, p.vec, p.species,
                                                                   len(pot.species)))
    history: list[dict[str, Any]] = []

    def record(stage: str, n_iter: int) -> None:
        rec: dict[str, Any] = {"stage": stage, "iterations": n_iter,
                               "seconds": round(time.perf_counter() - t0, 2)}
        rec.update({f"train_{k}": v for k, v in errors(pot, data).items()})
        if vdata is not None:
            rec.update({f"valid_{k}": v for k, v in errors(pot, vdata).items()})
        history.append(rec)
        log.info("%s", rec)
        if callback is not None:
            callback(rec)
        if checkpoint is not None:
            pot.save(checkpoint)

    t_lin = time.perf_counter()
    scale = solve_linear(pot, data, w, ridge)
    t_lin = time.perf_counter() - t_lin
    # the nonlinear phase stops early enough for the last full linear solve to fit the budget
    deadline = None if time_limit is None else t0 + time_limit - 1.2 * t_lin
    done = 0
    n_round = 0
    last_full = True
    record("linear", done)
    shape = pot.radial_coef.shape
    n_c = pot.radial_coef.size
    n_b = pot.basis.n_basis
    while done < max_iter and (deadline is None or time.perf_counter() < deadline):
        x_scale = scale.copy()

        def unpack(z: np.ndarray, x_scale: np.ndarray = x_scale) -> None:
            pot.radial_coef = z[:n_c].reshape(shape)
            pot.xi = z[n_c:n_c + n_b] / x_scale
            pot.ref_energy = z[n_c + n_b:]

        def fun(z: np.ndarray, x_scale: np.ndarray = x_scale) -> tuple[float, np.ndarray]:
            raise_if_interrupted()
            unpack(z)
            loss, gc, gx, gr = loss_and_gradient(pot, ndata, w)
            return loss, np.concatenate([gc.ravel(), gx / x_scale, gr])

        iterations = [done]  # L-BFGS iterations so far, counted as they happen

        def stop(_: np.ndarray, iterations: list[int] = iterations) -> None:
            iterations[0] += 1
            raise_if_interrupted()
            if on_iteration is not None:
                on_iteration(iterations[0])
            if deadline is not None and time.perf_counter() > deadline:
                raise StopIteration

        z0 = np.concatenate([pot.radial_coef.ravel(), pot.xi * x_scale, pot.ref_energy])
        steps = min(lbfgs_steps, max_iter - done)
        try:
            res = minimize(fun, z0, jac=True, method="L-BFGS-B", callback=stop,
                           options={"maxiter": steps, "maxcor": 20})
            unpack(res.x)
            n_it = int(res.nit)
        except StopIteration:
            n_it = steps
        done += max(n_it, 1)
        finished = n_it < 2 or done >= max_iter or (deadline is not None and time.perf_counter() >= deadline)
        # between L-BFGS rounds the exact linear solve runs on the same subset (cheap); every
        # `full_every` rounds and at the end it runs on every frame
        n_round += 1
        if finished or n_round % full_every == 0:
            scale = solve_linear(pot, data, w, ridge)
            record("lbfgs+linear", done)
            last_full = True
        else:
            scale = solve_linear(pot, ndata, w, ridge)
            last_full = False
        if finished:
            break
    if not last_full:  # the budget ran out after a solve on the subset: finish on every frame
        solve_linear(pot, data, w, ridge)
        record("lbfgs+linear", done)
    if active_set:
        from ._maxvol import ActiveSet

        try:
            pot.active_set = ActiveSet.fit(pot, frames)
        except ParameterError as exc:  # fewer neighbourhoods than basis functions
            log.warning("no active set: %s", exc)
    return pot, history
