"""The command boundary's parts: outputs all written or none, and progress as plain lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from matterlearn.cli._boundary import Outputs
from matterlearn.cli._progress import LineProgress
from matterlearn.errors import OutputLocationError

from ..conftest import files_in


def test_outputs_are_all_written_or_none(tmp_path: Path) -> None:
    with Outputs() as outs:
        a = outs.file(tmp_path / "a.json", "--json")
        rep = outs.folder(tmp_path / "rep", "--out")
        assert a is not None and rep is not None
        outs.write_text(a, "{}")
        (outs.stage(rep) / "r.html").write_text("<html>")
        assert files_in(tmp_path) != set() and not a.exists()  # staged, not yet in place
    assert (tmp_path / "a.json").read_text() == "{}" and (tmp_path / "rep" / "r.html").is_file()
    assert files_in(tmp_path) == {"a.json", "rep/r.html"}  # nothing temporary left

    with pytest.raises(RuntimeError, match="the second writer fails"):
        with Outputs() as outs:
            b = outs.file(tmp_path / "b.json", "--json")
            c = outs.file(tmp_path / "c.extxyz", "--out")
            outs.write_text(b, "{}")
            outs.stage(c)  # the writer of c fails before writing
            raise RuntimeError("the second writer fails")
    assert files_in(tmp_path) == {"a.json", "rep/r.html"}  # neither b nor c, no temporary file


def test_output_locations_are_checked_at_once(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x")
    outs = Outputs()
    with pytest.raises(OutputLocationError, match="is a folder; give a file name"):
        outs.file(tmp_path, "--json")
    with pytest.raises(OutputLocationError, match="is a file, not a folder"):
        outs.file(tmp_path / "f.txt" / "o.json", "--json")
    with pytest.raises(OutputLocationError, match="is a file; give a folder"):
        outs.folder(tmp_path / "f.txt", "--out")
    with pytest.raises(OutputLocationError, match="must end in .png"):
        outs.file(tmp_path / "fig.jpg", "--figure", (".png",))
    assert outs.file(tmp_path / "new" / "deeper" / "o.json", "--json") is not None  # folders to make
    assert files_in(tmp_path) == {"f.txt"}


def test_line_progress_reports_done_total_and_time(capsys: pytest.CaptureFixture[str]) -> None:
    with LineProgress("benchmark:") as bar:
        t = bar.add_task("reading")
        assert capsys.readouterr().err == ""  # nothing before the first update
        bar.update(t, total=10, completed=0, description="rf, outer fold 1 of 5")
        bar.update(t, completed=4, description="rf, outer fold 5 of 5")
        bar.update(t, completed=5)  # same description, within the interval: no line
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0] == "benchmark: rf, outer fold 1 of 5: 0/10, elapsed 0:00:00"
    assert lines[1].startswith("benchmark: rf, outer fold 5 of 5: 4/10, elapsed 0:00:00, about ")
    assert len(lines) == 2
