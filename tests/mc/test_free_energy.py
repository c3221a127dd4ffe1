"""Free energies by thermodynamic integration against exact results, and the crossings that give
transition temperatures and phase boundaries."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

from matterlearn.mc import (
    KB,
    canonical_transition,
    crossing,
    integrate_chemical_potential,
    integrate_temperature,
    phase_boundaries,
    sgc_mu_branch,
)


def test_integration_along_mu_of_an_ideal_lattice_gas() -> None:
    # non-interacting sites: x = 1 / (1 + exp(-beta mu)), phi = -kT ln(1 + exp(beta mu))
    t = 500.0
    kt = KB * t
    mu = np.linspace(-0.6, 0.4, 2001)
    x = 1 / (1 + np.exp(-mu / kt))
    exact = -kt * np.log1p(np.exp(mu / kt))
    phi = integrate_chemical_potential(mu, x, exact[0])
    assert np.abs(phi - exact).max() < 1e-6
    back = integrate_chemical_potential(mu[::-1], x[::-1], exact[-1])[::-1]  # downward scans too
    assert np.abs(back - exact).max() < 1e-6


def test_integration_along_temperature_of_a_two_level_system() -> None:
    # one excitation of energy d per site: U = d / (1 + exp(beta d)), beta F = -ln(1 + exp(-beta d))
    d = 0.05
    temps = np.concatenate([[np.inf], np.geomspace(1e5, 50, 4000)])
    beta = np.where(np.isinf(temps), 0, 1 / (KB * np.where(np.isinf(temps), 1, temps)))
    u = d / (1 + np.exp(beta * d))
    f = integrate_temperature(temps, u, -np.log(2.0))
    exact = -np.log1p(np.exp(-beta[1:] * d)) / beta[1:]
    assert np.isnan(f[0]) and np.abs(f[1:] - exact).max() < 1e-6
    # and upward from a low-temperature start (the ordered ground state, F = 0)
    up = integrate_temperature(temps[::-1][:-1], u[::-1][:-1], beta[-1] * exact[-1])
    assert np.abs(up - exact[::-1]).max() < 1e-6 * np.abs(exact).max()  # trapezoid error, relative


def test_canonical_transition_of_two_flat_branches() -> None:
    # ordered: energy E0 at every temperature (no excitations); disordered: energy E1 > E0 at every
    # temperature and the ideal entropy s of x = 1/4: the free energies cross at (E1 - E0) / (k s)
    e0, e1 = -0.010, 0.004
    s = -(0.25 * np.log(0.25) + 0.75 * np.log(0.75))
    t = np.arange(50.0, 1001.0, 1.0)
    ordered = {"temperatures": t.tolist(), "energy": [e0] * len(t)}
    disordered = {"temperatures": [np.inf] + t[::-1].tolist(), "energy": [e1] * (len(t) + 1)}
    r = canonical_transition(ordered, disordered, e0, [0.75, 0.25])
    assert r["temperature"] == pytest.approx((e1 - e0) / (KB * s), abs=0.01)
    # a window that excludes the crossing finds none
    assert canonical_transition(ordered, disordered, e0, [0.75, 0.25], window=(500, 600))["temperature"] is None
    # finite cells: the exact entropy of 64 sites is smaller, 4 variants of the ordered state lower
    # its free energy; both raise the crossing
    small = canonical_transition(ordered, disordered, e0, [0.75, 0.25], n_sites=64, variants=4)
    assert small["temperature"] > r["temperature"]


def test_crossing() -> None:
    assert crossing(np.array([0, 1, 2.0]), np.array([1, 0, -1.0]), np.zeros(3)) == pytest.approx(1.0)
    assert crossing(np.array([0, 1.0]), np.array([1, 2.0]), np.zeros(2)) is None


def test_phase_boundaries_of_two_linear_phases() -> None:
    # phase A (x = 0.2) and B (x = 0.7): phi = c - x mu; they cross where c_A - 0.2 mu = c_B - 0.7 mu
    mu = np.round(np.arange(-0.1, 0.1001, 0.01), 10)
    a = {"phase": "A", "mu": mu[mu <= 0.05], "x": np.full((mu <= 0.05).sum(), 0.2), "jump_up_mu": 0.06}
    a["phi"] = 0.0 - 0.2 * a["mu"]
    b = {"phase": "B", "mu": mu[mu >= -0.05], "x": np.full((mu >= -0.05).sum(), 0.7), "jump_down_mu": -0.06}
    b["phi"] = -0.0075 - 0.7 * b["mu"]
    (res,) = phase_boundaries([a, b])
    assert res["mu"] == pytest.approx(-0.015, abs=1e-9)
    assert (res["x_low"], res["x_high"], res["phases"]) == (pytest.approx(0.2), pytest.approx(0.7), ["A", "B"])
    assert res["hysteresis"]["inside"]
    b["jump_down_mu"] = -0.01  # B left its phase just above the coexistence potential: within a
    assert phase_boundaries([a, b])[0]["hysteresis"]["inside"]  # step of the scan, still inside
    b["jump_down_mu"] = 0.01  # far above it: the free energies contradict the scan
    assert not phase_boundaries([a, b])[0]["hysteresis"]["inside"]


def test_sgc_branch_without_interactions_is_the_ideal_lattice_gas() -> None:
    from matterlearn.ce import ClusterExpansion, ClusterSpace

    prim = bulk("Cu", "fcc", a=3.7)
    cs = ClusterSpace(prim, [3.0], ["Cu", "Au"])
    ce = ClusterExpansion(cs, np.zeros(cs.n_parameters))
    atoms = prim.repeat((6, 6, 6))
    t = 600.0
    mus = np.linspace(-0.2, 0.2, 9)
    r = sgc_mu_branch(ce, atoms, "Au", t, mus, sweeps=200, equilibration=50, seed=1)
    exact = 1 / (1 + np.exp(-mus / (KB * t)))
    assert np.abs(np.array(r["x"]) - exact).max() < 0.02
    assert r["jump_index"] is None  # a continuous curve, however steep, is not a jump


def test_variants_of_fcc_orderings() -> None:
    from matterlearn.workflows._thermo import tile, variant_count

    prim = bulk("Cu", "fcc", a=3.7)
    cell = prim.repeat((8, 8, 8))
    l12 = bulk("Cu", "fcc", a=3.7, cubic=True)
    l12.symbols[0] = "Au"
    l10 = bulk("Cu", "fcc", a=3.7, cubic=True)
    l10.symbols[[0, 1]] = ["Au", "Au"]
    d022 = l12.repeat((1, 1, 2))
    d022.symbols[:] = "Cu"
    d022.symbols[[0, 7]] = ["Au", "Au"]  # Au at (0, 0, 0) and (a/2, a/2, a): Al3Ti
    counts = {}
    for name, s in (("L1_2", l12), ("L1_0", l10), ("D0_22", d022)):
        tiled = tile(s, cell)
        assert isinstance(tiled, Atoms) and np.isclose(np.mean(tiled.numbers == 79), np.mean(s.numbers == 79))
        counts[name] = variant_count(tiled, prim)
    assert counts == {"L1_2": 4, "L1_0": 6, "D0_22": 12}
    assert tile(l12.repeat((1, 1, 3)), prim.repeat((4, 4, 4))) is None  # not commensurate
