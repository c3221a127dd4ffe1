"""Descriptors of compositions (and, later, structures) as scikit-learn transformers."""

from ._composition import MAGPIE_PROPERTIES, MAGPIE_STATS, CompositionFeaturizer, element_table

__all__ = ["CompositionFeaturizer", "MAGPIE_PROPERTIES", "MAGPIE_STATS", "element_table"]
