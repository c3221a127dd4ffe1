"""Free energies by thermodynamic integration of Monte Carlo runs, and the phase boundaries and
order-disorder temperatures they locate.

Each phase is followed on a branch of its own: started in that phase and carried along the
temperature or the chemical potential while it stays (meta)stable. Its free energy comes from an
exactly known reference by integration along the branch,

* along the temperature, ``d(beta phi)/d beta = <H>`` (``H = E - mu N_s`` per site in the
  semi-grand-canonical ensemble, ``E`` in the canonical one),
* along the chemical potential at fixed temperature, ``d phi/d mu = -x``,

with the references: an ordered ground state at low temperature (``phi = E0 - mu x0``), the
infinite temperature (``beta phi = -ln n`` for ``n`` species per site in the semi-grand ensemble,
``-s_ideal(x)`` at fixed composition) and the dilute limits of the terminal solutions. Where two
branches' free energies cross, the phases coexist: the crossing gives the transition
temperature or the chemical potential of coexistence, and the two branches' compositions there
the edges of the two-phase region. Unlike a composition jump on heating or cooling, the crossing
does not depend on how long a metastable phase survives, so it lies inside the hysteresis.

References
----------
A. van de Walle and M. Asta, Modelling Simul. Mater. Sci. Eng. 10, 521 (2002),
doi:10.1088/0965-0393/10/5/304.
D. Frenkel and B. Smit, *Understanding Molecular Simulation*, 2nd ed. (Academic Press, 2002),
ch. 7.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from ase import Atoms

from ..ce import ClusterExpansion
from ..errors import ParameterError
from ._analysis import lattice_grid, long_range_order
from ._ensembles import KB, SemiGrandCanonicalEnsemble

#: long-range order above which a configuration counts as ordered (1: a perfect superstructure,
#: about 0 when disordered; see :func:`~matterlearn.mc.long_range_order`)
ORDERED = 0.5

__all__ = ["integrate_temperature", "integrate_chemical_potential", "sgc_temperature_branch",
           "sgc_mu_branch", "crossing", "canonical_transition",
           "phase_boundaries"]


def integrate_temperature(temperatures: Sequence[float], enthalpy: Sequence[float],
                          beta_phi_start: float) -> np.ndarray:
    """Free energy per site along a run in temperature (eV/site).

    ``beta phi(beta) = beta_0 phi_0 + int_{beta_0}^{beta} <H> d beta'`` by the trapezoidal rule
    in ``beta = 1/kT``. ``temperatures`` (K, ``inf`` allowed for the first) in the order of the
    run; ``enthalpy`` the mean ``<H>`` per site at each (eV); ``beta_phi_start`` the
    dimensionless ``beta phi`` at the first temperature.
    """
    t = np.asarray(temperatures, dtype=float)
    h = np.asarray(enthalpy, dtype=float)
    if t.shape != h.shape or t.ndim != 1 or len(t) < 1:
        raise ParameterError("one enthalpy per temperature is needed")
    beta = np.where(np.isinf(t), 0.0, 1.0 / (KB * np.where(np.isinf(t), 1.0, t)))
    bphi = beta_phi_start + np.concatenate([[0.0], np.cumsum(0.5 * (h[1:] + h[:-1]) * np.diff(beta))])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(beta > 0, bphi / np.where(beta > 0, beta, 1.0), np.nan)


def integrate_chemical_potential(mu: Sequence[float], x: Sequence[float], phi_start: float) -> np.ndarray:
    """Free energy per site along a scan in chemical potential at fixed temperature:
    ``phi(mu) = phi_0 - int_{mu_0}^{mu} x d mu'`` (trapezoidal), ``mu`` in the order of the scan."""
    m = np.asarray(mu, dtype=float)
    c = np.asarray(x, dtype=float)
    if m.shape != c.shape or m.ndim != 1 or len(m) < 1:
        raise ParameterError("one composition per chemical potential is needed")
    return phi_start - np.concatenate([[0.0], np.cumsum(0.5 * (c[1:] + c[:-1]) * np.diff(m))])


def _sgc(expansion: ClusterExpansion, structure: Atoms, species: str, temperature: float, mu: float,
         seed: int) -> SemiGrandCanonicalEnsemble:
    return SemiGrandCanonicalEnsemble(expansion, structure, temperature, {species: mu}, seed=seed)


