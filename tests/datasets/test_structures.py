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
