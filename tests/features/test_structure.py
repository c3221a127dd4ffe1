"""Structure descriptors and the crystal graph: known values on simple crystals, invariances."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

from matterlearn.errors import DataFormatError
from matterlearn.features import StructureFeaturizer, crystal_graph


def _geo(atoms: Atoms) -> dict[str, float]:
    f = StructureFeaturizer(composition=False).fit([atoms])
    return dict(zip(f.feature_labels(), f.transform([atoms])[0]))


def test_known_crystals() -> None:
    fcc = _geo(bulk("Cu", "fcc", a=3.61))
    assert fcc["mean coordination"] == 12 and fcc["std coordination"] == 0
    assert fcc["mean bond length (A)"] == pytest.approx(3.61 / np.sqrt(2))
    assert fcc["space group number"] == 225
    assert fcc["density (g/cm3)"] == pytest.approx(8.93, rel=0.01)
    bcc = _geo(bulk("Fe", "bcc", a=2.87))
    assert bcc["mean coordination"] == 8 and bcc["space group number"] == 229
    rs = _geo(bulk("NaCl", "rocksalt", a=5.64))
    assert rs["mean coordination"] == 6 and rs["fraction of unlike-species bonds"] == 1.0
    assert rs["mean bond electronegativity difference"] == pytest.approx(3.16 - 0.93, abs=0.01)


def test_invariant_under_supercell_rotation_and_order() -> None:
    atoms = bulk("NaCl", "rocksalt", a=5.64)
    atoms.rattle(0.02, seed=1)
    f = StructureFeaturizer().fit([atoms])
    ref = f.transform([atoms])[0]
    big = atoms.repeat((2, 1, 1))
    rot = atoms.copy()
    rot.rotate(37, "z", rotate_cell=True)
    perm = atoms[[1, 0]]
    out = f.transform([big, rot, perm])
    labels = f.feature_labels()
    sg = labels.index("space group number")
    for row in out:
        keep = np.arange(len(ref)) != sg  # a rattled supercell may find a different space group
        np.testing.assert_allclose(row[keep], ref[keep], rtol=1e-6, atol=1e-9)
    assert out.shape == (3, 148 + 15 + 20)


def test_bad_structures() -> None:
    with pytest.raises(DataFormatError, match="structure 1 .*periodic"):
        StructureFeaturizer().fit_transform([bulk("Cu"), Atoms("H2", positions=[[0, 0, 0], [0, 0, 0.74]])])


def test_crystal_graph() -> None:
    g = crystal_graph(bulk("Cu", "fcc", a=3.61), cutoff=8.0, max_neighbors=12, n_gaussians=40)
    assert g["edge_index"].shape == (2, 12) and g["edge_attr"].shape == (12, 40)
    np.testing.assert_allclose(g["distance"], 3.61 / np.sqrt(2))
    # the Gaussian closest to the bond length is the largest feature
    centres = np.linspace(0, 8, 40)
    assert np.argmax(g["edge_attr"][0]) == np.argmin(np.abs(centres - 3.61 / np.sqrt(2)))
    g2 = crystal_graph(bulk("NaCl", "rocksalt", a=5.64), max_neighbors=6)
    assert (g2["numbers"][g2["edge_index"][1]] != g2["numbers"][g2["edge_index"][0]]).all()
