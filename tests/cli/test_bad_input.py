"""One boundary for the whole command line: every bad input gives exit 1, exactly one `error:`
line on stderr, no traceback, and no file created (outputs are checked before work starts)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from ase.build import bulk

from ..conftest import files_in

# A read-only folder to write into. Root may write in a folder without write bits, so as root
# this is a path under /sys, where even root cannot create files.
_ROOT = os.geteuid() == 0


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory, emt_frames) -> Path:  # type: ignore[no-untyped-def]
    """Inputs shared by the cases: a cluster expansion, labelled and unlabelled frames, a tiny
    potential, a labelled database, tables."""
    from matterlearn.ce import ClusterExpansion, ClusterSpace
    from matterlearn.data import write_frames
    from matterlearn.mlip import train_mtp

    d = tmp_path_factory.mktemp("kit")
    cs = ClusterSpace(bulk("Cu", a=3.8), [5.7, 4.0], ["Au", "Cu"])
    ecis = np.zeros(cs.n_parameters)
    ecis[2] = 0.12
    ClusterExpansion(cs, ecis).write(d / "ce.json")
    vac = ClusterSpace(bulk("Cu", a=3.6), [3.0], ["Cu", "X"])
    ClusterExpansion(vac, np.zeros(vac.n_parameters)).write(d / "vac.json")
    write_frames(d / "frames.extxyz", emt_frames[:12])
    bare = [a.copy() for a in emt_frames[:2]]
    for a in bare:
        for k in [k for k in a.info if k.startswith("REF_")]:
            del a.info[k]
        for k in [k for k in a.arrays if k.startswith("REF_")]:
            del a.arrays[k]
    write_frames(d / "unlabelled.extxyz", bare)
    energy_only = [a.copy() for a in emt_frames[:4]]
    for a in energy_only:
        del a.arrays["REF_forces"]
    write_frames(d / "energy_only.extxyz", energy_only)
    close = bare[0].copy()
    close.positions[1] = close.positions[0] + [0.017, 0.0, 0.0]
    write_frames(d / "close.extxyz", [close])
    overlap = [a.copy() for a in emt_frames[:3]]
    overlap[2].positions[1] = overlap[2].positions[0] + [0.01, 0.0, 0.0]
    write_frames(d / "overlap.extxyz", overlap)
    pot, _ = train_mtp(emt_frames[:12], level=8, cutoff=4.5, max_iter=0)
    pot.save(d / "pot.json")
    write_frames(d / "start.extxyz", [bulk("Cu", "fcc", a=3.6, cubic=True).repeat(2)])
    rows = ["formula,y"] + [f"Fe{a}Ni{5 - a},{a / 5}" for a in range(1, 5)] * 10
    (d / "table.csv").write_text("\n".join(rows) + "\n")
    (d / "two.csv").write_text("formula,y\nFe2O3,1.0\nNiO,2.0\n")
    (d / "neg.csv").write_text("formula,y\n" + "Fe2O3,-1.0\nNiO,2.0\nFeNi,0.5\n" * 10)
    (d / "dup.csv").write_text("formula,y,y\nFe2O3,1.0,2.0\nNiO,2.0,3.0\n")
    (d / "inf.csv").write_text("formula,y\nFe2O3,1.0\nFe1e400O3,2.0\n")
    (d / "new.csv").write_text("formula\nFe1e400O3\n")
    (d / "huge.csv").write_text("formula,y\nFe2O3," + "1" * 200_000 + "\n")
    (d / "bad.extxyz").write_text("2\nProperties=species:S:1:pos:R:3\nCu 0 0 0\nCu 1 1\n")
    (d / "cut.cif").write_text("data_x\n_cell_length_a 3.6\n_cell_length_b 3.6\n")
    (d / "POSCAR").write_text("Cu\n1.0\n3.6 0 0\n0 3.6 0\n")
    (d / "cols.csv").write_text("formula,gap\nSi,1.1\n")
    (d / "junk.skops").write_text("not a model")
    (d / "junk.json").write_text('{"kind": "something else"}')
    (d / "afolder").mkdir()
    (d / "folder.csv").mkdir()  # a folder with a file's name
    from matterlearn.ce import enumerate_to_database, label_database
    from matterlearn.ce import builtin_prim

    enumerate_to_database(builtin_prim("fcc", ["Au", "Cu"], None), ["Au", "Cu"], 4, d / "aucu.db")
    label_database(str(d / "aucu.db"), "emt")
    import ase.db

    ase.db.connect(d / "empty.db").metadata = {"made": "by hand"}
    return d


def _ro(tmp: Path) -> Path:
    if _ROOT:
        return Path("/sys/matterlearn-readonly")
    ro = tmp / "ro"
    ro.mkdir(exist_ok=True)
    ro.chmod(0o555)
    return ro


def _writable(folder: Path) -> bool:
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


# (name, arguments, fragment of the one error line); {k}: the kit, {t}: this test's folder,
# {ro}: a read-only folder. Every case must exit 1.
CASES: list[tuple[str, list[str], str]] = [
    # data
    ("data missing file", ["data", "inspect", "{t}/none.extxyz"], "'{t}/none.extxyz' does not exist"),
    ("data malformed extxyz", ["data", "convert", "{k}/bad.extxyz", "-o", "{t}/o.extxyz"], "frame 0: cannot parse extxyz"),
    ("data missing column", ["data", "convert", "{k}/cols.csv", "--target", "band_gap", "-o", "{t}/o.csv"], "no target column 'band_gap'"),
    ("data infinite amount", ["data", "convert", "{k}/inf.csv", "--target", "y", "-o", "{t}/o.csv"], "line 3: formula 'Fe1e400O3' has an amount that is not a finite number"),
    ("data duplicated column", ["data", "convert", "{k}/dup.csv", "--target", "y", "-o", "{t}/o.csv"], "column 'y' appears twice"),
    ("data field too large", ["data", "convert", "{k}/huge.csv", "--target", "y", "-o", "{t}/o.csv"], "line 2: a field longer than 131,072 characters"),
    ("data empty database", ["data", "convert", "{k}/empty.db", "-o", "{t}/o.extxyz"], "has no rows"),
    ("data truncated cif", ["data", "inspect", "{k}/cut.cif"], "cut.cif' is not a complete CIF file"),
    ("data truncated poscar", ["data", "inspect", "{k}/POSCAR"], "POSCAR' is not a complete POSCAR file"),
    ("data input is a folder", ["data", "inspect", "{k}/afolder"], "'{k}/afolder' is a folder, not a file"),
    ("data output is a folder", ["data", "convert", "{k}/frames.extxyz", "-o", "{k}/afolder"], "--out '{k}/afolder' is a folder"),
    ("data output read-only", ["data", "convert", "{k}/frames.extxyz", "-o", "{ro}/o.extxyz"], "cannot write in folder"),
    ("data output under a file", ["data", "convert", "{k}/frames.extxyz", "-o", "{k}/table.csv/o.extxyz"], "is a file, not a folder"),
    ("data unknown output format", ["data", "convert", "{k}/frames.extxyz", "-o", "{t}/o.foo"], "cannot tell the format of '{t}/o.foo'"),
    # datasets
    ("datasets unknown", ["datasets", "show", "matbench_stels"], "unknown dataset 'matbench_stels'; did you mean matbench_steels"),
    ("datasets export unknown", ["datasets", "export", "tawo", "-o", "{t}/x.extxyz"], "unknown dataset 'tawo'"),
    ("datasets export suffix", ["datasets", "export", "matbench_steels", "-o", "{t}/s.extxyz"], "export it to a .csv file"),
    ("datasets export to folder", ["datasets", "export", "matbench_steels", "-o", "{k}/folder.csv"], "is a folder"),
    ("datasets export read-only", ["datasets", "export", "matbench_steels", "-o", "{ro}/s.csv"], "cannot write in folder"),
    # ce
    ("ce unknown element", ["ce", "enumerate", "--prim", "fcc", "--species", "Au,Qq", "--db", "{t}/e.db"], "unknown species 'Qq'"),
    ("ce one species", ["ce", "enumerate", "--prim", "fcc", "--species", "Au", "--db", "{t}/e.db"], "at least two species"),
    ("ce max atoms 0", ["ce", "enumerate", "--prim", "fcc", "--species", "Au,Cu", "--max-atoms", "0", "--db", "{t}/e.db"], "--max-atoms 0"),
    ("ce too many structures", ["ce", "enumerate", "--prim", "fcc", "--species", "Au,Cu,Ag", "--max-atoms", "40", "--db", "{t}/e.db"], "structures; the limit is"),
    ("ce existing db", ["ce", "enumerate", "--prim", "fcc", "--species", "Au,Cu", "--db", "{k}/aucu.db"], "exists; choose a new --db"),
    ("ce db is a folder", ["ce", "enumerate", "--prim", "fcc", "--species", "Au,Cu", "--db", "{k}/afolder"], "is a folder"),
    ("ce missing prim file", ["ce", "enumerate", "--prim", "{t}/prim.cif", "--species", "Au,Cu", "--db", "{t}/e.db"], "does not exist"),
    ("ce unsorted cutoffs", ["ce", "fit", "--db", "{k}/aucu.db", "--cutoffs", "4.0,5.7", "-o", "{t}/m.json"], "cutoffs must not grow with the order"),
    ("ce negative cutoff", ["ce", "fit", "--db", "{k}/aucu.db", "--cutoffs", "-4", "-o", "{t}/m.json"], "--cutoffs"),
    ("ce fit json folder", ["ce", "fit", "--db", "{k}/aucu.db", "--cutoffs", "5", "-o", "{t}/m.json", "--json", "{k}/afolder"], "--json '{k}/afolder' is a folder"),
    ("ce fit out read-only", ["ce", "fit", "--db", "{k}/aucu.db", "--cutoffs", "5", "-o", "{ro}/m.json"], "cannot write in folder"),
    ("ce fit report is a file", ["ce", "fit", "--db", "{k}/aucu.db", "--cutoffs", "5", "-o", "{t}/m.json", "--report", "{k}/table.csv"], "--report '{k}/table.csv' is a file"),
    ("ce fit missing db", ["ce", "fit", "--db", "{t}/none.db", "--cutoffs", "5", "-o", "{t}/m.json"], "does not exist"),
    ("ce fit unknown method", ["ce", "fit", "--db", "{k}/aucu.db", "--cutoffs", "5", "-o", "{t}/m.json", "--method", "magic"], "magic"),
    ("ce hull max atoms 0", ["ce", "hull", "{k}/ce.json", "--max-atoms", "0"], "--max-atoms 0"),
    ("ce hull out is a file", ["ce", "hull", "{k}/ce.json", "--out", "{k}/table.csv"], "is a file"),
    ("ce predict other file", ["ce", "predict", "{k}/junk.json", "{k}/frames.extxyz"], "junk.json"),
    ("ce label missing db", ["ce", "label", "--db", "{t}/none.db"], "does not exist"),
    ("ce label unknown calculator", ["ce", "label", "--db", "{k}/aucu.db", "--calculator", "nope"], "nope"),
    # mc
    ("mc huge supercell", ["mc", "run", "{k}/ce.json", "--supercell", "1000x1000x1000", "--composition", "Au=0.25"], "1,000,000,000 sites) would need about"),
    ("mc phase diagram huge", ["mc", "phase-diagram", "{k}/ce.json", "--species", "Au", "--mu", "0", "--temperatures", "300", "--supercell", "1000x1000x1000", "--workers", "0"], "would need about"),
    ("mc kmc huge", ["mc", "kmc", "{k}/vac.json", "--barriers", "Cu=0.7", "--supercell", "1000x1000x1000"], "would need about"),
    ("mc json folder", ["mc", "run", "{k}/ce.json", "--supercell", "2x2x2", "--composition", "Au=0.25", "--json", "{k}/afolder"], "is a folder"),
    ("mc out read-only", ["mc", "run", "{k}/ce.json", "--supercell", "2x2x2", "--composition", "Au=0.25", "--out", "{ro}/mc"], "cannot write in folder"),
    ("mc out dir json read-only", ["mc", "run", "{k}/ce.json", "--supercell", "2x2x2", "--composition", "Au=0.25", "--out", "{t}/mc", "--json", "{ro}/mc.json"], "cannot write in folder"),
    ("mc negative fraction", ["mc", "run", "{k}/ce.json", "--supercell", "2x2x2", "--composition", "Au=-0.1"], "Au=-0.1 is negative"),
    ("mc unknown ensemble", ["mc", "run", "{k}/ce.json", "--supercell", "2x2x2", "--ensemble", "npt"], "npt"),
    ("mc zero sweeps", ["mc", "run", "{k}/ce.json", "--supercell", "2x2x2", "--composition", "Au=0.25", "--sweeps", "0"], "sweeps"),
    ("mc bad mu", ["mc", "phase-diagram", "{k}/ce.json", "--species", "Au", "--mu", "a:b", "--temperatures", "300", "--workers", "0"], "--mu 'a:b'"),
    ("mc kmc no vacancy", ["mc", "kmc", "{k}/ce.json", "--barriers", "Cu=0.7", "--supercell", "2x2x2"], "allows no vacancy"),
    # regress
    ("regress two rows", ["regress", "benchmark", "{k}/two.csv", "--target", "y"], "2 rows"),
    ("regress unknown dataset", ["regress", "benchmark", "matbench_stels"], "unknown dataset 'matbench_stels'; did you mean matbench_steels"),
    ("regress json folder", ["regress", "benchmark", "{k}/table.csv", "--target", "y", "--json", "{k}/afolder"], "is a folder"),
    ("regress out read-only", ["regress", "benchmark", "{k}/table.csv", "--target", "y", "--out", "{ro}/rep"], "cannot write in folder"),
    ("regress log10 negative", ["regress", "benchmark", "{k}/neg.csv", "--target", "y", "--log10"], "--log10 needs"),
    ("regress fit out folder", ["regress", "fit", "{k}/table.csv", "--target", "y", "-o", "{k}/afolder"], "is a folder"),
    ("regress predict junk model", ["regress", "predict", "{k}/junk.skops", "{k}/table.csv", "-o", "{t}/p.csv"], "not a matterlearn model"),
    ("regress predict out folder", ["regress", "predict", "{k}/junk.skops", "{k}/table.csv", "-o", "{k}/afolder"], "is a folder"),
    ("regress missing column", ["regress", "benchmark", "{k}/table.csv", "--target", "gap"], "no target column 'gap'"),
    ("regress unknown model", ["regress", "benchmark", "{k}/table.csv", "--target", "y", "--model", "magic"], "unknown regression model 'magic'"),
    # mlip
    ("mlip train missing forces", ["mlip", "train", "{k}/energy_only.extxyz", "-o", "{t}/p.json"], "--weights energy=1,forces=0"),
    ("mlip train negative cutoff", ["mlip", "train", "{k}/frames.extxyz", "-o", "{t}/p.json", "--cutoff", "-1"], "--cutoff -1"),
    ("mlip train overlapping frame", ["mlip", "train", "{k}/overlap.extxyz", "-o", "{t}/p.json", "--level", "8"], "frame 2: atoms 0 and 1 are 0.01"),
    ("mlip train out folder", ["mlip", "train", "{k}/frames.extxyz", "-o", "{k}/afolder"], "is a folder"),
    ("mlip train json read-only", ["mlip", "train", "{k}/frames.extxyz", "-o", "{t}/p.json", "--json", "{ro}/t.json"], "cannot write in folder"),
    ("mlip train unknown weight", ["mlip", "train", "{k}/frames.extxyz", "-o", "{t}/p.json", "--weights", "charge=1"], "charge"),
    ("mlip train unknown model", ["mlip", "train", "{k}/frames.extxyz", "-o", "{t}/p.json", "--model", "magic"], "magic"),
    ("mlip test no labels", ["mlip", "test", "{k}/pot.json", "{k}/unlabelled.extxyz"], "no reference labels"),
    ("mlip test missing potential", ["mlip", "test", "{t}/none.json", "{k}/frames.extxyz"], "does not exist"),
    ("mlip md close atoms", ["mlip", "md", "{k}/pot.json", "{k}/close.extxyz", "--trajectory", "{t}/md.extxyz", "--steps", "5"], "far closer than any such pair in the training data"),
    ("mlip md trajectory suffix", ["mlip", "md", "{k}/pot.json", "{k}/start.extxyz", "--trajectory", "{t}/md.traj", "--steps", "5"], "--trajectory"),
    ("mlip md trajectory folder", ["mlip", "md", "{k}/pot.json", "{k}/start.extxyz", "--trajectory", "{k}/afolder", "--steps", "5"], "is a folder"),
    ("mlip md unknown ensemble", ["mlip", "md", "{k}/pot.json", "{k}/start.extxyz", "--trajectory", "{t}/md.extxyz", "--ensemble", "nph"], "nph"),
    ("mlip active unknown oracle", ["mlip", "active", "{k}/frames.extxyz", "{k}/start.extxyz", "-o", "{t}/p.json", "--oracle", "nope"], "nope"),
    ("mlip active out read-only", ["mlip", "active", "{k}/frames.extxyz", "{k}/start.extxyz", "-o", "{ro}/p.json"], "cannot write in folder"),
    # the demo
    ("demo out is a file", ["demo", "--quick", "--out", "{k}/table.csv"], "is a file"),
]


@pytest.mark.parametrize("name, args, fragment", CASES, ids=[c[0] for c in CASES])
def test_bad_input(cli, kit: Path, tmp_path: Path, name: str, args: list[str], fragment: str) -> None:  # type: ignore[no-untyped-def]
    ro = _ro(tmp_path)
    if "{ro}" in " ".join(args) and _writable(ro.parent if _ROOT else ro):
        pytest.skip("no read-only folder on this machine")  # pragma: no cover
    subs = {"{k}": str(kit), "{t}": str(tmp_path), "{ro}": str(ro)}

    def fill(text: str) -> str:
        for key, value in subs.items():
            text = text.replace(key, value)
        return text

    before_t, before_k = files_in(tmp_path), files_in(kit)
    code, out, err = cli(*[fill(a) for a in args])
    lines = err.strip().splitlines()
    assert code == 1, (code, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    assert fill(fragment) in lines[0], lines[0]
    assert files_in(tmp_path) == before_t and files_in(kit) == before_k  # nothing written
    if not _ROOT:
        ro.chmod(0o755)
        shutil.rmtree(ro)


def test_enough_cases() -> None:
    groups = {c[1][0] for c in CASES}
    assert len(CASES) >= 60 and groups == {"data", "datasets", "ce", "mc", "regress", "mlip", "demo"}
