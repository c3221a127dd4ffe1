"""Machine-learned interatomic potentials: the moment tensor potential, training, error reports,
an ASE calculator and molecular dynamics.

Importing this package loads numba kernels lazily on first use; it never imports torch.
"""

from ._active import ActiveSet, active_learning, explore, maxvol, select_by_maxvol
from ._basis import MomentBasis, moment_basis
from ._calculator import ExtrapolationWarning, MLIPCalculator
from ._md import run_md
from ._mtp import MomentTensorPotential, load_potential
from ._report import error_report
from ._train import parse_weights, train_mtp

__all__ = [
    "ActiveSet",
    "ExtrapolationWarning",
    "MLIPCalculator",
    "MomentBasis",
    "MomentTensorPotential",
    "active_learning",
    "error_report",
    "explore",
    "load_potential",
    "maxvol",
    "moment_basis",
    "parse_weights",
    "run_md",
    "select_by_maxvol",
    "train_mtp",
]
