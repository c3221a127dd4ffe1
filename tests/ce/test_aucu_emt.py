"""The acceptance workflow on EMT Au-Cu: every fcc structure up to 8 atoms, relaxed."""

from pathlib import Path

import pytest
import spglib


@pytest.mark.slow
@pytest.mark.emt_long  # 631 relaxations: 45-60 min on one core with ASE 3.29 (`make test-emt`)
def test_aucu_emt_up_to_8_atoms(tmp_path: Path) -> None:
    from matterlearn.ce import (
        ClusterSpace,
        builtin_prim,
        compare_hulls,
        database_recipe,
        enumerate_to_database,
        fit_cluster_expansion,
        ground_state_search,
        label_database,
        training_set,
    )
    from matterlearn.ce._expansion import active_composition

    db = str(tmp_path / "aucu.db")
    assert enumerate_to_database(builtin_prim("fcc", ["Au", "Cu"]), ["Au", "Cu"], 8, db) == 631
    label_database(db, "emt", relax=True)
    prim, species = database_recipe(db)  # type: ignore[misc]
    cs = ClusterSpace(prim, [5.7, 4.0, 3.0], species)
    structures, energies, _, info = training_set(db, cs, skip_unmappable=True)
    assert len(structures) + len(info["skipped"]) == 631
    assert len(info["skipped"]) < 40  # a few relax off the fcc lattice (measured: 19)
    for constrain in (False, True):
        r = fit_cluster_expansion(cs, structures, energies, method="lasso", constrain_hull=constrain)
        # measured 8.00 (7.997) unconstrained and 8.01 constrained, 10-fold CV, meV/atom; icet
        # 7.96 on the same structures (README). The bound leaves room for relaxations that end a
        # little differently with another ASE or numpy, not for a broken fit (tens of meV)
        assert r.rmse_cv < 9.0
        _, comp = active_composition(cs, structures)
        if constrain:
            assert compare_hulls(comp[:, 1], r.y, r.y_train_pred).reproduced
    found = ground_state_search(r.expansion, 8).ground_states
    groups = {(a.get_chemical_formula(),
               spglib.get_spacegroup((a.cell, a.get_scaled_positions(), a.numbers)).split()[0])
              for a in found}
    # EMT puts D0_22 (I4/mmm) 0.4 meV/atom below L1_2 at AuCu3; L1_0 (P4/mmm) at AuCu
    assert ("AuCu", "P4/mmm") in groups
    assert ("AuCu3", "I4/mmm") in groups or ("AuCu3", "Pm-3m") in groups
