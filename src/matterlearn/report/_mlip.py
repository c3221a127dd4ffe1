"""Figures for interatomic potentials: parity of energies, forces and stresses; MD traces."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._html import new_figure

__all__ = ["md_figure", "mlip_parity_figure"]


def mlip_parity_figure(pred: dict[str, Any], title: str = "") -> Any:
    """Parity plots of energy per atom, force components and stress components.

    ``pred`` is :func:`matterlearn.mlip._report.predictions`'s output.
    """
    from ase.units import GPa

    fig = new_figure(10, 3.4)
    axes = fig.subplots(1, 3)
    n = pred["n_atoms"]
    panels = [
        ("energy per atom (eV)", pred["energy_ref"] / n, pred["energy_pred"] / n),
        ("force component (eV/Å)", np.concatenate([f.ravel() for f in pred["forces_ref"]]),
         np.concatenate([f.ravel() for f in pred["forces_pred"]])),
        ("stress component (GPa)", pred["stress_ref"].ravel() / GPa, pred["stress_pred"].ravel() / GPa),
    ]
    for ax, (label, ref, out) in zip(axes, panels):
        ok = np.isfinite(ref) & np.isfinite(out)
        if not ok.any():
            ax.set_visible(False)
            continue
        ref, out = ref[ok], out[ok]
        lo, hi = float(min(ref.min(), out.min())), float(max(ref.max(), out.max()))
        ax.plot([lo, hi], [lo, hi], color="0.6", lw=1)
        ax.scatter(ref, out, s=4, alpha=0.5)
        rmse = float(np.sqrt(np.mean((out - ref) ** 2)))
        ax.set_title(f"RMSE {rmse:.3g}", fontsize=9)
        ax.set_xlabel(f"reference {label}")
        ax.set_ylabel("predicted")
    if title:
        fig.suptitle(title)
    return fig


def md_figure(md: dict[str, Any], n_atoms: int) -> Any:
    """Temperature and energies per atom along an MD run."""
    fig = new_figure(8, 3.2)
    ax1, ax2 = fig.subplots(1, 2)
    t = md["time_fs"]
    ax1.plot(t, md["temperature_K"])
    ax1.set_xlabel("time (fs)")
    ax1.set_ylabel("temperature (K)")
    ax2.plot(t, (md["total_energy"] - md["total_energy"][0]) * 1000 / n_atoms, label="total")
    ax2.plot(t, (md["potential_energy"] - md["total_energy"][0]) * 1000 / n_atoms, label="potential")
    ax2.set_xlabel("time (fs)")
    ax2.set_ylabel("energy per atom (meV), from the start")
    ax2.legend(fontsize=8)
    return fig
