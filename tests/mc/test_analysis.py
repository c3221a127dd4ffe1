"""Statistics and order parameters."""

import numpy as np
import pytest
from ase.build import bulk

from matterlearn.ce import ClusterExpansion, ClusterSpace
from matterlearn.mc import (
    anneal,
    autocorrelation_time,
    blocking_error,
    equilibration_index,
    sublattice_order,
    warren_cowley,
)


def _ar1(n: int, phi: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + rng.normal()
    return x


def test_blocking_and_autocorrelation_on_ar1() -> None:
    phi = 0.9
    x = _ar1(2**16, phi)
    tau_exact = (1 + phi) / (1 - phi)  # 19
    assert autocorrelation_time(x) == pytest.approx(tau_exact, rel=0.2)
    naive = x.std() / np.sqrt(len(x))
    assert blocking_error(x) == pytest.approx(naive * np.sqrt(tau_exact), rel=0.25)


def test_equilibration_detects_a_transient() -> None:
    x = _ar1(4000, 0.5, seed=1)
    x[:600] += np.linspace(30, 0, 600)
    t0 = equilibration_index(x)
    assert 300 <= t0 <= 1000


def test_order_parameters_of_l12() -> None:
    l12 = bulk("Cu", "fcc", a=3.8, cubic=True).repeat(2)
    occ = (l12.positions[:, 0] % 3.8 < 0.1) & (l12.positions[:, 1] % 3.8 < 0.1) & \
        (l12.positions[:, 2] % 3.8 < 0.1)
    occ = occ.astype(int)  # Au on the cube corners: L1_2, x = 1/4
    from ase.neighborlist import neighbor_list

    i, j = neighbor_list("ij", l12, 2.8)
    pairs = np.column_stack([i[i < j], j[i < j]])
    # every Au has 12 Cu neighbours: alpha1 = 1 - 1/(1 - 1/4) = -1/3
    assert warren_cowley(occ, pairs) == pytest.approx(-1 / 3)
    corner = np.flatnonzero(occ == 1)
    others = np.flatnonzero(occ == 0)
    assert sublattice_order(occ, [corner, others]) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    random = rng.permutation(occ)
    assert abs(warren_cowley(random, pairs)) < 0.3


def test_anneal_finds_l10() -> None:
    cs = ClusterSpace(bulk("Cu", a=3.8), [3.0], ["Au", "Cu"])
    ecis = np.zeros(cs.n_parameters)
    ecis[2] = 0.02 * 6
    ce = ClusterExpansion(cs, ecis)
    s = bulk("Cu", "fcc", a=3.8, cubic=True).repeat(2)
    s.set_chemical_symbols(["Au"] * 16 + ["Cu"] * 16)
    best, e = anneal(ce, s, 3000.0, 50.0, 300, seed=1)
    # L1_0 is the ground state of a nearest-neighbour ordering interaction at x = 1/2:
    # nearest-neighbour correlation -1/3, so E = J (1 - ...) at its minimum
    cv = cs.cluster_vector(best)
    assert cv[2] == pytest.approx(-1 / 3, abs=1e-9)
    assert e == pytest.approx(ce.mixing_energy(best))


def test_long_range_order_of_superstructures() -> None:
    from matterlearn.mc import lattice_grid, long_range_order

    prim = bulk("Cu", "fcc", a=3.8)
    cell = prim.repeat((4, 4, 4))
    grid = lattice_grid(cell, prim)
    assert grid is not None and grid.shape == (4, 4, 4)
    f = np.round(cell.positions / 1.9).astype(int)  # coordinates in units of a/2
    corner = ((f % 2) == 0).all(axis=1)
    l12 = corner.astype(int)  # Au on the cube corners, x = 1/4
    l10 = (f[:, 2] % 2 == 0).astype(int)  # alternating (001) planes, x = 1/2
    assert l12.mean() == 0.25 and l10.mean() == 0.5
    assert long_range_order(l12, grid) == pytest.approx(1.0)
    assert long_range_order(l10, grid) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    assert long_range_order(rng.permutation(l12), grid) < 0.3
    # two antiphase domains of L1_0 (the plane order shifts half-way along x) order less
    domains = np.where(f[:, 0] < 4, l10, 1 - l10)
    assert long_range_order(domains, grid) < 0.95
    assert lattice_grid(bulk("Cu", "fcc", a=3.8, cubic=True).repeat(2), prim) is None


def test_order_transition_temperature() -> None:
    from matterlearn.mc import order_transition_temperature

    t = np.arange(200.0, 901.0, 50.0)
    eta = 0.9 / (1 + np.exp((t - 530.0) / 20.0))
    r = order_transition_temperature(t[::-1], eta[::-1])
    assert r["transition_temperature"] == pytest.approx(530.0, abs=5) and r["uncertainty"] == 25.0
    assert not r["at_edge"]
