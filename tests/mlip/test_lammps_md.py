"""MD in LAMMPS (mpiexec, 1 or 2 ranks) against MD on ASE's integrators with the same SNAP: the
same NVE trajectory to rounding, in any cell; the same trajectory format and summary; bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ase.build import bulk

from matterlearn.data import read_frames, write_frames
from matterlearn.errors import MissingDependencyError, ParameterError
from matterlearn.mlip import MLIPCalculator, run_md
from matterlearn.mlip._lammps import potentials_folder
from matterlearn.mlip._lammps_md import run_lammps_md
from matterlearn.mlip.snap import SNAPPotential, read_snap


def _mo_snap() -> SNAPPotential:
    folder = potentials_folder()
    return read_snap(folder / "Mo_Zuo_JPCA2020.snapcoeff", folder / "Mo_Zuo_JPCA2020.snapparam")


def _start(cubic: bool = True):  # type: ignore[no-untyped-def]
    atoms = bulk("Mo", "bcc", a=3.16, cubic=True).repeat(3) if cubic else bulk("Mo", "bcc", a=3.16).repeat((4, 4, 3))
    atoms.rattle(0.03, seed=2)
    atoms.positions[0] += atoms.cell[0]  # an atom outside the cell: unwrapped positions must survive
    return atoms


@pytest.mark.parametrize("cubic", [True, False])
def test_nve_trajectory_equals_ase_engine(cubic: bool, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pot, atoms = _mo_snap(), _start(cubic)
    ase_run = run_md(atoms, MLIPCalculator(pot), 500, 12, ensemble="nve", interval=4, seed=3,
                     trajectory=tmp_path / "ase.extxyz")
    lmp_run = run_lammps_md(atoms, pot, 500, 12, ensemble="nve", interval=4, seed=3,
                            trajectory=tmp_path / "lmp.extxyz")
    for key in ("potential_energy", "total_energy"):
        assert np.allclose(ase_run[key], lmp_run[key], atol=1e-7, rtol=0)
    assert np.allclose(ase_run["temperature_K"], lmp_run["temperature_K"], rtol=1e-6)
    assert np.allclose(ase_run["time_fs"], lmp_run["time_fs"])
    a, b = read_frames(tmp_path / "ase.extxyz"), read_frames(tmp_path / "lmp.extxyz")
    assert len(a) == len(b) == 4
    for x, y in zip(a, b):
        assert np.allclose(x.cell, y.cell, atol=1e-10)
        assert np.abs(x.positions - y.positions).max() < 1e-7
        assert np.abs(x.get_momenta() - y.get_momenta()).max() < 1e-6
        assert np.abs(x.arrays["MLIP_forces"] - y.arrays["MLIP_forces"]).max() < 1e-6
        assert x.info["MLIP_energy"] == pytest.approx(y.info["MLIP_energy"], abs=1e-7)
    assert abs(lmp_run["energy_drift_per_atom_meV"]) < 0.1


def test_two_ranks_give_the_one_rank_trajectory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pot, atoms = _mo_snap(), _start()
    one = run_lammps_md(atoms, pot, 300, 10, ensemble="nve", interval=5, ranks=1)
    two = run_lammps_md(atoms, pot, 300, 10, ensemble="nve", interval=5, ranks=2, workdir=tmp_path / "run")
    assert two["ranks"] == 2 and one["atom_steps_per_second"] > 0
    assert np.allclose(one["total_energy"], two["total_energy"], atol=1e-9)
    assert np.abs(one["final"].positions - two["final"].positions).max() < 1e-9
    # the work folder keeps what a user needs to run it again on another machine
    assert {p.name for p in (tmp_path / "run").iterdir()} >= {"in.lammps", "start.data", "potential.snapcoeff",
                                                              "potential.snapparam", "log.lammps", "traj.dump"}


def test_thermostat_and_barostat_act(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pot, atoms = _mo_snap(), bulk("Mo", "bcc", a=3.16, cubic=True).repeat(3)
    hot = run_lammps_md(atoms, pot, 1500, 300, ensemble="nvt", interval=50, friction=0.05, seed=1)
    assert 900 < hot["temperature_K"][-3:].mean() < 2100  # heated toward 1500 K from the equilibrated start
    assert hot["temperature_K"][0] == pytest.approx(1500, rel=0.3)
    squeezed = run_lammps_md(atoms, pot, 300, 200, ensemble="npt", pressure=50.0, interval=50, timestep=2.0)
    v0, v1 = atoms.get_volume(), squeezed["final"].get_volume()
    assert v1 < v0 * 0.995  # 50 GPa compresses Mo (B ~ 260 GPa): ~2 % within 400 fs of Berendsen
    lengths = squeezed["final"].cell.lengths()
    assert np.allclose(lengths, lengths[0])  # isotropic


def test_steps_not_a_multiple_of_the_interval_record_the_last_step() -> None:
    pot, atoms = _mo_snap(), _start()
    out = run_lammps_md(atoms, pot, 300, 7, ensemble="nve", interval=5)
    assert list(out["time_fs"]) == [0.0, 5.0, 7.0]


def test_bad_input_is_refused_before_lammps_starts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pot = _mo_snap()
    with pytest.raises(ParameterError, match="natively"):
        run_lammps_md(_start(), object(), 300, 5)
    with pytest.raises(ParameterError, match="along x, y and z"):
        run_lammps_md(_start(cubic=False), pot, 300, 5, ensemble="npt")
    with pytest.raises(ParameterError, match="ranks"):
        run_lammps_md(_start(), pot, 300, 5, ranks=0)
    cu = bulk("Cu", "fcc", a=3.6, cubic=True)
    with pytest.raises(Exception, match="Cu"):
        run_lammps_md(cu, pot, 300, 5)


def test_cli_md_engines_write_the_same_summary_and_trajectory(tmp_path, cli) -> None:  # type: ignore[no-untyped-def]
    pot = _mo_snap()
    pot.save(tmp_path / "mo.json")
    write_frames(tmp_path / "start.extxyz", [_start()])
    keys = None
    for engine in ("ase", "lammps"):
        args = ["mlip", "md", str(tmp_path / "mo.json"), str(tmp_path / "start.extxyz"), "--trajectory",
                str(tmp_path / f"{engine}.extxyz"), "--steps", "10", "--interval", "5", "--ensemble", "nve",
                "--engine", engine, "--json", str(tmp_path / f"{engine}.json")]
        if engine == "lammps":
            args += ["--ranks", "2"]
        code, out, err = cli(*args)
        assert code == 0, err
        summary = json.loads((tmp_path / f"{engine}.json").read_text())
        assert summary["engine"] == engine and summary["n_atoms"] == 54
        keys = keys or set(summary)
        assert set(summary) == keys
    a = json.loads((tmp_path / "ase.json").read_text())
    b = json.loads((tmp_path / "lammps.json").read_text())
    assert a["energy_drift_per_atom_meV"] == pytest.approx(b["energy_drift_per_atom_meV"], abs=1e-4)
    assert "2 MPI ranks of LAMMPS" in out
    assert len(read_frames(tmp_path / "lammps.extxyz")) == 3


def test_cli_md_lammps_bad_input_is_one_line(tmp_path, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from matterlearn.datasets import mlearn_potential

    write_frames(tmp_path / "start.extxyz", [_start()])
    mlearn_potential("Mo").save(tmp_path / "mtp.json")
    _mo_snap().save(tmp_path / "snap.json")
    start, traj = str(tmp_path / "start.extxyz"), str(tmp_path / "t.extxyz")
    cases = [
        (["mlip", "md", str(tmp_path / "mtp.json"), start, "--trajectory", traj, "--engine", "lammps"], "natively"),
        (["mlip", "md", str(tmp_path / "snap.json"), start, "--trajectory", traj, "--ranks", "2"], "--engine lammps"),
        (["mlip", "md", str(tmp_path / "snap.json"), start, "--trajectory", traj, "--engine", "gromacs"], "--engine"),
        (["mlip", "md", str(tmp_path / "snap.json"), start, "--trajectory", traj, "--engine", "lammps",
          "--ranks", "0"], "--ranks"),
        (["mlip", "md", str(tmp_path / "snap.json"), start, "--trajectory", traj, "--engine", "lammps",
          "--workdir", start], "is a file"),
    ]
    for args, needle in cases:
        code, _, err = cli(*args)
        assert code != 0 and needle in err and "Traceback" not in err, (args, err)
        assert len(err.strip().splitlines()) == 1, err
    # LAMMPS missing from the environment: one line that says how to install it
    import matterlearn.mlip._lammps_md as engine

    def missing() -> str:
        raise MissingDependencyError("LAMMPS is not installed; install the project with `make install`")

    monkeypatch.setattr(engine, "lammps_executable", missing)
    code, _, err = cli("mlip", "md", str(tmp_path / "snap.json"), start, "--trajectory", traj, "--engine", "lammps")
    assert code != 0 and "make install" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "t.extxyz").exists()
