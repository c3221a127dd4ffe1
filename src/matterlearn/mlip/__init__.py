"""Machine-learned interatomic potentials: the moment tensor potential (:mod:`.mtp`), the
equivariant message-passing potential (:mod:`.nequip`), SNAP and quadratic SNAP through LAMMPS
(:mod:`.snap`), committees, error reports, an ASE calculator, molecular dynamics (ASE's
integrators, or LAMMPS on MPI ranks for the SNAP family) and active learning.

Layout, bottom to top: the potential protocol, neighbour lists, error reports, the calculator and
MD (``_protocol``, ``_neighbors``, ``_report``, ``_calculator``, ``_md``, ``_lammps``,
``_lammps_md``) know no potential; each potential lives in its own package with its trainer
(``mtp``, ``nequip``, ``snap``); ``_committee`` combines
potentials; ``_active`` (the active-learning loop) sits above them all.

Importing this package never imports torch: the NequIP names load it on first use.
"""

from typing import Any

from ._active import active_learning, explore
from ._calculator import ExtrapolationWarning, MLIPCalculator
from ._committee import Committee
from ._lammps_md import run_lammps_md
from ._md import run_md
from ._protocol import Potential, load_potential
from ._report import error_report
from .mtp import (
    ActiveSet,
    MomentBasis,
    MomentTensorPotential,
    maxvol,
    moment_basis,
    parse_weights,
    read_cfg,
    read_mtp,
    select_by_maxvol,
    train_mtp,
    write_cfg,
    write_mtp,
)

_LAZY = {"NequIPPotential", "train_nequip"}

__all__ = [
    "ActiveSet",
    "Committee",
    "ExtrapolationWarning",
    "MLIPCalculator",
    "MomentBasis",
    "MomentTensorPotential",
    "NequIPPotential",
    "Potential",
    "active_learning",
    "error_report",
    "explore",
    "load_potential",
    "maxvol",
    "moment_basis",
    "parse_weights",
    "read_cfg",
    "read_mtp",
    "run_lammps_md",
    "run_md",
    "select_by_maxvol",
    "train_mtp",
    "train_nequip",
    "write_cfg",
    "write_mtp",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import nequip

        return getattr(nequip, name)
    raise AttributeError(f"module 'matterlearn.mlip' has no attribute {name!r}")
