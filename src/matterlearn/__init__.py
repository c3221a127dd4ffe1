"""matterlearn: machine learning for materials on one data model.

Three pillars share the data model in :mod:`matterlearn.data` and the datasets in
:mod:`matterlearn.datasets`: property models (``regress``), cluster expansions with Monte Carlo
(``ce``, ``mc``) and interatomic potentials (``mlip``).

Importing this package is cheap: it loads no torch, pandas, matplotlib or scikit-learn. The
subpackages are imported on first use.
"""

from __future__ import annotations

from .errors import MatterlearnError

__version__ = "0.1.0"

__all__ = ["MatterlearnError", "__version__"]
