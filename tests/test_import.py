"""Importing matterlearn stays light."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("modules", ["matterlearn", "matterlearn.data, matterlearn.datasets, matterlearn.cli"])
def test_import_is_light(modules: str) -> None:
    """Importing the package (and the data layer and CLI) loads no torch, pandas, matplotlib
    or scikit-learn."""
    code = (
        f"import sys, {modules}; "
        "heavy = [m for m in ('torch', 'pandas', 'matplotlib', 'sklearn') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_errors_refine_builtins() -> None:
    from matterlearn import errors

    assert issubclass(errors.DataFormatError, ValueError)
    assert issubclass(errors.MissingLabelError, KeyError)
    assert issubclass(errors.DataFileNotFoundError, FileNotFoundError)
    assert str(errors.MissingLabelError("no energy")) == "no energy"  # no KeyError quotes
