from pathlib import Path

import numpy as np
import pytest

from matterlearn.data import CompositionTable, read_table, write_table
from matterlearn.errors import (
    DataFileNotFoundError,
    DataFormatError,
    EmptyDataError,
    MissingColumnError,
    UnknownElementError,
)


def _csv(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_read_table(tmp_path: Path) -> None:
    p = _csv(tmp_path, "formula,band_gap,note\nFe2O3,2.1,a\nNaCl,8.5,b\n\nSi,1.1,c\n")
    t = read_table(p, "band_gap")
    assert t.formulas == ["Fe2O3", "NaCl", "Si"]
    np.testing.assert_allclose(t.targets, [2.1, 8.5, 1.1])
    assert "note" not in t.extra


def test_composition_column_and_booleans(tmp_path: Path) -> None:
    p = _csv(tmp_path, "composition,is_metal\nCu,True\nNaCl,False\n")
    t = read_table(p, "is_metal")
    np.testing.assert_array_equal(t.targets, [1.0, 0.0])


def test_missing_target_lists_columns(tmp_path: Path) -> None:
    p = _csv(tmp_path, "formula,gap,density\nSi,1.1,2.3\n")
    with pytest.raises(MissingColumnError, match=r"no target column 'band_gap' \(columns: formula, gap, density\)"):
        read_table(p, "band_gap")


def test_unknown_element_names_line(tmp_path: Path) -> None:
    p = _csv(tmp_path, "formula,target\nFe2O3,1\nXx2O3,2\n")
    with pytest.raises(UnknownElementError, match=r"t.csv', line 3: unknown element 'Xx'"):
        read_table(p)


def test_nan_target_names_line(tmp_path: Path) -> None:
    p = _csv(tmp_path, "formula,target\nFe2O3,1\nNaCl,nan\n")
    with pytest.raises(DataFormatError, match=r"line 3: target 'target' is missing or NaN"):
        read_table(p)
    t = read_table(p, allow_missing_targets=True)
    assert np.isnan(t.targets[1])


def test_text_target(tmp_path: Path) -> None:
    p = _csv(tmp_path, "formula,target\nFe2O3,high\n")
    with pytest.raises(DataFormatError, match="'high', not a number"):
        read_table(p)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(DataFileNotFoundError):
        read_table(tmp_path / "none.csv")
    with pytest.raises(EmptyDataError):
        read_table(_csv(tmp_path, ""))
    with pytest.raises(EmptyDataError, match="no data rows"):
        read_table(_csv(tmp_path, "formula,target\n", "h.csv"))


def test_ragged_row(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="line 2: 3 fields where the header has 2"):
        read_table(_csv(tmp_path, "formula,target\nSi,1,2\n"))


def test_write_round_trip(tmp_path: Path) -> None:
    t = CompositionTable(["Fe2O3", "Si"], np.array([1.5, 0.25]), "y",
                         extra={"z": np.array([3.0, 4.0])})
    write_table(tmp_path / "o.csv", t)
    back = read_table(tmp_path / "o.csv", "y")
    assert back.formulas == t.formulas
    np.testing.assert_array_equal(back.targets, t.targets)
    np.testing.assert_array_equal(back.extra["z"], [3.0, 4.0])
