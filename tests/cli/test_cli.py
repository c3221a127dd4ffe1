"""The command line: output, and one clean line plus exit 1 (and no file) on bad input."""

import json
from pathlib import Path

import pytest

from matterlearn import __version__

from ..conftest import files_in


def test_version(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("--version")
    assert code == 0 and out.strip() == f"matterlearn {__version__}"


def test_datasets_list_json(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("datasets", "list", "--json")
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    expected = {"matbench_steels": 312, "matbench_expt_gap": 4604, "matbench_expt_is_metal": 4921,
                "matbench_glass": 5680, "matbench_log_gvrh": 10987, "matbench_mp_e_form": 132752,
                "elastic_tensor_2015": 1181, "flla_2015": 3938,
                "tawo_dft": 250}
    for name, n in expected.items():
        assert rows[name]["n"] == n
    assert len([r for r in rows if r.startswith("matbench_")]) == 13
    assert rows["emt_alloy"]["generated"] and rows["emt_potential"]["generated"]
    assert rows["matbench_steels"]["unit"] == "MPa"


def test_datasets_list_table_and_show(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("datasets", "list")
    assert code == 0 and "matbench_steels" in out and "tawo_dft" in out
    code, out, _ = cli("datasets", "show", "matbench_expt_gap")
    assert code == 0
    assert "4,604" in out and "@article{Zhuo2018" in out and "licence" in out


def test_export_composition_and_structures(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from matterlearn.data import read_frames, read_table

    code, out, _ = cli("datasets", "export", "matbench_steels", "-o", str(tmp_path / "s.csv"))
    assert code == 0
    t = read_table(tmp_path / "s.csv", "yield strength")
    assert len(t) == 312 and t.targets[0] == 2411.5
    code, _, _ = cli("datasets", "export", "tawo_dft", "-o", str(tmp_path / "t.extxyz"))
    assert code == 0
    frames = read_frames(tmp_path / "t.extxyz", require=("energy",))
    assert len(frames) == 250 and frames[0].info["REF_energy"] == pytest.approx(-1518.126068)
    code, _, _ = cli("datasets", "export", "emt_alloy", "--seed", "2", "-o", str(tmp_path / "a.db"))
    assert code == 0 and len(read_frames(tmp_path / "a.db", require=("energy", "forces"))) == 40


def test_data_inspect_and_convert(cli, tmp_path: Path, labelled_frames) -> None:  # type: ignore[no-untyped-def]
    from matterlearn.data import read_frames, write_frames

    write_frames(tmp_path / "f.extxyz", labelled_frames)
    code, out, _ = cli("data", "inspect", str(tmp_path / "f.extxyz"))
    assert code == 0 and "3 frames" in out and "energy 3/3" in out
    code, _, _ = cli("data", "convert", str(tmp_path / "f.extxyz"), "-o", str(tmp_path / "f.db"))
    assert code == 0 and len(read_frames(tmp_path / "f.db")) == 3


def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    """name -> (arguments after 'data convert', expected message fragment)."""
    (tmp / "bad.extxyz").write_text("2\nProperties=species:S:1:pos:R:3\nCu 0 0 0\nCu 1 1\n")
    (tmp / "cols.csv").write_text("formula,gap\nSi,1.1\n")
    (tmp / "elem.csv").write_text("formula,target\nFe2O3,1.0\nXx2O3,2.0\n")
    (tmp / "nan.csv").write_text("formula,target\nFe2O3,1.0\nNaCl,\n")
    import ase.db

    ase.db.connect(tmp / "empty.db").metadata = {"made": "by hand"}
    return {
        "missing file": (["missing.extxyz"], "file '{t}/missing.extxyz' does not exist"),
        "malformed extxyz": (["bad.extxyz"], "bad.extxyz', frame 0: cannot parse extxyz"),
        "missing column": (["cols.csv", "--target", "band_gap"],
                           "no target column 'band_gap' (columns: formula, gap)"),
        "unknown element": (["elem.csv"], "elem.csv', line 3: unknown element 'Xx'"),
        "nan target": (["nan.csv"], "nan.csv', line 3: target 'target' is missing or NaN"),
        "empty database": (["empty.db"], "empty.db' has no rows"),
    }


@pytest.mark.parametrize("case", ["missing file", "malformed extxyz", "missing column",
                                  "unknown element", "nan target", "empty database"])
def test_bad_input_one_line_exit_1_nothing_written(cli, tmp_path: Path, case: str) -> None:  # type: ignore[no-untyped-def]
    args, fragment = _bad_inputs(tmp_path)[case]
    before = files_in(tmp_path)
    out_name = "out.csv" if args[0].endswith(".csv") else "out.extxyz"
    code, out, err = cli("data", "convert", str(tmp_path / args[0]), *args[1:],
                         "-o", str(tmp_path / out_name))
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert fragment.format(t=tmp_path) in lines[0]
    assert "Traceback" not in err and out == ""
    assert files_in(tmp_path) == before  # nothing written, not even a temporary file


def test_traceback_flag_shows_the_stack(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from matterlearn.errors import DataFileNotFoundError

    with pytest.raises(DataFileNotFoundError):
        cli("--traceback", "data", "inspect", str(tmp_path / "none.extxyz"))


def test_unknown_dataset_and_usage_errors(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("datasets", "show", "matbench_nope")
    assert code == 1 and err.startswith("error: unknown dataset 'matbench_nope'")
    code, _, err = cli("datasets", "frobnicate")
    assert code == 2 and "No such command" in err


def test_export_wrong_suffix(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("datasets", "export", "matbench_steels", "-o", str(tmp_path / "s.extxyz"))
    assert code == 1 and "export it to a .csv file" in err
    assert list(tmp_path.iterdir()) == []


def test_console_script_subprocess(tmp_path: Path) -> None:
    """The installed entry point: one line on stderr, exit 1."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "matterlearn", "data", "inspect",
                           str(tmp_path / "x.extxyz")], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"error: file '{tmp_path}/x.extxyz' does not exist"]
