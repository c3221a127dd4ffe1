"""The phase-diagram workflow in quick mode: every stage, the summary, the report, resuming after an
interrupt with the same numbers, and bad input."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matterlearn.workflows import WorkflowSettings, phase_diagram_workflow


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("wf") / "run"
    return out, phase_diagram_workflow(out, WorkflowSettings.preset(quick=True))


def _numbers(summary: dict[str, Any]) -> dict[str, Any]:
    """What must not depend on whether a run was interrupted."""
    st = summary["stages"]
    return {"calls": summary["oracle_calls"], "gs": summary["ground_states"],
            "tc": summary["transition_temperatures_K"], "diagram": st["montecarlo"]["diagram"],
            "ce": st["expansion"]["rmse_cv_meV_per_site"], "cut": st["expansion"]["cutoffs"],
            "relax": json.loads(Path(st["relax"]["structures"]).read_text())}


def test_summary_and_stages(quick_run: tuple[Path, dict[str, Any]]) -> None:
    out, s = quick_run
    assert set(s["stages"]) == {"potential", "relax", "expansion", "montecarlo"}
    # oracle calls are counted call by call and add up
    assert s["oracle_calls"] == sum(s["oracle_calls_by_stage"].values()) > 0
    pot, relax = s["stages"]["potential"], s["stages"]["relax"]
    assert pot["oracle_calls"] == pot["rounds"][-1]["oracle_calls"] >= pot["rounds"][0]["added"]
    # every enumerated structure up to 5 atoms was relaxed by the potential, none by the oracle;
    # only the re-check sample cost oracle calls
    assert relax["n_structures"] == 57 and relax["oracle_calls"] == len(relax["recheck"]["ids"]) == 5
    assert relax["recheck"]["energy_rmse_meV_per_atom"] < 30
    # the pure end members are always ground states; every ground state has a space group
    gs = s["ground_states"]
    assert gs[0]["x"] == 0 and gs[-1]["x"] == 1 and all(g["spacegroup"] for g in gs)
    assert {g["formula"] for g in gs} >= {"Cu", "Au"}
    # an order-disorder temperature for every ordered ground state that Monte Carlo follows (those
    # on the expansion's own hull)
    ordered = s["stages"]["montecarlo"]["ordered_phases"]
    assert list(s["transition_temperatures_K"]) == [f"{g['x']:g}" for g in gs if g["formula"] in ordered]
    for key in ("report", "expansion"):
        assert Path(s[key]).is_file()
    for path in s["figures"].values():
        assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "summary.json").read_text())["oracle_calls"] == s["oracle_calls"]


def test_cutoffs_chosen_by_cross_validation(quick_run: tuple[Path, dict[str, Any]]) -> None:
    ce = quick_run[1]["stages"]["expansion"]
    table = ce["cutoff_table"]
    assert len(table) >= 3
    best = min(r["rmse_cv"] for r in table if r["rmse_cv"] is not None)
    chosen = next(r for r in table if r["cutoffs"] == ce["cutoffs"])
    assert chosen["rmse_cv"] == best
    # the nesting rule: never a higher order reaching further than a lower one
    for r in table:
        assert all(a >= b for a, b in zip(r["cutoffs"], r["cutoffs"][1:]))


def test_free_energy_boundaries_inside_hysteresis(quick_run: tuple[Path, dict[str, Any]]) -> None:
    mc = quick_run[1]["stages"]["montecarlo"]
    assert mc["diagram"] and all("boundaries" in row for row in mc["diagram"])
    for row in mc["diagram"]:
        for b in row["boundaries"]:
            assert 0 <= b["x_low"] < b["x_high"] <= 1
            assert b["hysteresis"]["inside"], (row["temperature"], b)


def test_report_anchors_and_figures(quick_run: tuple[Path, dict[str, Any]]) -> None:
    html = Path(quick_run[1]["report"]).read_text()
    ids = set(re.findall(r'id="([^"]+)"', html))
    links = re.findall(r'href="#([^"]+)"', html)
    assert len(links) >= 5 and set(links) <= ids
    assert html.count("data:image/png;base64,") >= 5
    assert "<script" not in html and "https://" not in html


def test_interrupted_run_resumes_with_the_same_results(quick_run: tuple[Path, dict[str, Any]],
                                                       tmp_path: Path) -> None:
    ref = _numbers(quick_run[1])
    settings = WorkflowSettings.preset(quick=True)
    out = tmp_path / "run"

    class Stop(Exception):
        pass

    def interrupt_in(stage_prefix: str, after: int):  # type: ignore[no-untyped-def]
        def progress(stage: str, done: int, total: int) -> None:
            if stage.startswith(stage_prefix) and done >= after:
                raise Stop(stage)
        return progress

    with pytest.raises(Stop):  # in stage b, after some chunks are kept
        phase_diagram_workflow(out, settings, progress=interrupt_in("relax", 20))
    assert (out / "potential" / "done.json").is_file() and not (out / "relax" / "done.json").exists()
    assert any((out / "relax").glob("chunk_*.json"))
    with pytest.raises(Stop):  # in stage d, after some Monte Carlo tasks are kept
        phase_diagram_workflow(out, settings, progress=interrupt_in("montecarlo: chemical", 3))
    assert (out / "expansion" / "done.json").is_file()
    resumed = phase_diagram_workflow(out, settings)
    assert resumed["resumed_stages"] == ["potential", "relax", "expansion"]
    assert _numbers(resumed) == ref


def test_other_settings_in_the_same_folder_are_refused(quick_run: tuple[Path, dict[str, Any]],
                                                       tmp_path: Path) -> None:
    from matterlearn.errors import ParameterError

    out = tmp_path / "copy"
    shutil.copytree(quick_run[0], out)
    with pytest.raises(ParameterError, match="other settings.*seed"):
        phase_diagram_workflow(out, WorkflowSettings.preset(quick=True, seed=3))


def test_cli_bad_input_one_line_nothing_written(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "run"
    code, _, err = cli("workflow", "phase-diagram", "--quick", "--species", "Cu,Fe", "--workers", "0",
                       "--out", str(out))
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "cannot evaluate Fe" in err and "--oracle" in err
    assert not out.exists()
    code, _, err = cli("workflow", "phase-diagram", "--quick", "--species", "Cu", "--out", str(out))
    assert code == 1 and "two species" in err and not out.exists()
    code, _, err = cli("workflow", "phase-diagram", "--quick", "--potential", "nequip", "--out", str(out))
    assert code == 1 and "--potential" in err and not out.exists()


def test_exploding_potential_names_the_structure(tmp_path: Path) -> None:
    from matterlearn.errors import ExtrapolationError
    from matterlearn.mlip import train_mtp
    from matterlearn.workflows._phase_diagram import _Run

    settings = WorkflowSettings.preset(quick=True, max_atoms=3)
    run = _Run(settings, tmp_path / "run", None, None)
    run.folder.open()
    # a potential that has seen only far-apart atoms: every relaxation meets distances far below
    # its training data, where its forces mean nothing, and the calculator's guard stops it
    frames, _ = run.label(run.enumerate(2))
    pot, _ = train_mtp(frames, level=6, cutoff=5.0, max_iter=0, seed=0)
    pot.min_seen = np.full_like(pot.min_seen, 6.0)
    pot.save(tmp_path / "bad.json")
    with pytest.raises(ExtrapolationError, match=r"structure \d+ \(.*\).*--potential none"):
        run.stage_relax({"potential": str(tmp_path / "bad.json")})


def test_off_lattice_refused() -> None:
    from matterlearn.errors import ParameterError
    from matterlearn.workflows._phase_diagram import check_on_lattice

    recs = [{"n_atoms": 1, "formula": "Cu", "on_lattice": False}] + [
        {"n_atoms": 2, "formula": "AuCu", "on_lattice": True}] * 3
    with pytest.raises(ParameterError, match="pure Cu.*--lattice"):
        check_on_lattice(recs, 1, "bcc", ("Cu", "Au"))
    check_on_lattice(recs[1:], 1, "fcc", ("Cu", "Au"))


def test_budget_of_oracle_calls_is_kept(tmp_path: Path) -> None:
    from matterlearn.workflows._phase_diagram import _Run

    settings = WorkflowSettings.preset(quick=True, max_oracle_calls=12)
    run = _Run(settings, tmp_path / "run", None, None)
    run.folder.open()
    res = run.stage_potential()
    assert res["oracle_calls"] == 12 and res["n_train"] == 12
    assert res["rounds"][-1]["oracle_calls"] <= 12
