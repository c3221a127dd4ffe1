"""The shared data model: label keys with units, readers and writers, validation, splits.

Structures are :class:`ase.Atoms`; labels live under ``REF_energy`` (eV, total),
``REF_forces`` (eV/Å) and ``REF_stress`` (eV/Å^3, ASE sign, Voigt order) in memory; compositions
are formula strings, with :func:`composition_matrix` for the dense form.
"""

from ._atomic import atomic_path, atomic_write_text
from ._composition import N_ELEMENTS, composition_matrix, parse_formula, reduced_formula
from ._frames import frame_format, read_frames, read_structure, validate_frame, write_frames
from ._labelling import (
    CountingCalculator,
    calculator_factory,
    label_frames,
    label_structure,
    relax_structure,
)
from ._keys import CONFIG_TYPE_KEY, ENERGY_KEY, FORCES_KEY, LABELS, STRESS_KEY, LabelSpec
from ._tables import INPUT_COLUMNS, CompositionTable, read_table, write_table
from .splits import (
    composition_groups,
    config_type_groups,
    fold_ids,
    group_splits,
    matbench_splits,
)

__all__ = [
    "calculator_factory",
    "CountingCalculator",
    "label_frames",
    "relax_structure",
    "label_structure",
    "atomic_path", "atomic_write_text",
    "N_ELEMENTS", "composition_matrix", "parse_formula", "reduced_formula",
    "frame_format", "read_frames", "read_structure", "validate_frame", "write_frames",
    "CONFIG_TYPE_KEY", "ENERGY_KEY", "FORCES_KEY", "LABELS", "STRESS_KEY", "LabelSpec",
    "INPUT_COLUMNS", "CompositionTable", "read_table", "write_table",
    "composition_groups", "config_type_groups", "fold_ids", "group_splits", "matbench_splits",
]
