"""Label keys of the shared data model: names, units and shapes, defined once."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LabelSpec", "LABELS", "ENERGY_KEY", "FORCES_KEY", "STRESS_KEY", "CONFIG_TYPE_KEY",
           "PREDICTED_ENERGY_KEY", "PREDICTED_FORCES_KEY", "PREDICTED_STRESS_KEY"]

#: In memory, a frame always carries its labels under these keys (``atoms.info`` for energy and
#: stress, ``atoms.arrays`` for forces), whatever the keys were called in the file it came from.
ENERGY_KEY = "REF_energy"
FORCES_KEY = "REF_forces"
STRESS_KEY = "REF_stress"
#: A model's predictions (an MD trajectory's energies and forces) are never stored under the
#: reference keys: they would pass for labels when the file is read back.
PREDICTED_ENERGY_KEY = "MLIP_energy"
PREDICTED_FORCES_KEY = "MLIP_forces"
PREDICTED_STRESS_KEY = "MLIP_stress"
#: Free-text tag of how a frame was made (``md_300K``, ``strained``, ...); used for grouped splits
#: and per-group error reports.
CONFIG_TYPE_KEY = "config_type"


@dataclass(frozen=True)
class LabelSpec:
    """What a label is.

    Attributes
    ----------
    name : str
        Short name used in options and messages (``energy``, ``forces``, ``stress``).
    key : str
        Key under which the label lives in memory and, by default, in files.
    unit : str
        Unit of the values.
    per_atom : bool
        True for per-atom arrays stored in ``atoms.arrays`` (shape ``(n_atoms, *shape)``); False
        for per-configuration values stored in ``atoms.info``.
    shape : tuple of int
        Shape of one value (per atom for per-atom labels).
    description : str
        One line for documentation and error messages.
    """

    name: str
    key: str
    unit: str
    per_atom: bool
    shape: tuple[int, ...]
    description: str


#: The labels a frame can carry (energy, forces, stress): key, unit, per-atom or not, shape.
LABELS: dict[str, LabelSpec] = {
    "energy": LabelSpec("energy", ENERGY_KEY, "eV", False, (), "total energy of the cell"),
    "forces": LabelSpec("forces", FORCES_KEY, "eV/Å", True, (3,), "force on each atom"),
    "stress": LabelSpec(
        "stress", STRESS_KEY, "eV/Å^3", False, (6,),
        "stress in ASE's sign convention, Voigt order xx yy zz yz xz xy",
    ),
}
