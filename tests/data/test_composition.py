import numpy as np
import pytest

from matterlearn.data import composition_matrix, parse_formula, reduced_formula
from matterlearn.errors import DataFormatError, UnknownElementError


@pytest.mark.parametrize(
    "formula, expected",
    [
        ("Fe2O3", {"Fe": 2, "O": 3}),
        ("Ca(OH)2", {"Ca": 1, "O": 2, "H": 2}),
        ("Ag(AuS)2", {"Ag": 1, "Au": 2, "S": 2}),
        ("K4[Fe(CN)6]", {"K": 4, "Fe": 1, "C": 6, "N": 6}),
        ("CuSO4·5H2O", {"Cu": 1, "S": 1, "O": 9, "H": 10}),
        ("Fe0.620C0.000953Mn0.000521", {"Fe": 0.62, "C": 0.000953, "Mn": 0.000521}),
        ("NaCl", {"Na": 1, "Cl": 1}),
        ("C1Pt1", {"C": 1, "Pt": 1}),
        ("OO", {"O": 2}),
    ],
)
def test_parse_formula(formula: str, expected: dict[str, float]) -> None:
    got = parse_formula(formula)
    assert got.keys() == expected.keys()
    for el, val in expected.items():
        assert got[el] == val  # exact: counts are added once, not accumulated


@pytest.mark.parametrize("bad", ["Xx2O3", "Fe2Qq"])
def test_unknown_element(bad: str) -> None:
    with pytest.raises(UnknownElementError, match="unknown element"):
        parse_formula(bad)


@pytest.mark.parametrize("bad", ["", "fe2o3", "Fe2O3)", "(Fe2", "2H", "Fe-2"])
def test_unparseable(bad: str) -> None:
    with pytest.raises(DataFormatError):
        parse_formula(bad)


def test_reduced_formula_groups_multiples() -> None:
    assert reduced_formula("Fe2O3") == reduced_formula("Fe4O6") == reduced_formula("O3Fe2")
    assert reduced_formula("FeO") != reduced_formula("Fe2O3")


def test_composition_matrix() -> None:
    m = composition_matrix(["Fe2O3", "NaCl"])
    assert m.shape == (2, 118)
    np.testing.assert_allclose(m.sum(axis=1), 1.0)
    assert m[0, 25] == pytest.approx(0.4) and m[0, 7] == pytest.approx(0.6)  # Fe Z=26, O Z=8
    raw = composition_matrix(["Fe2O3"], normalize=False)
    assert raw[0, 25] == 2.0


def test_composition_matrix_names_bad_row() -> None:
    with pytest.raises(UnknownElementError, match="row 1"):
        composition_matrix(["NaCl", "Xx2O3"])
