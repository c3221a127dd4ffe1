"""Datasets: bundled (Matbench v0.1 composition tasks, elastic_tensor_2015, tawo_dft, the mlearn
DFT benchmark of Zuo et al. 2020 with the paper's moment tensor potentials) and
generated with ASE's EMT calculator, each with provenance and a citation.

>>> from matterlearn import datasets
>>> ds = datasets.load("matbench_steels")
>>> len(ds), ds.info.unit, len(ds.folds)
(312, 'MPa', 5)
"""

from . import _bundled  # noqa: F401  (bundled datasets register first)
from ._bundled import MLEARN_ELEMENTS, mlearn_potential
from ._emt import (
    EMT_ELEMENTS,
    emt_alloy_configurations,
    emt_lattice_constant,
    emt_potential_frames,
    label_with_emt,
)
from ._registry import Dataset, DatasetInfo, info, list_datasets, load, register

__all__ = [
    "Dataset", "DatasetInfo", "info", "list_datasets", "load", "register", "MLEARN_ELEMENTS", "mlearn_potential",
    "EMT_ELEMENTS", "emt_alloy_configurations", "emt_lattice_constant", "emt_potential_frames", "label_with_emt",
]
