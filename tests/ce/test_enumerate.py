"""Derivative-structure enumeration against the published counts."""

import numpy as np
import pytest
from ase import Atom
from ase.build import bulk

from matterlearn.ce import ClusterSpace, enumerate_structures, enumerate_superlattices
from matterlearn.ce._symmetry import LatticeSymmetry

# Binary derivative structures per cell size (primitive cells), species not exchanged; the
# Hart-Forcade algorithm, as counted by icet 4.0 and enumlib. fcc and bcc share one point group.
FCC_BINARY = [2, 2, 6, 19, 28, 80, 104, 390]          # sizes 1..8 -> 631
HCP_BINARY = [3, 10, 50, 270]                          # sizes 1..4 (up to 8 atoms) -> 333
SUPERLATTICES_CUBIC = [1, 2, 3, 7, 5, 10, 7, 20]       # OEIS A159842 (Hart & Forcade)


def _counts(prim, species, n):  # type: ignore[no-untyped-def]
    return [sum(1 for _ in enumerate_structures(prim, [k], species)) for k in range(1, n + 1)]


def test_superlattices_fcc() -> None:
    sym = LatticeSymmetry(bulk("Cu"), [("Au", "Cu")])
    assert [len(enumerate_superlattices(sym, n)) for n in range(1, 9)] == SUPERLATTICES_CUBIC


@pytest.mark.parametrize("prim", [bulk("Cu", a=3.6), bulk("W", "bcc", a=3.2)], ids=["fcc", "bcc"])
def test_cubic_binaries_up_to_8_atoms(prim) -> None:  # type: ignore[no-untyped-def]
    assert _counts(prim, ["Au", "Cu"], 8) == FCC_BINARY


def test_hcp_binary_up_to_8_atoms() -> None:
    assert _counts(bulk("Ti", "hcp", a=2.95, c=4.68), ["Ti", "Zr"], 4) == HCP_BINARY


def test_ternary_restricted_and_multisublattice() -> None:
    assert sum(1 for _ in enumerate_structures(bulk("Au"), range(1, 7), ["Au", "Pd", "Cu"])) == 1081
    restricted = list(enumerate_structures(bulk("Au"), range(1, 9), ["Au", "Pd"],
                                           {"Au": (0.0, 0.36)}))
    assert len(restricted) == 134
    assert all(np.mean(np.array(a.get_chemical_symbols()) == "Au") <= 0.36 for a in restricted)
    prim = bulk("Au", a=4.0)
    cell = prim.cell.copy()
    cell[0] = 1.33 * cell[0]
    prim.cell = cell
    prim.append(Atom("H", (2.0, 2.0, 2.0)))
    assert sum(1 for _ in enumerate_structures(prim, range(1, 5), [["Au", "Pd"], ["H", "V"]])) == 1500


def test_enumerated_structures_are_distinct_and_on_lattice() -> None:
    prim = bulk("Cu", a=3.6)
    structures = list(enumerate_structures(prim, range(1, 6), ["Au", "Cu"]))
    cs = ClusterSpace(prim, [8.0, 5.0, 4.0], ["Au", "Cu"])
    X = cs.cluster_vectors(structures)
    # distinct structures differ in their correlations (here a long-ranged space tells them apart)
    assert len(np.unique(np.round(X, 8), axis=0)) == len(structures)
    for a in structures:
        assert a.info["n_cells"] == len(a)


def test_against_icet_counts() -> None:
    icet = pytest.importorskip("icet", reason="icet (the peer implementation) is not installed")
    from icet.tools import enumerate_structures as icet_enumerate

    two = bulk("Au", a=4.0)
    cell = two.cell.copy()
    cell[0] = 1.33 * cell[0]
    two.cell = cell
    two.append(Atom("H", (2.0, 2.0, 2.0)))
    cases = [  # lattice, species, sizes: counted live by both, never taken from a table
        (bulk("Au", a=4.0), ["Au", "Pd"], range(1, 7)),
        (bulk("W", "bcc", a=3.2), ["Mo", "W"], range(1, 6)),
        (bulk("Ti", "hcp", a=2.95, c=4.68), ["Ti", "Zr"], range(1, 4)),
        (bulk("Au", a=4.0), ["Au", "Pd", "Cu"], range(1, 5)),
        (two, [["Au", "Pd"], ["H", "V"]], range(1, 4)),
        (bulk("NaCl", "rocksalt", a=5.6), [["Na", "X"], ["Cl"]], range(1, 6)),
    ]
    for prim, species, sizes in cases:
        for n in sizes:
            ours = sum(1 for _ in enumerate_structures(prim, [n], species))
            theirs = sum(1 for _ in icet_enumerate(prim, [n], species))
            assert ours == theirs, (prim.get_chemical_formula(), species, n)
    del icet
