"""Committees: N potentials of one kind trained from different seeds (or data subsets); their
mean is the prediction and their spread a per-atom force uncertainty (for active learning and
for flagging untrustworthy MD)."""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from ase import Atoms

from ..errors import DataFormatError, ParameterError
from ._protocol import check_species, species_index

__all__ = ["Committee"]

SCHEMA_VERSION = 1


class Committee:
    """The mean of several potentials, with their disagreement.

    ``force_uncertainty`` of an atom is the root mean square over members of the length of
    ``F_k - mean(F)``; a structure's uncertainty is the largest of its atoms'.

    Parameters
    ----------
    members : sequence of potentials
        At least two, with the same species (in the same order) and cutoff.
    """

    kind = "committee"

    def __init__(self, members: Sequence[Any]) -> None:
        members = list(members)
        if len(members) < 2:
            raise ParameterError(f"a committee needs at least 2 members, got {len(members)}")
        species = tuple(members[0].species)
        if any(tuple(m.species) != species for m in members):
            raise ParameterError("committee members must know the same species in the same order")
        self.members = members
        self.species = species
        #: per-atom force uncertainty (eV/Å) of the last structure evaluate_neighbours saw
        self.last_force_uncertainty: np.ndarray | None = None

    @property
    def cutoff(self) -> float:
        return max(float(m.cutoff) for m in self.members)

    @property
    def species_index(self) -> dict[int, int]:
        return species_index(self.species)

    @property
    def min_seen(self) -> np.ndarray:
        return np.min([m.min_seen for m in self.members], axis=0)

    @property
    def active_set(self) -> None:
        return None

    def check_species(self, atoms: Atoms, where: str = "structure") -> None:
        check_species(self.species, atoms, where)

    def predict(self, frames: Sequence[Atoms], forces: bool = True) -> dict[str, Any]:
        """The members' mean of ``energy``, ``energies``, ``forces`` and ``stress``, with
        ``energy_std`` (eV, per frame), ``force_uncertainty`` (per atom, eV/Å) and
        ``max_force_uncertainty`` (per frame)."""
        preds = [m.predict(frames, forces=forces) for m in self.members]
        e = np.array([p["energy"] for p in preds])
        out: dict[str, Any] = {
            "energy": e.mean(axis=0),
            "energy_std": e.std(axis=0),
            "stress": np.mean([p["stress"] for p in preds], axis=0),
            "energies": [np.mean([p["energies"][k] for p in preds], axis=0) for k in range(len(frames))],
        }
        f_mean, unc = [], []
        for k in range(len(frames)):
            fk = np.array([p["forces"][k] for p in preds])
            mean = fk.mean(axis=0)
            f_mean.append(mean)
            unc.append(np.sqrt(((fk - mean) ** 2).sum(axis=2).mean(axis=0)))
        out["forces"] = f_mean
        out["force_uncertainty"] = unc
        out["max_force_uncertainty"] = np.array([u.max() if len(u) else 0.0 for u in unc])
        return out

    def evaluate_neighbours(self, atoms: Atoms, i: np.ndarray, j: np.ndarray, S: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        res = [m.evaluate_neighbours(atoms, i, j, S) for m in self.members]
        e = np.mean([r[0] for r in res], axis=0)
        fk = np.array([r[1] for r in res])
        f = fk.mean(axis=0)
        self.last_force_uncertainty = np.sqrt(((fk - f) ** 2).sum(axis=2).mean(axis=0))
        s = None if res[0][2] is None else np.mean([r[2] for r in res], axis=0)
        return e, f, s

    def force_uncertainty(self, frames: Sequence[Atoms]) -> np.ndarray:
        """Largest per-atom force uncertainty (eV/Å) of each frame."""
        return self.predict(frames)["max_force_uncertainty"]  # type: ignore[no-any-return]

    # -- persistence ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        members = []
        for m in self.members:
            if m.kind == "mtp":
                members.append({"kind": "mtp", "potential": m.to_dict()})
            else:
                buf = io.BytesIO()
                m.save_to(buf)
                members.append({"kind": m.kind, "torch_base64": base64.b64encode(buf.getvalue()).decode("ascii")})
        return {"schema_version": SCHEMA_VERSION, "kind": self.kind, "members": members}

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "committee") -> Committee:
        if d.get("schema_version") != SCHEMA_VERSION or not isinstance(d.get("members"), list):
            raise DataFormatError(f"{where}: not a matterlearn committee of schema {SCHEMA_VERSION}")
        members = []
        for k, m in enumerate(d["members"]):
            if m.get("kind") == "mtp":
                from .mtp import MomentTensorPotential

                members.append(MomentTensorPotential.from_dict(m["potential"], where=f"{where}, member {k}"))
            elif m.get("kind") == "nequip":
                from .nequip import load_nequip

                members.append(load_nequip(io.BytesIO(base64.b64decode(m["torch_base64"])),
                                           where=f"{where}, member {k}"))
            else:
                raise DataFormatError(f"{where}, member {k}: unknown kind {m.get('kind')!r}")
        return cls(members)

    def save(self, path: str | os.PathLike[str]) -> None:
        """One JSON file holding every member, written atomically."""
        import json

        from ..data._atomic import atomic_write_text

        atomic_write_text(path, json.dumps(self.to_dict()))
