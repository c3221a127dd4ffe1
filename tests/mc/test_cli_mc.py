"""`matterlearn mc run`: results, and one-line errors."""

import json
from pathlib import Path

import numpy as np
import pytest
from ase.build import bulk

from matterlearn.ce import ClusterExpansion, ClusterSpace
from matterlearn.mc import parse_temperatures, transition_temperature

from ..conftest import files_in


@pytest.fixture
def model(tmp_path: Path) -> Path:
    cs = ClusterSpace(bulk("Cu", a=3.8), [5.7, 4.0], ["Au", "Cu"])
    ecis = np.zeros(cs.n_parameters)
    ecis[2] = 0.02 * 6  # nearest-neighbour ordering interaction
    path = tmp_path / "ce.json"
    ClusterExpansion(cs, ecis).write(path)
    return path


def test_mc_run_scan(cli, model: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("mc", "run", str(model), "--supercell", "4x4x4", "--composition",
                         "Au=0.25", "--temperatures", "1600:400:-300", "--sweeps", "60",
                         "--equilibration", "20", "--json", str(tmp_path / "mc.json"), "--out",
                         str(tmp_path / "mcout"))
    assert code == 0, err
    d = json.loads((tmp_path / "mc.json").read_text())
    for key in ("n_sites", "temperatures", "energy_mean", "energy_std_error", "heat_capacity",
                "order_parameter", "acceptance", "transition_temperature",
                "trial_steps_per_second"):
        assert key in d
    assert d["n_sites"] == 64 and d["temperatures"] == [1600, 1300, 1000, 700, 400]
    assert d["composition"][-1]["Au"] == pytest.approx(0.25)
    # cooling orders the alloy: lower energy and more unlike nearest neighbours
    assert d["energy_mean"][-1] < d["energy_mean"][0]
    assert d["short_range_order"][-1] < d["short_range_order"][0] <= 0.05
    assert d["order_parameter"][-1] > d["order_parameter"][0]  # long-range order grows on cooling
    assert d["order_transition_temperature"] is not None
    assert (tmp_path / "mcout" / "mc.html").is_file()
    assert "trial steps/s" in out


def test_mc_run_sgc(cli, model: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("mc", "run", str(model), "--ensemble", "sgc", "--mu", "Au=-2.0",
                       "--supercell", "3x3x3", "--temperatures", "800", "--sweeps", "50",
                       "--json", str(tmp_path / "sgc.json"))
    assert code == 0, err
    d = json.loads((tmp_path / "sgc.json").read_text())
    assert d["composition"][0]["Au"] < 0.05  # a strongly negative Au potential empties Au


@pytest.mark.parametrize("args, fragment", [
    (["--composition", "Au=0.3"], "composition Au=0.3 does not fit the supercell of 8 sites"),
    (["--composition", "Fe=0.25"], "unknown species ['Fe']"),
    (["--composition", "Au=0.25", "--supercell", "2x2"], "--supercell '2x2'"),
    (["--composition", "Au=0.25", "--temperatures", "300:900:-10"], "temperatures '300:900:-10'"),
])
def test_mc_bad_input(cli, model: Path, tmp_path: Path, args: list[str], fragment: str) -> None:  # type: ignore[no-untyped-def]
    before = files_in(tmp_path)
    code, _, err = cli("mc", "run", str(model), "--supercell", "2x2x2", *args,
                       "--json", str(tmp_path / "x.json"))
    assert code == 1 and len(err.strip().splitlines()) == 1 and fragment in err, err
    assert files_in(tmp_path) == before


def test_mc_other_schema(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "ce.json"
    other.write_text(json.dumps({"kind": "matterlearn.ClusterExpansion", "schema_version": 3}))
    code, _, err = cli("mc", "run", str(other), "--composition", "Au=0.25")
    assert code == 1 and "schema_version 3" in err and len(err.strip().splitlines()) == 1


def test_parse_temperatures_and_peak() -> None:
    assert parse_temperatures("1200:300:-300") == [1200, 900, 600, 300]
    assert parse_temperatures("300,400") == [300.0, 400.0]
    t = np.linspace(300, 700, 9)
    c = np.exp(-((t - 520) / 60) ** 2)
    tc = transition_temperature(t, c)
    assert abs(tc["transition_temperature"] - 520) < 10 and not tc["at_edge"]


def test_phase_diagram_and_kmc_commands(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cs = ClusterSpace(bulk("Cu", a=3.8), [4.0], ["Au", "Cu"])
    ecis = np.zeros(cs.n_parameters)
    ecis[2] = 0.02 * 6
    ClusterExpansion(cs, ecis).write(tmp_path / "ce.json")
    code, out, err = cli("mc", "phase-diagram", str(tmp_path / "ce.json"), "--species", "Au",
                         "--mu=-0.6:0.6:0.3", "--temperatures", "300,1500", "--supercell",
                         "3x3x3", "--sweeps", "30", "--equilibration", "10", "--workers", "0",
                         "--json", str(tmp_path / "pd.json"), "--out", str(tmp_path / "pd"))
    assert code == 0, err
    d = json.loads((tmp_path / "pd.json").read_text())
    x = np.array(d["composition"])
    assert x.shape == (5, 2)
    assert np.all(np.diff(x[:, 0]) >= -0.02)  # more Au as its chemical potential rises
    assert (tmp_path / "pd" / "phase_diagram.html").is_file()
    vac = ClusterSpace(bulk("Cu", a=3.6), [3.0], ["Cu", "X"])
    ClusterExpansion(vac, np.zeros(vac.n_parameters)).write(tmp_path / "vac.json")
    code, out, err = cli("mc", "kmc", str(tmp_path / "vac.json"), "--barriers", "Cu=0.7",
                         "--supercell", "4x4x4", "--hops", "2000", "--temperature", "700",
                         "--json", str(tmp_path / "kmc.json"))
    assert code == 0, err
    k = json.loads((tmp_path / "kmc.json").read_text())
    # one barrier, no interactions: every hop has the rate nu exp(-E/kT) and the vacancy has 12
    # neighbours, so the mean residence time is exactly 1/(12 rate) (1/sqrt(2000): 2 % noise)
    rate = 1e13 * np.exp(-0.7 / (8.617333262e-5 * 700))
    assert k["time_s"] == pytest.approx(2000 / (12 * rate), rel=0.1)
    # a tracer that just swapped with the vacancy tends to swap back: correlated, f < 1 (the exact
    # fcc value is 0.7815; 2000 hops of one vacancy give 0.62-0.78 over seeds 0-3)
    assert 0.5 < k["correlation_factor"]["Cu"] < 0.95
