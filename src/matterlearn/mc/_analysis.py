"""Statistics of Monte Carlo series: blocking errors, heat capacity, transition temperatures,
and observers (short- and long-range order)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ParameterError

__all__ = ["blocking_error", "mean_and_error", "heat_capacity", "warren_cowley",
           "sublattice_order", "transition_temperature", "autocorrelation_time",
           "equilibration_index"]


def blocking_error(x: np.ndarray) -> float:
    """Standard error of the mean of a correlated series by Flyvbjerg-Petersen blocking.

    The series is halved by averaging neighbours until fewer than 32 blocks remain; the error is
    the largest estimate over the levels (the plateau, for a long enough series).

    References
    ----------
    H. Flyvbjerg and H. G. Petersen, J. Chem. Phys. 91, 461 (1989).
    """
    x = np.asarray(x, dtype=float)
    best = 0.0
    while len(x) >= 32:
        err = np.std(x, ddof=1) / np.sqrt(len(x))
        best = max(best, float(err))
        x = 0.5 * (x[: len(x) // 2 * 2 : 2] + x[1 : len(x) // 2 * 2 : 2])
    if best == 0.0 and len(x) > 1:
        best = float(np.std(x, ddof=1) / np.sqrt(len(x)))
    return best


def autocorrelation_time(x: np.ndarray) -> float:
    """Integrated autocorrelation time (in samples), summed until the autocorrelation first
    drops below zero (at least 1)."""
    x = np.asarray(x, dtype=float) - np.mean(x)
    n = len(x)
    if n < 4 or np.allclose(x, 0):
        return 1.0
    f = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(f * np.conj(f))[:n]
    acf /= acf[0]
    tau = 1.0
    for k in range(1, n):
        if acf[k] <= 0:
            break
        tau += 2 * acf[k]
    return float(tau)


def equilibration_index(x: np.ndarray) -> int:
    """First sample after which the series is stationary: the start ``t0`` (tried on a grid of
    20) that maximises the number of effectively independent samples ``(n - t0) / tau``
    (Chodera, J. Chem. Theory Comput. 12, 1799 (2016))."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    best, best_t0 = -1.0, 0
    for t0 in np.linspace(0, n // 2, 20, dtype=int):
        neff = (n - t0) / autocorrelation_time(x[t0:])
        if neff > best:
            best, best_t0 = neff, int(t0)
    return best_t0


def mean_and_error(x: np.ndarray) -> tuple[float, float]:
    """Mean and its blocking error."""
    return float(np.mean(x)), blocking_error(x)


def heat_capacity(energy: np.ndarray, temperature: float, n_sites: int) -> tuple[float, float]:
    """Heat capacity per site in units of k_B from energy fluctuations, and its error.

    ``C / (N k_B) = (<E^2> - <E>^2) / (N (k_B T)^2)``, with the error from blocking of
    ``(E - <E>)^2``.
    """
    from ._ensembles import KB

    e = np.asarray(energy, dtype=float)
    d2 = (e - e.mean()) ** 2
    scale = 1.0 / (n_sites * (KB * temperature) ** 2)
    return float(d2.mean() * scale), blocking_error(d2) * scale


def warren_cowley(occupation: np.ndarray, pairs: np.ndarray, species: int = 1) -> float:
    """Warren-Cowley short-range order of one shell: ``1 - P(other | species) / c_other``.

    Parameters
    ----------
    occupation : numpy.ndarray of int, shape (n,)
    pairs : numpy.ndarray of int, shape (n_pairs, 2)
        Neighbour pairs of the shell (each pair once).
    species : int
        Species index of the central atom (binary).
    """
    occ = np.asarray(occupation)
    c = np.mean(occ == species)
    if c in (0.0, 1.0):
        return 0.0
    a, b = occ[pairs[:, 0]], occ[pairs[:, 1]]
    # unlike neighbours of a `species` atom, over all its neighbours, from both pair directions
    n_center = np.sum(a == species) + np.sum(b == species)
    unlike = np.sum((a == species) & (b != species)) + np.sum((b == species) & (a != species))
    return float(1.0 - (unlike / n_center) / (1.0 - c)) if n_center else 0.0


def sublattice_order(occupation: np.ndarray, sublattices: Sequence[np.ndarray], species: int = 1) -> float:
    """Long-range order from sublattice occupations: the largest deviation of a sublattice's
    concentration of ``species`` from the average, divided by its largest possible value."""
    occ = np.asarray(occupation)
    c = np.mean(occ == species)
    conc = np.array([np.mean(occ[s] == species) for s in sublattices])
    dev = np.abs(conc - c)
    top = max(c, 1.0 - c)
    return float(dev.max() / top) if top > 0 else 0.0


def transition_temperature(temperatures: np.ndarray, heat_capacity: np.ndarray,
                           error: np.ndarray | None = None) -> dict[str, Any]:
    """The temperature of the heat-capacity peak, refined by a parabola through the three highest
    points, with an uncertainty from the grid spacing and the heat-capacity errors."""
    t = np.asarray(temperatures, dtype=float)
    c = np.asarray(heat_capacity, dtype=float)
    if len(t) < 3:
        raise ParameterError("a transition temperature needs at least three temperatures")
    order = np.argsort(t)
    t, c = t[order], c[order]
    k = int(np.argmax(c))
    spacing = float(np.median(np.diff(t)))
    if 0 < k < len(t) - 1:
        x, y = t[k - 1 : k + 2], c[k - 1 : k + 2]
        a, b, _ = np.polyfit(x, y, 2)
        tc = float(-b / (2 * a)) if a < 0 else float(t[k])
        tc = min(max(tc, x[0]), x[-1])
    else:
        tc = float(t[k])
    unc = spacing / 2
    if error is not None:
        err = np.asarray(error, dtype=float)[order]
        # points whose heat capacity is within the errors of the peak widen the interval
        near = t[c + err >= c[k] - err[k]]
        unc = max(unc, float((near.max() - near.min()) / 2))
    return {"transition_temperature": tc, "uncertainty": unc, "peak_index": k,
            "at_edge": k in (0, len(t) - 1)}
