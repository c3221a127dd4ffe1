"""The workflow fanned out over a real multi-process Dask cluster gives exactly the numbers of a
run in one process (every unit of work is seeded by its name, not by where or when it runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_local_cluster_of_processes_gives_the_serial_numbers(tmp_path: Path) -> None:
    from dask.distributed import Client, LocalCluster

    from matterlearn.workflows import WorkflowSettings, phase_diagram_workflow

    settings = WorkflowSettings.preset(quick=True)
    serial = phase_diagram_workflow(tmp_path / "serial", settings)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster, Client(cluster) as client:
        pids = set(client.run(lambda: __import__("os").getpid()).values())
        assert len(pids) == 2 and __import__("os").getpid() not in pids  # real worker processes
        fanned = phase_diagram_workflow(tmp_path / "dask", settings, client=client)
    for key in ("oracle_calls", "ground_states", "transition_temperatures_K"):
        assert fanned[key] == serial[key], key
    assert fanned["stages"]["montecarlo"]["diagram"] == serial["stages"]["montecarlo"]["diagram"]
    relax = [json.loads(Path(r["stages"]["relax"]["structures"]).read_text()) for r in (serial, fanned)]
    assert relax[0] == relax[1]
