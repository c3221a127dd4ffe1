"""mlip-2's files: ``.mtp`` potentials and ``.cfg`` configuration sets.

An ``.mtp`` file (mlip-2, format version 1.1.0) holds a moment tensor potential complete with its
basis: the radial basis (Chebyshev polynomials on ``[min_dist, max_dist]`` times
``scaling * (max_dist - r)^2``), the radial coefficients of every species pair, and the
``alpha_*`` tables that define the moments and their contractions. Any level can therefore be
read: the tables, not a level number, decide the basis. Species are numbered from 0 without
names, so reading one needs the chemical symbols in the file's order.

A ``.cfg`` file holds configurations between ``BEGIN_CFG`` and ``END_CFG``: ``Size``,
``Supercell``, ``AtomData`` (id, type, Cartesian or direct positions, optionally forces),
``Energy``, ``PlusStress`` (the virial, ``-stress * volume`` in eV) and ``Feature`` lines.

References
----------
I. S. Novikov, K. Gubaev, E. V. Podryabinkin, A. V. Shapeev, Mach. Learn.: Sci. Technol. 2,
025002 (2021), doi:10.1088/2632-2153/abc9fe (the MLIP package and its file formats).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from ase import Atoms
from ase.data import atomic_numbers, chemical_symbols

from ...data._atomic import atomic_write_text
from ...data._keys import ENERGY_KEY, FORCES_KEY, STRESS_KEY
from ...errors import DataFormatError, ParameterError
from .._protocol import validate_species
from ._model import MomentTensorPotential

__all__ = ["MLIP2_VERSION", "parse_mtp", "read_cfg", "read_mtp", "read_mtp_basis", "write_cfg", "write_mtp"]

#: the ``.mtp`` format version read and written
MLIP2_VERSION = "1.1.0"

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _numbers(text: str) -> list[float]:
    return [float(x) for x in _NUMBER.findall(text)]


def _split_species(species: str | Sequence[str] | None) -> list[str] | None:
    if species is None:
        return None
    if isinstance(species, str):
        species = [s for s in re.split(r"[,\s]+", species) if s]
    return list(species)


def read_mtp(path: str | os.PathLike[str], species: str | Sequence[str] | None = None) -> MomentTensorPotential:
    """Read an mlip-2 ``.mtp`` potential (trained or not).

    Parameters
    ----------
    path : path-like
    species : str or sequence of str
        Chemical symbols of the file's species 0, 1, ... (``"Mo"``, ``"Li,Si"``); mlip-2 files do
        not name them.

    Returns
    -------
    MomentTensorPotential
        In the file's basis (``pot.tables``), with the file's radial and linear coefficients;
        ``min_seen`` is the radial basis' ``min_dist`` (mlip-2 sets it from the training data).
    """
    where = os.fspath(path)
    try:
        with open(where, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        from ...errors import DataFileNotFoundError

        raise DataFileNotFoundError(f"potential file '{where}' does not exist") from None
    except UnicodeDecodeError:
        raise DataFormatError(f"{where}: not an mlip-2 .mtp file (not text)") from None
    return parse_mtp(text, species, where)


def _parse(text: str, where: str) -> dict[str, Any]:
    """The fields of an ``.mtp`` file, checked: header, version, counts; the basis tables."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "MTP":
        raise DataFormatError(f"{where}: not an mlip-2 .mtp file (the first line is not 'MTP')")
    fields: dict[str, str] = {}
    scalings: list[str] = []  # the potential's and, in some files, the radial basis' own
    radial: dict[tuple[int, int], list[list[float]]] = {}
    k = 1
    while k < len(lines):
        line = lines[k].strip()
        k += 1
        if not line:
            continue
        if line == "radial_coeffs":
            while k < len(lines) and re.fullmatch(r"\s*\d+-\d+\s*", lines[k]):
                a, b = (int(x) for x in lines[k].split("-"))
                k += 1
                rows = []
                while k < len(lines) and lines[k].strip().startswith("{"):
                    rows.append(_numbers(lines[k]))
                    k += 1
                radial[(a, b)] = rows
            continue
        if "=" in line:
            key, _, value = line.partition("=")
            fields[key.strip()] = value.strip()
            if key.strip() == "scaling":
                scalings.append(value.strip())
    version = fields.get("version")
    if version != MLIP2_VERSION:
        raise DataFormatError(f"{where}: an .mtp file of version {version!r}; this reader knows version "
                              f"{MLIP2_VERSION} (mlip-2); convert it with mlip-2 first")
    if fields.get("radial_basis_type") != "RBChebyshev":
        raise DataFormatError(f"{where}: radial basis {fields.get('radial_basis_type')!r}; only RBChebyshev "
                              f"is supported")
    need = ("species_count", "min_dist", "max_dist", "radial_basis_size", "radial_funcs_count",
            "alpha_moments_count", "alpha_index_basic_count", "alpha_index_basic", "alpha_index_times_count",
            "alpha_index_times", "alpha_scalar_moments", "alpha_moment_mapping")
    missing = [n for n in need if n not in fields]
    if missing:
        raise DataFormatError(f"{where}: truncated or incomplete .mtp file: no {', '.join(missing)}")
    try:
        out: dict[str, Any] = {
            "fields": fields, "radial": radial,
            "n_species": int(fields["species_count"]),
            "rmin": float(fields["min_dist"]), "rcut": float(fields["max_dist"]),
            "n_radial": int(fields["radial_basis_size"]), "n_mu": int(fields["radial_funcs_count"]),
            "scaling": float(np.prod([float(v) for v in scalings])),
        }
        basic = np.array(_numbers(fields["alpha_index_basic"]), dtype=float).reshape(-1, 4)
        times = np.array(_numbers(fields["alpha_index_times"]), dtype=float).reshape(-1, 4)
        mapping = np.array(_numbers(fields["alpha_moment_mapping"]), dtype=float)
    except ValueError as exc:
        raise DataFormatError(f"{where}: malformed .mtp file ({exc})") from None
    counts = (("alpha_index_basic", len(basic), "alpha_index_basic_count"),
              ("alpha_index_times", len(times), "alpha_index_times_count"),
              ("alpha_moment_mapping", len(mapping), "alpha_scalar_moments"))
    for name, got, count_key in counts:
        if got != int(fields[count_key]):
            raise DataFormatError(f"{where}: truncated or corrupt .mtp file: {name} has {got} entries, "
                                  f"{count_key} says {fields[count_key]}")
    out["tables"] = {"alpha_index_basic": basic, "alpha_index_times": times, "alpha_moment_mapping": mapping,
                     "alpha_moments_count": int(fields["alpha_moments_count"]), "radial_funcs_count": out["n_mu"]}
    return out


