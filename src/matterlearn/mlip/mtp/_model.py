"""The moment tensor potential: recipe, parameters, evaluation and persistence."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from ase import Atoms

from ...data._atomic import atomic_write_text
from ...errors import DataFormatError, ParameterError
from .._neighbors import Pairs, build_pairs
from .._protocol import check_species, species_index, validate_species
from . import _kernel
from ._basis import MomentBasis, moment_basis, tables_basis

__all__ = ["MomentTensorPotential", "load_mtp"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1


def _voigt(m: np.ndarray) -> np.ndarray:
    """(..., 3, 3) -> (..., 6) in ASE's order xx yy zz yz xz xy, symmetrised."""
    s = 0.5 * (m + np.swapaxes(m, -1, -2))
    return np.stack([s[..., 0, 0], s[..., 1, 1], s[..., 2, 2], s[..., 1, 2], s[..., 0, 2], s[..., 0, 1]],
                    axis=-1)


#: decay rates (1/Å) of the initial radial functions, and the species weights of the centre and the
#: neighbour for each radial index mu (cycled past the end)
_INIT_DECAY = (1.0, 2.0, 3.0, 4.0, 1.5, 2.5, 0.5, 3.5)
_INIT_NEIGHBOUR = (1.0, -0.5, 2.0, 0.5, 1.5, -0.3, 0.8, 2.5)
_INIT_CENTRE = (0.5, -0.3, 1.0, 0.2, 0.8, -0.5, 1.5, 0.1)


def initial_radial_coef(n_species: int, n_mu: int, n_radial: int, rmin: float, rcut: float,
                        seed: int = 0) -> np.ndarray:
    """Starting radial coefficients: ``f_mu`` decays as ``exp(-k_mu (r - rmin))`` inside the smooth
    envelope, scaled by species weights ``(1 + a_mu s_j) (1 + b_mu s_i)`` (``s`` runs from 0 to 1
    over the species), different for every ``mu``.

    The species weights matter: with them the first linear fit already tells neighbours of
    different species apart in every moment (on EMT Cu-Au, level 16: 16 meV/Å from the linear
    fit alone, against about 110 meV/Å when all species start alike). ``seed`` adds a small
    perturbation.
    """
    from numpy.polynomial import chebyshev

    r = np.linspace(rmin, rcut, 200)
    x = (2 * r - (rcut + rmin)) / (rcut - rmin)
    rng = np.random.default_rng(seed)
    s = np.arange(n_species) / max(n_species - 1, 1)
    coef = np.zeros((n_species, n_species, n_mu, n_radial))
    for mu in range(n_mu):
        k = len(_INIT_DECAY)
        c = chebyshev.chebfit(x, np.exp(-_INIT_DECAY[mu % k] * (r - rmin)), n_radial - 1)
        w = np.outer(1 + _INIT_CENTRE[mu % k] * s, 1 + _INIT_NEIGHBOUR[mu % k] * s)
        coef[:, :, mu, :] = w[:, :, None] * c[None, None, :]
    return coef * (1 + 0.01 * rng.standard_normal(coef.shape))


_TABLE_KEYS = ("alpha_index_basic", "alpha_index_times", "alpha_moment_mapping", "alpha_moments_count",
               "radial_funcs_count")


def _clean_tables(tables: dict[str, Any]) -> dict[str, Any]:
    """mlip-2's basis tables as plain lists of ints (JSON-ready)."""
    missing = [k for k in _TABLE_KEYS if k not in tables]
    if missing:
        raise ParameterError(f"mlip-2 basis tables lack {', '.join(missing)}")
    out: dict[str, Any] = {}
    for k in _TABLE_KEYS:
        v = np.asarray(tables[k])
        if not np.all(np.isfinite(v)) or not np.all(v == np.round(v)):
            raise ParameterError(f"mlip-2 table {k} holds non-integers")
        out[k] = v.astype(np.int64).tolist()
    return out


