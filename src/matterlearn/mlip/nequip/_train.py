"""Training the equivariant potential: a weighted loss on energies per atom, forces and stresses;
Adam with a plateau schedule, an exponential moving average of the weights, early stopping on
validation frames, a time limit, checkpoints and resumption.

The loss of a batch is ``w_E <(dE/N)^2> + w_F <|dF|^2>/3 + w_S <ds^2>`` in eV, Å and eV/Å^3 (mean
squared error per atom, per force component and per stress component); frames without a label
drop out of that term.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from ase import Atoms

from ..._signals import raise_if_interrupted
from ...data._keys import ENERGY_KEY, FORCES_KEY, STRESS_KEY
from ...errors import DataFormatError, EmptyDataError, MissingLabelError, ParameterError
from ._potential import Graph, NequIPPotential

__all__ = ["DEFAULT_WEIGHTS", "train_nequip"]

log = logging.getLogger(__name__)

#: loss weights of energy per atom (eV), force components (eV/Å) and stress components (eV/Å^3)
DEFAULT_WEIGHTS = {"energy": 10.0, "forces": 1.0, "stress": 100.0}

CHECKPOINT_FORMAT = "matterlearn-nequip-checkpoint"


@dataclass
class Labelled:
    """One training frame: its graph and labels as tensors (nan where missing)."""

    graph: Graph
    n_atoms: int
    energy: torch.Tensor  # (1,)
    forces: torch.Tensor  # (n, 3)
    stress: torch.Tensor  # (1, 3, 3) ASE sign, eV/Å^3
    volume: float


def _voigt_to_matrix(s: np.ndarray) -> np.ndarray:
    xx, yy, zz, yz, xz, xy = s
    return np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])


def labelled_frames(pot: NequIPPotential, frames: Sequence[Atoms], weights: dict[str, float],
                    where: str) -> list[Labelled]:
    """Graphs and labels of ``frames``; one line naming the frame for a missing weighted label,
    a non-finite label, an unknown species or overlapping atoms."""
    from ..mtp._train import check_close_atoms

    if not frames:
        raise EmptyDataError(f"{where}: no frames")
    dt = pot.dtype
    out = []
    for k, atoms in enumerate(frames):
        w = f"{where}, frame {k}"
        pot.check_species(atoms, w)
        check_close_atoms(atoms, w)
        e = atoms.info.get(ENERGY_KEY)
        if e is None and weights["energy"] > 0:
            raise MissingLabelError(f"{w}: no energy ({ENERGY_KEY}), but energies are weighted; label the frame or "
                                    f"fit without energies (--weights energy=0,...)")
        f = atoms.arrays.get(FORCES_KEY)
        if f is None and weights["forces"] > 0:
            raise MissingLabelError(f"{w}: no forces ({FORCES_KEY}), but forces are weighted (weight "
                                    f"{weights['forces']:g}); label the frame with forces or fit energies alone "
                                    f"(--weights energy={weights['energy']:g},forces=0,stress=0)")
        s = atoms.info.get(STRESS_KEY) if atoms.cell.rank == 3 else None
        for name, value in (("energy", e), ("forces", f), ("stress", s)):
            if value is not None and not np.isfinite(np.asarray(value, dtype=float)).all():
                raise DataFormatError(f"{w}: the {name} label holds NaN or infinite values; remove the frame or "
                                      f"fix its label")
        out.append(Labelled(
            graph=pot.graph(atoms, where=w),
            n_atoms=len(atoms),
            energy=torch.tensor([np.nan if e is None else float(e)], dtype=dt),
            forces=torch.as_tensor(np.full((len(atoms), 3), np.nan) if f is None else np.asarray(f, float), dtype=dt),
            stress=torch.as_tensor(_voigt_to_matrix(np.asarray(s, float)) if s is not None
                                   else np.full((3, 3), np.nan), dtype=dt)[None],
            volume=atoms.get_volume() if atoms.cell.rank == 3 else math.nan,
        ))
    return out


def _batch(items: Sequence[Labelled]) -> tuple[Graph, dict[str, torch.Tensor]]:
    g = Graph.cat([it.graph for it in items])
    labels = {
        "energy": torch.cat([it.energy for it in items]),
        "n_atoms": torch.tensor([it.n_atoms for it in items], dtype=g.positions.dtype),
        "forces": torch.cat([it.forces for it in items]),
        "stress": torch.cat([it.stress for it in items]),
        "volume": torch.tensor([it.volume for it in items], dtype=g.positions.dtype),
    }
    return g, labels


def _masked_mse(pred: torch.Tensor, ref: torch.Tensor) -> tuple[torch.Tensor, int]:
    ok = torch.isfinite(ref)
    n = int(ok.sum())
    if n == 0:
        return pred.sum() * 0.0, 0
    return ((pred[ok] - ref[ok]) ** 2).sum() / n, n


def batch_loss(pot: NequIPPotential, g: Graph, labels: dict[str, torch.Tensor], weights: dict[str, float],
               create_graph: bool) -> tuple[torch.Tensor, dict[str, tuple[float, int]]]:
    """Weighted loss of a batch and the summed squared errors (with counts) of each label."""
    want_f = weights["forces"] > 0 or not create_graph
    want_s = (weights["stress"] > 0 or not create_graph) and bool(torch.isfinite(labels["stress"]).any())
    res = pot.compute(g, forces=want_f, stress=want_s, create_graph=create_graph)
    terms: dict[str, tuple[float, int]] = {}
    loss = res["energy"].sum() * 0.0
    mse, n = _masked_mse(res["energy"] / labels["n_atoms"], labels["energy"] / labels["n_atoms"])
    loss = loss + weights["energy"] * mse
    terms["energy"] = (float(mse.detach()) * n, n)
    if want_f:
        mse, n = _masked_mse(res["forces"], labels["forces"])
        loss = loss + weights["forces"] * mse
        terms["forces"] = (float(mse.detach()) * n, n)
    if want_s:
        stress = res["virial"] / labels["volume"][:, None, None]
        mse, n = _masked_mse(stress, labels["stress"])
        loss = loss + weights["stress"] * mse
        terms["stress"] = (float(mse.detach()) * n, n)
    return loss, terms


def evaluate(pot: NequIPPotential, data: Sequence[Labelled], weights: dict[str, float], batch_size: int
             ) -> dict[str, float]:
    """RMSE of energy per atom (meV), forces (meV/Å), stress (GPa) and the weighted loss."""
    from ase.units import GPa

    sums: dict[str, list[float]] = {"energy": [0.0, 0], "forces": [0.0, 0], "stress": [0.0, 0]}
    for start in range(0, len(data), batch_size):
        g, labels = _batch(data[start:start + batch_size])
        _, terms = batch_loss(pot, g, labels, weights, create_graph=False)
        for k, (s, n) in terms.items():
            sums[k][0] += s
            sums[k][1] += n
    out: dict[str, float] = {}
    loss = 0.0
    scale = {"energy": 1000.0, "forces": 1000.0, "stress": 1.0 / GPa}
    name = {"energy": "energy_per_atom_rmse_meV", "forces": "forces_rmse_meV_per_A", "stress": "stress_rmse_GPa"}
    for k, (s, n) in sums.items():
        if n:
            out[name[k]] = math.sqrt(s / n) * scale[k]
            loss += weights[k] * s / n
    out["loss"] = loss
    return out


def initial_statistics(pot: NequIPPotential, data: Sequence[Labelled]) -> tuple[np.ndarray, float, float]:
    """Per-species energy shifts (least squares of frame energies on composition), the force
    scale (RMS force component) and the mean number of neighbours."""
    n_s = len(pot.species)
    counts = np.array([np.bincount(d.graph.species.numpy(), minlength=n_s) for d in data], dtype=float)
    energy = np.array([float(d.energy[0]) for d in data])
    ok = np.isfinite(energy)
    shift = np.zeros(n_s)
    if ok.any():
        A = counts[ok]
        ridge = 1e-8 * max(np.trace(A.T @ A) / n_s, 1.0)
        shift = np.linalg.solve(A.T @ A + ridge * np.eye(n_s), A.T @ energy[ok])
    f = torch.cat([d.forces for d in data]).double().numpy()
    f = f[np.isfinite(f)]
    if len(f) and np.sqrt((f ** 2).mean()) > 1e-6:
        scale = float(np.sqrt((f ** 2).mean()))
    elif ok.sum() > 1:
        scale = float(np.std((energy[ok] - counts[ok] @ shift) / counts[ok].sum(axis=1))) or 1.0
    else:
        scale = 1.0
    n_edges = sum(len(d.graph.src) for d in data)
    n_atoms = sum(d.n_atoms for d in data)
    return shift, scale, max(n_edges / max(n_atoms, 1), 1.0)


def _closest(pot: NequIPPotential, data: Sequence[Labelled]) -> np.ndarray:
    n_s = len(pot.species)
    seen = np.full((n_s, n_s), np.inf)
    for d in data:
        g = d.graph
        if not len(g.src):
            continue
        vec = g.positions[g.src] - g.positions[g.dst] + g.shifts @ g.cell[0]
        r = torch.linalg.norm(vec, dim=1).double().numpy()
        a, b = g.species[g.dst].numpy(), g.species[g.src].numpy()
        np.minimum.at(seen, (a, b), r)
    return np.minimum(seen, seen.T)


def train_nequip(
    frames: Sequence[Atoms],
    species: Sequence[str] | None = None,
    *,
    r_max: float = 4.5,
    l_max: int = 1,
    features: int | str = 32,
    layers: int = 3,
    parity: bool = True,
    dtype: str = "float32",
    weights: dict[str, float] | str | None = None,
    valid: Sequence[Atoms] | None = None,
    valid_fraction: float = 0.1,
    epochs: int = 1000,
    batch_size: int = 5,
    lr: float = 0.01,
    lr_factor: float = 0.5,
    lr_patience: int = 10,
    min_lr: float = 1e-5,
    ema_decay: float = 0.99,
    patience: int = 50,
    time_limit: float | None = None,
    seed: int = 0,
    threads: int | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    resume: bool = False,
    initial: NequIPPotential | None = None,
    callback: Callable[[dict[str, Any]], None] | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    **options: Any,
) -> tuple[NequIPPotential, list[dict[str, Any]]]:
    """Fit an equivariant potential to energies, forces and stresses.

    Parameters
    ----------
    frames : sequence of Atoms
        Training frames (labels under ``REF_energy``, ``REF_forces``, ``REF_stress``).
    species : sequence of str, optional
        Species of the potential (default: those in ``frames``, by atomic number).
    r_max, l_max, features, layers, parity, dtype, **options
        The network (:class:`~matterlearn.mlip.nequip.NequIPPotential`).
    weights : dict or str
        Loss weights (default ``energy=10,forces=1,stress=100`` in eV/atom, eV/Å, eV/Å^3).
    valid : sequence of Atoms, optional
        Validation frames for early stopping and the learning-rate schedule; default: a random
        ``valid_fraction`` of ``frames`` (at least one) held out.
    epochs, batch_size, lr : int, int, float
        Most passes over the training frames, frames per batch, initial Adam learning rate.
    lr_factor, lr_patience, min_lr
        The plateau schedule: multiply the rate by ``lr_factor`` after ``lr_patience`` epochs
        without a better validation loss, never below ``min_lr``.
    ema_decay : float
        Decay of the exponential moving average of the weights (what is validated and returned).
    patience : int
        Stop after this many epochs without a better validation loss.
    time_limit : float, optional
        Seconds for this call; training stops after the batch that crosses it.
    seed : int
        Seed of the weights, the validation split and the batch order: two runs with the same
        seed and thread count give the same potential.
    threads : int, optional
        Torch threads (default: torch's choice, one per core).
    checkpoint, resume
        Write the state after every epoch (atomically) and, with ``resume``, go on from it.
    initial : NequIPPotential, optional
        Start from these weights (fine-tuning, committees grown by active learning).
    callback : callable, optional
        Called with each epoch's record (``epoch``, ``seconds``, ``lr``, training and validation
        errors).
    on_batch : callable, optional
        Called with (batch, batches per epoch) after every step.

    Returns
    -------
    potential (the best moving-average weights), history (one record per epoch)
    """
    from ..mtp._train import parse_weights

    w = parse_weights(weights, defaults=DEFAULT_WEIGHTS)
    if not frames:
        raise EmptyDataError("no training frames")
    if batch_size < 1 or epochs < 0 or not 0 <= ema_decay < 1 or lr <= 0:
        raise ParameterError("need batch_size >= 1, epochs >= 0, 0 <= ema_decay < 1 and lr > 0")
    if threads is not None:
        torch.set_num_threads(int(threads))
    if species is None:
        from ase.data import chemical_symbols

        species = [chemical_symbols[z] for z in sorted({int(z) for a in frames for z in a.numbers})]
    rng = np.random.default_rng(seed)
    frames = list(frames)
    if valid is None and len(frames) >= 5 and valid_fraction > 0:
        order = rng.permutation(len(frames))
        n_valid = max(1, round(valid_fraction * len(frames)))
        valid = [frames[k] for k in order[:n_valid]]
        frames = [frames[k] for k in order[n_valid:]]
    if initial is not None:
        pot = initial.copy()
        if tuple(pot.species) != tuple(species):
            raise ParameterError(f"the initial potential knows {pot.species}, the data {tuple(species)}")
    else:
        pot = NequIPPotential(species, r_max=r_max, l_max=l_max, features=features, layers=layers, parity=parity,
                              dtype=dtype, seed=seed, **options)
    data = labelled_frames(pot, frames, w, "training data")
    vdata = labelled_frames(pot, valid, w, "validation data") if valid else []
    if initial is None:
        shift, scale, avg = initial_statistics(pot, data)
        cfg = pot.config
        cfg.avg_neighbours = float(avg)
        pot = NequIPPotential(species, r_max=cfg.r_max, l_max=cfg.l_max, features=cfg.features, layers=cfg.layers,
                              parity=cfg.parity, dtype=cfg.dtype, seed=seed,
                              **{k: getattr(cfg, k) for k in ("n_basis", "radial_hidden", "radial_layers",
                                                              "readout_hidden", "envelope_p", "avg_neighbours", "fused")})
        with torch.no_grad():
            pot.model.shift.copy_(torch.as_tensor(shift, dtype=pot.dtype))
            pot.model.scale.fill_(scale)
    pot.min_seen = np.minimum(pot.min_seen, _closest(pot, data))
    model = pot.model
    params = [p for p in model.parameters()]
    opt = torch.optim.Adam(params, lr=lr, amsgrad=True)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=lr_factor, patience=lr_patience, min_lr=min_lr)
    ema = [p.detach().clone() for p in params]
    best = {"loss": math.inf, "epoch": -1, "state": [p.clone() for p in ema]}
    history: list[dict[str, Any]] = []
    epoch0 = 0
    torch.manual_seed(seed)
    if checkpoint is not None and resume and os.path.exists(checkpoint):
        state = torch.load(checkpoint, weights_only=True)
        try:
            if state.get("format") != CHECKPOINT_FORMAT:
                raise KeyError("format")
            if state.get("config") != pot.config.to_dict():
                raise ValueError("it was written for a different network or data")
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            sched.load_state_dict(state["scheduler"])
            ema = list(state["ema"])
            best = {"loss": float(state["best_loss"]), "epoch": int(state["best_epoch"]), "state": list(state["best"])}
            history = list(state["history"])
            epoch0 = int(state["epoch"])
            rng.bit_generator.state = state["rng"]
            torch.random.set_rng_state(state["torch_rng"])
        except (KeyError, RuntimeError, ValueError, TypeError) as exc:
            raise DataFormatError(f"{checkpoint}: not a checkpoint of this training ({exc}); remove it or "
                                  f"train without --resume") from None
        log.info("resumed from %s at epoch %d", checkpoint, epoch0)

    def swap_in(tensors: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        saved = [p.detach().clone() for p in params]
        with torch.no_grad():
            for p, t in zip(params, tensors):
                p.copy_(t)
        return saved

    t0 = time.perf_counter()
    n_batches = math.ceil(len(data) / batch_size)
    stop_reason = "epochs"
    epoch = epoch0
    out_of_time = False
    for epoch in range(epoch0, epochs):
        model.train()
        order = rng.permutation(len(data))
        sums = {"energy": [0.0, 0], "forces": [0.0, 0], "stress": [0.0, 0]}
        for b in range(n_batches):
            raise_if_interrupted()
            items = [data[k] for k in order[b * batch_size:(b + 1) * batch_size]]
            g, labels = _batch(items)
            opt.zero_grad(set_to_none=True)
            loss, terms = batch_loss(pot, g, labels, w, create_graph=True)
            if not torch.isfinite(loss):
                raise ParameterError(f"the loss became {float(loss)} at epoch {epoch + 1}; lower --lr")
            loss.backward()
            opt.step()
            with torch.no_grad():
                for e, p in zip(ema, params):
                    e.mul_(ema_decay).add_(p.detach(), alpha=1 - ema_decay)
            for k, (s, n) in terms.items():
                sums[k][0] += s
                sums[k][1] += n
            if on_batch is not None:
                on_batch(b + 1, n_batches)
            if time_limit is not None and time.perf_counter() - t0 > time_limit:
                out_of_time = True
                break
        model.eval()
        saved = swap_in(ema)
        rec: dict[str, Any] = {"epoch": epoch + 1, "seconds": round(time.perf_counter() - t0, 2),
                               "lr": opt.param_groups[0]["lr"]}
        scale = {"energy": 1000.0, "forces": 1000.0, "stress": 160.21766208}
        name = {"energy": "train_energy_per_atom_rmse_meV", "forces": "train_forces_rmse_meV_per_A",
                "stress": "train_stress_rmse_GPa"}
        for k, (s, n) in sums.items():
            if n:
                rec[name[k]] = math.sqrt(s / n) * scale[k]
        if vdata:
            v = evaluate(pot, vdata, w, max(batch_size, 8))
            rec.update({f"valid_{k}": val for k, val in v.items() if k != "loss"})
            rec["valid_loss"] = v["loss"]
            metric = v["loss"]
        else:
            metric = sum(w[k] * s / n for k, (s, n) in sums.items() if n)
        swap_in(saved)
        if metric < best["loss"]:
            best = {"loss": metric, "epoch": epoch + 1, "state": [t.clone() for t in ema]}
        sched.step(metric)
        history.append(rec)
        if callback is not None:
            callback(rec)
        if checkpoint is not None:
            _save_checkpoint(checkpoint, model, opt, sched, ema, best, history, epoch + 1, rng)
        if out_of_time:
            stop_reason = "time limit"
            break
        if epoch + 1 - best["epoch"] >= patience:
            stop_reason = "early stopping"
            break
    swap_in(best["state"])
    model.eval()
    if history:
        history[-1]["stopped"] = stop_reason
        history[-1]["best_epoch"] = best["epoch"]
    log.info("NequIP: %d epochs, stopped by %s, best epoch %d", epoch + 1 - epoch0, stop_reason, best["epoch"])
    return pot, history


def _save_checkpoint(path: str | os.PathLike[str], model: torch.nn.Module, opt: Any, sched: Any,
                     ema: Sequence[torch.Tensor], best: dict[str, Any], history: list[dict[str, Any]], epoch: int,
                     rng: np.random.Generator) -> None:
    from ...data._atomic import atomic_path

    state = {"format": CHECKPOINT_FORMAT, "config": model.cfg.to_dict(), "model": model.state_dict(), "optimizer": opt.state_dict(),
             "scheduler": sched.state_dict(), "ema": list(ema), "best": list(best["state"]),
             "best_loss": float(best["loss"]), "best_epoch": int(best["epoch"]), "history": history,
             "epoch": epoch, "rng": rng.bit_generator.state, "torch_rng": torch.random.get_rng_state()}
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        torch.save(state, fh)
