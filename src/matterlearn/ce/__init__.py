"""Cluster expansions of alloy energies on a lattice.

>>> from ase.build import bulk
>>> from matterlearn.ce import ClusterSpace, enumerate_structures
>>> cs = ClusterSpace(bulk("Cu", a=3.61), [5.7, 4.0, 3.0], ["Au", "Cu"])
>>> cs.n_parameters
9
>>> sum(1 for _ in enumerate_structures(bulk("Cu", a=3.61), range(1, 5), ["Au", "Cu"]))
29
"""

from ._basis import point_function_table
from ._database import builtin_prim, database_recipe, enumerate_to_database, training_set
from ._enumerate import enumerate_structures, enumerate_superlattices, hermite_normal_forms
from ._expansion import ClusterExpansion, active_composition
from ._fit import METHODS, FitResult, cv_splits, fit_cluster_expansion, mixing_targets
from ._ground import GroundStates, HullComparison, compare_hulls, ground_state_search
from ._hull import BinaryHull, binary_hull, mixing_energy_per_atom
from ._label import calculator_factory, label_database, label_structure
from ._mapping import MappedStructure, map_structure
from ._select import cutoff_candidates, neighbour_shells, select_cutoffs
from ._space import ClusterSpace, LatticeMappingError, Orbit, SpeciesError

__all__ = [
    "ClusterSpace", "Orbit", "SpeciesError", "LatticeMappingError", "point_function_table",
    "enumerate_structures", "enumerate_superlattices", "hermite_normal_forms",
    "MappedStructure", "map_structure",
    "ClusterExpansion", "active_composition",
    "METHODS", "FitResult", "fit_cluster_expansion", "cv_splits", "mixing_targets",
    "HullComparison", "GroundStates", "compare_hulls", "ground_state_search",
    "BinaryHull", "binary_hull", "mixing_energy_per_atom",
    "calculator_factory", "label_structure", "label_database",
    "builtin_prim", "database_recipe", "enumerate_to_database", "training_set",
    "cutoff_candidates", "neighbour_shells", "select_cutoffs",
]
