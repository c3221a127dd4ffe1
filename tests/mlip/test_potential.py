"""Physics contracts of the MTP (via matterlearn.testing.check_calculator), persistence, errors."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from ase.build import bulk

from matterlearn.errors import DataFormatError, UnknownElementError
from matterlearn.mlip import (
    ExtrapolationWarning,
    MLIPCalculator,
    MomentTensorPotential,
    load_potential,
)
from matterlearn.testing import check_calculator


def _distorted_cuau():
    rng = np.random.default_rng(7)
    atoms = bulk("Cu", "fcc", a=3.65, cubic=True).repeat((2, 2, 1))
    atoms.symbols[[0, 3, 9]] = "Au"
    atoms.positions += rng.normal(0, 0.08, atoms.positions.shape)
    atoms.set_cell(atoms.cell.array @ (np.eye(3) + rng.uniform(-0.02, 0.02, (3, 3))), scale_atoms=True)
    return atoms


@pytest.mark.parametrize("level", [8, 16])
def test_random_mtp_meets_the_physics_contract(level: int) -> None:
    pot = MomentTensorPotential(["Cu", "Au"], level=level, cutoff=4.2, min_distance=2.0, seed=level)
    pot.xi = np.random.default_rng(0).normal(scale=1e-3, size=pot.xi.shape)
    pot.ref_energy = np.array([-0.1, -0.2])
    report = check_calculator(MLIPCalculator(pot), _distorted_cuau(), atol_force=1e-6, atol_energy=1e-9)
    assert set(report) >= {"forces_vs_finite_difference", "stress_vs_strain_derivative", "rotation_energy",
                           "translation_energy", "permutation_energy", "extensivity_energy"}


def test_trained_mtp_meets_the_physics_contract(trained) -> None:  # type: ignore[no-untyped-def]
    pot, _ = trained
    check_calculator(MLIPCalculator(pot), _distorted_cuau())


def test_check_calculator_catches_wrong_forces() -> None:
    from ase.calculators.emt import EMT

    class Wrong(EMT):
        def calculate(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().calculate(*args, **kwargs)
            self.results["forces"] = 1.01 * self.results["forces"]

    with pytest.raises(AssertionError, match="finite differences"):
        check_calculator(Wrong(), _distorted_cuau())
    # and EMT itself passes
    check_calculator(EMT(), _distorted_cuau(), atol_force=1e-5, rtol_stress=1e-4)


def test_energy_is_smooth_at_the_cutoff() -> None:
    pot = MomentTensorPotential(["Cu"], level=8, cutoff=4.0, min_distance=2.0)
    pot.xi = np.ones_like(pot.xi)
    from ase import Atoms

    def energy(d: float) -> float:
        a = Atoms("Cu2", positions=[[0, 0, 0], [d, 0, 0]])
        return float(pot.predict([a])["energy"][0])

    assert energy(4.0 + 1e-9) == pytest.approx(energy(5.0))
    # value and slope vanish at the cutoff
    assert abs(energy(4.0 - 1e-4) - energy(5.0)) < 1e-6
    assert abs(energy(4.0 - 2e-4) - energy(4.0 - 1e-4)) < 1e-6


def test_calculator_does_not_modify_atoms_and_reuses_neighbours() -> None:
    pot = MomentTensorPotential(["Cu", "Au"], level=8, cutoff=4.2, min_distance=2.0)
    pot.xi = np.full(pot.xi.shape, 1e-3)
    atoms = _distorted_cuau()
    before = atoms.copy()
    calc = MLIPCalculator(pot, skin=1.0)
    atoms.calc = calc
    e0 = atoms.get_potential_energy()
    for _ in range(5):
        atoms.positions += 0.01
        atoms.get_forces()
    assert calc.n_builds == 1
    atoms.positions[0] += 0.6  # beyond half the skin: rebuild
    atoms.get_forces()
    assert calc.n_builds == 2
    fresh = before.copy()
    fresh.calc = MLIPCalculator(pot)
    assert fresh.get_potential_energy() == pytest.approx(e0, abs=1e-10)
    np.testing.assert_allclose(before.positions, _distorted_cuau().positions)


def test_round_trip(tmp_path, trained) -> None:  # type: ignore[no-untyped-def]
    pot, _ = trained
    path = tmp_path / "pot.json"
    pot.save(path)
    again = load_potential(path)
    atoms = _distorted_cuau()
    np.testing.assert_array_equal(pot.predict([atoms])["forces"][0], again.predict([atoms])["forces"][0])
    assert json.loads(path.read_text())["recipe"]["level"] == 10


def test_bad_inputs(tmp_path, trained) -> None:  # type: ignore[no-untyped-def]
    pot, _ = trained
    atoms = bulk("Ag", "fcc", a=4.1, cubic=True)
    with pytest.raises(UnknownElementError, match="Ag.*not trained on"):
        MLIPCalculator(pot).get_potential_energy(atoms)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kind": "mtp", "schema_version": 99}))
    with pytest.raises(DataFormatError, match="schema"):
        load_potential(bad)
    close = bulk("Cu", "fcc", a=2.9, cubic=True)  # nearest neighbours at 2.05 Å
    close.calc = MLIPCalculator(pot)
    with pytest.warns(ExtrapolationWarning, match=r"closer than any such pair.*extrapolation grade"):
        e = close.get_potential_energy()
    assert np.isfinite(e)
    # far closer than anything in training, a calculator asked to stop refuses to answer
    from matterlearn.errors import ExtrapolationError

    squeezed = bulk("Cu", "fcc", a=1.8, cubic=True)  # 1.27 Å
    squeezed.calc = MLIPCalculator(pot, stop_distance_ratio=0.6)
    with pytest.raises(ExtrapolationError, match=r"far closer than any such pair.*mlip active"):
        squeezed.get_potential_energy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ok = bulk("Cu", "fcc", a=3.61, cubic=True)
        ok.calc = MLIPCalculator(pot)
        ok.get_potential_energy()


@pytest.mark.parametrize("ensemble", ["nve", "nvt", "npt"])
def test_md_ensembles(trained, ensemble: str) -> None:  # type: ignore[no-untyped-def]
    from matterlearn.mlip import run_md

    pot, _ = trained
    atoms = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(2)
    out = run_md(atoms, MLIPCalculator(pot), temperature=300.0, steps=20, ensemble=ensemble, interval=5, seed=1)
    assert len(out["time_fs"]) == 5
    assert out["final"] is not atoms and np.allclose(atoms.positions, bulk("Cu", "fcc", a=3.61, cubic=True)
                                                     .repeat(2).positions)
    if ensemble == "nve":
        assert abs(out["energy_drift_per_atom_meV"]) < 0.5


def test_thermostat_holds_the_temperature(trained) -> None:  # type: ignore[no-untyped-def]
    """Velocities start at 600 K in a perfect crystal: without a thermostat equipartition takes
    half the kinetic energy into the potential one (measured 218 K), Langevin brings it back
    (measured 573 K over the second half of 600 fs, 32 atoms)."""
    from matterlearn.mlip import run_md

    pot, _ = trained
    mean_t = {}
    for ensemble in ("nve", "nvt"):
        atoms = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(2)
        out = run_md(atoms, MLIPCalculator(pot), temperature=600.0, steps=600, ensemble=ensemble, interval=5,
                     seed=1, friction=0.02)
        t = out["temperature_K"]
        mean_t[ensemble] = t[len(t) // 2:].mean()
    assert abs(mean_t["nvt"] - 600) < 90
    assert mean_t["nve"] < 0.6 * 600


@pytest.mark.parametrize("a0", [3.50, 3.72], ids=["compressed", "stretched"])
def test_barostat_relaxes_the_pressure(trained, a0: float) -> None:  # type: ignore[no-untyped-def]
    """At a target of 0 GPa, a compressed cell (about +21 GPa) expands and a stretched one
    (about -8 GPa) shrinks; after 1 ps the pressure is down to 12 % and 42 % of where it began."""
    from ase import units

    from matterlearn.mlip import run_md

    pot, _ = trained
    atoms = bulk("Cu", "fcc", a=a0, cubic=True).repeat(2)
    atoms.calc = MLIPCalculator(pot)
    p0 = -atoms.get_stress()[:3].mean() / units.GPa
    out = run_md(atoms, MLIPCalculator(pot), temperature=300.0, steps=1000, ensemble="npt", interval=10,
                 seed=1, pressure=0.0)
    final = out["final"]
    p1 = -final.get_stress(include_ideal_gas=True)[:3].mean() / units.GPa
    assert abs(p0) > 5 and abs(p1) < 0.6 * abs(p0)
    assert (final.get_volume() - atoms.get_volume()) * p0 > 0  # expands under pressure, shrinks under tension