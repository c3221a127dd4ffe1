"""The moment-tensor basis: counts, invariance of every basis function, compiled ops."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from matterlearn.errors import ParameterError
from matterlearn.mlip import moment_basis


def _basis_values(basis, vecs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Evaluate every basis function for one environment with f_mu(r) = weights[mu] * exp(-r)."""
    u = vecs
    buf = np.zeros(basis.n_buffer)
    r = np.linalg.norm(u, axis=1)
    for c in range(basis.n_components):
        a, b, e = basis.comp_exp[c]
        buf[c] = np.sum(weights[basis.comp_mu[c]] * np.exp(-r * (1 + basis.comp_mu[c])) * u[:, 0] ** a
                        * u[:, 1] ** b * u[:, 2] ** e)
    for (o, i, j), c in zip(basis.ops, basis.coef):
        buf[o] += c * buf[i] * buf[j]
    return buf[basis.basis]


@pytest.mark.parametrize("level", [8, 12, 16])
def test_every_basis_function_is_rotation_and_permutation_invariant(level: int) -> None:
    basis = moment_basis(level)
    rng = np.random.default_rng(level)
    vecs = rng.normal(size=(7, 3))
    w = rng.uniform(0.5, 1.5, size=basis.n_mu)
    ref = _basis_values(basis, vecs, w)
    R = Rotation.random(random_state=1).as_matrix()
    rotated = _basis_values(basis, vecs @ R.T, w)
    np.testing.assert_allclose(rotated, ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(_basis_values(basis, vecs[rng.permutation(7)], w), ref, rtol=1e-10)
    # mirror images too (the basis is O(3)-invariant: full contractions of polar tensors)
    np.testing.assert_allclose(_basis_values(basis, -vecs, w), ref, rtol=1e-9, atol=1e-12)


def test_a_contraction_equals_its_explicit_formula() -> None:
    """M_{0,2}:M_{0,2} and M_{0,1}.M_{0,2}.M_{0,1} computed by hand with full tensors."""
    basis = moment_basis(12)
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(5, 3))
    w = np.ones(basis.n_mu)
    vals = _basis_values(basis, vecs, w)
    f = np.exp(-np.linalg.norm(vecs, axis=1))
    m1 = (f[:, None] * vecs).sum(0)
    m2 = np.einsum("j,ja,jb->ab", f, vecs, vecs)
    found = {}
    for a, inv in enumerate(basis.invariants):
        found[(inv.vertices, inv.edges)] = a
    # basis functions that are single invariants sit at the same index as in the factor table
    single = {tuple(row[row >= 0]): a for a, row in enumerate(basis.basis_factors)}
    k22 = found[(((0, 2), (0, 2)), ((0, 1, 2),))]
    np.testing.assert_allclose(vals[single[(k22,)]], np.sum(m2 * m2), rtol=1e-12)
    k121 = [k for (v, e), k in found.items() if v == ((0, 1), (0, 1), (0, 2))]
    assert len(k121) == 1
    np.testing.assert_allclose(vals[single[(k121[0],)]], m1 @ m2 @ m1, rtol=1e-12)


def test_basis_sizes_grow_with_level() -> None:
    sizes = [moment_basis(level).n_basis for level in (8, 12, 16, 20)]
    assert sizes == sorted(sizes) and len(set(sizes)) == 4
    assert moment_basis(16).n_basis == 116
    # levels of the basis functions never exceed the maximum
    for level in (8, 16):
        assert moment_basis(level).basis_level.max() <= level


def test_bad_level() -> None:
    with pytest.raises(ParameterError, match="even integer"):
        moment_basis(7)
