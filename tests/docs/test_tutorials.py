"""The three tutorials run from clean kernels, each within 5 minutes, and show what they promise.

Run by ``make test-tutorials`` (part of ``make test-slow``), one after another so that each may
use every core. ``MATTERLEARN_TUTORIALS_OUT`` keeps the executed notebooks for ``make docs``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ._tools import ROOT, tool

pytestmark = [pytest.mark.slow, pytest.mark.tutorials]

LIMIT_S = 300.0

# what each tutorial's outputs must show: text that only its numbers and figures produce
PROMISES = {
    "01_property_models": {
        "figures": 3,  # the KNeighborsRegressor parity plot, the learning curve, the ROC curves
        "text": ["'r2': ", "krr    structure", "<- overfits", "hurdle (extra trees)",
                 "random forest, structure", "MAE/MAD"],
    },
    "02_cluster_expansion": {
        "figures": 3,  # ECIs, the hull, the Monte Carlo scan
        "text": ["RMSE 10-fold CV", "lasso + hull", "hull reproduced: True", "search over 631 structures",
                 "heat-capacity peak", "correlation factor", "Arrhenius activation energy"],
    },
    "03_potentials": {
        "figures": 2,  # force parity of both potentials, and the MD run
        "text": ["cuau.mtp.json on test.extxyz", "cuau.nequip.pt on test.extxyz", "Cu atoms", "Au atoms",
                 "Cu_f_mae", "energy_drift_per_atom_meV", "oracle calls"],
    },
}


def _outputs(nb: object) -> tuple[str, int]:
    text, figures = [], 0
    for cell in nb.cells:  # type: ignore[attr-defined]
        for out in cell.get("outputs", []):
            text.append(out.get("text", ""))
            data = out.get("data", {})
            text.append(data.get("text/plain", ""))
            figures += "image/png" in data
    return "".join(text), figures


@pytest.mark.parametrize("name", sorted(PROMISES))
def test_tutorial_runs_and_shows_its_results(name: str, tmp_path: Path) -> None:
    import nbformat

    tutorials = tool("tutorials")
    out = Path(os.environ.get("MATTERLEARN_TUTORIALS_OUT", tmp_path))
    if not out.is_absolute():
        out = ROOT / out
    run = tutorials.execute(ROOT / "docs" / "tutorials" / f"{name}.py", out, timeout=LIMIT_S)
    assert run.seconds <= LIMIT_S
    text, figures = _outputs(nbformat.read(run.notebook, as_version=4))
    assert figures >= PROMISES[name]["figures"], f"{name}: {figures} figures"
    for promise in PROMISES[name]["text"]:
        assert promise in text, f"{name}: no {promise!r} in its outputs"
    assert "Traceback" not in text and "error:" not in text
