"""The compiled kernel against full cluster-vector evaluations, and MC against exact averages."""

import itertools
from pathlib import Path

import numpy as np
import pytest
from ase.build import bulk
from ase.data import atomic_numbers

from matterlearn.ce import ClusterExpansion, ClusterSpace
from matterlearn.errors import ParameterError
from matterlearn.mc import (
    KB,
    CanonicalEnsemble,
    SemiGrandCanonicalEnsemble,
    blocking_error,
    heat_capacity,
)

PRIM = bulk("Au", a=4.0)


def _expansion(species, cutoffs=(5.7, 4.0, 3.0), seed=0):  # type: ignore[no-untyped-def]
    cs = ClusterSpace(PRIM, list(cutoffs), species)
    rng = np.random.default_rng(seed)
    return ClusterExpansion(cs, rng.normal(0, 0.01, cs.n_parameters))


@pytest.mark.parametrize("species", [["Au", "Pd"], ["Au", "Pd", "Cu"]], ids=["binary", "ternary"])
@pytest.mark.parametrize("repeat", [(1, 1, 2), (2, 2, 2), (4, 4, 4)], ids=["2", "8", "64"])
def test_energy_change_equals_difference(species, repeat) -> None:  # type: ignore[no-untyped-def]
    ce = _expansion(species)
    rng = np.random.default_rng(1)
    s = PRIM.repeat(repeat)
    s.set_chemical_symbols(rng.choice(species, len(s)).tolist())
    ens = SemiGrandCanonicalEnsemble(ce, s, 500.0, {}, seed=0)
    names = ens.system.species[0]  # species indices are by atomic number
    assert ens.energy == pytest.approx(ce.mixing_energy(s) * len(s), abs=1e-12)
    for _ in range(40):
        j = int(rng.integers(len(s)))
        new = int(rng.integers(len(names)))
        before = ce.mixing_energy(ens.atoms()) * len(s)
        d = ens.calculate_change(j, new)
        ens.occupation[j] = new
        after = ce.mixing_energy(ens.atoms()) * len(s)
        assert d == pytest.approx(after - before, abs=1e-9)
        assert ens.calculate_total() == pytest.approx(after, abs=1e-9)


@pytest.mark.parametrize("cutoffs", [(5.7, 4.0, 3.0), (5.7, 5.0, 4.1)], ids=["tabulated", "products"])
def test_tabulated_products_equal_the_polynomial(cutoffs) -> None:  # type: ignore[no-untyped-def]
    """Binary flips: the table of higher-order terms gives the term-by-term polynomial's value;
    cutoffs whose products involve too many neighbours fall back to the polynomial."""
    from matterlearn.mc import _kernel
    from matterlearn.mc._system import MAX_HOT_SLOTS

    ce = _expansion(["Au", "Pd"], cutoffs)
    rng = np.random.default_rng(3)
    s = PRIM.repeat((4, 4, 4))
    s.set_chemical_symbols(rng.choice(["Au", "Pd"], len(s)).tolist())
    ens = SemiGrandCanonicalEnsemble(ce, s, 500.0, {}, seed=0)
    arrays = _kernel.kernel_arrays(ens.system)
    used = arrays[-1]
    assert used == (cutoffs[1] < 4.5)  # 18 slots (two shells) are tabulated; 4.1 Å triplets are not
    assert (ens.system.hot_n <= MAX_HOT_SLOTS).all()
    plain = arrays[:-1] + (False,)
    loc = np.empty(ens.system.nbr.shape[1])
    for _ in range(50):
        j = int(rng.integers(len(s)))
        new = 1 - int(ens.occupation[j])
        a = _kernel.delta_flip(ens.occupation, j, new, arrays, loc)
        b = _kernel.delta_flip(ens.occupation, j, new, plain, loc)
        assert a == pytest.approx(b, abs=1e-12)
        ens.occupation[j] = int(rng.integers(2))


def _independent_energies(ce, structure, configurations):  # type: ignore[no-untyped-def]
    """Energies (eV per cell) of occupations (0: the lighter species, 1: the heavier) from the
    cluster space's own cluster vectors, not from the MC kernel that is being tested."""
    light, heavy = sorted(ce.cluster_space.species, key=atomic_numbers.get)
    out = []
    for occ in configurations:
        a = structure.copy()
        a.set_chemical_symbols([heavy if o else light for o in occ])
        out.append(ce.mixing_energy(a) * len(a))
    return np.array(out)


def _exact(ens, ce, structure, configurations):  # type: ignore[no-untyped-def]
    """Exact canonical mean energy and heat capacity per site over the given configurations."""
    e = _independent_energies(ce, structure, configurations)
    b = 1.0 / (KB * ens.temperature)
    w = np.exp(-b * (e - e.min()))
    w /= w.sum()
    mean = float(w @ e)
    var = float(w @ e**2 - mean**2)
    return mean, var / (ens.n_sites * (KB * ens.temperature) ** 2)


