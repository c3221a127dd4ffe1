"""Shared fixtures: tiny files in a temporary folder, and a runner for the command line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

try:  # two pytest workers share two cores: one thread each (tiny graphs gain nothing from more)
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    pass


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run ``matterlearn ARGS`` in-process; return (status, stdout, stderr)."""
    from matterlearn.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def labelled_frames() -> list[Atoms]:
    """Three small Cu-Au frames with EMT labels under the standard keys."""
    from matterlearn.datasets import label_with_emt

    rng = np.random.default_rng(1)
    frames = []
    for i in range(3):
        a = bulk("Cu", "fcc", a=3.6, cubic=True).repeat((2, 1, 1))
        a.symbols[i] = "Au"
        a.rattle(0.05, seed=int(rng.integers(1000)))
        a = label_with_emt(a)
        a.info["config_type"] = "test"
        frames.append(a)
    return frames


@pytest.fixture(scope="session")
def emt_frames() -> list[Atoms]:
    """About 60 labelled Cu-Au frames (32-atom cells, MD at 300-1200 K, vacancies, strain)."""
    from matterlearn.datasets import emt_potential_frames

    return emt_potential_frames(("Cu", "Au"), fractions=(0.0, 0.25), repeats=(2,), frames_per_trajectory=4,
                                steps_between_frames=8, equilibration_steps=10, n_strained=6, seed=3)


def files_in(folder: Path) -> set[str]:
    """Names of every file below ``folder`` (temporary files included)."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
