"""SNAP and quadratic SNAP through LAMMPS: descriptors from ``compute snap``, weighted linear least
squares, ``.snapcoeff``/``.snapparam`` files that any LAMMPS runs."""

from ._potential import SNAPPotential, n_bispectrum, read_snap
from ._train import fit_snap, train_snap

__all__ = ["SNAPPotential", "fit_snap", "n_bispectrum", "read_snap", "train_snap"]
