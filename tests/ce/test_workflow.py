"""Database workflow and the `matterlearn ce` commands, end to end on small data."""

import json
from pathlib import Path

import ase.db
import numpy as np
import pytest
from ase.build import bulk
from ase.io import write

from matterlearn.ce import calculator_factory, enumerate_to_database, label_database
from matterlearn.errors import ParameterError

from ..conftest import files_in


def test_label_is_resumable_and_keeps_provenance(tmp_path: Path) -> None:
    db_path = str(tmp_path / "a.db")
    n = enumerate_to_database(bulk("Cu", a=3.7), ["Au", "Cu"], 3, db_path)
    assert n == 2 + 2 + 6
    db = ase.db.connect(db_path)
    first = label_database(db_path, "emt", relax=False)
    assert first == {"labelled": 10, "skipped": 0, "total": 10}
    energies = {r.id: r.REF_energy for r in db.select()}
    ids = sorted(energies)[:4]
    for i in ids:  # as if the run had stopped before these four rows
        db.update(i, delete_keys=["REF_energy"])
    again = label_database(db_path, "emt", relax=False)
    assert again == {"labelled": 4, "skipped": 6, "total": 10}  # the rest is not labelled twice
    assert {r.id: r.REF_energy for r in db.select()} == pytest.approx(energies)
    row = db.get(id=ids[0])
    assert row.label_calculator == "emt" and row.relaxed is False and "REF_forces" in row.data
    assert db.metadata["chemical_symbols"] == [["Au", "Cu"]]


def test_relaxed_labels_keep_the_ideal_structure(tmp_path: Path) -> None:
    db_path = str(tmp_path / "r.db")
    enumerate_to_database(bulk("Cu", a=3.7), ["Au", "Cu"], 2, db_path)
    label_database(db_path, "emt", relax=True)
    for row in ase.db.connect(db_path).select():
        assert row.relaxed and row.relax_converged
        assert np.abs(row.data["REF_forces"]).max() < 0.01 + 1e-9
        assert "ideal_cell" in row.data


def test_calculator_factory() -> None:
    assert calculator_factory("emt")().__class__.__name__ == "EMT"
    assert calculator_factory("ase.calculators.lj:LennardJones")().__class__.__name__ == "LennardJones"
    with pytest.raises(ParameterError, match="unknown calculator 'vasp'"):
        calculator_factory("vasp")
    with pytest.raises(ParameterError, match="cannot import"):
        calculator_factory("no.such.module:Calc")


def test_ce_commands_end_to_end(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "aucu.db")
    code, out, _ = cli("ce", "enumerate", "--prim", "fcc", "--species", "Au,Cu", "--max-atoms",
                       "4", "--db", db)
    assert code == 0 and "wrote 29 structures" in out
    code, out, _ = cli("ce", "label", "--db", db, "--calculator", "emt", "--relax")
    assert code == 0 and "labelled 29 rows" in out
    code, out, err = cli("ce", "fit", "--db", db, "--cutoffs", "5.0,3.0", "--method", "ols",
                         "--cv", "5", "-o", str(tmp_path / "ce.json"), "--json",
                         str(tmp_path / "fit.json"), "--report", str(tmp_path / "rep"),
                         "--skip-unmappable")
    assert code == 0, err
    fit = json.loads((tmp_path / "fit.json").read_text())
    assert {"rmse_train", "rmse_cv", "n_parameters", "n_nonzero", "method", "cutoffs"} <= set(fit)
    assert fit["cutoffs"] == [5.0, 3.0] and fit["method"] == "ols"
    assert 0 < fit["rmse_cv"] < 30
    assert (tmp_path / "rep" / "ce_fit.html").is_file()
    # cutoffs chosen by cross-validation: the candidate with the lowest CV error
    code, out, err = cli("ce", "fit", "--db", db, "--cutoffs", "auto", "--method", "ols", "--cv", "5",
                         "-o", str(tmp_path / "auto.json"), "--json", str(tmp_path / "auto_fit.json"),
                         "--skip-unmappable")
    assert code == 0, err
    auto = json.loads((tmp_path / "auto_fit.json").read_text())
    table = auto["cutoff_selection"]
    assert auto["cutoffs"] == min(table, key=lambda r: r["rmse_cv"])["cutoffs"]
    assert all(r["n_parameters"] <= 29 / 2 for r in table)  # never more parameters than half the data
    assert abs(auto["rmse_cv"] - next(r for r in table if r["cutoffs"] == auto["cutoffs"])["rmse_cv"]) < 1e-9
    l12 = bulk("Cu", "fcc", a=3.75, cubic=True)
    l12.symbols[0] = "Au"
    l12.rattle(0.02, seed=1)
    write(tmp_path / "l12.extxyz", l12)
    code, out, _ = cli("ce", "predict", str(tmp_path / "ce.json"), str(tmp_path / "l12.extxyz"))
    assert code == 0 and "AuCu3" in out and "eV/site" in out
    code, out, _ = cli("ce", "hull", str(tmp_path / "ce.json"), "--db", db, "--max-atoms", "4",
                       "--json", str(tmp_path / "hull.json"), "--out", str(tmp_path / "rep"))
    assert code == 0 and "reference ground states" in out
    hull = json.loads((tmp_path / "hull.json").read_text())
    assert hull["search"]["n_structures"] == 29
    assert (tmp_path / "rep" / "ce_hull.html").is_file()


