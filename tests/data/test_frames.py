from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from ase.io import write

from matterlearn.data import (
    ENERGY_KEY,
    FORCES_KEY,
    STRESS_KEY,
    read_frames,
    read_structure,
    write_frames,
)
from matterlearn.errors import (
    DataFileNotFoundError,
    DataFormatError,
    EmptyDataError,
    MissingLabelError,
)


def _assert_same_labels(a: Atoms, b: Atoms, atol: float = 0.0) -> None:
    # extxyz keeps 8 decimals of per-atom arrays (ASE's format); the database is exact
    assert a.get_chemical_symbols() == b.get_chemical_symbols()
    np.testing.assert_allclose(a.positions, b.positions, rtol=0, atol=max(atol, 1e-12))
    np.testing.assert_allclose(a.cell.array, b.cell.array, rtol=0, atol=1e-12)
    assert a.info[ENERGY_KEY] == b.info[ENERGY_KEY]
    np.testing.assert_allclose(a.arrays[FORCES_KEY], b.arrays[FORCES_KEY], rtol=0,
                               atol=max(atol, 1e-15))
    np.testing.assert_array_equal(a.info[STRESS_KEY], b.info[STRESS_KEY])


@pytest.mark.parametrize("suffix", [".extxyz", ".xyz", ".db"])
def test_round_trip(tmp_path: Path, labelled_frames: list[Atoms], suffix: str) -> None:
    path = tmp_path / f"frames{suffix}"
    write_frames(path, labelled_frames)
    back = read_frames(path, require=("energy", "forces", "stress"))
    assert len(back) == len(labelled_frames)
    for a, b in zip(labelled_frames, back):
        _assert_same_labels(a, b, atol=0.0 if suffix == ".db" else 5e-9)
        assert b.info["config_type"] == "test"
        assert b.calc is None


def test_custom_keys_are_renamed(tmp_path: Path, labelled_frames: list[Atoms]) -> None:
    frames = []
    for a in labelled_frames:
        b = a.copy()
        b.info["DFT_energy"] = b.info.pop(ENERGY_KEY)
        b.arrays["DFT_forces"] = b.arrays.pop(FORCES_KEY)
        b.info["DFT_stress"] = b.info.pop(STRESS_KEY)
        frames.append(b)
    path = tmp_path / "custom.extxyz"
    write(path, frames, format="extxyz")
    back = read_frames(path, energy_key="DFT_energy", forces_key="DFT_forces",
                       stress_key="DFT_stress", require=("energy", "forces"))
    for a, b in zip(labelled_frames, back):
        _assert_same_labels(a, b, atol=5e-9)
        assert "DFT_energy" not in b.info


def test_attached_calculator_is_not_trusted(tmp_path: Path) -> None:
    # ASE's extxyz reader turns energy= into a calculator; we use it only when named explicitly
    path = tmp_path / "calc.xyz"
    path.write_text(
        '1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3 energy=-1.5 pbc="T T T"\n'
        "Cu 0 0 0\n"
    )
    plain = read_frames(path)
    assert ENERGY_KEY not in plain[0].info and plain[0].calc is None
    with pytest.raises(MissingLabelError, match="no energy under key 'REF_energy'"):
        read_frames(path, require=("energy",))
    named = read_frames(path, energy_key="energy", require=("energy",))
    assert named[0].info[ENERGY_KEY] == -1.5


def test_stress_tensor_becomes_voigt(tmp_path: Path) -> None:
    a = bulk("Cu", "fcc", a=3.6)
    a.info["REF_energy"] = -1.0
    a.info["REF_stress"] = np.array([[1.0, 6.0, 5.0], [6.0, 2.0, 4.0], [5.0, 4.0, 3.0]])
    path = tmp_path / "s.extxyz"
    write(path, a, format="extxyz")
    back = read_frames(path)[0]
    np.testing.assert_allclose(back.info[STRESS_KEY], [1, 2, 3, 4, 5, 6])


def test_cif_and_poscar(tmp_path: Path) -> None:
    a = bulk("NaCl", "rocksalt", a=5.64)
    write(tmp_path / "x.cif", a)
    write(tmp_path / "POSCAR", a, format="vasp")
    for name in ("x.cif", "POSCAR"):
        s = read_structure(tmp_path / name)
        assert sorted(s.get_chemical_symbols()) == ["Cl", "Na"]
        assert s.cell.volume == pytest.approx(a.cell.volume, rel=1e-6)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileNotFoundError, match="does not exist"):
        read_frames(tmp_path / "nope.extxyz")


def test_malformed_extxyz_names_frame(tmp_path: Path, labelled_frames: list[Atoms]) -> None:
    path = tmp_path / "bad.extxyz"
    write_frames(path, labelled_frames[:2])
    with open(path, "a") as fh:
        fh.write("3\nProperties=species:S:1:pos:R:3\nCu 0 0 0\nCu 1 1\n")
    with pytest.raises(DataFormatError, match=r"bad.extxyz', frame 2"):
        read_frames(path)


def test_nan_label_names_frame_and_key(tmp_path: Path, labelled_frames: list[Atoms]) -> None:
    frames = [a.copy() for a in labelled_frames]
    frames[1].info[ENERGY_KEY] = float("nan")
    path = tmp_path / "nan.extxyz"
    write(path, frames, format="extxyz")
    with pytest.raises(DataFormatError, match=r"frame 1: energy 'REF_energy' holds NaN"):
        read_frames(path)


def test_wrong_force_shape(tmp_path: Path) -> None:
    path = tmp_path / "f.extxyz"
    path.write_text(
        '2\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3:REF_forces:R:2 '
        'pbc="T T T"\nCu 0 0 0 0 0\nCu 1.5 1.5 1.5 0 0\n'
    )
    with pytest.raises(DataFormatError, match="forces 'REF_forces' has shape"):
        read_frames(path)


def test_empty_database(tmp_path: Path) -> None:
    import ase.db

    path = tmp_path / "empty.db"
    db = ase.db.connect(path)
    db.metadata = {"x": 1}  # creates the file, no rows
    with pytest.raises(EmptyDataError, match="has no rows"):
        read_frames(path)


def test_unknown_format(tmp_path: Path) -> None:
    p = tmp_path / "x.weird"
    p.write_text("")
    with pytest.raises(DataFormatError, match="cannot tell the format"):
        read_frames(p)


def test_write_is_atomic(tmp_path: Path, labelled_frames: list[Atoms]) -> None:
    path = tmp_path / "out.extxyz"
    write_frames(path, labelled_frames)
    before = path.read_bytes()
    bad = [a.copy() for a in labelled_frames]
    bad[2].info[ENERGY_KEY] = float("inf")
    with pytest.raises(DataFormatError, match="frame 2 to write"):
        write_frames(path, bad)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.extxyz"]
