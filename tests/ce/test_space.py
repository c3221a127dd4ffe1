"""Cluster spaces: orbits, multiplicities and cluster vectors (physics contracts and icet)."""

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk, make_supercell

from matterlearn.ce import ClusterSpace, LatticeMappingError, SpeciesError
from matterlearn.errors import DataFormatError, ParameterError

FCC = bulk("Au", a=4.0)
BCC = bulk("W", "bcc", a=3.2)
HCP = bulk("Ti", "hcp", a=2.95, c=4.68)

# (order, radius, multiplicity) per parameter, as icet 4.0 reports them for these cells
EXPECTED_FCC = [(0, 0.0, 1), (1, 0.0, 1), (2, 1.4142, 6), (2, 2.0, 3), (2, 2.4495, 12),
                (2, 2.8284, 6), (3, 1.633, 8), (3, 1.8499, 12), (4, 1.7321, 2)]


def _table(cs: ClusterSpace) -> list[tuple[int, float, int]]:
    return [(p["order"], round(p["radius"], 4), p["multiplicity"]) for p in cs.parameters]


def test_fcc_orbits_and_multiplicities() -> None:
    cs = ClusterSpace(FCC, [5.7, 4.0, 3.0], ["Au", "Pd"])
    assert _table(cs) == EXPECTED_FCC
    # nearest-neighbour pairs: 12 neighbours / 2 = 6 per site; fcc has 8 NN triangles and 2 NN
    # tetrahedra per site
    assert cs.n_parameters == 9


@pytest.mark.parametrize("prim, cutoffs, n_params", [(BCC, [6.0, 4.6, 3.5], 12),
                                                      (HCP, [6.0, 4.5, 3.1], 15)])
def test_parameter_counts(prim: Atoms, cutoffs: list[float], n_params: int) -> None:
    cs = ClusterSpace(prim, cutoffs, ["Mo", "W"])
    assert cs.n_parameters == n_params
    # the multiplicities of the pairs are the coordination shells halved
    from ase.neighborlist import neighbor_list

    d = neighbor_list("d", prim, cutoffs[0] + 1e-6)
    pairs = [p for p in cs.parameters if p["order"] == 2]
    assert sum(p["multiplicity"] for p in pairs) * 2 == len(d)  # per primitive cell
    shells = np.unique(np.round(d, 4))
    assert len(pairs) >= len(shells)  # hcp splits a shell into in-plane and out-of-plane orbits


def test_pure_and_ordered_correlations() -> None:
    cs = ClusterSpace(FCC, [5.7, 4.0, 3.0], ["Au", "Pd"])
    au, pd = FCC.copy(), FCC.copy()
    pd.symbols[:] = "Pd"
    np.testing.assert_array_equal(cs.cluster_vector(au), np.ones(9))  # Au (Z=79) is +1
    expected_pd = np.array([1, -1, 1, 1, 1, 1, -1, -1, 1.0])
    np.testing.assert_array_equal(cs.cluster_vector(pd), expected_pd)
    # L1_0 CuAu: nearest-neighbour pair correlation -1/3, second neighbours +1
    l10 = bulk("Au", "fcc", a=4.0, cubic=True)
    l10.symbols[[2, 3]] = "Pd"
    cv = cs.cluster_vector(l10)
    assert cv[1] == pytest.approx(0.0)
    assert cv[2] == pytest.approx(-1 / 3)
    assert cv[3] == pytest.approx(1.0)


def _random_structure(prim: Atoms, species: list, rng: np.random.Generator) -> Atoms:  # type: ignore[type-arg]
    """A random supercell (up to 6 primitive cells) with random species; ``species`` is one
    list for every site or one list per site of ``prim``."""
    while True:
        P = rng.integers(-2, 3, (3, 3))
        if 1 <= abs(round(np.linalg.det(P))) <= 6:
            break
    s = make_supercell(prim, P)
    per_site = species if isinstance(species[0], list) else [species] * len(prim)
    # make_supercell keeps the primitive sites in order within each cell
    s.set_chemical_symbols([str(rng.choice(per_site[i % len(prim)])) for i in range(len(s))])
    return s