def _one_line_error(cli, tmp_path: Path, args: list[str], fragment: str) -> None:  # type: ignore[no-untyped-def]
    before = files_in(tmp_path)
    code, out, err = cli(*args)
    assert code == 1, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], err
    assert files_in(tmp_path) == before


def test_ce_bad_inputs(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "x.db")
    enumerate_to_database(bulk("Cu", a=3.7), ["Au", "Cu"], 2, db)
    label_database(db, "emt")
    model = tmp_path / "ce.json"
    code, _, _ = cli("ce", "fit", "--db", db, "--cutoffs", "4.0", "--method", "ols", "--cv", "2",
                     "-o", str(model))
    assert code == 0
    # a database without the named property
    _one_line_error(cli, tmp_path, ["ce", "fit", "--db", db, "--cutoffs", "4.0", "--property",
                                    "DFT_energy", "-o", str(tmp_path / "y.json")],
                    "rows have no 'DFT_energy'")
    # species outside the cluster space
    fe = bulk("Cu", "fcc", a=3.7, cubic=True)
    fe.symbols[0] = "Fe"
    write(tmp_path / "fe.extxyz", fe)
    _one_line_error(cli, tmp_path, ["ce", "predict", str(model), str(tmp_path / "fe.extxyz")],
                    "atom 0 is Fe, but its site may hold only Cu, Au")
    # a relaxed structure that cannot be mapped onto the lattice
    sheared = bulk("Cu", "fcc", a=3.7, cubic=True)
    sheared.set_cell(sheared.cell.array @ np.array([[1, 0.5, 0], [0, 1, 0], [0, 0, 1]]),
                     scale_atoms=True)
    write(tmp_path / "sheared.extxyz", sheared)
    _one_line_error(cli, tmp_path, ["ce", "predict", str(model), str(tmp_path / "sheared.extxyz")],
                    "sheared.extxyz', frame 0:")
    # a cluster-expansion file of another schema
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"kind": "matterlearn.ClusterExpansion", "schema_version": 7}))
    _one_line_error(cli, tmp_path, ["ce", "predict", str(other), str(tmp_path / "fe.extxyz")],
                    "schema_version 7")
    # an existing database is never overwritten
    _one_line_error(cli, tmp_path, ["ce", "enumerate", "--prim", "fcc", "--species", "Au,Cu",
                                    "--db", db], "exists")


def test_label_and_phase_diagram_over_dask(tmp_path: Path) -> None:
    """The same results through a Dask client (in-process here; a cluster in production)."""
    distributed = pytest.importorskip("dask.distributed", reason="dask[distributed] not installed")
    from matterlearn.ce import ClusterExpansion, ClusterSpace
    from matterlearn.mc import phase_diagram, supercell

    serial, parallel = str(tmp_path / "s.db"), str(tmp_path / "p.db")
    for path in (serial, parallel):
        enumerate_to_database(bulk("Cu", a=3.7), ["Au", "Cu"], 3, path)
    label_database(serial, "emt")
    with distributed.Client(processes=False, n_workers=2, threads_per_worker=1,
                            dashboard_address=None) as client:
        assert label_database(parallel, "emt", client=client)["labelled"] == 10
        e_s = {r.id: r.REF_energy for r in ase.db.connect(serial).select()}
        e_p = {r.id: r.REF_energy for r in ase.db.connect(parallel).select()}
        assert e_s == pytest.approx(e_p, abs=1e-12)
        cs = ClusterSpace(bulk("Cu", a=3.8), [3.0], ["Au", "Cu"])
        ecis = np.zeros(cs.n_parameters)
        ecis[2] = 0.1
        ce = ClusterExpansion(cs, ecis)
        atoms = supercell(ce, (2, 2, 2))
        args = (ce, atoms, "Au", [-0.5, 0.0, 0.5], [400.0, 800.0], 20, 5, 3)
        here = phase_diagram(*args)
        there = phase_diagram(*args, client=client)
        assert here["composition"] == there["composition"]  # same seeds, same numbers
