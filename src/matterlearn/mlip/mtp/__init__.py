"""The moment tensor potential (Shapeev 2016): basis, compiled kernels, training, MaxVol active sets."""

from ._basis import MomentBasis, moment_basis
from ._maxvol import ActiveSet, maxvol, neighbourhood_rows, select_by_maxvol
from ._mlip2 import read_cfg, read_mtp, write_cfg, write_mtp
from ._model import MomentTensorPotential, load_mtp
from ._train import TrainingSet, parse_weights, train_mtp

__all__ = ["ActiveSet", "MomentBasis", "MomentTensorPotential", "TrainingSet", "load_mtp", "maxvol", "moment_basis",
           "neighbourhood_rows", "parse_weights", "read_cfg", "read_mtp", "select_by_maxvol", "train_mtp",
           "write_cfg", "write_mtp"]