@pytest.mark.parametrize("prim, cutoffs, species", [
    (FCC, [5.7, 4.0, 3.0], ["Au", "Pd"]),
    (HCP, [5.0, 4.0], ["Ti", "Zr"]),
    (FCC, [5.0, 3.0], ["Au", "Pd", "Cu"]),
])
def test_invariance_under_symmetry_and_supercell(prim: Atoms, cutoffs: list[float],
                                                 species: list[str]) -> None:
    import spglib

    cs = ClusterSpace(prim, cutoffs, species)
    rng = np.random.default_rng(4)
    for _ in range(4):
        s = _random_structure(prim, species, rng)
        ref = cs.cluster_vector(s)
        # every space-group operation of the parent lattice, applied to the structure
        ds = spglib.get_symmetry((prim.cell.array, prim.get_scaled_positions(), prim.numbers))
        for rot, trans in list(zip(ds["rotations"], ds["translations"]))[::5]:
            frac = s.positions @ np.linalg.inv(prim.cell.array)
            new_frac = frac @ rot.T + trans
            t = s.copy()
            t.positions = new_frac @ prim.cell.array
            t.set_cell((s.cell.array @ np.linalg.inv(prim.cell.array)) @ rot.T @ prim.cell.array,
                       scale_atoms=False)
            t.wrap()
            np.testing.assert_allclose(cs.cluster_vector(t), ref, atol=1e-12)
        # the same structure in a doubled supercell, with permuted atoms
        big = s.repeat((2, 1, 1))
        big = big[rng.permutation(len(big))]
        np.testing.assert_allclose(cs.cluster_vector(big), ref, atol=1e-12)
        # a translated copy
        shifted = s.copy()
        shifted.translate(prim.positions[0] + prim.cell[0])
        shifted.wrap()
        np.testing.assert_allclose(cs.cluster_vector(shifted), ref, atol=1e-12)


def test_round_trip_and_errors() -> None:
    cs = ClusterSpace(FCC, [5.0, 3.0], ["Au", "Pd", "X"], basis="orthonormal")
    back = ClusterSpace.from_dict(cs.to_dict())
    assert _table(back) == _table(cs) and back.basis == "orthonormal"
    s = FCC.repeat((2, 2, 1))
    s.symbols[1] = "X"
    np.testing.assert_array_equal(back.cluster_vector(s), cs.cluster_vector(s))
    bad = s.copy()
    bad.symbols[0] = "Fe"
    with pytest.raises(SpeciesError, match="atom 0 is Fe, but its site may hold only X, Pd, Au"):
        cs.cluster_vector(bad)
    off = s.copy()
    off.positions[2] += 0.3
    with pytest.raises(LatticeMappingError, match="atom 2 is 0.52 Å from the nearest lattice site"):
        cs.cluster_vector(off)
    with pytest.raises(ParameterError):
        ClusterSpace(FCC, [5.0], ["Au"])
    with pytest.raises(ParameterError):
        ClusterSpace(FCC, [5.0], ["Au", "Qq"])
    d = cs.to_dict()
    d["schema_version"] = 99
    with pytest.raises(DataFormatError, match="schema_version 99"):
        ClusterSpace.from_dict(d)


def test_multicomponent_functions() -> None:
    cs = ClusterSpace(FCC, [4.5], ["Au", "Pd", "Cu"])
    pairs = [p for p in cs.parameters if p["order"] == 2]
    assert [p["functions"] for p in pairs] == [(1, 1), (1, 2), (2, 2)] * 2
    assert [p["multiplicity"] for p in pairs] == [6, 12, 6, 3, 6, 3]


