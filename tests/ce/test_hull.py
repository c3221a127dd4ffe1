import numpy as np
import pytest

from matterlearn.ce import binary_hull, mixing_energy_per_atom
from matterlearn.errors import ParameterError


def test_hull_vertices_and_distances() -> None:
    x = np.array([0, 0.25, 0.5, 0.75, 1, 0.5, 0.25])
    e = np.array([0, -0.05, -0.08, -0.04, 0, -0.02, -0.01])
    h = binary_hull(x, e)
    assert h.vertices.tolist() == [0, 1, 2, 4]  # 0.75 lies on the segment 0.5-1: not a vertex
    np.testing.assert_allclose(h.distance, [0, 0, 0, 0, 0, 0.06, 0.04], atol=1e-12)
    assert h.energy_at(0.375) == pytest.approx(-0.065)


def test_hull_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    x = np.r_[0, 1, rng.uniform(0, 1, 40)]
    e = np.r_[0, 0, rng.normal(-0.05, 0.05, 40)]
    h = binary_hull(x, e)
    # every point is on or above every hull segment, and every vertex is below its neighbours' chord
    assert (h.distance >= -1e-12).all()
    v = h.vertices
    for k in range(1, len(v) - 1):
        a, b, c = v[k - 1], v[k], v[k + 1]
        t = (x[b] - x[a]) / (x[c] - x[a])
        assert e[b] < (1 - t) * e[a] + t * e[c]
    # brute force: a point is on the hull iff no pair of points gives a chord below it
    for i in range(len(x)):
        below = False
        for j in range(len(x)):
            for k in range(len(x)):
                if x[j] < x[i] < x[k]:
                    t = (x[i] - x[j]) / (x[k] - x[j])
                    below |= (1 - t) * e[j] + t * e[k] < e[i] - 1e-12
        assert (h.distance[i] == 0) == (not below)


def test_mixing_energy() -> None:
    x = np.array([0.0, 0.5, 1.0])
    e = np.array([-3.0, -2.6, -2.0])
    np.testing.assert_allclose(mixing_energy_per_atom(x, e), [0, -0.1, 0])
    with pytest.raises(ParameterError, match="end members"):
        mixing_energy_per_atom(x[:2], e[:2])