def _sample(ens: Any, species_index: int, sweeps: int, equilibration: int,
            species_mu: float) -> tuple[float, float, float]:
    """Mean composition, mean energy per site and mean ``H = E - mu N_s`` per site."""
    act = ens.active
    data = ens.run(sweeps, equilibration=equilibration,
                   observers={"x": lambda e: {"": float(np.mean(e.occupation[act] == species_index))}})
    x = float(np.mean(data.observations["x"]))
    e = float(np.mean(data.energy) / ens.n_sites)
    # per site of the supercell: the composition is per active site
    return x, e, e - species_mu * x * len(act) / ens.n_sites


def _species_index(ens: Any, species: str) -> int:
    names = ens.system.species[int(ens.active[0])]
    if species not in names:
        raise ParameterError(f"unknown species {species!r}; the lattice has {', '.join(names)}")
    return list(names).index(species)


def sgc_temperature_branch(expansion: ClusterExpansion, structure: Atoms, species: str, mu: float,
                           temperatures: Sequence[float], sweeps: int, equilibration: int,
                           seed: int = 0) -> dict[str, Any]:
    """One phase carried through ``temperatures`` (in that order) at a fixed chemical potential
    ``mu`` of ``species`` (semi-grand canonical), starting from ``structure``.

    Returns ``temperatures``, ``x`` (fraction of ``species`` on the active sites), ``energy`` and
    ``enthalpy`` (``E - mu N_s``, eV per site), ``order`` (long-range order at the end of each
    temperature, NaN when the supercell is not a repeated primitive cell) and ``occupations``
    (the configuration after each temperature, species index per site, for branches that start
    there).
    """
    temps = [float(t) for t in temperatures]
    ens = _sgc(expansion, structure, species, temps[0], mu, seed)
    k = _species_index(ens, species)
    grid = lattice_grid(structure, expansion.cluster_space.prim)
    xs, es, hs, occs, order = [], [], [], [], []
    for t in temps:
        ens.temperature = t
        x, e, h = _sample(ens, k, sweeps, equilibration, mu)
        xs.append(x)
        es.append(e)
        hs.append(h)
        occs.append(ens.occupation.copy())
        order.append(float(long_range_order(ens.occupation, grid, k)) if grid is not None else float("nan"))
    return {"mu": float(mu), "temperatures": temps, "x": xs, "energy": es, "enthalpy": hs,
            "order": order, "occupations": occs}


def sgc_mu_branch(expansion: ClusterExpansion, structure: Atoms, species: str, temperature: float,
                  mus: Sequence[float], sweeps: int, equilibration: int, seed: int = 0,
                  occupation: np.ndarray | None = None, jump: float = 0.08,
                  after_jump: int = 2) -> dict[str, Any]:
    """One phase carried along the chemical potentials ``mus`` (in that order) at fixed
    ``temperature``, from ``structure`` (or ``occupation`` on it).

    The branch stops ``after_jump`` points after the phase is left: where the composition first
    jumps by more than ``jump`` between neighbouring points (abruptly, see below), or where the
    long-range order crosses :data:`ORDERED` (an ordered phase disordering, or a solution
    ordering). Returns ``mu``, ``x``, ``energy`` (eV/site), ``order`` and ``jump_index`` (the
    first point past the phase, or None).
    """
    mus = [float(m) for m in mus]
    ens = _sgc(expansion, structure, species, temperature, mus[0], seed)
    if occupation is not None:
        ens.set_occupation(occupation)
    k = _species_index(ens, species)
    grid = lattice_grid(structure, expansion.cluster_space.prim)
    xs, es, order, jump_at = [], [], [], None
    start_ordered = None
    for n, m in enumerate(mus):
        ens.set_chemical_potentials({species: m})
        x, e, _ = _sample(ens, k, sweeps, equilibration, m)
        xs.append(x)
        es.append(e)
        lro = float(long_range_order(ens.occupation, grid, k)) if grid is not None else float("nan")
        order.append(lro)
        if np.isfinite(lro):
            if start_ordered is None:
                start_ordered = lro > ORDERED
            elif jump_at is None and (lro > ORDERED) != start_ordered:
                jump_at = n
        if jump_at is None and n >= 2:
            # a jump is abrupt: large, and much larger than the step before it (scaled by the
            # step in mu), which a steep but continuous x(mu) near a critical point is not
            dx, dprev = abs(x - xs[-2]), abs(xs[-2] - xs[-3])
            scale = abs(m - mus[n - 1]) / max(abs(mus[n - 1] - mus[n - 2]), 1e-12)
            if dx > jump and dx > 4 * dprev * scale:
                jump_at = n
        elif jump_at is None and n == 1 and abs(x - xs[0]) > jump:
            jump_at = n
        if jump_at is not None and n >= jump_at + after_jump:
            break
    return {"temperature": float(temperature), "mu": mus[:len(xs)], "x": xs, "energy": es,
            "order": order, "jump_index": jump_at}


