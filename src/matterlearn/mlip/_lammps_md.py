"""Molecular dynamics in LAMMPS, for potentials LAMMPS runs natively (the SNAP family), on one or
many MPI ranks; the same starting velocities, ensembles, trajectory and summary as :func:`run_md`.

The run is a child process, ``mpiexec -n RANKS lmp -in in.lammps``, in a work folder that holds
everything it reads and writes (``in.lammps``, ``start.data``, the potential's files, ``log.lammps``,
``traj.dump``), so that a user can take the folder to a bigger machine and run it there unchanged.
Positions, velocities and forces are rotated back from LAMMPS's lower-triangular frame into the
frame of the input cell.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
import tempfile
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms, units
from ase.data import atomic_masses, atomic_numbers

from ..data._keys import PREDICTED_ENERGY_KEY, PREDICTED_FORCES_KEY
from ..errors import MatterlearnError, ParameterError
from ._lammps import Frame, lammps_env, lammps_executable, mpiexec
from ._md import ENSEMBLES

__all__ = ["LammpsRunError", "run_lammps_md", "runs_in_lammps"]

log = logging.getLogger(__name__)

#: ASE velocity (Å per ASE time unit) -> LAMMPS metal velocity (Å/ps)
_V_TO_LAMMPS = units.fs * 1000.0
#: 1 GPa in bar (LAMMPS metal pressure)
_BAR_PER_GPA = 1.0e4
_THERMO = ("step", "time", "temp", "pe", "etotal", "lx", "ly", "lz", "xy", "xz", "yz")
_COL = {name: k for k, name in enumerate(_THERMO)}
_DUMP = ("id", "xu", "yu", "zu", "vx", "vy", "vz", "fx", "fy", "fz")


class LammpsRunError(MatterlearnError, RuntimeError):
    """LAMMPS stopped with an error; the message is LAMMPS's own ERROR line."""


def runs_in_lammps(potential: Any) -> bool:
    """Whether LAMMPS runs this potential natively (it can write its own pair style files)."""
    return callable(getattr(potential, "lammps_pair_commands", None))


def write_lammps_data(path: str | os.PathLike[str], atoms: Atoms, species: Sequence[str], lower: np.ndarray,
                      rot: np.ndarray) -> None:
    """A LAMMPS data file (atom_style atomic) with masses and velocities, in LAMMPS's frame."""
    frac = atoms.cell.scaled_positions(atoms.positions)
    image = np.floor(frac).astype(int)
    pos = ((frac - image) @ lower).tolist()
    vel = (atoms.get_velocities() @ rot * _V_TO_LAMMPS).tolist()
    lower = lower.tolist()
    index = {atomic_numbers[s]: t + 1 for t, s in enumerate(species)}
    lines = ["LAMMPS data file written by matterlearn", "", f"{len(atoms)} atoms", f"{len(species)} atom types",
             f"0.0 {lower[0][0]!r} xlo xhi", f"0.0 {lower[1][1]!r} ylo yhi", f"0.0 {lower[2][2]!r} zlo zhi",
             ]
    if any(lower[i][j] != 0.0 for i, j in ((1, 0), (2, 0), (2, 1))):
        lines.append(f"{lower[1][0]!r} {lower[2][0]!r} {lower[2][1]!r} xy xz yz")
    lines += ["", "Masses", ""]
    lines += [f"{t + 1} {float(atomic_masses[atomic_numbers[s]])!r}  # {s}" for t, s in enumerate(species)]
    lines += ["", "Atoms # atomic", ""]
    lines += [f"{k + 1} {index[z]} {x!r} {y!r} {w!r} {i} {j} {m}"
              for k, (z, (x, y, w), (i, j, m)) in enumerate(zip(atoms.numbers, pos, image.tolist()))]
    lines += ["", "Velocities", ""]
    lines += [f"{k + 1} {x!r} {y!r} {w!r}" for k, (x, y, w) in enumerate(vel)]
    Path(path).write_text("\n".join(lines) + "\n")


def lammps_input(pair: Sequence[str], steps: int, timestep: float, ensemble: str, temperature: float,
                 interval: int, seed: int, friction: float, pressure: float) -> str:
    """The LAMMPS input of :func:`run_lammps_md` (metal units; ``timestep`` in fs, ``friction``
    in 1/fs, ``pressure`` in GPa)."""
    lines = ["# molecular dynamics written by matterlearn", "units metal", "atom_style atomic", "boundary p p p",
             "atom_modify map array", "read_data start.data", *pair,
             f"timestep {timestep / 1000.0!r}", "neighbor 1.0 bin", "neigh_modify every 1 delay 0 check yes",
             "fix integrate all nve"]
    if ensemble == "nvt":
        lines.append(f"fix thermostat all langevin {temperature!r} {temperature!r} {1.0 / friction / 1000.0!r} "
                     f"{seed % 900_000_000 + 1}")
    elif ensemble == "npt":
        bar = pressure * _BAR_PER_GPA
        lines += [f"fix thermostat all temp/berendsen {temperature!r} {temperature!r} 0.1",
                  f"fix barostat all press/berendsen iso {bar!r} {bar!r} 1.0 modulus {100 * _BAR_PER_GPA!r}"]
    lines += [f"thermo {interval}", f"thermo_style custom {' '.join(_THERMO)}", "thermo_modify format float %.15g",
              f"dump traj all custom {interval} traj.dump {' '.join(_DUMP)}",
              "dump_modify traj sort id format float %.15g", f"run {steps}"]
    if steps % interval:
        lines.append(f"write_dump all custom last.dump {' '.join(_DUMP)} modify sort id format float %.15g")
    return "\n".join(lines) + "\n"


