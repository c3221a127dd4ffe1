"""The main job at full size (Cu-Au, EMT, fcc structures up to 8 atoms) against the classic route
on the same structures: the acceptance figures of the README. `make test-workflow` (about 20
minutes on 2 cores; not in CI, whose quick-mode tests cover every stage)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.workflow_full]


def test_potential_route_matches_the_classic_route(tmp_path: Path) -> None:
    import runpy

    out = Path(os.environ.get("MATTERLEARN_WORKFLOW_DIR", tmp_path))
    bench = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_workflow.py"
    import sys

    argv = sys.argv
    sys.argv = [str(bench), "--out", str(out), "--json", str(out / "comparison.json")]
    try:
        runpy.run_path(str(bench), run_name="__main__")
    finally:
        sys.argv = argv
    r = json.loads((out / "comparison.json").read_text())
    assert r["structures_compared"] > 550
    assert r["mixing_energy_rmse_meV_per_atom"] <= 1.5
    assert r["same_ground_states"], r["ground_states"]
    assert {(f, sg) for f, sg in r["ground_states"]["none"]} >= {("AuCu", "P4/mmm (123)"), ("AuCu3", "I4/mmm (139)")}
    for x, d in r["transition_temperature_differences_K"].items():
        assert d is not None and abs(d) <= 20, (x, d)
    assert r["oracle_call_ratio"] <= 0.02
    assert all(r["boundaries_inside_hysteresis"].values())
    assert r["seconds"]["mtp"] <= 20 * 60
    assert np.isfinite(r["ce_rmse_cv_meV_per_site"]["mtp"])
