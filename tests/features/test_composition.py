"""The composition featurizer against matminer (reference table made by
benchmarks/make_matminer_reference.py with matminer 0.10.1)."""

import csv
import gzip
from pathlib import Path

import numpy as np
import pytest

from matterlearn.errors import UnknownElementError
from matterlearn.features import CompositionFeaturizer

REFERENCE = Path(__file__).with_name("matminer_reference.csv.gz")


def _reference() -> tuple[list[str], list[str], np.ndarray]:
    with gzip.open(REFERENCE, "rt", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0][1:], rows[1:]
    values = np.array([[float(v == "True") if v in ("True", "False") else float(v) for v in r[1:]]
                       for r in body])
    return [r[0] for r in body], header, values


def test_equals_matminer_to_1e6() -> None:
    formulas, header, ref = _reference()
    f = CompositionFeaturizer()
    X = f.fit_transform(formulas)
    labels = f.feature_labels()
    assert len(labels) == 148 and X.shape == (len(formulas), 148)
    column = {h: i for i, h in enumerate(header)}
    assert set(labels) <= set(column)  # every feature of ours has matminer's name
    expected = ref[:, [column[label] for label in labels]]
    np.testing.assert_allclose(X, expected, rtol=1e-6, atol=1e-6)
    # matminer's one extra column, "compound possible", is not computed here
    assert set(column) - set(labels) == {"compound possible"}


def test_transformer_contract() -> None:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    f = CompositionFeaturizer(valence=False, ionic=False)
    pipe = make_pipeline(f, StandardScaler())
    Z = pipe.fit_transform(np.array([["Fe2O3"], ["NaCl"], ["Cu"]], dtype=object))
    assert Z.shape == (3, 138)
    assert f.get_feature_names_out()[0] == "MagpieData minimum Number"
    assert "@article{Ward2016" in f.citations()[0]


def test_bad_formula_names_row() -> None:
    with pytest.raises(UnknownElementError, match="row 1: unknown element 'Xx'"):
        CompositionFeaturizer().fit_transform(["NaCl", "Xx2O3"])


def test_element_fractions() -> None:
    f = CompositionFeaturizer(magpie=False, stoichiometry=False, valence=False, ionic=False, fractions=True)
    X = f.fit_transform(["Fe0.7Cr0.2Ni0.1", "Al2O3", "H2O"])
    labels = f.feature_labels()
    assert X.shape == (3, 103) and labels[0] == "H" and labels[-1] == "Lr"
    assert np.allclose(X.sum(axis=1), 1.0)
    assert X[0, labels.index("Cr")] == pytest.approx(0.2) and X[1, labels.index("O")] == pytest.approx(0.6)
    full = CompositionFeaturizer(fractions=True).fit_transform(["Fe0.7Cr0.2Ni0.1"])
    assert full.shape == (1, 148 + 103)
    assert np.array_equal(full[0, 148:], X[0]) and f.recipe()["fractions"] is True
