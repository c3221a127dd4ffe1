"""The equivariant potential behind the potential protocol: batching, derivatives, persistence."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from ase import Atoms

from ...errors import DataFileNotFoundError, DataFormatError, ParameterError
from .._protocol import check_species, species_index, validate_species
from ._model import NequIPConfig, NequIPNet, count_parameters

__all__ = ["Graph", "NequIPPotential"]

SCHEMA_VERSION = 1
FORMAT = "matterlearn-nequip"
DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass
class Graph:
    """Frames and their neighbour pairs as tensors (one batch)."""

    species: torch.Tensor  # (n_atoms,) long
    positions: torch.Tensor  # (n_atoms, 3)
    cell: torch.Tensor  # (n_frames, 3, 3)
    src: torch.Tensor  # (n_edges,) neighbour j
    dst: torch.Tensor  # (n_edges,) centre i
    shifts: torch.Tensor  # (n_edges, 3) integer cell shifts, as floats
    atom_frame: torch.Tensor  # (n_atoms,)
    edge_frame: torch.Tensor  # (n_edges,)
    n_frames: int

    @classmethod
    def cat(cls, graphs: Sequence[Graph]) -> Graph:
        n_at = np.cumsum([0] + [len(g.species) for g in graphs])
        n_fr = np.cumsum([0] + [g.n_frames for g in graphs])
        return cls(
            species=torch.cat([g.species for g in graphs]),
            positions=torch.cat([g.positions for g in graphs]),
            cell=torch.cat([g.cell for g in graphs]),
            src=torch.cat([g.src + int(n_at[k]) for k, g in enumerate(graphs)]),
            dst=torch.cat([g.dst + int(n_at[k]) for k, g in enumerate(graphs)]),
            shifts=torch.cat([g.shifts for g in graphs]),
            atom_frame=torch.cat([g.atom_frame + int(n_fr[k]) for k, g in enumerate(graphs)]),
            edge_frame=torch.cat([g.edge_frame + int(n_fr[k]) for k, g in enumerate(graphs)]),
            n_frames=int(n_fr[-1]),
        )


class NequIPPotential:
    """An E(3)-equivariant message-passing potential (NequIP; Batzner et al. 2022).

    Parameters
    ----------
    species : sequence of str
        Chemical symbols the potential knows.
    r_max : float
        Cutoff radius (Å) of the convolutions; the receptive field is ``layers * r_max``.
    l_max : int
        Highest order of the spherical harmonics and of the hidden features (0 to 3).
    features : int or str
        Channels per irrep of the hidden features, or an e3nn irreps string.
    layers : int
        Interaction blocks.
    parity : bool
        O(3) (rotations and inversion) when true, SO(3) (rotations only) when false.
    dtype : {"float32", "float64"}
        Precision of the network.
    seed : int
        Seed of the initial weights.
    **options
        ``n_basis``, ``radial_hidden``, ``radial_layers``, ``readout_hidden``, ``envelope_p``,
        ``avg_neighbours`` of :class:`~matterlearn.mlip.nequip.NequIPConfig`.
    """

    kind = "nequip"

    def __init__(self, species: Sequence[str], r_max: float = 4.5, l_max: int = 1, features: int | str = 32,
                 layers: int = 3, parity: bool = True, dtype: str = "float32", seed: int = 0,
                 **options: Any) -> None:
        validate_species(species)
        if not isinstance(l_max, (int, np.integer)) or not 0 <= int(l_max) <= 3:
            raise ParameterError(f"l_max must be 0, 1, 2 or 3, got {l_max!r}")
        if not 0 < float(r_max) < 20:
            raise ParameterError(f"r_max must be a radius in Å between 0 and 20, got {r_max!r}")
        if int(layers) < 1:
            raise ParameterError(f"layers must be at least 1, got {layers!r}")
        if isinstance(features, (int, np.integer)) and int(features) < 1:
            raise ParameterError(f"features must be at least 1, got {features!r}")
        if dtype not in DTYPES:
            raise ParameterError(f"dtype must be float32 or float64, got {dtype!r}")
        known = set(NequIPConfig.__dataclass_fields__) - {"species", "extra"}
        unknown = set(options) - known
        if unknown:
            raise ParameterError(f"unknown NequIP option(s) {', '.join(sorted(unknown))}; known: "
                                 f"{', '.join(sorted(known))}")
        self.species = tuple(species)
        self.seed = int(seed)
        self.config = NequIPConfig(species=list(species), r_max=float(r_max), l_max=int(l_max),
                                   features=features if isinstance(features, str) else int(features),
                                   layers=int(layers), parity=bool(parity), dtype=dtype, **options)
        self._build()
        n_s = len(self.species)
        #: shortest distance per species pair in the training data (Å), for extrapolation warnings
        self.min_seen = np.full((n_s, n_s), np.inf)
        self.active_set: Any = None

    def _build(self) -> None:
        generator_state = torch.random.get_rng_state()
        torch.manual_seed(self.seed)
        try:
            self.model = NequIPNet(self.config).to(DTYPES[self.config.dtype])
        except (ValueError, AssertionError, RuntimeError) as exc:
            raise ParameterError(f"features {self.config.features!r} with l_max {self.config.l_max}: "
                                 f"not a usable network ({exc})") from None
        finally:
            torch.random.set_rng_state(generator_state)
        self.model.eval()

    # -- the protocol -----------------------------------------------------------------------------
    @property
    def cutoff(self) -> float:
        return self.config.r_max

    @property
    def dtype(self) -> torch.dtype:
        return DTYPES[self.config.dtype]

    @property
    def species_index(self) -> dict[int, int]:
        return species_index(self.species)

    @property
    def n_parameters(self) -> int:
        return count_parameters(self.model)

    def check_species(self, atoms: Atoms, where: str = "structure") -> None:
        check_species(self.species, atoms, where)

    def graph(self, atoms: Atoms, pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
              where: str = "structure") -> Graph:
        """The tensors of one frame; ``pairs`` = ``(i, j, S)`` within ``r_max`` (found when None)."""
        from .._neighbors import neighbor_list

        self.check_species(atoms, where)
        if pairs is None:
            pairs = neighbor_list("ijS", atoms, self.cutoff)
        i, j, S = pairs
        idx = self.species_index
        dt = self.dtype
        return Graph(
            species=torch.as_tensor(np.array([idx[int(z)] for z in atoms.numbers], dtype=np.int64)),
            positions=torch.as_tensor(atoms.positions, dtype=dt),
            cell=torch.as_tensor(atoms.cell.array, dtype=dt)[None],
            src=torch.as_tensor(np.asarray(j, dtype=np.int64)),
            dst=torch.as_tensor(np.asarray(i, dtype=np.int64)),
            shifts=torch.as_tensor(np.asarray(S), dtype=dt).reshape(-1, 3),
            atom_frame=torch.zeros(len(atoms), dtype=torch.long),
            edge_frame=torch.zeros(len(i), dtype=torch.long),
            n_frames=1,
        )

    def compute(self, g: Graph, forces: bool = True, stress: bool = True, create_graph: bool = False
                ) -> dict[str, torch.Tensor]:
        """Per-atom energies, frame energies, and (when asked) forces and virials ``dE/d(strain)``
        (n_frames, 3, 3) of a batch. ``create_graph`` keeps the graph of the derivatives (training
        on forces)."""
        pos = g.positions.detach().requires_grad_(bool(forces))
        strain = torch.zeros(g.n_frames, 3, 3, dtype=pos.dtype, requires_grad=bool(stress))
        if stress:
            sym = 0.5 * (strain + strain.transpose(1, 2))
            pos_s = pos + torch.einsum("ni,nij->nj", pos, sym[g.atom_frame])
            cell_s = g.cell + torch.bmm(g.cell, sym)
        else:
            pos_s, cell_s = pos, g.cell
        vec = pos_s[g.src] - pos_s[g.dst] + torch.einsum("ei,eij->ej", g.shifts, cell_s[g.edge_frame])
        e_atoms = self.model(g.species, vec, g.src, g.dst)
        e_frame = torch.zeros(g.n_frames, dtype=e_atoms.dtype).index_add(0, g.atom_frame, e_atoms)
        out = {"energies": e_atoms, "energy": e_frame}
        wrt = [t for t, want in ((pos, forces), (strain, stress)) if want]
        if wrt:
            grads = torch.autograd.grad(e_frame.sum(), wrt, create_graph=create_graph, allow_unused=True)
            k = 0
            if forces:
                out["forces"] = -grads[0] if grads[0] is not None else torch.zeros_like(pos)
                k = 1
            if stress:
                out["virial"] = grads[k] if grads[k] is not None else torch.zeros_like(strain)
        return out

    def predict(self, frames: Sequence[Atoms], forces: bool = True, batch_atoms: int = 4000) -> dict[str, Any]:
        """Energies, per-atom energies, forces and stresses (ASE's convention, eV/Å^3; nan without
        a cell) of ``frames``, in batches of about ``batch_atoms`` atoms."""
        graphs = [self.graph(a, where=f"frame {k}") for k, a in enumerate(frames)]
        energy = np.zeros(len(frames))
        energies: list[np.ndarray] = []
        f_out: list[np.ndarray] = []
        stress = np.full((len(frames), 6), np.nan)
        start = 0
        while start < len(frames):
            stop, n = start, 0
            while stop < len(frames) and (n == 0 or n + len(frames[stop]) <= batch_atoms):
                n += len(frames[stop])
                stop += 1
            batch = Graph.cat(graphs[start:stop])
            res = self.compute(batch, forces=forces, stress=True)
            e_at = res["energies"].detach().double().numpy()
            f_at = res["forces"].detach().double().numpy() if forces else np.full((len(e_at), 3), np.nan)
            vir = res["virial"].detach().double().numpy()
            energy[start:stop] = res["energy"].detach().double().numpy()
            off = np.cumsum([0] + [len(a) for a in frames[start:stop]])
            for k in range(stop - start):
                energies.append(e_at[off[k]:off[k + 1]])
                f_out.append(f_at[off[k]:off[k + 1]])
                atoms = frames[start + k]
                if atoms.cell.rank == 3:
                    stress[start + k] = voigt(vir[k]) / atoms.get_volume()
            start = stop
        return {"energy": energy, "energies": energies, "forces": f_out, "stress": stress}

    def evaluate_neighbours(self, atoms: Atoms, i: np.ndarray, j: np.ndarray, S: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Per-atom energies, forces and stress (Voigt, eV/Å^3; None without a cell) of one
        structure from a neighbour list that may reach past ``r_max`` (a Verlet skin)."""
        vec = atoms.positions[j] - atoms.positions[i] + S @ atoms.cell.array
        keep = (vec ** 2).sum(axis=1) < self.cutoff ** 2
        periodic = bool(atoms.cell.rank == 3)
        g = self.graph(atoms, (i[keep], j[keep], S[keep]))
        with torch.enable_grad():
            res = self.compute(g, forces=True, stress=periodic)
        e_at = res["energies"].detach().double().numpy()
        forces = res["forces"].detach().double().numpy()
        s = voigt(res["virial"][0].detach().double().numpy()) / atoms.get_volume() if periodic else None
        return e_at, forces, s

    # -- persistence ------------------------------------------------------------------------------
    def recipe(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, "kind": self.kind, "seed": self.seed,
                "config": self.config.to_dict(),
                "min_seen": [[None if not np.isfinite(v) else float(v) for v in row] for row in self.min_seen]}

    def save_to(self, fh: Any) -> None:
        """Write the recipe (JSON) and the ``state_dict`` to a binary file object."""
        torch.save({"format": FORMAT, "recipe": json.dumps(self.recipe()), "state_dict": self.model.state_dict()}, fh)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the recipe (JSON) and the ``state_dict`` to one file, atomically; read it back
        with :func:`~matterlearn.mlip.load_potential` (``torch.load(weights_only=True)``)."""
        from ...data._atomic import atomic_path

        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            self.save_to(fh)

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any], state: dict[str, torch.Tensor] | None = None,
                    where: str = "potential") -> NequIPPotential:
        if recipe.get("kind") != cls.kind or recipe.get("schema_version") != SCHEMA_VERSION:
            raise DataFormatError(f"{where}: not a matterlearn NequIP of schema {SCHEMA_VERSION}; retrain it "
                                  f"with this version")
        try:
            cfg = dict(recipe["config"])
            cfg.pop("extra", None)
            species = cfg.pop("species")
            pot = cls(species, seed=int(recipe.get("seed", 0)), **cfg)
            pot.min_seen = np.array([[np.inf if v is None else v for v in row] for row in recipe["min_seen"]],
                                    dtype=float)
            if state is not None:
                pot.model.load_state_dict(state)
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise DataFormatError(f"{where}: malformed NequIP file ({exc.__class__.__name__}: {exc})") from None
        return pot

    def copy(self) -> NequIPPotential:
        buf = io.BytesIO()
        torch.save(self.model.state_dict(), buf)
        buf.seek(0)
        return NequIPPotential.from_recipe(self.recipe(), torch.load(buf, weights_only=True))


def load_nequip(source: str | os.PathLike[str] | io.BytesIO, where: str | None = None) -> NequIPPotential:
    """Read a file (or buffer) written by :meth:`NequIPPotential.save`."""
    if not isinstance(source, io.BytesIO):
        source = os.fspath(source)
        if not os.path.exists(source):
            raise DataFileNotFoundError(f"potential file '{source}' does not exist")
    where = where or (source if isinstance(source, str) else "potential")
    try:
        payload = torch.load(source, weights_only=True, map_location="cpu")
        if payload.get("format") != FORMAT:
            raise KeyError("format")
        recipe = json.loads(payload["recipe"])
        state = payload["state_dict"]
    except Exception as exc:  # noqa: BLE001 (a damaged zip, a foreign pickle, a missing key: one message)
        raise DataFormatError(f"{where}: not a matterlearn NequIP file ({exc.__class__.__name__}: {exc})") from None
    return NequIPPotential.from_recipe(recipe, state, where=where)


def voigt(m: np.ndarray) -> np.ndarray:
    """3x3 -> (6,) in ASE's order xx yy zz yz xz xy, symmetrised."""
    s = 0.5 * (m + m.T)
    return np.array([s[0, 0], s[1, 1], s[2, 2], s[1, 2], s[0, 2], s[0, 1]])
