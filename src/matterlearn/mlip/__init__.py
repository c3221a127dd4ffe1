"""Machine-learned interatomic potentials: the moment tensor potential, training, error reports,
an ASE calculator and molecular dynamics.

Importing this package loads numba kernels lazily on first use; it never imports torch.
"""

from ._active import ActiveSet, active_learning, maxvol, select_by_maxvol
from ._basis import MomentBasis, moment_basis
from ._calculator import ExtrapolationWarning, MLIPCalculator
from ._md import run_md
from ._mtp import MomentTensorPotential, load_potential
from ._report import error_report
from ._train import parse_weights, train_mtp

__all__ = [
    "ActiveSet",
    "active_learning",
    "maxvol",
    "select_by_maxvol",
    "ExtrapolationWarning",
    "MLIPCalculator",
    "MomentBasis",
    "MomentTensorPotential",
    "error_report",
    "load_potential",
    "moment_basis",
    "parse_weights",
    "run_md",
    "train_mtp",
]
