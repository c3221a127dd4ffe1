"""Read and write structures and labelled frames: extxyz, ASE database, CIF, POSCAR.

A frame is an :class:`ase.Atoms`. Its labels live under the keys of :mod:`._keys` (``REF_energy``
and ``REF_stress`` in ``atoms.info``, ``REF_forces`` in ``atoms.arrays``) whatever the file called
them; the reader's ``*_key`` options name the keys of the file. A calculator that ASE's own
readers attach is never trusted silently: its results are used only when a key option names them
(``energy_key="energy"``), and it is always detached.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from ..errors import DataFileNotFoundError, DataFormatError, EmptyDataError, MissingLabelError
from ._atomic import atomic_path
from ._keys import ENERGY_KEY, FORCES_KEY, LABELS, STRESS_KEY

__all__ = ["read_frames", "write_frames", "read_structure", "frame_format", "validate_frame"]

log = logging.getLogger(__name__)

# suffix -> ASE format name; a one-line registry
_FORMATS = {
    ".xyz": "extxyz", ".extxyz": "extxyz", ".db": "db", ".cif": "cif", ".vasp": "vasp",
    ".poscar": "vasp", ".traj": "traj", ".json": "db",
}
_URL_PREFIXES = ("postgresql://", "postgres://", "mysql://", "mariadb://")
_CALC_NAMES = {"energy": "energy", "forces": "forces", "stress": "stress", "free_energy": "free_energy"}


def frame_format(source: str | os.PathLike[str], format: str | None = None) -> str:
    """The ASE format name of ``source``: from ``format``, a database URL, or the file name."""
    if format:
        return format
    text = str(source)
    if text.startswith(_URL_PREFIXES):
        return "db"
    path = Path(text)
    name = path.name.upper()
    if name.startswith(("POSCAR", "CONTCAR")):
        return "vasp"
    try:
        return _FORMATS[path.suffix.lower()]
    except KeyError:
        raise DataFormatError(
            f"cannot tell the format of '{text}' from its name; use one of "
            f"{', '.join(sorted(_FORMATS))}, a POSCAR/CONTCAR file, or a postgresql:// URL"
        ) from None


def _label_from(atoms: Atoms, key: str, per_atom: bool, calc_results: dict[str, Any],
                row_data: dict[str, Any] | None = None) -> Any:
    """Look ``key`` up in the frame's info/arrays, a database row's data, then (only when the key
    names a calculator property explicitly) in the results of the calculator ASE attached."""
    store = atoms.arrays if per_atom else atoms.info
    if key in store:
        return store[key]
    if row_data is not None and key in row_data:
        return row_data[key]
    if key in _CALC_NAMES and key in calc_results:
        return calc_results[key]
    return None


def _to_voigt(value: Any, where: str, key: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.shape == (6,):
        return arr
    if arr.shape in ((3, 3), (9,)):
        m = arr.reshape(3, 3)
        if not np.allclose(m, m.T, rtol=1e-6, atol=1e-8):
            raise DataFormatError(f"{where}: stress '{key}' is not symmetric")
        return np.array([m[0, 0], m[1, 1], m[2, 2], m[1, 2], m[0, 2], m[0, 1]])
    raise DataFormatError(
        f"{where}: stress '{key}' has shape {arr.shape}; expected 6 Voigt values (xx yy zz yz xz xy) "
        "or a 3x3 tensor"
    )


def validate_frame(atoms: Atoms, where: str) -> None:
    """Check positions, cell and any labels of one frame; raise naming ``where`` on failure.

    Parameters
    ----------
    atoms : ase.Atoms
        The frame, with labels under the in-memory keys.
    where : str
        Where the frame came from, for messages (``"file 'a.xyz', frame 3"``).
    """
    if len(atoms) == 0:
        raise DataFormatError(f"{where}: the frame has no atoms")
    if not np.isfinite(atoms.positions).all():
        raise DataFormatError(f"{where}: positions hold NaN or infinite values")
    if atoms.pbc.any():
        if not np.isfinite(atoms.cell.array).all():
            raise DataFormatError(f"{where}: the cell holds NaN or infinite values")
        if abs(atoms.cell.volume) < 1e-8 and atoms.pbc.all():
            raise DataFormatError(f"{where}: periodic frame with a zero-volume cell; give a 'Lattice'")
    for spec in LABELS.values():
        store = atoms.arrays if spec.per_atom else atoms.info
        if spec.key not in store:
            continue
        value = np.asarray(store[spec.key], dtype=float)
        expected = (len(atoms), *spec.shape) if spec.per_atom else spec.shape
        if value.shape != expected:
            raise DataFormatError(
                f"{where}: {spec.name} '{spec.key}' has shape {value.shape}, expected {expected}"
            )
        if not np.isfinite(value).all():
            raise DataFormatError(
                f"{where}: {spec.name} '{spec.key}' holds NaN or infinite values; remove the frame "
                "or recompute its label"
            )


def _normalise(atoms: Atoms, where: str, keys: dict[str, str], require: Sequence[str],
               row_data: dict[str, Any] | None = None) -> Atoms:
    calc_results = dict(atoms.calc.results) if atoms.calc is not None else {}
    atoms.calc = None  # never let an attached calculator masquerade as labels
    for name, spec in LABELS.items():
        file_key = keys[name]
        value = _label_from(atoms, file_key, spec.per_atom, calc_results, row_data)
        store = atoms.arrays if spec.per_atom else atoms.info
        if file_key != spec.key:
            store.pop(file_key, None)
        if value is None:
            if name in require:
                present = sorted(set(atoms.info) | set(atoms.arrays) - {"numbers", "positions"})
                raise MissingLabelError(
                    f"{where}: no {name} under key '{file_key}' (keys present: "
                    f"{', '.join(present) or 'none'}); pass the file's key with "
                    f"{name}_key=... (--{name}-key on the command line)"
                )
            continue
        if name == "stress":
            value = _to_voigt(value, where, file_key)
        elif name == "energy":
            try:
                value = float(np.asarray(value, dtype=float).reshape(()))
            except (TypeError, ValueError):
                raise DataFormatError(f"{where}: energy '{file_key}' is not a number") from None
        else:
            value = np.asarray(value, dtype=float)
        if spec.per_atom:
            if np.shape(value) != (len(atoms), *spec.shape):
                raise DataFormatError(
                    f"{where}: {name} '{file_key}' has shape {np.shape(value)}, "
                    f"expected {(len(atoms), *spec.shape)}"
                )
            atoms.arrays[spec.key] = value
        else:
            atoms.info[spec.key] = value
    validate_frame(atoms, where)
    return atoms


def read_frames(
    source: str | os.PathLike[str],
    index: str | int | slice = ":",
    *,
    energy_key: str = ENERGY_KEY,
    forces_key: str = FORCES_KEY,
    stress_key: str = STRESS_KEY,
    require: Sequence[str] = (),
    format: str | None = None,
) -> list[Atoms]:
    """Read structures or labelled frames.

    Parameters
    ----------
    source : str or path-like
        An extxyz file, an ASE database (SQLite path, or a ``postgresql://`` URL), a CIF file, a
        POSCAR/CONTCAR (``.vasp``) file or an ASE trajectory.
    index : str, int or slice
        Which frames, in ASE's index syntax (``":"`` all, ``"-1"`` the last, ``"::10"``).
    energy_key, forces_key, stress_key : str
        Keys of the labels in the file. In the returned frames the labels are always stored under
        ``REF_energy`` / ``REF_forces`` / ``REF_stress``. Energy in eV (total, per cell), forces
        in eV/Å, stress in eV/Å^3 with ASE's sign (Voigt or 3x3 in the file; Voigt in memory).
    require : sequence of {"energy", "forces", "stress"}
        Labels that every frame must carry.
    format : str, optional
        ASE format name, when the file name does not tell it.

    Returns
    -------
    list of ase.Atoms
        With ``atoms.info["source"]`` set to ``"<file>:<frame>"`` (or the database row id).

    Raises
    ------
    DataFileNotFoundError
        If the file does not exist.
    DataFormatError
        If a frame cannot be parsed or holds invalid values (naming the file and frame).
    EmptyDataError
        If the source holds no frames.
    MissingLabelError
        If a required label is absent (naming the file, frame and key).
    """
    unknown = set(require) - set(LABELS)
    if unknown:
        raise DataFormatError(f"unknown label(s) {sorted(unknown)}; choose from {sorted(LABELS)}")
    keys = {"energy": energy_key, "forces": forces_key, "stress": stress_key}
    text = str(source)
    if not text.startswith(_URL_PREFIXES) and Path(text).is_dir():
        raise DataFormatError(f"'{text}' is a folder, not a file; give a structure file or a database")
    fmt = frame_format(source, format)
    if not text.startswith(_URL_PREFIXES) and not Path(text).is_file():
        raise DataFileNotFoundError(f"file '{text}' does not exist")
    if fmt == "db":
        frames = _read_db(text, index, keys, require)
    else:
        frames = _read_file(text, fmt, index, keys, require)
    if not frames:
        if fmt in _INCOMPLETE:
            raise EmptyDataError(f"'{text}' is not a complete {_INCOMPLETE[fmt][0]} file (no atoms in it); "
                                 f"{_INCOMPLETE[fmt][1]}")
        raise EmptyDataError(f"'{text}' holds no frames")
    return frames


#: formats whose truncated files ASE reports obscurely: their name and what a whole file holds
_INCOMPLETE = {
    "cif": ("CIF", "a CIF file holds the cell (_cell_length_a ... _cell_angle_gamma) and a loop of "
                   "_atom_site_ positions"),
    "vasp": ("POSCAR", "a POSCAR holds a comment line, a scale factor, three lattice vectors, the "
                       "species and their counts, and one line of coordinates per atom"),
}


def _read_file(path: Any, fmt: str, index: Any, keys: dict[str, str],
               require: Sequence[str], name: str | None = None) -> list[Atoms]:
    from ase.io import iread

    frames: list[Atoms] = []
    path_name = name or str(path)
    it = iread(path, index=index, format=fmt)
    i = 0
    while True:
        where = f"file '{path_name}', frame {i}"
        try:
            atoms = next(it)
        except StopIteration:
            break
        except Exception as exc:  # ASE raises many kinds; translate at the boundary
            if fmt in _INCOMPLETE:  # ASE's own words about these (numpy shapes, indices) do not help
                raise DataFormatError(f"'{path_name}' is not a complete {_INCOMPLETE[fmt][0]} file; "
                                      f"{_INCOMPLETE[fmt][1]}") from exc
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DataFormatError(f"{where}: cannot parse {fmt}: {msg}") from exc
        atoms.info.setdefault("source", f"{Path(path_name).name}:{i}")
        frames.append(_normalise(atoms, where, keys, require))
        i += 1
    return frames


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def database_error(url: str, exc: BaseException) -> DataFormatError:
    """One clear error for a database server that cannot be reached or used: names the host,
    port and database, what the server or driver said, and the fix."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = parts.port or {"postgresql": 5432, "postgres": 5432, "mysql": 3306,
                          "mariadb": 3306}.get(parts.scheme, "?")
    name = parts.path.lstrip("/") or "?"
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if isinstance(exc, ImportError):
        return DataFormatError(f"database URL '{_redacted(url)}' needs ASE's database backends: "
                               f"pip install 'matterlearn[db]' ({first})")
    low = str(exc).lower()
    if "refused" in low or "could not connect" in low or "timeout" in low or "timed out" in low:
        fix = f"start the database server on {host}:{port}, or correct the host and port in the URL"
    elif "does not exist" in low and "database" in low:
        fix = f"create the database '{name}' on the server (createdb), or correct its name in the URL"
    elif "authentication" in low or "password" in low or "role" in low:
        fix = "check the user name and password in the URL"
    else:
        fix = "check the URL (postgresql://user:password@host:port/database) and the server"
    return DataFormatError(f"cannot use the database '{name}' on {host}:{port} "
                           f"({_redacted(url)}): {first}; {fix}")


