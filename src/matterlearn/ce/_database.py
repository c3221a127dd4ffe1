"""Cluster-expansion data in an ASE database: enumeration into it, training sets out of it."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.data import atomic_numbers, reference_states

from ..data import atomic_path
from ..data._frames import connect_database
from ..data._keys import ENERGY_KEY
from ..errors import (
    DataFileNotFoundError,
    DataFormatError,
    EmptyDataError,
    MissingLabelError,
    ParameterError,
    ResourceLimitError,
)
from ._enumerate import check_species, enumerate_structures, structure_count_lower_bound
from ._mapping import map_structure
from ._space import ClusterSpace, LatticeMappingError

__all__ = ["builtin_prim", "enumerate_to_database", "database_recipe", "training_set"]

_LATTICES = ("fcc", "bcc", "hcp", "sc")

#: most structures `enumerate_to_database` writes unless asked for more
MAX_STRUCTURES = 1_000_000


def builtin_prim(lattice: str, species: Sequence[str], a: float | None = None,
                 c: float | None = None) -> Atoms:
    """A primitive cell of a built-in lattice for ``species``.

    Without ``a``, the lattice parameter is the mean of the species' reference values (ASE's
    ``reference_states``) on that lattice, converted at equal atomic volume when a reference has
    another structure.
    """
    if lattice not in _LATTICES:
        raise ParameterError(f"unknown lattice {lattice!r}; use {', '.join(_LATTICES)} or a file")
    check_species(species)
    real = [s for s in species if s != "X"]
    if a is None:
        vols = []
        for s in real:
            st = reference_states[atomic_numbers[s]]
            if not st or "a" not in st:
                raise ParameterError(f"no reference lattice parameter for {s}; give --a")
            sym, ref_a = st.get("symmetry"), st["a"]
            per_atom = {"fcc": ref_a**3 / 4, "bcc": ref_a**3 / 2, "sc": ref_a**3,
                        "hcp": np.sqrt(3) / 2 * ref_a**2 * ref_a * st.get("c/a", 1.633) / 2,
                        "diamond": ref_a**3 / 8}.get(sym)
            if per_atom is None:
                raise ParameterError(f"no reference lattice parameter for {s}; give --a")
            vols.append(per_atom)
        v = float(np.mean(vols))
        a = {"fcc": (4 * v) ** (1 / 3), "bcc": (2 * v) ** (1 / 3), "sc": v ** (1 / 3),
             "hcp": (2 * v / (np.sqrt(3) / 2 * 1.633)) ** (1 / 3)}[lattice]
    kwargs: dict[str, Any] = {"a": a}
    if lattice == "hcp":
        kwargs["c"] = c if c is not None else 1.633 * a
    return bulk(real[0], lattice, **kwargs)


def enumerate_to_database(prim: Atoms, chemical_symbols: Sequence[str] | Sequence[Sequence[str]],
                          max_atoms: int, db_path: str | os.PathLike[str],
                          concentration_restrictions: Mapping[str, tuple[float, float]] | None = None,
                          max_structures: int = MAX_STRUCTURES,
                          progress: Callable[[int], None] | None = None) -> int:
    """Write every derivative structure with up to ``max_atoms`` sites to a new ASE database.

    The database's metadata records the primitive cell and species, so that ``ce fit`` needs
    nothing else. Written atomically; an existing file is refused, and so is a request whose
    count of structures surely exceeds ``max_structures`` (checked before any is made).
    ``progress(n)`` is called with the number written so far, every 100 structures.
    """
    import ase.db

    from ._symmetry import LatticeSymmetry

    path = Path(db_path)
    if path.exists():
        raise ParameterError(f"'{path}' exists; choose a new --db (labels are never overwritten)")
    max_size = max_atoms // len(prim)
    if max_size < 1:
        raise ParameterError(f"--max-atoms {max_atoms} is smaller than the primitive cell "
                             f"({len(prim)} sites)")
    cs_species = check_species(chemical_symbols)
    if len(cs_species) == 1:
        cs_species = cs_species * len(prim)
    n_ops = len(np.unique(LatticeSymmetry(prim, [tuple(s) for s in cs_species]).rotations, axis=0))
    bound = structure_count_lower_bound(n_ops, [len(s) for s in cs_species], max_size)
    if not concentration_restrictions and bound > max_structures:
        raise ResourceLimitError(
            f"--max-atoms {max_atoms} with species {'; '.join(','.join(s) for s in cs_species)} "
            f"gives at least {bound:.2g} structures; the limit is {max_structures:,} "
            f"(--max-structures); lower --max-atoms")
    n = 0
    with atomic_path(path) as tmp:
        db = ase.db.connect(str(tmp), use_lock_file=False)
        with db:
            for k, atoms in enumerate(enumerate_structures(prim, range(1, max_size + 1), cs_species,
                                                           concentration_restrictions)):
                db.write(atoms, config_id=k, n_cells=atoms.info["n_cells"],
                         supercell=atoms.info["supercell"], composition=atoms.get_chemical_formula())
                n += 1
                if progress is not None and n % 100 == 0:
                    progress(n)
        db.metadata = {"matterlearn": "ce enumerate", "prim": _prim_dict(prim),
                       "chemical_symbols": cs_species, "max_atoms": int(max_atoms),
                       "concentration_restrictions": dict(concentration_restrictions or {})}
    return n


def _prim_dict(prim: Atoms) -> dict[str, Any]:
    return {"cell": prim.cell.array.tolist(), "positions": prim.positions.tolist(),
            "numbers": prim.numbers.tolist(), "pbc": prim.pbc.tolist()}


def database_recipe(db_path: str) -> tuple[Atoms, list[list[str]]] | None:
    """The primitive cell and species that ``ce enumerate`` stored, or None."""

    if "://" not in db_path and not Path(db_path).is_file():
        raise DataFileNotFoundError(f"file '{db_path}' does not exist")
    meta = connect_database(db_path).metadata
    if not meta or "prim" not in meta:
        return None
    p = meta["prim"]
    prim = Atoms(numbers=p["numbers"], positions=p["positions"], cell=p["cell"], pbc=p["pbc"])
    return prim, meta["chemical_symbols"]


def training_set(db_path: str, cluster_space: ClusterSpace, property_key: str = ENERGY_KEY,
                 skip_unmappable: bool = False, max_displacement: float | None = None,
                 max_strain: float = 0.15
                 ) -> tuple[list[Atoms], np.ndarray, list[str], dict[str, Any]]:
    """Structures on the lattice and their energies from a labelled database.

    Relaxed rows are mapped onto the ideal lattice (:func:`map_structure`). An unmappable row
    is an error naming it, unless ``skip_unmappable`` (then it is left out and counted); a row
    without the property or with a species outside the cluster space is always an error.
    ``max_displacement`` and ``max_strain`` are the mapping tolerances of :func:`map_structure`.

    Returns
    -------
    structures : list of ase.Atoms
        Ideal (on-lattice) structures.
    energies : numpy.ndarray
        Total energies (eV) under ``property_key``.
    names : list of str
        ``"<db>:row <id>"`` per structure.
    info : dict
        ``max_displacement`` (Å), ``n_mapped`` (relaxed rows mapped) and ``skipped`` (names of
        rows left out as unmappable).
    """

    if "://" not in db_path and not Path(db_path).is_file():
        raise DataFileNotFoundError(f"file '{db_path}' does not exist")
    db = connect_database(db_path)
    rows = list(db.select())
    if not rows:
        raise EmptyDataError(f"ASE database '{db_path}' has no rows; fill it with `matterlearn ce enumerate`")
    missing = [r.id for r in rows if r.get(property_key) is None]
    if missing:
        keys = sorted({k for r in rows for k in r.key_value_pairs})
        hint = ("run `matterlearn ce label` first" if len(missing) < len(rows) or property_key == ENERGY_KEY
                else "name the property with --property")
        raise MissingLabelError(
            f"database '{db_path}': {len(missing)} of {len(rows)} rows have no '{property_key}' "
            f"(first: row id {missing[0]}; keys present: {', '.join(keys) or 'none'}); {hint}"
        )
    structures, energies, names = [], [], []
    max_disp, n_relaxed, skipped = 0.0, 0, []
    for row in rows:
        name = f"database '{db_path}', row id {row.id}"
        atoms = row.toatoms()
        try:
            cluster_space.lattice_sites(atoms, name)
            ideal = atoms
        except LatticeMappingError:
            try:
                mapped = map_structure(atoms, cluster_space, max_displacement=max_displacement,
                                       max_strain=max_strain, name=name)
            except LatticeMappingError as exc:
                if not skip_unmappable:
                    raise type(exc)(f"{exc} (leave such rows out with --skip-unmappable)") from None
                skipped.append(f"{Path(db_path).name}:row {row.id}")
                continue
            ideal = mapped.ideal
            max_disp = max(max_disp, mapped.max_displacement)
            n_relaxed += 1
        value = row.get(property_key)
        try:
            energies.append(float(value))
        except (TypeError, ValueError):
            raise DataFormatError(f"{name}: '{property_key}' is {value!r}, not a number") from None
        cluster_space.occupations(ideal, cluster_space.lattice_sites(ideal, name)[0], name)
        structures.append(ideal)
        names.append(f"{Path(db_path).name}:row {row.id}")
    e = np.array(energies)
    if not np.isfinite(e).all():
        bad = names[int(np.flatnonzero(~np.isfinite(e))[0])]
        raise DataFormatError(f"{bad}: '{property_key}' is NaN or infinite")
    if not structures:
        raise EmptyDataError(f"database '{db_path}': no row could be mapped onto the lattice")
    return structures, e, names, {"max_displacement": max_disp, "n_mapped": n_relaxed,
                                  "skipped": skipped}