def read_mtp_basis(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The basis of an ``.mtp`` file (trained or an untrained template): the ``tables`` that
    :class:`MomentTensorPotential` and :func:`~matterlearn.mlip.train_mtp` take, plus the file's
    ``cutoff``, ``min_distance`` and ``n_radial``."""
    where = os.fspath(path)
    try:
        with open(where, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        from ...errors import DataFileNotFoundError

        raise DataFileNotFoundError(f"basis file '{where}' does not exist") from None
    except UnicodeDecodeError:
        raise DataFormatError(f"{where}: not an mlip-2 .mtp file (not text)") from None
    d = _parse(text, where)
    return {"tables": d["tables"], "cutoff": d["rcut"], "min_distance": d["rmin"], "n_radial": d["n_radial"]}


def parse_mtp(text: str, species: str | Sequence[str] | None, where: str = "potential") -> MomentTensorPotential:
    """:func:`read_mtp` on the text of an ``.mtp`` file; ``where`` names it in error messages."""
    d = _parse(text, where)
    fields, radial, tables = d["fields"], d["radial"], d["tables"]
    n_s, rmin, rcut, n_rad, n_mu, scaling = (d[k] for k in ("n_species", "rmin", "rcut", "n_radial", "n_mu",
                                                            "scaling"))
    mapping = tables["alpha_moment_mapping"]
    names = _split_species(species)
    if names is None:
        raise ParameterError(f"{where}: mlip-2 files number their {n_s} species without naming them; give "
                             f"the chemical symbols in the file's order (e.g. --species Mo or --species Li,Si)")
    if len(names) != n_s:
        raise ParameterError(f"{where}: the file has {n_s} species, {len(names)} symbols given ({', '.join(names)})")
    validate_species(names)
    try:
        pot = MomentTensorPotential(names, cutoff=rcut, min_distance=rmin, n_radial=n_rad, tables=tables)
    except ParameterError as exc:
        raise DataFormatError(f"{where}: {exc}") from None
    trained = "species_coeffs" in fields and "moment_coeffs" in fields
    if trained:
        ref = np.array(_numbers(fields["species_coeffs"]))
        xi = np.array(_numbers(fields["moment_coeffs"]))
        if len(ref) != n_s or len(xi) != len(mapping):
            raise DataFormatError(f"{where}: truncated .mtp file: {len(ref)} species_coeffs for {n_s} species, "
                                  f"{len(xi)} moment_coeffs for {len(mapping)} basis functions")
        coef = np.zeros((n_s, n_s, n_mu, n_rad))
        for a in range(n_s):
            for b in range(n_s):
                rows = radial.get((a, b))
                if rows is None or len(rows) != n_mu or any(len(r) != n_rad for r in rows):
                    raise DataFormatError(f"{where}: truncated .mtp file: radial_coeffs of pair {a}-{b} is not "
                                          f"{n_mu} rows of {n_rad} numbers")
                coef[a, b] = rows
        # mlip-2's envelope scaling * (max_dist - r)^2 against ours ((rcut - r) / (rcut - rmin))^2
        pot.radial_coef = coef * scaling * (rcut - rmin) ** 2
        pot.xi = xi
        pot.ref_energy = ref
    pot.min_seen = np.full((n_s, n_s), rmin)
    return pot


def _braces(values: np.ndarray, fmt: str) -> str:
    return "{" + ", ".join(format(v, fmt) for v in values) + "}"


def write_mtp(pot: MomentTensorPotential, path: str | os.PathLike[str]) -> None:
    """Write an MTP in mlip-2's basis as an ``.mtp`` file (version 1.1.0), atomically.

    The species are written in ``pot.species`` order (types 0, 1, ...). Only a potential in
    mlip-2's basis can be written (read from an ``.mtp`` file, or trained in the basis of one:
    ``train_mtp(tables=...)``, ``mlip train --basis FILE.mtp``): this project's own basis scales
    directions by the cutoff, which mlip-2 does not.
    """
    if pot.tables is None:
        raise ParameterError(f"'{os.fspath(path)}': this MTP uses matterlearn's own basis; train it in the basis "
                             f"of an mlip-2 file (--basis FILE.mtp) to write an .mtp file, or save it as .json")
    t = pot.tables
    n_s = len(pot.species)
    width = pot.cutoff - pot.min_distance
    coef = pot.radial_coef / width ** 2  # scaling 1
    out = ["MTP", f"version = {MLIP2_VERSION}", "potential_name = MTP1m", "scaling = 1.000000000000000e+00",
           f"species_count = {n_s}", "potential_tag = ", "radial_basis_type = RBChebyshev",
           f"\tmin_dist = {pot.min_distance:.15e}", f"\tmax_dist = {pot.cutoff:.15e}",
           f"\tradial_basis_size = {pot.n_radial}", f"\tradial_funcs_count = {coef.shape[2]}", "\tradial_coeffs"]
    for a in range(n_s):
        for b in range(n_s):
            out.append(f"\t\t{a}-{b}")
            out.extend("\t\t\t" + _braces(row, ".15e") for row in coef[a, b])
    basic = np.asarray(t["alpha_index_basic"], dtype=np.int64).reshape(-1, 4)
    times = np.asarray(t["alpha_index_times"], dtype=np.int64).reshape(-1, 4)
    mapping = np.asarray(t["alpha_moment_mapping"], dtype=np.int64)
    out += [f"alpha_moments_count = {t['alpha_moments_count']}",
            f"alpha_index_basic_count = {len(basic)}",
            "alpha_index_basic = {" + ", ".join(_braces(r, "d") for r in basic) + "}",
            f"alpha_index_times_count = {len(times)}",
            "alpha_index_times = {" + ", ".join(_braces(r, "d") for r in times) + "}",
            f"alpha_scalar_moments = {len(mapping)}",
            "alpha_moment_mapping = " + _braces(mapping, "d"),
            "species_coeffs = " + _braces(pot.ref_energy, ".15e"),
            "moment_coeffs = " + _braces(pot.xi, ".15e")]
    atomic_write_text(path, "\n".join(out) + "\n")


# -- configurations -------------------------------------------------------------------------------
_VOIGT = ("xx", "yy", "zz", "yz", "xz", "xy")


def read_cfg(path: str | os.PathLike[str], species: str | Sequence[str]) -> list[Atoms]:
    """Read the configurations of an mlip-2 ``.cfg`` file.

    Parameters
    ----------
    path : path-like
    species : str or sequence of str
        Chemical symbols of types 0, 1, ... (mlip-2 numbers species without naming them).

    Returns
    -------
    list of Atoms
        With the data model's labels: ``REF_energy`` (eV), ``REF_forces`` (eV/Å) and ``REF_stress``
        (ASE's Voigt order and sign, eV/Å^3, from ``-PlusStress / volume``); ``Feature`` lines go to
        ``info`` (``EFS_by`` and the rest), the block's number to ``info["cfg_index"]``.
    """
    where = os.fspath(path)
    names = _split_species(species)
    if not names:
        raise ParameterError(f"{where}: give the chemical symbols of the .cfg types 0, 1, ... (--species)")
    validate_species(names)
    numbers = [atomic_numbers[s] for s in names]
    try:
        with open(where, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        from ...errors import DataFileNotFoundError

        raise DataFileNotFoundError(f"configuration file '{where}' does not exist") from None
    frames: list[Atoms] = []
    k = 0
    while k < len(lines):
        if lines[k].strip() != "BEGIN_CFG":
            k += 1
            continue
        start = k + 1
        try:
            end = next(q for q in range(start, len(lines)) if lines[q].strip() == "END_CFG")
        except StopIteration:
            raise DataFormatError(f"{where}, line {start}: configuration {len(frames)} has no END_CFG "
                                  f"(a truncated file)") from None
        frames.append(_read_block(lines, start, end, numbers, names, where, len(frames)))
        k = end + 1
    if not frames:
        raise DataFormatError(f"{where}: no BEGIN_CFG block; not an mlip-2 .cfg file")
    return frames


def _read_block(lines: list[str], start: int, end: int, numbers: list[int], names: list[str], where: str,
                index: int) -> Atoms:
    here = f"{where}, configuration {index} (line {start})"
    size = None
    cell = None
    data: dict[str, list[float]] = {}
    energy = None
    plus: dict[str, float] | None = None
    info: dict[str, Any] = {"cfg_index": index}
    k = start
    try:
        while k < end:
            words = lines[k].split()
            k += 1
            if not words:
                continue
            head = words[0]
            if head == "Size":
                size = int(lines[k].split()[0])
                k += 1
            elif head in ("Supercell", "SuperCell"):
                rows = []
                while k < end and len(lines[k].split()) == 3 and all(_NUMBER.fullmatch(w) for w in lines[k].split()):
                    rows.append([float(x) for x in lines[k].split()])
                    k += 1
                cell = rows
            elif head in ("AtomData:", "Atomic_data:"):
                if size is None:
                    raise DataFormatError(f"{here}: AtomData comes before Size")
                cols = words[1:]
                data = {c: [] for c in cols}
                for _ in range(size):
                    vals = lines[k].split()
                    k += 1
                    if len(vals) != len(cols) or k > end:
                        raise DataFormatError(f"{here}: AtomData line {k} has {len(vals)} values for the "
                                              f"{len(cols)} columns {' '.join(cols)}")
                    for c, v in zip(cols, vals, strict=True):
                        data[c].append(float(v))
            elif head == "Energy":
                energy = float(lines[k].split()[0])
                k += 1
            elif head == "PlusStress:":
                vals = [float(x) for x in lines[k].split()]
                k += 1
                plus = dict(zip(words[1:], vals, strict=True))
            elif head == "Feature" and len(words) >= 3:
                key, value = words[1], " ".join(words[2:])
                try:
                    info[key] = float(value) if "." in value or "e" in value.lower() else int(value)
                except ValueError:
                    info[key] = value
    except (IndexError, ValueError) as exc:
        raise DataFormatError(f"{here}: malformed block near line {k} ({exc})") from None
    if size is None or not data:
        raise DataFormatError(f"{here}: a block without {'Size' if size is None else 'AtomData'}")
    if "type" not in data:
        raise DataFormatError(f"{here}: AtomData has no type column")
    types = np.array(data["type"], dtype=int)
    if types.min() < 0 or types.max() >= len(numbers):
        raise DataFormatError(f"{here}: atom type {types.max()} but only {len(names)} species given "
                              f"({', '.join(names)})")
    if cell is not None and len(cell) != 3:
        raise DataFormatError(f"{here}: Supercell has {len(cell)} rows; only 3-d periodic cells are read")
    z = [numbers[t] for t in types]
    if all(c in data for c in ("cartes_x", "cartes_y", "cartes_z")):
        pos = np.column_stack([data["cartes_x"], data["cartes_y"], data["cartes_z"]])
        atoms = Atoms(numbers=z, positions=pos, cell=cell, pbc=cell is not None)
    elif all(c in data for c in ("direct_x", "direct_y", "direct_z")) and cell is not None:
        frac = np.column_stack([data["direct_x"], data["direct_y"], data["direct_z"]])
        atoms = Atoms(numbers=z, scaled_positions=frac, cell=cell, pbc=True)
    else:
        raise DataFormatError(f"{here}: AtomData has no cartes_x/y/z (or direct_x/y/z with a Supercell)")
    if all(c in data for c in ("fx", "fy", "fz")):
        atoms.arrays[FORCES_KEY] = np.column_stack([data["fx"], data["fy"], data["fz"]])
    if energy is not None:
        atoms.info[ENERGY_KEY] = energy
    if plus is not None:
        if cell is None:
            raise DataFormatError(f"{here}: PlusStress without a Supercell")
        if set(plus) != set(_VOIGT):
            raise DataFormatError(f"{here}: PlusStress components {' '.join(plus)}; expected {' '.join(_VOIGT)}")
        atoms.info[STRESS_KEY] = -np.array([plus[c] for c in _VOIGT]) / atoms.get_volume()
    atoms.info.update(info)
    return atoms


def write_cfg(path: str | os.PathLike[str], frames: Sequence[Atoms], species: str | Sequence[str]) -> None:
    """Write configurations as an mlip-2 ``.cfg`` file (atomically), types in ``species`` order;
    labels are taken from the data model's keys (``REF_energy``, ``REF_forces``, ``REF_stress``)."""
    names = _split_species(species)
    if not names:
        raise ParameterError("give the chemical symbols that become .cfg types 0, 1, ...")
    validate_species(names)
    index = {atomic_numbers[s]: t for t, s in enumerate(names)}
    out: list[str] = []
    for n, atoms in enumerate(frames):
        extra = sorted(set(atoms.numbers) - set(index))
        if extra:
            raise ParameterError(f"frame {n} holds {', '.join(chemical_symbols[z] for z in extra)}, not among the "
                                 f"species {', '.join(names)}")
        out += ["BEGIN_CFG", " Size", f"    {len(atoms)}"]
        periodic = atoms.cell.rank == 3
        if periodic:
            out.append(" Supercell")
            out.extend("    " + "".join(f"{x:22.14f}" for x in row) for row in atoms.cell.array)
        forces = atoms.arrays.get(FORCES_KEY)
        cols = " AtomData:  id type       cartes_x      cartes_y      cartes_z"
        out.append(cols + ("           fx          fy          fz" if forces is not None else ""))
        for i, (z, r) in enumerate(zip(atoms.numbers, atoms.positions, strict=True)):
            row = f"    {i + 1:6d} {index[z]:4d} " + "".join(f"{x:22.14f}" for x in r)
            if forces is not None:
                row += "".join(f"{x:22.14f}" for x in forces[i])
            out.append(row)
        if ENERGY_KEY in atoms.info:
            out += [" Energy", f"    {float(atoms.info[ENERGY_KEY]):.14f}"]
        stress = atoms.info.get(STRESS_KEY)
        if stress is not None and periodic:
            plus = -np.asarray(stress, dtype=float).reshape(6) * atoms.get_volume()
            out += [" PlusStress:  " + "  ".join(f"{c:>12s}" for c in _VOIGT),
                    "    " + "".join(f"{x:22.14f}" for x in plus)]
        for key in ("config_type", "EFS_by"):
            if key in atoms.info:
                out.append(f" Feature   {key}\t{atoms.info[key]}")
        out += ["END_CFG", ""]
    atomic_write_text(path, "\n".join(out))
