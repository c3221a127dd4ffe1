import numpy as np
import pytest
from ase.calculators.emt import EMT

from matterlearn.data import ENERGY_KEY, FORCES_KEY, STRESS_KEY, group_splits, validate_frame
from matterlearn.datasets import (
    emt_alloy_configurations,
    emt_lattice_constant,
    emt_potential_frames,
    label_with_emt,
    load,
)
from matterlearn.errors import ParameterError


def test_emt_lattice_constant_is_the_minimum() -> None:
    from ase.build import bulk

    a0 = emt_lattice_constant("Cu")
    energies = []
    for a in (a0 * 0.99, a0, a0 * 1.01):
        atoms = bulk("Cu", "fcc", a=a)
        atoms.calc = EMT()
        energies.append(atoms.get_potential_energy())
    assert energies[1] < energies[0] and energies[1] < energies[2]
    atoms = bulk("Cu", "fcc", a=a0)
    atoms.calc = EMT()
    assert np.abs(atoms.get_stress()).max() < 1e-6  # no pressure at the minimum


def test_alloy_configurations_deterministic_and_labelled() -> None:
    a = emt_alloy_configurations(("Au", "Cu"), n_structures=8, seed=3)
    b = emt_alloy_configurations(("Au", "Cu"), n_structures=8, seed=3)
    c = emt_alloy_configurations(("Au", "Cu"), n_structures=8, seed=4)
    assert [x.info[ENERGY_KEY] for x in a] == [x.info[ENERGY_KEY] for x in b]
    assert [x.info[ENERGY_KEY] for x in a] != [x.info[ENERGY_KEY] for x in c]
    assert a[0].get_chemical_formula() == "Au" and a[1].get_chemical_formula() == "Cu"
    for k, atoms in enumerate(a):
        validate_frame(atoms, f"config {k}")
        assert len(atoms) <= 8
        if k >= 2:
            assert len(set(atoms.get_chemical_symbols())) == 2  # mixed
        ref = atoms.copy()
        ref.calc = EMT()
        assert atoms.info[ENERGY_KEY] == pytest.approx(ref.get_potential_energy(), abs=1e-12)
        np.testing.assert_allclose(atoms.arrays[FORCES_KEY], ref.get_forces(), atol=1e-12)


def test_relaxed_configurations_have_small_forces() -> None:
    frames = emt_alloy_configurations(("Cu", "Au"), n_structures=4, relax=True, seed=0)
    for atoms in frames:
        assert atoms.info["relaxed"]
        assert np.abs(atoms.arrays[FORCES_KEY]).max() < 0.01 + 1e-9


def test_potential_frames() -> None:
    frames = emt_potential_frames(fractions=(0.25,), temperatures=(300.0, 1200.0),
                                  frames_per_trajectory=2, n_strained=2, seed=0)
    kinds = sorted({a.info["config_type"] for a in frames})
    assert kinds == ["md_1200K", "md_300K", "strained", "vacancy_md_1200K", "vacancy_md_300K"]
    assert len(frames) == 2 * 2 * 2 + 2
    assert {len(a) for a in frames} == {32, 31}
    for a in frames:
        assert a.info[STRESS_KEY].shape == (6,)
        assert np.isclose(np.mean(a.numbers == 79), 0.25, atol=0.02)
    # hotter MD gives larger forces
    rms = {k: np.sqrt(np.mean(np.concatenate([a.arrays[FORCES_KEY].ravel() for a in frames
                                              if a.info["config_type"] == k]) ** 2))
           for k in ("md_300K", "md_1200K")}
    assert rms["md_1200K"] > rms["md_300K"]
    # a split by trajectory keeps each trajectory on one side
    groups = [a.info["trajectory"] for a in frames]
    for train, test in group_splits(groups, 3):
        assert not {groups[i] for i in train} & {groups[i] for i in test}


def test_generated_registry_entries() -> None:
    ds = load("emt_alloy", n_structures=5, seed=1)
    assert len(ds) == 5 and ds.info.generated
    assert ds.units["energy_per_atom"] == "eV/atom"


def test_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="EMT has no parameters for Fe"):
        emt_alloy_configurations(("Fe", "Cu"))
    with pytest.raises(ParameterError, match="fractions"):
        emt_potential_frames(fractions=(1.5,))


def test_label_with_emt_does_not_mutate() -> None:
    from ase.build import bulk

    atoms = bulk("Cu", "fcc", a=3.7, cubic=True)
    before = atoms.copy()
    out = label_with_emt(atoms, relax=True)
    assert atoms == before and atoms.calc is None
    assert out.cell.lengths()[0] == pytest.approx(emt_lattice_constant("Cu"), abs=2e-3)


def test_stress_sign_convention() -> None:
    """docs/conventions.md: a stretched cell has positive stress (ASE's sign)."""
    from ase.build import bulk

    a0 = emt_lattice_constant("Cu")
    stretched = label_with_emt(bulk("Cu", "fcc", a=1.02 * a0))
    squeezed = label_with_emt(bulk("Cu", "fcc", a=0.98 * a0))
    assert (stretched.info[STRESS_KEY][:3] > 0).all()
    assert (squeezed.info[STRESS_KEY][:3] < 0).all()