def crossing(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> float | None:
    """The first ``x`` where ``a - b`` changes sign (linear interpolation), or None."""
    d = np.asarray(a, float) - np.asarray(b, float)
    ok = np.isfinite(d)
    xs, d = np.asarray(x, float)[ok], d[ok]
    for k in range(len(d) - 1):
        if d[k] == 0:
            return float(xs[k])
        if d[k] * d[k + 1] < 0:
            return float(xs[k] + (xs[k + 1] - xs[k]) * d[k] / (d[k] - d[k + 1]))
    return None


def _ideal_entropy(fractions: Sequence[float], n_sites: int | None = None) -> float:
    """Configurational entropy per site (k_B) of a random arrangement at fixed composition:
    exactly ``ln(N! / prod N_s!) / N`` for ``n_sites`` sites, the Stirling limit without."""
    f = np.asarray([c for c in fractions if c > 0], dtype=float)
    if n_sites is None:
        return float(-(f * np.log(f)).sum())
    from math import lgamma

    counts = np.round(f * n_sites)
    return float((lgamma(n_sites + 1) - sum(lgamma(c + 1) for c in counts)) / n_sites)


def canonical_transition(ordered: dict[str, Any], disordered: dict[str, Any], ground_energy: float,
                         fractions: Sequence[float], active_fraction: float = 1.0,
                         window: tuple[float, float] | None = None, n_sites: int | None = None,
                         variants: int = 1) -> dict[str, Any]:
    """The order-disorder temperature at fixed composition where the free energies of the
    ordered and the disordered branch cross.

    Parameters
    ----------
    ordered : dict
        ``temperatures`` and mean ``energy`` per site of a canonical run heated from the ordered
        ground state, lowest temperature first (e.g. from :func:`~matterlearn.mc.temperature_scan`).
    disordered : dict
        The same for a run cooled from infinite temperature (first temperature ``inf``).
    ground_energy : float
        Energy per site of the ordered ground state (eV): ``phi`` at the lowest temperature.
    fractions : sequence of float
        Site fractions of the species on the active sites (the ideal entropy at ``beta = 0``).
    active_fraction : float
        Fraction of the supercell's sites that are active.
    n_sites : int, optional
        Active sites of the supercell: the exact entropy of its random arrangements at infinite
        temperature, and ``ln(variants) / n_sites`` for the ordered state (the finite system's
        own free energies; both terms vanish for large cells but move the crossing of a few
        hundred sites by tens of kelvin).
    variants : int
        Distinct symmetry-equivalent copies of the ordered ground state in the supercell.
    window : (float, float), optional
        Where each branch still holds its phase: the disordered branch above ``window[0]`` (where
        it ordered on cooling), the ordered one below ``window[1]`` (where it disordered on
        heating). The crossing is sought there; outside it a branch has turned into the other
        phase and its integral no longer belongs to its own phase.

    Returns
    -------
    dict
        ``temperature`` (K, None when the branches do not cross in the range run),
        ``free_energy_ordered`` and ``free_energy_disordered`` (eV/site) on each branch's
        temperatures.
    """
    t_o = np.asarray(ordered["temperatures"], float)
    t_d = np.asarray(disordered["temperatures"], float)
    if not np.isinf(t_d[0]):
        raise ParameterError("the disordered branch must start at infinite temperature")
    s_ord = np.log(variants) / n_sites if n_sites else 0.0
    f_o = integrate_temperature(t_o, ordered["energy"], ground_energy / (KB * t_o[0]) - active_fraction * s_ord)
    f_d = integrate_temperature(t_d, disordered["energy"],
                                -active_fraction * _ideal_entropy(fractions, n_sites))
    # compare on the common finite temperatures
    common = np.intersect1d(t_o[np.isfinite(t_o)], t_d[np.isfinite(t_d)])
    fo = np.interp(common, t_o, f_o)
    order = np.argsort(t_d)
    fd = np.interp(common, t_d[order], f_d[order])
    keep = np.ones(len(common), bool)
    if window is not None:
        keep = (common >= window[0] - 1e-9) & (common <= window[1] + 1e-9)
    tc = crossing(common[keep], fo[keep], fd[keep]) if keep.sum() >= 2 else None
    return {"temperature": tc, "temperatures": common.tolist(), "window": list(window) if window else None,
            "free_energy_ordered": fo.tolist(), "free_energy_disordered": fd.tolist()}


def _local_line(branch: dict[str, Any], mu: float) -> tuple[float, float]:
    """Slope and intercept of a branch's free energy through its two points nearest ``mu``."""
    m = np.asarray(branch["mu"], float)
    p = np.asarray(branch["phi"], float)
    near = np.argsort(np.abs(m - mu))[:2]
    if len(near) < 2 or m[near[0]] == m[near[1]]:
        return 0.0, float(p[near[0]])
    s = (p[near[1]] - p[near[0]]) / (m[near[1]] - m[near[0]])
    return float(s), float(p[near[0]] - s * m[near[0]])


def _x_at(branch: dict[str, Any], mu: float) -> float:
    return float(np.interp(mu, np.asarray(branch["mu"], float), np.asarray(branch["x"], float)))


def phase_boundaries(branches: Sequence[dict[str, Any]], min_gap: float = 0.02) -> list[dict[str, Any]]:
    """Coexistence at one temperature from the free energies of the phases' branches.

    Parameters
    ----------
    branches : sequence of dict
        Each with ``phase`` (a label), ``mu``, ``x`` and ``phi`` (eV/site) on the points where
        that phase held (before any jump), ``mu`` increasing.
    min_gap : float
        Compositions closer than this at a crossing are one phase changing continuously, not a
        two-phase region.

    Returns
    -------
    list of dict
        One per two-phase region, by increasing ``mu``: ``mu`` of coexistence, ``phases``
        (low-x phase, high-x phase), ``x_low``, ``x_high``, and ``hysteresis``: the chemical
        potentials where the low-x phase's branch, scanned upward, and the high-x phase's
        branch, scanned downward, actually left their phases (``mu_up_jump``, ``mu_down_jump``,
        None when the branch did not jump within the scan) and ``inside`` (the coexistence
        potential lies between them, to the step of the scan: a scan sees a branch leave its
        phase somewhere between two of its points).
    """
    grid = np.unique(np.concatenate([np.asarray(b["mu"], float) for b in branches]))
    phi = np.full((len(branches), len(grid)), np.inf)
    xs = np.full((len(branches), len(grid)), np.nan)
    for k, b in enumerate(branches):
        idx = np.searchsorted(grid, np.asarray(b["mu"], float))
        phi[k, idx] = b["phi"]
        xs[k, idx] = b["x"]
    best = np.argmin(phi, axis=0)
    out: list[dict[str, Any]] = []
    for j in range(len(grid) - 1):
        a, c = int(best[j]), int(best[j + 1])
        if a == c or not (np.isfinite(phi[a, j]) and np.isfinite(phi[c, j + 1])):
            continue
        la, lc = branches[a]["phase"], branches[c]["phase"]
        if la == lc:
            continue
        # crossing of the two branches between the grid points (each extrapolated linearly
        # where it does not reach)
        mid = 0.5 * (grid[j] + grid[j + 1])
        (sa, ia), (sc, ic) = _local_line(branches[a], mid), _local_line(branches[c], mid)
        mu_star = float((ic - ia) / (sa - sc)) if sa != sc else float(mid)
        mu_star = float(np.clip(mu_star, grid[j], grid[j + 1]))
        xa, xc = _x_at(branches[a], mu_star), _x_at(branches[c], mu_star)
        if abs(xc - xa) < min_gap:
            continue
        up = branches[a].get("jump_up_mu")
        down = branches[c].get("jump_down_mu")
        # a scan sees a branch leave its phase between two points: the limit is known to a step
        step = float(grid[j + 1] - grid[j])
        inside = ((up is None or mu_star <= up + step + 1e-12)
                  and (down is None or mu_star >= down - step - 1e-12))
        out.append({"mu": mu_star, "phases": [la, lc], "x_low": min(xa, xc), "x_high": max(xa, xc),
                    "hysteresis": {"mu_up_jump": up, "mu_down_jump": down, "inside": bool(inside)}})
    return out