def connect_database(url: str) -> Any:
    """``ase.db.connect`` for a path or URL; a server that cannot be reached is one clear error."""
    import ase.db

    try:
        db = ase.db.connect(url)
        if url.startswith(_URL_PREFIXES):
            db.count()  # connects now, so that a refused connection is reported here
        return db
    except Exception as exc:
        if url.startswith(_URL_PREFIXES):
            raise database_error(url, exc) from exc
        raise


def _read_db(url: str, index: Any, keys: dict[str, str], require: Sequence[str]) -> list[Atoms]:
    import ase.db

    try:
        db = ase.db.connect(url, create_indices=False, use_lock_file=False)
        rows = list(db.select())
    except Exception as exc:
        if url.startswith(_URL_PREFIXES):
            raise database_error(url, exc) from exc
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataFormatError(f"cannot read ASE database '{url}': {msg}") from exc
    if not rows:
        raise EmptyDataError(
            f"ASE database '{url}' has no rows; fill it first (e.g. `matterlearn ce enumerate`)"
        )
    if isinstance(index, str):
        sel = [rows[int(index)]] if index.lstrip("-").isdigit() else rows[_slice(index)]
    elif isinstance(index, int):
        sel = [rows[index]]
    else:
        sel = rows[index]
    frames = []
    for row in sel:
        where = f"database '{url}', row id {row.id}"
        atoms = row.toatoms(add_additional_information=False)
        if row.get("calculator") is not None or hasattr(row, "energy"):
            from ase.calculators.singlepoint import SinglePointCalculator

            results = {k: row.get(k) for k in ("energy", "forces", "stress", "free_energy")
                       if row.get(k) is not None}
            atoms.calc = SinglePointCalculator(atoms, **results) if results else None
        atoms.info.update(row.key_value_pairs)
        atoms.info.setdefault("source", f"{Path(url).name if '://' not in url else url}:{row.id}")
        frames.append(_normalise(atoms, where, keys, require, row_data=dict(row.data)))
    return frames


