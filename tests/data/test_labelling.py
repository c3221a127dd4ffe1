"""Labelling with any ASE calculator, in process or over a Dask client."""

from __future__ import annotations

import numpy as np
import pytest
from ase.build import bulk

from matterlearn.data import label_frames
from matterlearn.errors import ParameterError


def test_label_frames_in_process_and_over_dask() -> None:
    frames = [bulk("Cu", "fcc", a=a, cubic=True) for a in (3.55, 3.6, 3.65)]
    local = label_frames(frames, "emt")
    assert [a.calc for a in local] == [None] * 3 and all("REF_forces" in a.arrays for a in local)
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client

    with Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as client:
        remote = label_frames(frames, "emt", client=client)
    np.testing.assert_allclose([a.info["REF_energy"] for a in remote], [a.info["REF_energy"] for a in local])
    with pytest.raises(ParameterError, match="unknown calculator"):
        label_frames(frames, "vasp")
