"""Statistics of Monte Carlo series: blocking errors, heat capacity, transition temperatures,
and observers (short- and long-range order)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ase import Atoms

from ..errors import ParameterError

__all__ = ["blocking_error", "mean_and_error", "heat_capacity", "warren_cowley",
           "sublattice_order", "transition_temperature", "LatticeGrid", "lattice_grid", "long_range_order",
           "order_transition_temperature", "autocorrelation_time",
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


@dataclass(frozen=True)
class LatticeGrid:
    """Where each site of a supercell sits: its primitive cell on an (n1, n2, n3) grid and its
    basis site, for Fourier transforms of occupations."""

    shape: tuple[int, int, int]
    cell_index: np.ndarray
    basis_index: np.ndarray
    n_basis: int


def lattice_grid(atoms: Atoms, prim: Atoms, tol: float = 1e-3) -> LatticeGrid | None:
    """The grid of ``atoms`` if it is a diagonal repetition of ``prim`` (as
    :func:`~matterlearn.mc.supercell` makes), else None."""
    cell = np.asarray(prim.cell)
    ratio = np.asarray(atoms.cell) @ np.linalg.inv(cell)
    n = np.round(np.diag(ratio)).astype(int)
    if (n < 1).any() or not np.allclose(ratio, np.diag(n), atol=tol):
        return None
    frac_basis = prim.get_scaled_positions(wrap=True)
    frac = atoms.positions @ np.linalg.inv(cell)  # in units of the primitive cell
    basis = np.full(len(atoms), -1)
    cells = np.zeros((len(atoms), 3), dtype=int)
    for b, fb in enumerate(frac_basis):
        d = frac - fb
        whole = np.round(d)
        hit = np.all(np.abs(d - whole) < tol, axis=1)
        basis[hit] = b
        cells[hit] = whole[hit].astype(int)
    if (basis < 0).any():
        return None
    cells %= n
    index = (cells[:, 0] * n[1] + cells[:, 1]) * n[2] + cells[:, 2]
    if len(np.unique(index * len(prim) + basis)) != len(atoms):
        return None
    return LatticeGrid((int(n[0]), int(n[1]), int(n[2])), index, basis, len(prim))


def long_range_order(occupation: np.ndarray, grid: LatticeGrid, species: int = 1,
                     threshold: float = 20.0) -> float:
    """Long-range order as the share of the composition fluctuations held by superstructure
    peaks: with ``S_b(k)`` the Fourier transform of ``occ == species`` minus its mean on basis
    site ``b``, ``eta^2 = sum over peaks of P(k) / sum over all k of P(k)``, ``P = sum_b |S_b|^2``,
    where peaks are the k whose ``P`` exceeds ``threshold`` times the mean.

    eta is 1 for a perfectly ordered superstructure (L1_2, L1_0, B2, ...) in one domain, and of
    order ``sqrt(threshold * n_peaks / N)`` or less for a disordered alloy of ``N`` sites; no
    sublattices or ordered phase need to be named. Antiphase domains lower it, as they should.
    """
    occ = (np.asarray(occupation) == species).astype(float)
    dev = occ - occ.mean()
    n_cells = int(np.prod(grid.shape))
    field = np.zeros((grid.n_basis, n_cells))
    field[grid.basis_index, grid.cell_index] = dev
    power = np.zeros(n_cells)
    for b in range(grid.n_basis):
        power += np.abs(np.fft.fftn(field[b].reshape(grid.shape)).ravel()) ** 2
    total = power.sum()
    if total <= 0:
        return 0.0
    peaks = power > threshold * total / n_cells
    return float(np.sqrt(power[peaks].sum() / total))


def order_transition_temperature(temperatures: np.ndarray, order: np.ndarray) -> dict[str, Any]:
    """The temperature at which the long-range order falls to half its largest value, by linear
    interpolation between the scan points around it; the uncertainty is half their spacing."""
    t = np.asarray(temperatures, dtype=float)
    eta = np.asarray(order, dtype=float)
    keep = np.isfinite(eta)
    t, eta = t[keep], eta[keep]
    if len(t) < 3:
        raise ParameterError("an order-disorder temperature needs at least three temperatures")
    o = np.argsort(t)
    t, eta = t[o], eta[o]
    half = 0.5 * eta.max()
    above = np.flatnonzero(eta >= half)
    k = int(above.max())  # the hottest point still at least half ordered
    if k == len(t) - 1:
        return {"transition_temperature": float(t[-1]), "uncertainty": float(t[-1] - t[-2]),
                "at_edge": True}
    t0, t1, e0, e1 = t[k], t[k + 1], eta[k], eta[k + 1]
    tc = float(t0 + (e0 - half) / (e0 - e1) * (t1 - t0)) if e0 != e1 else float(t0)
    return {"transition_temperature": tc, "uncertainty": float((t1 - t0) / 2), "at_edge": k == 0}