def _read_thermo(log_path: Path) -> np.ndarray:
    rows: list[list[float]] = []
    inside = False
    for line in log_path.read_text(errors="replace").splitlines():
        words = line.split()
        if words[:2] == ["Step", "Time"]:
            inside = True
            continue
        if inside:
            if line.startswith("Loop time"):
                break
            try:
                rows.append([float(w) for w in words])
            except ValueError:
                continue  # a warning inside the thermo block
    return np.array(rows, dtype=float).reshape(-1, len(_THERMO))


def _read_dump(path: Path, n_atoms: int) -> list[np.ndarray]:
    """The per-atom tables of a dump file, one (n_atoms, len(_DUMP)) array per snapshot."""
    lines = path.read_text().splitlines()
    out, k = [], 0
    while k < len(lines):
        if lines[k].startswith("ITEM: ATOMS"):
            block = np.array([row.split() for row in lines[k + 1:k + 1 + n_atoms]], dtype=float)
            out.append(block)
            k += 1 + n_atoms
        else:
            k += 1
    return out


def _loop_seconds(log_path: Path) -> float:
    m = re.search(r"Loop time of ([0-9.eE+-]+) on", log_path.read_text(errors="replace"))
    return float(m.group(1)) if m else float("nan")


def _run(cmd: list[str], cwd: Path, steps: int, callback: Callable[[int], None] | None, kept: bool) -> None:
    """Run LAMMPS, passing thermo steps to ``callback``; Ctrl-C stops the whole MPI job."""
    errors: list[str] = []
    tail: deque[str] = deque(maxlen=3)
    proc = subprocess.Popen(cmd, cwd=cwd, env=lammps_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        assert proc.stdout is not None
        thermo = False
        for line in proc.stdout:
            tail.append(line.rstrip())
            if line.startswith("ERROR"):
                errors.append(line.strip())
            words = line.split()
            if words[:2] == ["Step", "Time"]:
                thermo = True
            elif thermo and words and words[0].isdigit() and callback is not None:
                callback(min(int(words[0]), steps))
            elif line.startswith("Loop time"):
                thermo = False
        code = proc.wait()
    except BaseException:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
        raise
    if code != 0 or errors:
        why = errors[0] if errors else "; ".join(tail) or f"exit status {code}"
        where = f"the run's files are in {cwd}" if kept else "rerun with a work folder to keep the run's files"
        raise LammpsRunError(f"LAMMPS stopped: {why} ({where})")


def run_lammps_md(atoms: Atoms, potential: Any, temperature: float, steps: int, timestep: float = 1.0,
                  ensemble: str = "nvt", trajectory: str | os.PathLike[str] | None = None, interval: int = 10,
                  seed: int = 0, friction: float = 0.01, pressure: float = 0.0, ranks: int = 1,
                  workdir: str | os.PathLike[str] | None = None,
                  callback: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Run MD in LAMMPS with ``mpiexec -n ranks`` and return the summary of :func:`run_md`.

    Parameters
    ----------
    atoms : Atoms
        Starting structure, 3-d periodic; copied, never modified.
    potential
        A potential LAMMPS runs natively (:func:`runs_in_lammps`), e.g. a SNAP.
    temperature, steps, timestep, ensemble, interval, seed, friction, pressure
        As in :func:`run_md`: the same Maxwell-Boltzmann velocities from ``seed`` (set in
        Python and written to the data file), velocity Verlet (``nve``), Langevin with
        ``friction`` (``nvt``, LAMMPS's damping time 1/friction) or Berendsen thermostat and
        isotropic barostat (``npt``, 100 fs and 1000 fs, bulk modulus 100 GPa, as ASE's
        ``NPTBerendsen`` here). The thermostat's random numbers are LAMMPS's own, so an NVT
        trajectory differs from ASE's after the first step; an NVE one agrees to rounding.
    ranks : int
        MPI ranks (LAMMPS's spatial decomposition).
    workdir : path, optional
        Folder for the run's files (kept); a temporary folder, removed afterwards, by default.

    Returns
    -------
    dict
        As :func:`run_md`: ``time_fs``, ``temperature_K`` (3N degrees of freedom, as ASE),
        ``potential_energy``, ``total_energy``, ``energy_drift_per_atom_meV``,
        ``atom_steps_per_second`` (LAMMPS's loop time), ``final``; and ``ranks``.
    """
    from ase.md.velocitydistribution import Stationary

    from .._compat import thermalize as thermalize_momenta

    if ensemble not in ENSEMBLES:
        raise ParameterError(f"unknown ensemble {ensemble!r}; choose from {', '.join(ENSEMBLES)}")
    if steps < 1 or timestep <= 0 or temperature < 0 or interval < 1 or ranks < 1 or friction <= 0:
        raise ParameterError("need steps >= 1, timestep > 0, temperature >= 0, interval >= 1, friction > 0 "
                             "and ranks >= 1")
    if not runs_in_lammps(potential):
        raise ParameterError(f"LAMMPS does not run a {type(potential).__name__} natively; use the ASE engine "
                             f"(or a SNAP or qSNAP potential for LAMMPS)")
    if atoms.cell.rank != 3 or not all(atoms.pbc):
        raise ParameterError("MD in LAMMPS needs a 3-d periodic cell")
    if ensemble == "npt" and not np.allclose(atoms.cell.array, np.diag(atoms.cell.lengths()), atol=1e-9):
        raise ParameterError("npt in LAMMPS (fix press/berendsen) needs a cell with its vectors along x, y and z; "
                             "use the ASE engine for this cell")
    potential.check_species(atoms, "structure")
    species = list(potential.species)
    rng = np.random.default_rng(seed)
    atoms = atoms.copy()
    atoms.calc = None
    thermalize_momenta(atoms, temperature_K=temperature, rng=rng)
    Stationary(atoms)
    frame0 = Frame(atoms.cell.array, "structure")
    rot, lower = frame0.rot, frame0.lower
    exe, launcher = lammps_executable(), mpiexec()

    with contextlib.ExitStack() as stack:
        if workdir is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="matterlearn-lammps-")))
        else:
            folder = Path(workdir).resolve()
            folder.mkdir(parents=True, exist_ok=True)
        write_lammps_data(folder / "start.data", atoms, species, lower, rot)
        pair = potential.lammps_pair_commands(folder)
        script = lammps_input(pair, steps, timestep, ensemble, temperature, interval, seed, friction, pressure)
        (folder / "in.lammps").write_text(script)
        for stale in ("traj.dump", "last.dump", "log.lammps"):
            (folder / stale).unlink(missing_ok=True)
        cmd = [launcher, "-n", str(ranks), exe, "-in", "in.lammps", "-log", "log.lammps", "-nocite"]
        log.info("running %s in %s", " ".join(cmd), folder)
        _run(cmd, folder, steps, callback, workdir is not None)
        thermo = _read_thermo(folder / "log.lammps")
        snaps = _read_dump(folder / "traj.dump", len(atoms))
        if steps % interval:
            snaps += _read_dump(folder / "last.dump", len(atoms))
        seconds = _loop_seconds(folder / "log.lammps")
    if len(thermo) != len(snaps) or len(thermo) == 0:
        raise LammpsRunError(f"LAMMPS wrote {len(thermo)} thermo rows and {len(snaps)} snapshots; expected "
                             f"{steps // interval + 1 + bool(steps % interval)} of each")
    masses = atoms.get_masses()
    frames: list[Atoms] = []
    for row, snap in zip(thermo, snaps):
        lx, ly, lz, xy, xz, yz = (row[_COL[k]] for k in ("lx", "ly", "lz", "xy", "xz", "yz"))
        cell = np.array([[lx, 0, 0], [xy, ly, 0], [xz, yz, lz]]) @ rot.T
        order = np.argsort(snap[:, 0])
        s = snap[order]
        frame = Atoms(numbers=atoms.numbers, positions=s[:, 1:4] @ rot.T, cell=cell, pbc=True)
        frame.set_momenta(masses[:, None] * (s[:, 4:7] @ rot.T) / _V_TO_LAMMPS)
        frame.info[PREDICTED_ENERGY_KEY] = float(row[_COL["pe"]])
        frame.arrays[PREDICTED_FORCES_KEY] = s[:, 7:10] @ rot.T
        frames.append(frame)
    if trajectory is not None:
        from ..data import write_frames

        write_frames(trajectory, frames)
    # kinetic energy and temperature from the velocities, with ASE's constants (LAMMPS's metal
    # units differ from them in the seventh digit)
    ke = np.array([f.get_kinetic_energy() for f in frames])
    out: dict[str, Any] = {
        "time_fs": thermo[:, _COL["step"]] * timestep, "temperature_K": np.array([f.get_temperature() for f in frames]),
        "potential_energy": thermo[:, _COL["pe"]], "total_energy": thermo[:, _COL["pe"]] + ke,
    }
    out["energy_drift_per_atom_meV"] = 1000 * (out["total_energy"][-1] - out["total_energy"][0]) / len(atoms)
    out["atom_steps_per_second"] = len(atoms) * steps / seconds if seconds > 0 else float("nan")
    out["ranks"] = ranks
    final = frames[-1].copy()
    final.info.pop(PREDICTED_ENERGY_KEY, None)
    del final.arrays[PREDICTED_FORCES_KEY]
    out["final"] = final
    return out