def _slice(text: str) -> slice:
    parts = [int(p) if p.strip() else None for p in text.split(":")]
    return slice(*parts)


def read_structure(source: str | os.PathLike[str], format: str | None = None) -> Atoms:
    """Read the single (or last) structure of a file; labels are kept if present."""
    return read_frames(source, index=-1, format=format)[0]


def write_frames(dest: str | os.PathLike[str], frames: Iterable[Atoms], *,
                 format: str | None = None, metadata: dict[str, Any] | None = None) -> Path | str:
    """Write frames atomically, labels under the in-memory keys.

    Parameters
    ----------
    dest : str or path-like
        Output file (extxyz, ``.db``, ``.cif``, POSCAR) or a ``postgresql://`` URL.
    frames : iterable of ase.Atoms
        Frames with labels under ``REF_energy`` / ``REF_forces`` / ``REF_stress``.
    format : str, optional
        ASE format name, when the file name does not tell it.
    metadata : dict, optional
        Stored as the database's metadata (ASE database only).

    Notes
    -----
    Files are written to a temporary name and renamed, so an error leaves no partial file. For a
    database URL the rows are written in one transaction. For an ASE database, scalar ``info``
    entries become key-value pairs and arrays go to the row's ``data``.
    """
    frames = list(frames)
    for i, atoms in enumerate(frames):
        validate_frame(atoms, f"frame {i} to write")
    fmt = frame_format(dest, format)
    text = str(dest)
    if fmt == "db" and text.startswith(_URL_PREFIXES):
        db = connect_database(text)
        try:
            with db:
                _write_db_rows(db, frames)
            if metadata is not None:
                db.metadata = metadata
        except Exception as exc:
            raise database_error(text, exc) from exc
        return text
    with atomic_path(dest) as tmp:
        if fmt == "db":
            import ase.db

            db = ase.db.connect(str(tmp), type="db" if tmp.suffix == ".db" else "json",
                                use_lock_file=False)
            with db:
                _write_db_rows(db, frames)
            if metadata is not None:
                db.metadata = metadata
        else:
            from ase.io import write

            clean = []
            for atoms in frames:
                a = atoms.copy()
                a.calc = None
                clean.append(a)
            write(str(tmp), clean if fmt in ("extxyz", "traj", "cif") else clean[-1], format=fmt)
    return Path(dest)


_KVP_TYPES = (bool, int, float, str, np.integer, np.floating, np.bool_)


def _write_db_rows(db: Any, frames: Sequence[Atoms]) -> None:
    from ase.db.core import reserved_keys

    for atoms in frames:
        a = atoms.copy()
        a.calc = None
        kvp: dict[str, Any] = {}
        data: dict[str, Any] = {}
        for key, value in atoms.info.items():
            if isinstance(value, _KVP_TYPES) and key.isidentifier() and key not in reserved_keys:
                kvp[key] = value.item() if isinstance(value, np.generic) else value
            else:
                data[key] = np.asarray(value) if not isinstance(value, (str, dict)) else value
        for key, value in atoms.arrays.items():
            if key not in ("numbers", "positions"):
                data[key] = value
        db.write(a, key_value_pairs=kvp, data=data)
