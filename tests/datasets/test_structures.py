import numpy as np
import pytest

from matterlearn.data import ENERGY_KEY
from matterlearn.datasets import info, load


def test_elastic_tensor_2015() -> None:
    ds = load("elastic_tensor_2015")
    assert len(ds) == 1181
    first = ds.inputs[0]
    assert first.info["material_id"] == "mp-10003"
    assert ds.column("G_VRH")[0] == pytest.approx(97.1416044794)
    assert ds.column("K_VRH")[0] == pytest.approx(194.268884359)
    assert ds.units["K_VRH"] == "GPa"
    # Hill's modulus is the mean of the Reuss and Voigt bounds (the file rounds to 1e-3 GPa)
    for m in ("K", "G"):
        lo, hi, hill = ds.column(f"{m}_Reuss"), ds.column(f"{m}_Voigt"), ds.column(f"{m}_VRH")
        np.testing.assert_allclose(hill, 0.5 * (lo + hi), rtol=0, atol=1e-3 + 1e-9)
        assert (lo <= hill + 1e-9).all() and (hill <= hi + 1e-9).all()
    # the structures are the ones the formulas name
    from matterlearn.data import reduced_formula

    assert reduced_formula(first.get_chemical_formula()) == reduced_formula(first.info["formula"])
    assert "@article{deJong2015" in ds.info.citation


def test_flla_2015() -> None:
    ds = load("flla_2015")
    assert len(ds) == 3938 and ds.info.target == "formation_energy_per_atom"
    first = ds.inputs[0]
    assert first.info["material_id"] == "mp-10" and first.get_chemical_formula() == "As2"
    assert ds.targets[0] == pytest.approx(0.1074050600000005)
    n_atoms = np.array([len(a) for a in ds.inputs])
    assert n_atoms.max() == 25
    # the per-cell formation energy is the per-atom one times the atoms in the cell
    np.testing.assert_allclose(ds.column("formation_energy"), ds.targets * n_atoms, atol=1e-9)
    # an element's formation energy is its distance above the hull (its own ground state is 0)
    elemental = np.array([len(set(a.numbers)) == 1 for a in ds.inputs])
    assert elemental.sum() > 20
    np.testing.assert_allclose(ds.targets[elemental], ds.column("e_above_hull")[elemental], atol=1e-9)
    assert (ds.column("e_above_hull") >= -1e-9).all()
    # real crystals: no two atoms closer than 0.7 Å
    assert min(a.get_all_distances(mic=True)[np.triu_indices(len(a), 1)].min(initial=9) for a in ds.inputs[:400]) > 0.7
    assert "@article{Faber2015" in ds.info.citation


def test_tawo_dft() -> None:
    ds = load("tawo_dft")
    assert len(ds) == 250
    assert all(len(a) == 128 and set(a.get_chemical_symbols()) <= {"Ta", "W"} for a in ds.inputs)
    a = ds.inputs[0]
    np.testing.assert_allclose(a.cell.lengths(), 4 * 3.194)  # 4x4x4 conventional bcc cells
    d = a.get_all_distances(mic=True)
    assert d[d > 0].min() == pytest.approx(3.194 * np.sqrt(3) / 2, rel=1e-6)
    assert a.info[ENERGY_KEY] == pytest.approx(-1518.126068)
    assert ds.columns["x_W"].min() == 0.0 and ds.columns["x_W"].max() == 1.0
    assert info("tawo_dft").licence.startswith("MIT")
