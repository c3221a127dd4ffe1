"""Descriptors of compositions and structures as scikit-learn transformers; the crystal graph."""

from ._composition import (
           MAGPIE_PROPERTIES,
           MAGPIE_STATS,
           CompositionFeaturizer,
           element_table,
)
from ._structure import StructureFeaturizer, crystal_graph, gaussian_expansion

__all__ = ["MAGPIE_PROPERTIES", "MAGPIE_STATS", "CompositionFeaturizer", "StructureFeaturizer", "crystal_graph", "gaussian_expansion",
           "element_table"]
