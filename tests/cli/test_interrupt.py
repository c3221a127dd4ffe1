"""Ctrl-C at any point: one line `interrupted: ...` saying what was kept, exit 130, no traceback,
no half-written output; an interrupted labelling run keeps its rows and resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from matterlearn.data import write_frames

ROOT = Path(__file__).resolve().parents[2]


def _interrupt_after(args: list[str], marker: str, cwd: Path, delay: float = 0.5,
                     timeout: float = 120.0) -> tuple[int, str]:
    """Start ``matterlearn ARGS``, wait for ``marker`` on stderr, then send SIGINT."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "matterlearn", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    lines = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            time.sleep(delay)
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.communicate(timeout=timeout)[1]
    return proc.returncode, "".join(lines) + rest


def test_interrupted_training_says_what_it_kept(tmp_path: Path, emt_frames) -> None:  # type: ignore[no-untyped-def]
    write_frames(tmp_path / "train.extxyz", emt_frames[:30])
    code, err = _interrupt_after(
        ["mlip", "train", "train.extxyz", "-o", "pot.json", "--level", "16", "--max-iter", "5000",
         "--checkpoint", "ckpt.json", "--json", "train.json"], "iter", tmp_path, delay=1.0)
    assert code == 130, err
    assert "Traceback" not in err and "SystemError" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("interrupted: the last checkpoint is kept in 'ckpt.json'"), err
    assert (tmp_path / "ckpt.json").is_file()  # kept, and loads
    assert not (tmp_path / "pot.json").exists() and not (tmp_path / "train.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.json", "train.extxyz"]


def test_interrupted_labelling_keeps_rows_and_resumes(tmp_path: Path) -> None:
    from matterlearn.ce import builtin_prim, enumerate_to_database
    from matterlearn.data import read_frames

    n = enumerate_to_database(builtin_prim("fcc", ["Au", "Cu"]), ["Au", "Cu"], 4, tmp_path / "a.db")
    calc = "tests.cli._slow_calculator:SlowEMT"
    code, err = _interrupt_after(["ce", "label", "--db", "a.db", "--calculator", calc],
                                 "labelling", tmp_path, delay=1.0)
    assert code == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("interrupted: the rows labelled so far are kept in 'a.db'")
    kept = sum("REF_energy" in a.info for a in read_frames(tmp_path / "a.db"))
    assert 0 < kept < n
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "matterlearn", "ce", "label", "--db", "a.db"],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"{kept} were already labelled" in done.stdout
    assert all("REF_energy" in a.info for a in read_frames(tmp_path / "a.db"))


@pytest.mark.parametrize("where", ["before work", "during the scan"])
def test_interrupted_monte_carlo_writes_nothing(tmp_path: Path, where: str) -> None:
    import numpy as np
    from ase.build import bulk

    from matterlearn.ce import ClusterExpansion, ClusterSpace

    cs = ClusterSpace(bulk("Cu", a=3.8), [4.0], ["Au", "Cu"])
    ecis = np.zeros(cs.n_parameters)
    ecis[2] = 0.12
    ClusterExpansion(cs, ecis).write(tmp_path / "ce.json")
    args = ["mc", "run", "ce.json", "--supercell", "12x12x12", "--composition", "Au=0.25",
            "--temperatures", "1500:300:-10", "--sweeps", "400", "--out", "mc", "--json", "mc.json"]
    marker = "Monte Carlo" if where == "during the scan" else ""
    code, err = _interrupt_after(args, marker, tmp_path, delay=0.5 if marker else 0.0)
    assert code == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "interrupted: nothing was written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ce.json"]


def test_interrupt_is_held_back_until_a_write_ends() -> None:
    # in a process of its own: signals reach only the main thread, and a test runner's worker
    # may run tests in another
    code = (
        "import os, signal\n"
        "from matterlearn._signals import deferred_interrupts\n"
        "done = []\n"
        "try:\n"
        "    with deferred_interrupts():\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        done.append(1)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted after the write' if done else 'interrupted inside the write')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert out.stdout.strip() == "interrupted after the write", out.stderr


def test_stale_database_lock_is_one_line_not_a_hang(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    from matterlearn.ce import builtin_prim, enumerate_to_database

    enumerate_to_database(builtin_prim("fcc", ["Au", "Cu"]), ["Au", "Cu"], 2, tmp_path / "a.db")
    (tmp_path / "a.db.lock").write_text("")
    code, _, err = cli("ce", "label", "--db", str(tmp_path / "a.db"))
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "a.db.lock" in err and "delete the lock file" in err