def test_against_icet() -> None:
    icet = pytest.importorskip("icet", reason="icet (the peer implementation) is not installed")
    rng = np.random.default_rng(0)
    rocksalt = bulk("NaCl", "rocksalt", a=5.6)  # Na/vacancy on the cations, Cl fixed
    cases = [(FCC, [5.7, 4.0, 3.0], ["Au", "Pd"]), (BCC, [6.0, 4.6, 3.5], ["Mo", "W"]),
             (HCP, [6.0, 4.5, 3.1], ["Ti", "Zr"]), (FCC, [5.0, 3.0], ["Au", "Pd", "Cu"]),
             (rocksalt, [7.0, 5.0], [["Na", "X"], ["Cl"]])]
    for prim, cutoffs, species in cases:
        ours = ClusterSpace(prim, cutoffs, species)
        theirs = icet.ClusterSpace(prim, cutoffs, species)
        assert _table(ours) == [(o["order"], round(o["radius"], 4), o["multiplicity"])
                                for o in theirs.as_list]
        for _ in range(4):
            s = _random_structure(prim, species, rng)
            np.testing.assert_allclose(ours.cluster_vector(s), theirs.get_cluster_vector(s),
                                       atol=1e-12)


@pytest.mark.parametrize("case", ["hcp binary", "fcc ternary", "bcc binary", "rock salt, vacancies",
                                  "rock salt, two ternary sublattices"])
def test_compiled_cluster_vector_equals_its_definition(case: str) -> None:
    """The compiled kernel (one image per cluster where the functions allow) gives, on random
    supercells, the mean over every cluster instance of the point-function products, built here
    from :meth:`ClusterSpace.cluster_index` without it."""
    prim, cutoffs, species = {
        "hcp binary": (bulk("Ti", "hcp", a=2.95, c=4.68), [6.0, 4.5, 4.0], ["Ti", "Zr"]),
        "fcc ternary": (bulk("Au", a=4.0), [6.0, 4.5, 4.0], ["Au", "Pd", "Cu"]),
        "bcc binary": (bulk("Fe", "bcc", a=2.87), [6.0, 4.5, 3.0], ["Fe", "Cr"]),
        "rock salt, vacancies": (bulk("NaCl", "rocksalt", a=5.6), [7.0, 5.0], [["Na", "X"], ["Cl"]]),
        "rock salt, two ternary sublattices": (bulk("NaCl", "rocksalt", a=5.6), [7.0, 5.0, 4.5],
                                               [["Na", "Li", "X"], ["Cl", "F"]]),
    }[case]
    cs = ClusterSpace(prim, cutoffs, species)
    rng = np.random.default_rng(7)
    for _ in range(12):
        while True:
            P = rng.integers(-2, 3, (3, 3))
            if 1 <= abs(round(np.linalg.det(P))) <= 12:
                break
        atoms = make_supercell(prim, P)
        sites, offsets, supercell = cs.lattice_sites(atoms)
        atoms.set_chemical_symbols([rng.choice(cs.chemical_symbols[s]) for s in sites])
        sigma = cs.occupations(atoms, sites)
        expected = [1.0]
        for orbit in cs.orbits:
            idx = cs.cluster_index(orbit, sites, offsets, supercell)
            for alpha in orbit.functions:
                value = np.ones(len(idx))
                for i, a in enumerate(alpha):
                    value *= cs._theta[sites[idx[:, i]], a, sigma[idx[:, i]]]
                expected.append(value.mean())
        np.testing.assert_allclose(cs.cluster_vector(atoms), expected, rtol=0, atol=1e-12)


def test_two_atoms_on_one_site_are_refused() -> None:
    cs = ClusterSpace(bulk("Au", a=4.0), [5.0], ["Au", "Pd"])
    atoms = bulk("Au", a=4.0).repeat((2, 1, 1))
    atoms.positions[1] = atoms.positions[0]  # same count of atoms and sites, one site doubled
    with pytest.raises(LatticeMappingError, match="doubled: two atoms sit on the same lattice site"):
        cs.cluster_vector(atoms, name="doubled")
