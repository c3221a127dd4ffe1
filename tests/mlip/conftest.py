"""Fixtures for the potential tests: a small EMT Cu-Au training set and a quickly trained MTP."""

from __future__ import annotations

import pytest
from ase import Atoms


@pytest.fixture(scope="session")
def trained(emt_frames: list[Atoms]):  # type: ignore[no-untyped-def]
    """A level-10 MTP fitted to the first 40 frames with a few L-BFGS steps."""
    from matterlearn.mlip import train_mtp

    pot, history = train_mtp(emt_frames[:40], level=10, cutoff=4.5, max_iter=20, lbfgs_steps=10,
                             nonlinear_frames=20, seed=0)
    return pot, history