class MomentTensorPotential:
    """A moment tensor potential (Shapeev 2016) for a fixed set of species.

    ``E = sum_i [e0(z_i) + sum_alpha xi_alpha B_alpha(i)]`` where ``B_alpha`` are the contractions of
    moment tensors up to ``level`` (:func:`~matterlearn.mlip._basis.moment_basis`) and the radial
    functions ``f_mu(r) = sum_k c[z_i, z_j, mu, k] T_k(x(r)) ((R_cut - r) / (R_cut - R_min))^2`` use
    Chebyshev polynomials ``T_k`` on ``[R_min, R_cut]`` = ``[min_distance, cutoff]``.

    Parameters
    ----------
    species : sequence of str
        Chemical symbols the potential knows.
    level : int
        Largest level of a basis function (8, 12, 16, 20, 24, ...).
    cutoff : float
        Cutoff radius in Å.
    min_distance : float
        Lower end of the radial basis in Å (below the shortest distance expected).
    n_radial : int
        Number of Chebyshev radial basis functions.
    seed : int
        Seed of the initial radial coefficients.
    tables : dict, optional
        mlip-2's basis tables (``alpha_index_basic``, ``alpha_index_times``, ``alpha_moment_mapping``,
        ``alpha_moments_count``, ``radial_funcs_count``), as read from an ``.mtp`` file by
        :func:`~matterlearn.mlip.mtp.read_mtp`: the potential then uses that basis, with unit
        direction vectors, and ``level`` is the largest level in it. A potential in this basis
        can be written back as ``.mtp`` and runs in mlip-2 and its LAMMPS interface.

    References
    ----------
    A. V. Shapeev, Multiscale Model. Simul. 14, 1153 (2016), doi:10.1137/15M1054183.
    """

    kind = "mtp"

    def __init__(self, species: Sequence[str], level: int = 16, cutoff: float = 5.0, min_distance: float = 1.8,
                 n_radial: int = 8, seed: int = 0, tables: dict[str, Any] | None = None) -> None:
        validate_species(species)
        if not 0 < min_distance < cutoff:
            raise ParameterError(f"need 0 < min_distance < cutoff, got {min_distance} and {cutoff}")
        if n_radial < 2:
            raise ParameterError(f"n_radial must be at least 2, got {n_radial}")
        self.species = tuple(species)
        self.level = int(level)
        self.cutoff = float(cutoff)
        self.min_distance = float(min_distance)
        self.n_radial = int(n_radial)
        self.seed = int(seed)
        self.tables = None if tables is None else _clean_tables(tables)
        if self.tables is None:
            self.basis: MomentBasis = moment_basis(self.level)
            n_mu = self.basis.n_mu
        else:
            self.basis = tables_basis(self.tables["alpha_index_basic"], self.tables["alpha_index_times"],
                                      self.tables["alpha_moment_mapping"], self.tables["alpha_moments_count"])
            self.level = self.basis.max_level
            n_mu = max(self.basis.n_mu, int(self.tables["radial_funcs_count"]))
        n_s = len(self.species)
        self.radial_coef = initial_radial_coef(len(self.species), n_mu, self.n_radial, self.min_distance,
                                               self.cutoff, seed)
        self.xi = np.zeros(self.basis.n_basis)
        self.ref_energy = np.zeros(n_s)
        #: shortest distance per species pair in the training data (Å), for extrapolation warnings
        self.min_seen = np.full((n_s, n_s), np.inf)
        #: MaxVol active set of the training neighbourhoods (extrapolation grades), if computed
        self.active_set: Any = None

    # -- evaluation -------------------------------------------------------------------------------
    @property
    def species_index(self) -> dict[int, int]:
        return species_index(self.species)

    def check_species(self, atoms: Atoms, where: str = "structure") -> None:
        check_species(self.species, atoms, where)

    def pairs(self, frames: Sequence[Atoms]) -> Pairs:
        for k, atoms in enumerate(frames):
            self.check_species(atoms, f"frame {k}")
        return build_pairs(frames, self.cutoff, self.species_index)

    def _kernel_args(self) -> tuple:
        b = self.basis
        return (self.min_distance, self.cutoff, b.unit, b.comp_mu, b.comp_mono, b.mono_exp, b.d_index, b.d_factor, b.ops,
                b.coef, b.n_buffer, b.basis)

    def evaluate_pairs(self, pairs: Pairs, forces: bool = True,
                       vec: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-atom energies (eV), forces (eV/Å) and per-frame virials (eV, 3x3) of ``pairs``."""
        return _kernel.evaluate(pairs.first, pairs.nbr, pairs.vec if vec is None else vec, pairs.species,
                                self.radial_coef, self.xi, self.ref_energy, *self._kernel_args(),
                                pairs.atom_frame, pairs.n_frames, forces)

    def predict(self, frames: Sequence[Atoms], forces: bool = True) -> dict[str, Any]:
        """Energies, forces and stresses of ``frames``.

        Returns
        -------
        dict
            ``energy`` (n_frames,) eV; ``energies`` list of (n_atoms,) per-atom energies;
            ``forces`` list of (n_atoms, 3) eV/Å; ``stress`` (n_frames, 6) eV/Å^3 in ASE's
            convention (``nan`` for frames without a cell).
        """
        pairs = self.pairs(frames)
        e_atoms, f_atoms, virial = self.evaluate_pairs(pairs, forces)
        off = pairs.offsets
        energy = np.add.reduceat(e_atoms, off[:-1]) if len(e_atoms) else np.zeros(len(frames))
        stress = np.full((len(frames), 6), np.nan)
        for k, atoms in enumerate(frames):
            if atoms.cell.rank == 3:
                stress[k] = _voigt(virial[k]) / atoms.get_volume()
        return {
            "energy": energy,
            "energies": [e_atoms[off[k]:off[k + 1]] for k in range(len(frames))],
            "forces": [f_atoms[off[k]:off[k + 1]] for k in range(len(frames))],
            "stress": stress,
        }

    def evaluate_neighbours(self, atoms: Atoms, i: np.ndarray, j: np.ndarray, S: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Per-atom energies, forces and stress (Voigt, eV/Å^3; None without a cell) of one
        structure from pairs ``(i, j, S)`` sorted by ``i`` (pairs past the cutoff contribute
        nothing)."""
        n = len(atoms)
        first = np.concatenate([[0], np.cumsum(np.bincount(i, minlength=n))]).astype(np.int64)
        vec = atoms.positions[j] - atoms.positions[i] + S @ atoms.cell.array
        idx = self.species_index
        species = np.array([idx[z] for z in atoms.numbers], dtype=np.int64)
        e_at, forces, virial = _kernel.evaluate(first, np.asarray(j, dtype=np.int64), vec, species,
                                                self.radial_coef, self.xi, self.ref_energy, *self._kernel_args(),
                                                np.zeros(n, dtype=np.int64), 1, True)
        stress = _voigt(virial[0]) / atoms.get_volume() if atoms.cell.rank == 3 else None
        return e_at, forces, stress

    # -- persistence ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": self.kind,
            "recipe": {"species": list(self.species), "level": self.level, "cutoff": self.cutoff,
                        "min_distance": self.min_distance, "n_radial": self.n_radial, "seed": self.seed,
                        **({} if self.tables is None else {"tables": self.tables})},
            "radial_coef": self.radial_coef.tolist(),
            "xi": self.xi.tolist(),
            "ref_energy": self.ref_energy.tolist(),
            "min_seen": [[None if not np.isfinite(v) else float(v) for v in row] for row in self.min_seen],
            "active_set": None if self.active_set is None else self.active_set.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "potential") -> MomentTensorPotential:
        if d.get("kind") != cls.kind or d.get("schema_version") != SCHEMA_VERSION:
            raise DataFormatError(
                f"{where}: not a matterlearn MTP of schema {SCHEMA_VERSION} (kind {d.get('kind')!r}, "
                f"schema {d.get('schema_version')!r}); retrain it with this version"
            )
        try:
            pot = cls(**d["recipe"])
            coef = np.asarray(d["radial_coef"], dtype=float)
            xi = np.asarray(d["xi"], dtype=float)
            ref = np.asarray(d["ref_energy"], dtype=float)
            seen = np.array([[np.inf if v is None else v for v in row] for row in d["min_seen"]], dtype=float)
        except (KeyError, TypeError, ValueError, ParameterError) as exc:
            raise DataFormatError(f"{where}: malformed potential file ({exc})") from None
        if coef.shape != pot.radial_coef.shape or xi.shape != pot.xi.shape or ref.shape != pot.ref_energy.shape:
            raise DataFormatError(f"{where}: array shapes do not match the recipe")
        pot.radial_coef, pot.xi, pot.ref_energy, pot.min_seen = coef, xi, ref, seen
        if d.get("active_set") is not None:
            from ._maxvol import ActiveSet

            pot.active_set = ActiveSet.from_dict(d["active_set"])
        return pot

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the potential as JSON (recipe + arrays), atomically."""
        atomic_write_text(path, json.dumps(self.to_dict()))


def load_mtp(path: str | os.PathLike[str]) -> MomentTensorPotential:
    """Load an MTP written by :meth:`MomentTensorPotential.save` (any other potential file is
    refused with one line)."""
    from .._protocol import load_potential

    pot = load_potential(path)
    if not isinstance(pot, MomentTensorPotential):
        raise DataFormatError(f"{os.fspath(path)}: a {pot.kind} potential, not an MTP")
    return pot
