"""Importing matterlearn stays light."""

import subprocess
import sys


def test_import_is_light() -> None:
    code = (
        "import sys, matterlearn; "
        "heavy = [m for m in ('torch', 'pandas', 'matplotlib', 'sklearn') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_data_and_datasets_import_no_ml_stack() -> None:
    code = (
        "import sys, matterlearn.data, matterlearn.datasets, matterlearn.cli; "
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
