"""The tutorial runner and the site checker: a failing notebook fails, a broken link is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._tools import tool

GOOD = '''# %% [markdown]
# # A tutorial that works

# %%
value = 6 * 7
print("the answer is", value)
'''

BROKEN = '''# %% [markdown]
# # A tutorial with a bug

# %%
numbers = [1, 2, 3]

# %%
print(numbers[10])

# %%
print("never reached")
'''


def test_good_tutorial_runs_and_records_its_outputs(tmp_path: Path) -> None:
    import nbformat

    tutorials = tool("tutorials")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "01_good.py").write_text(GOOD)
    run = tutorials.execute(tmp_path / "src" / "01_good.py", tmp_path / "out", timeout=120)
    nb = nbformat.read(run.notebook, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "the answer is 42" in text
    assert nb.metadata["matterlearn"]["source_hash"] == tutorials.source_hash(tmp_path / "src" / "01_good.py")
    again = tutorials.execute(tmp_path / "src" / "01_good.py", tmp_path / "out", timeout=120, reuse=True)
    assert again.reused  # current: not run twice


def test_a_failing_cell_fails_the_run_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A notebook whose cell raises fails, naming the tutorial, the cell and the error; the
    cells run so far are kept for a look, and no executed notebook is written."""
    tutorials = tool("tutorials")
    source = tmp_path / "tutorials"
    source.mkdir()
    (source / "01_broken.py").write_text(BROKEN)
    out = tmp_path / "executed"
    with pytest.raises(tutorials.TutorialError, match=r"01_broken.py: cell 3 of 4 \('print\(numbers\[10\]\)'\) raised "
                                                      r"IndexError: list index out of range"):
        tutorials.execute(source / "01_broken.py", out, timeout=120)
    assert not (out / "01_broken.ipynb").exists()
    assert (out / "01_broken.failed.ipynb").exists()

    code = tutorials.main(["run", "--source", str(source), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("error:") == 1 and "IndexError" in err and "Traceback" not in err


def test_no_such_tutorial(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tutorials = tool("tutorials")
    (tmp_path / "01_good.py").write_text(GOOD)
    assert tutorials.main(["run", "02_missing", "--source", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "no tutorial 02_missing" in capsys.readouterr().err


def test_site_checker_finds_broken_links(tmp_path: Path) -> None:
    check = tool("check_docs")
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text(
        '<a href="sub/page.html#here">ok</a> <a href="sub/page.html#gone">bad anchor</a> '
        '<a href="missing.html">bad file</a> <a href="https://example.org">out</a> <img src="img.png">')
    (tmp_path / "sub" / "page.html").write_text('<h1 id="here">Here</h1> <a href="../index.html">up</a>')
    (tmp_path / "img.png").write_bytes(b"")
    problems, external = check.broken_links(tmp_path)
    assert external == 1
    assert problems == ["index.html: link to missing anchor 'sub/page.html#gone'",
                        "index.html: link to missing file 'missing.html'"]
