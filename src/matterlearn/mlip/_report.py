"""Error reports of a potential against labelled frames, as mlip-2 prints them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from ase import Atoms
from ase.units import GPa

from ..data._keys import CONFIG_TYPE_KEY, ENERGY_KEY, FORCES_KEY, STRESS_KEY
from ..errors import EmptyDataError

__all__ = ["error_report", "predictions"]


def predictions(pot: Any, frames: Sequence[Atoms]) -> dict[str, Any]:
    """Reference and predicted labels of ``frames`` as flat arrays (nan where a label is missing)."""
    if not frames:
        raise EmptyDataError("no frames to test on")
    pred = pot.predict(frames)
    n = np.array([len(a) for a in frames], dtype=float)
    e_ref = np.array([float(a.info.get(ENERGY_KEY, np.nan)) for a in frames])
    f_ref = [np.asarray(a.arrays[FORCES_KEY], float) if FORCES_KEY in a.arrays else np.full((len(a), 3), np.nan)
             for a in frames]
    s_ref = np.array([np.asarray(a.info[STRESS_KEY], float) if STRESS_KEY in a.info else np.full(6, np.nan)
                      for a in frames])
    return {
        "n_atoms": n,
        "config_type": [str(a.info.get(CONFIG_TYPE_KEY, "default")) for a in frames],
        "energy_ref": e_ref, "energy_pred": np.asarray(pred["energy"]),
        "forces_ref": f_ref, "forces_pred": pred["forces"],
        "stress_ref": s_ref, "stress_pred": np.asarray(pred["stress"]),
        "symbols": [np.array(a.get_chemical_symbols()) for a in frames],
    }


def _stats(err: np.ndarray, scale: float) -> dict[str, float]:
    err = np.abs(err[np.isfinite(err)])
    if not len(err):
        return {}
    return {"max": float(err.max()) * scale, "mae": float(err.mean()) * scale,
            "rmse": float(np.sqrt((err ** 2).mean())) * scale}


def _block(p: dict[str, Any], mask: np.ndarray) -> dict[str, Any]:
    n = p["n_atoms"][mask]
    de = (p["energy_pred"] - p["energy_ref"])[mask]
    out: dict[str, Any] = {"n_frames": int(mask.sum()), "n_atoms": int(n.sum())}
    out["energy_eV"] = _stats(de, 1.0)
    out["energy_per_atom_meV"] = _stats(de / n, 1000.0)
    idx = np.flatnonzero(mask)
    if len(idx):
        fr = np.concatenate([p["forces_ref"][k] for k in idx])
        fp = np.concatenate([p["forces_pred"][k] for k in idx])
        df = np.sqrt(((fp - fr) ** 2).sum(axis=1))  # per-atom error vector length
        out["forces_meV_per_A"] = _stats((fp - fr).ravel(), 1000.0)
        out["forces_vector_meV_per_A"] = _stats(df, 1000.0)
        ok = np.isfinite(fr).all(axis=1)
        if ok.any():
            rms_f = float(np.sqrt((fr[ok] ** 2).mean()))
            out["forces_relative_rmse"] = float(np.sqrt(((fp - fr)[ok] ** 2).mean())) / rms_f if rms_f else np.nan
        sym = np.concatenate([p["symbols"][k] for k in idx])
        out["forces_by_species"] = {}
        for el in sorted(set(sym.tolist())):
            m = sym == el
            st = _stats((fp - fr)[m].ravel(), 1000.0)
            if st:
                out["forces_by_species"][el] = {"n_atoms": int(m.sum()), **st}
    ds = (p["stress_pred"] - p["stress_ref"])[mask]
    out["stress_GPa"] = _stats(ds.ravel(), 1.0 / GPa)
    return out


def error_report(pot: Any, frames: Sequence[Atoms]) -> dict[str, Any]:
    """Errors of ``pot`` on ``frames``: energy (eV), energy per atom (meV/atom), force components
    (meV/Å; also error-vector lengths and the RMS error relative to the RMS force) and stress
    components (GPa), each with max, mean and RMS absolute error, overall and per ``config_type``;
    force errors also per species (``forces_by_species``, as nequip's ``Cu_f_mae``), with the
    flat keys ``<El>_f_mae`` and ``<El>_f_rmse`` (meV/Å) at the top level.

    The top level also carries the flat keys ``energy_per_atom_rmse_meV``,
    ``energy_per_atom_mae_meV``, ``forces_rmse_meV_per_A``, ``forces_mae_meV_per_A`` and
    ``stress_rmse_GPa``.
    """
    p = predictions(pot, frames)
    every = np.ones(len(frames), dtype=bool)
    out = _block(p, every)
    ctype = np.array(p["config_type"])
    out["by_config_type"] = {c: _block(p, ctype == c) for c in sorted(set(p["config_type"]))}
    flat = {
        "energy_per_atom_rmse_meV": out["energy_per_atom_meV"].get("rmse"),
        "energy_per_atom_mae_meV": out["energy_per_atom_meV"].get("mae"),
        "forces_rmse_meV_per_A": out.get("forces_meV_per_A", {}).get("rmse"),
        "forces_mae_meV_per_A": out.get("forces_meV_per_A", {}).get("mae"),
        "stress_rmse_GPa": out["stress_GPa"].get("rmse"),
    }
    for el, st in out.get("forces_by_species", {}).items():
        flat[f"{el}_f_mae"] = st.get("mae")
        flat[f"{el}_f_rmse"] = st.get("rmse")
    return {**flat, **out}
