"""Figures and pages for cluster expansions."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ._html import HTMLReport, new_figure

__all__ = ["ce_fit_report", "ce_hull_report", "eci_figure", "hull_figure", "parity_figure"]


def eci_figure(expansion: Any) -> Any:
    """ECI per cluster (meV) against cluster radius, one marker per order."""
    fig = new_figure(6, 3.8)
    ax = fig.subplots()
    rows = expansion.eci_table()
    markers = {1: "o", 2: "s", 3: "^", 4: "D", 5: "v", 6: "P"}
    for order in sorted({r["order"] for r in rows if r["order"] > 0}):
        sel = [r for r in rows if r["order"] == order]
        ax.plot([r["diameter"] for r in sel], [1000 * r["eci"] for r in sel],
                markers.get(order, "x"), ms=7, label=f"order {order}")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel("cluster size: longest distance (Å)")
    ax.set_ylabel("ECI per cluster (meV)")
    ax.legend()
    return fig


def parity_figure(result: Any) -> Any:
    """Reference against fitted and cross-validated mixing energies (meV/site)."""
    fig = new_figure(5, 4.5)
    ax = fig.subplots()
    y = 1000 * result.y
    ok = np.isfinite(result.y_cv_pred)
    ax.plot(y, 1000 * result.y_train_pred, ".", alpha=0.5, label=f"fit ({result.rmse_train:.2f})")
    ax.plot(y[ok], 1000 * result.y_cv_pred[ok], ".", alpha=0.5,
            label=f"CV ({result.rmse_cv:.2f} meV/site)")
    lim = [min(y.min(), np.nanmin(1000 * result.y_cv_pred)), max(y.max(), np.nanmax(1000 * result.y_cv_pred))]
    ax.plot(lim, lim, "k--", lw=1)
    ax.set_xlabel("reference mixing energy (meV/site)")
    ax.set_ylabel("cluster expansion (meV/site)")
    ax.legend()
    return fig


def hull_figure(x: np.ndarray, reference: np.ndarray | None, predicted: np.ndarray,
                search: Any = None, xlabel: str = "x") -> Any:
    """Reference and predicted mixing energies with both hulls, and the searched ground states."""
    from ..ce import binary_hull

    fig = new_figure(6, 4.2)
    ax = fig.subplots()
    if reference is not None:
        ax.plot(x, 1000 * reference, "o", mfc="none", color="#47a", ms=5, label="reference")
        h = binary_hull(x, reference)
        v = h.vertices[np.argsort(x[h.vertices])]
        ax.plot(x[v], 1000 * reference[v], "-", color="#47a", lw=2, label="reference hull")
    ax.plot(x, 1000 * predicted, ".", color="#c75", ms=4, label="cluster expansion")
    h = binary_hull(x, predicted)
    v = h.vertices[np.argsort(x[h.vertices])]
    ax.plot(x[v], 1000 * predicted[v], "--", color="#c33", lw=1.5, label="predicted hull")
    if search is not None:
        ax.plot(search.x[search.vertices], 1000 * search.energies[search.vertices], "k*", ms=10,
                label="ground-state search")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("mixing energy (meV/site)")
    ax.legend(fontsize=8)
    return fig


def ce_fit_report(result: Any, folder: str | os.PathLike[str]) -> Path:
    """Write ``folder/ce_fit.html``: errors, parity plot, ECIs by orbit and the ECI figure."""
    folder = Path(folder)
    r = HTMLReport("Cluster expansion fit")
    s = result.summary()
    r.paragraph(f"{s['method']} on {s['n_structures']} structures: {s['n_nonzero']} of "
                f"{s['n_parameters']} ECIs nonzero; RMSE train {s['rmse_train']:.2f} meV/site, "
                f"{s['cv']} CV ({s['n_splits']} splits) {s['rmse_cv']:.2f} meV/site.")
    if s["rmse_cv"] > 3 * max(s["rmse_train"], 1e-9):
        r.paragraph("The CV error is more than three times the training error: the expansion "
                    "is likely overfitted; use fewer clusters or a sparser method.", kind="warn")
    r.figure(parity_figure(result), "Parity: fitted and cross-validated mixing energies.")
    r.figure(eci_figure(result.expansion), "ECIs by cluster size and order.")
    r.table(["index", "order", "radius (Å)", "diameter (Å)", "multiplicity", "ECI (meV)"],
            [[p["index"], p["order"], p["radius"], p["diameter"], p["multiplicity"],
              1000 * p["eci"]] for p in result.expansion.eci_table()])
    folder.mkdir(parents=True, exist_ok=True)
    r.write(folder / "ce_fit.html")
    return folder / "ce_fit.html"


def ce_hull_report(expansion: Any, search: Any, comparison: Any, folder: str | os.PathLike[str]) -> Path:
    """Write ``folder/ce_hull.html`` with the hull figure and the ground states."""
    folder = Path(folder)
    r = HTMLReport("Cluster expansion ground states")
    if comparison is not None:
        r.paragraph("Reference ground states reproduced: "
                    + ("yes." if comparison.reproduced else "no."))
        r.figure(hull_figure(comparison.x, comparison.reference, comparison.predicted, search),
                 "Mixing energies: reference, predicted, and the ground-state search.")
    else:
        r.figure(hull_figure(search.x, None, search.energies, search),
                 "Predicted mixing energies of the enumerated structures.")
    r.table(["x", "formula", "supercell", "mixing energy (meV/site)"],
            [[float(search.x[i]), search.structures[i].get_chemical_formula(),
              search.structures[i].info["supercell"], 1000 * float(search.energies[i])]
             for i in search.vertices])
    folder.mkdir(parents=True, exist_ok=True)
    r.write(folder / "ce_hull.html")
    return folder / "ce_hull.html"


def mc_scan_figure(result: dict[str, Any]) -> Any:
    """Energy, heat capacity and order parameter against temperature for a Monte Carlo scan."""
    fig = new_figure(6, 7)
    axes = fig.subplots(3, 1, sharex=True)
    t = np.array(result["temperatures"])
    axes[0].errorbar(t, 1000 * np.array(result["energy_mean"]),
                     1000 * np.array(result["energy_std_error"]), fmt="o-", ms=3)
    axes[0].set_ylabel("E (meV/site)")
    axes[1].errorbar(t, result["heat_capacity"], result.get("heat_capacity_error"), fmt="o-", ms=3)
    axes[1].set_ylabel("C (k_B/site)")
    if result.get("transition_temperature") is not None:
        for ax in axes:
            ax.axvline(result["transition_temperature"], color="#c33", lw=1, ls="--")
    axes[2].plot(t, result["order_parameter"], "o-", ms=3, label="long-range order η")
    if "short_range_order" in result:
        axes[2].plot(t, result["short_range_order"], "s--", ms=3, label="α1 (Warren-Cowley)")
    if result.get("order_transition_temperature") is not None:
        axes[2].axvline(result["order_transition_temperature"], color="#36c", lw=1, ls=":")
    axes[2].set_ylabel("order")
    axes[2].legend(fontsize=8)
    axes[2].set_xlabel("temperature (K)")
    return fig


def phase_diagram_figure(result: dict[str, Any]) -> Any:
    """Sampled (composition, temperature) points of semi-grand-canonical scans, coloured by the
    chemical-potential difference; gaps between points are two-phase regions."""
    fig = new_figure(6, 4.5)
    ax = fig.subplots()
    x = np.array(result["composition"])
    t = np.array(result["temperatures"])
    for k, dmu in enumerate(result["dmu"]):
        sc = ax.scatter(x[k], t, c=np.full(len(t), dmu), vmin=min(result["dmu"]),
                        vmax=max(result["dmu"]), cmap="viridis", s=14)
    for g in result["two_phase"]:
        ax.plot([g["x_low"], g["x_high"]], [g["temperature"]] * 2, color="#c33", lw=0.8)
    fig.colorbar(sc, ax=ax, label="Δμ (eV)")
    ax.set_xlabel(f"x({result['species']})")
    ax.set_ylabel("temperature (K)")
    return fig