@pytest.mark.parametrize("temperature", [300.0, 1500.0])
def test_canonical_equals_exact_boltzmann(temperature: float) -> None:
    ce = _expansion(["Au", "Pd"], seed=3)
    s = PRIM.repeat((3, 2, 2))  # 12 sites, 4 Au
    s.set_chemical_symbols(["Au"] * 4 + ["Pd"] * 8)
    ens = CanonicalEnsemble(ce, s, temperature, seed=7)
    configs = []
    for combo in itertools.combinations(range(12), 4):
        occ = np.zeros(12, dtype=np.int32)  # Pd (Z=46) is species 0
        occ[list(combo)] = 1
        configs.append(occ)
    e_exact, c_exact = _exact(ens, ce, s, configs)
    data = ens.run(20000, equilibration=500)
    e_err = blocking_error(data.energy)
    c_mc, c_err = heat_capacity(data.energy, temperature, 12)
    assert abs(data.energy.mean() - e_exact) < 3 * e_err
    assert abs(c_mc - c_exact) < 3 * c_err


def test_sgc_equals_exact_boltzmann() -> None:
    ce = _expansion(["Au", "Pd"], seed=4)
    s = PRIM.repeat((2, 2, 3))  # 12 sites, every configuration
    temperature = 800.0
    mu = {"Au": 0.02, "Pd": 0.0}
    ens = SemiGrandCanonicalEnsemble(ce, s, temperature, mu, seed=3)
    mu_arr = np.array([mu["Pd"], mu["Au"]])
    configs = [np.array(c, dtype=np.int32) for c in itertools.product([0, 1], repeat=12)]
    e = _independent_energies(ce, s, configs)
    n_au = np.array([c.sum() for c in configs])
    h = e - mu_arr[1] * n_au
    b = 1 / (KB * temperature)
    w = np.exp(-b * (h - h.min()))
    w /= w.sum()
    e_exact = w @ e
    x_exact = w @ (n_au / 12)
    data = ens.run(20000, equilibration=500, observers={"x": lambda en: {"": en.composition()["Au"]}})
    assert abs(data.energy.mean() - e_exact) < 3 * blocking_error(data.energy)
    x = data.observations["x"]
    assert abs(x.mean() - x_exact) < 3 * blocking_error(x)


def test_resume_continues_exactly_and_refuses_other_parameters(tmp_path: Path) -> None:
    ce = _expansion(["Au", "Pd"])
    s = PRIM.repeat((4, 4, 4))
    s.set_chemical_symbols(["Au"] * 16 + ["Pd"] * 48)
    straight = CanonicalEnsemble(ce, s, 700.0, seed=11)
    full = straight.run(40).energy
    first = CanonicalEnsemble(ce, s, 700.0, seed=11)
    a = first.run(20).energy
    first.save(tmp_path / "state.json")
    second = CanonicalEnsemble(ce, s, 700.0, seed=11)
    second.resume(tmp_path / "state.json")
    b = second.run(20).energy
    np.testing.assert_allclose(np.r_[a, b], full, rtol=0, atol=1e-10)  # same trajectory
    other = CanonicalEnsemble(ce, s, 900.0, seed=11)
    with pytest.raises(ParameterError, match="temperature: 700.0 there, 900.0 here"):
        other.resume(tmp_path / "state.json")


def test_canonical_keeps_composition() -> None:
    ce = _expansion(["Au", "Pd", "Cu"])
    s = PRIM.repeat((4, 4, 2))
    s.set_chemical_symbols(["Au"] * 8 + ["Pd"] * 12 + ["Cu"] * 12)
    ens = CanonicalEnsemble(ce, s, 400.0, seed=2)
    ens.run(20)
    assert ens.composition() == pytest.approx({"Cu": 12 / 32, "Pd": 12 / 32, "Au": 8 / 32})


def test_kmc_tracer_correlation_factor_fcc() -> None:
    """No interactions, one vacancy in fcc: D_tracer / D_random_walk = f = 0.7815 (within 5 %)."""
    from matterlearn.mc import KineticMonteCarlo

    cs = ClusterSpace(bulk("Cu", a=3.6), [3.0], ["Cu", "X"])
    ce = ClusterExpansion(cs, np.zeros(cs.n_parameters))
    s = bulk("Cu", "fcc", a=3.6, cubic=True).repeat(4)
    s.symbols[0] = "X"
    kmc = KineticMonteCarlo(ce, s, 600.0, {"Cu": 0.7}, attempt_frequency=1e13, seed=3)
    r = kmc.run(300_000)
    assert r.correlation_factor["Cu"] == pytest.approx(0.7815, rel=0.05)
    # the physical clock: 12 exchanges at nu exp(-E/kT) per vacancy
    rate = 12 * 1e13 * np.exp(-0.7 / (KB * 600.0))
    assert r.time == pytest.approx(300_000 / rate, rel=0.02)
    assert r.random_walk_diffusion["Cu"] == pytest.approx(
        rate / 255 * 2.5456**2 / 6 * 1e-16, rel=0.02)


def test_kmc_needs_vacancies() -> None:
    from matterlearn.mc import KineticMonteCarlo

    cs = ClusterSpace(bulk("Cu", a=3.6), [3.0], ["Cu", "X"])
    ce = ClusterExpansion(cs, np.zeros(cs.n_parameters))
    with pytest.raises(ParameterError, match="no vacancy"):
        KineticMonteCarlo(ce, bulk("Cu", "fcc", a=3.6, cubic=True), 600.0, {"Cu": 0.7})
