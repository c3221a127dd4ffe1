"""The potentials' neighbour list (vesin) finds exactly ASE's pairs, shifts and vectors, also in
cells much smaller than the cutoff and strongly sheared ones."""

import numpy as np
import pytest
from ase.build import bulk
from ase.neighborlist import neighbor_list as ase_neighbor_list

from matterlearn.mlip._neighbors import neighbor_list


@pytest.mark.parametrize("n", [1, 2, 4, 8])
def test_same_pairs_as_ase(n: int) -> None:
    rng = np.random.default_rng(n)
    a = bulk("Cu", "fcc", a=3.6).repeat((n, 1, 1))
    a.set_cell(a.cell.array @ (np.eye(3) + rng.normal(0, 0.08, (3, 3))), scale_atoms=True)
    a.rattle(0.1, seed=n)
    for cutoff in (2.0, 5.0, 7.5):
        i, j, S, D = neighbor_list("ijSD", a, cutoff)
        i0, j0, S0, D0 = ase_neighbor_list("ijSD", a, cutoff, self_interaction=False)
        key = lambda i, j, S: sorted(zip(i.tolist(), j.tolist(), map(tuple, S.tolist())))  # noqa: E731
        assert key(i, j, S) == key(i0, j0, S0)
        assert len(i) > 0 or cutoff < 2.5  # 2 Å: below the nearest neighbour
        o, o0 = np.lexsort((j, i, *S.T)), np.lexsort((j0, i0, *S0.T))
        assert np.allclose(D[o], D0[o0], atol=1e-10)


def test_open_and_mixed_boundaries() -> None:
    a = bulk("Cu", "fcc", a=3.6, cubic=True).repeat(2)
    for pbc in ([False] * 3, [True, True, False]):
        a.pbc = pbc
        i, j = neighbor_list("ij", a, 4.0)
        i0, j0 = ase_neighbor_list("ij", a, 4.0, self_interaction=False)
        assert sorted(zip(i, j)) == sorted(zip(i0, j0))
