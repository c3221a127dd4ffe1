"""Reusable physics checks for energy models: run them on your own calculator too.

>>> from matterlearn.testing import check_calculator
>>> report = check_calculator(calc, atoms)   # raises AssertionError naming the failed contract
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ase import Atoms

__all__ = ["check_calculator"]


def _energy(calc: Any, atoms: Atoms) -> float:
    a = atoms.copy()
    a.calc = calc
    return float(a.get_potential_energy())


def _fail(what: str, value: float, tol: float) -> None:
    raise AssertionError(f"check_calculator: {what}: error {value:.3e} exceeds the tolerance {tol:.1e}")


def check_calculator(calc: Any, atoms: Atoms, *, h: float = 1e-4, n_components: int = 12, atol_force: float = 1e-5, rtol_force: float = 1e-6,
                     atol_energy: float = 1e-8, rtol_stress: float = 1e-5, seed: int = 0,
                     check_stress: bool = True) -> dict[str, float]:
    """Check the physics contract of an ASE calculator on one structure.

    * forces equal minus the finite-difference gradient of the energy (central differences of step
      ``h`` Å on ``n_components`` random components);
    * stress equals the strain derivative of the energy divided by the volume (periodic cells);
    * energy is invariant, and forces covariant, under a random rotation of the whole system;
    * energy is invariant under a rigid translation and under a permutation of the atoms;
    * energy is extensive: doubling the periodic cell doubles it.

    Parameters
    ----------
    calc : ase.calculators.calculator.Calculator
        The calculator under test; it must not modify the structures it is given.
    atoms : Atoms
        A (preferably distorted) structure; it is not modified.
    h, n_components, atol_force, rtol_force, atol_energy, rtol_stress, seed
        Step and tolerances: forces agree within ``atol_force + rtol_force * max|F|`` (eV/Å),
        energies within ``atol_energy`` per atom (eV; relative to the energy per atom when that exceeds 1 eV).

    Returns
    -------
    dict
        The largest error found for each contract.

    Raises
    ------
    AssertionError
        Naming the first contract that fails.
    """
    rng = np.random.default_rng(seed)
    ref = atoms.copy()
    a = atoms.copy()
    a.calc = calc
    e0 = float(a.get_potential_energy())
    f0 = np.array(a.get_forces())
    n = len(atoms)
    report: dict[str, float] = {}
    if not np.allclose(atoms.positions, ref.positions) or (atoms.numbers != ref.numbers).any():
        raise AssertionError("check_calculator: the calculator modified the Atoms it was given")

    # forces = -dE/dx
    err = 0.0
    comps = rng.choice(3 * n, size=min(n_components, 3 * n), replace=False)
    for c in comps:
        i, k = divmod(int(c), 3)
        b = ref.copy()
        b.positions[i, k] += h
        ep = _energy(calc, b)
        b.positions[i, k] -= 2 * h
        em = _energy(calc, b)
        err = max(err, abs(-(ep - em) / (2 * h) - f0[i, k]))
    report["forces_vs_finite_difference"] = err
    f_tol = atol_force + rtol_force * float(np.abs(f0).max())
    if err > f_tol:
        _fail("forces differ from -dE/dx by finite differences", err, f_tol)

    # stress = (1/V) dE/d(strain)
    if check_stress and ref.cell.rank == 3 and ref.pbc.all():
        s0 = np.array(a.get_stress(voigt=False))
        vol = ref.get_volume()
        num = np.zeros((3, 3))
        for p in range(3):
            for q in range(p, 3):
                es = []
                for sign in (1, -1):
                    eps = np.zeros((3, 3))
                    eps[p, q] += sign * h / 2
                    eps[q, p] += sign * h / 2
                    b = ref.copy()
                    b.set_cell(ref.cell.array @ (np.eye(3) + eps), scale_atoms=True)
                    es.append(_energy(calc, b))
                num[p, q] = num[q, p] = (es[0] - es[1]) / (2 * h) / vol
        err = float(np.abs(num - s0).max())
        scale = max(float(np.abs(s0).max()), 1e-3)
        report["stress_vs_strain_derivative"] = err / scale
        if err > rtol_stress * scale + 1e-7:
            _fail("stress differs from the strain derivative of the energy (relative)", err / scale, rtol_stress)

    # rotation: E invariant, F covariant
    from scipy.spatial.transform import Rotation

    R = Rotation.random(random_state=int(rng.integers(2**31))).as_matrix()
    b = ref.copy()
    b.positions = ref.positions @ R.T
    b.set_cell(ref.cell.array @ R.T, scale_atoms=False)
    b.calc = calc
    e_tol = atol_energy * max(1.0, abs(e0) / n)
    err_e = abs(float(b.get_potential_energy()) - e0) / n
    err_f = float(np.abs(np.array(b.get_forces()) - f0 @ R.T).max())
    report["rotation_energy"] = err_e
    report["rotation_forces"] = err_f
    if err_e > e_tol:
        _fail("energy changes under rotation (per atom)", err_e, e_tol)
    if err_f > f_tol:
        _fail("forces do not rotate with the structure", err_f, f_tol)

    # translation and permutation
    b = ref.copy()
    b.positions += rng.normal(size=3)
    err = abs(_energy(calc, b) - e0) / n
    report["translation_energy"] = err
    if err > e_tol:
        _fail("energy changes under translation (per atom)", err, e_tol)
    perm = rng.permutation(n)
    err = abs(_energy(calc, ref[perm]) - e0) / n
    report["permutation_energy"] = err
    if err > e_tol:
        _fail("energy changes under a permutation of the atoms (per atom)", err, e_tol)

    # extensivity
    if ref.pbc.all():
        err = abs(_energy(calc, ref.repeat((2, 1, 1))) - 2 * e0) / (2 * n)
        report["extensivity_energy"] = err
        if err > e_tol:
            _fail("energy is not extensive under doubling the cell (per atom)", err, e_tol)
    return report
