"""Datasets generated locally with ASE's EMT calculator, deterministic by seed.

EMT (effective medium theory; Jacobsen, Stoltze and Nørskov 1996) is a real, fast and offline
energy, force and stress model for Al, Cu, Ag, Au, Ni, Pd and Pt. It stands in for DFT wherever a
test or a demo needs labelled data without a first-principles code.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.data import atomic_numbers, reference_states

from ..data._keys import CONFIG_TYPE_KEY, ENERGY_KEY, FORCES_KEY, STRESS_KEY
from ..errors import ParameterError
from ._registry import Dataset, DatasetInfo, register

__all__ = ["EMT_ELEMENTS", "emt_lattice_constant", "emt_alloy_configurations", "emt_potential_frames", "label_with_emt",
           "random_hnf"]

log = logging.getLogger(__name__)

#: Elements ASE's EMT calculator parametrises.
EMT_ELEMENTS = ("Al", "Cu", "Ag", "Au", "Ni", "Pd", "Pt")


def _check_elements(elements: Sequence[str]) -> None:
    bad = [e for e in elements if e not in EMT_ELEMENTS]
    if bad:
        raise ParameterError(
            f"EMT has no parameters for {', '.join(bad)}; choose from {', '.join(EMT_ELEMENTS)}"
        )
    if len(set(elements)) != len(elements) or len(elements) < 1:
        raise ParameterError(f"elements must be distinct and at least one, got {list(elements)}")


@lru_cache(maxsize=64)
def emt_lattice_constant(symbol: str, lattice: str = "fcc") -> float:
    """The EMT equilibrium cubic lattice parameter of a pure element (Å).

    Found by a bounded 1-d minimisation of the energy of the primitive cell around the
    experimental reference value; EMT's own minimum makes the pure end members exact zeros of the
    mixing energy.
    """
    from ase.calculators.emt import EMT
    from scipy.optimize import minimize_scalar

    _check_elements([symbol])
    a_ref = float(reference_states[atomic_numbers[symbol]]["a"])
    if lattice == "bcc":
        a_ref /= 2 ** (1 / 3)

    def energy(a: float) -> float:
        atoms = bulk(symbol, lattice, a=a)
        atoms.calc = EMT()
        return float(atoms.get_potential_energy())

    res = minimize_scalar(energy, bounds=(0.85 * a_ref, 1.15 * a_ref), method="bounded",
                          options={"xatol": 1e-7})
    return float(res.x)


def _fcc_a(symbol: str) -> float:
    return emt_lattice_constant(symbol, "fcc")


def label_with_emt(atoms: Atoms, relax: bool = False, fmax: float = 0.01,
                   max_steps: int = 200) -> Atoms:
    """Label a copy of ``atoms`` with EMT energy, forces and stress (optionally relaxed first).

    Relaxation moves atoms and the cell (:func:`~matterlearn.data.relax_structure`) until the largest
    force is below ``fmax`` (eV/Å) or ``max_steps`` is reached; the flag ``relaxed`` in ``info``
    says which. The input is never modified.
    """
    from ase.calculators.emt import EMT

    a = atoms.copy()
    a.calc = EMT()
    if relax:
        from ..data import relax_structure

        a, converged, _ = relax_structure(a, a.calc, fmax, max_steps)
        a.info["relaxed"] = converged
    a.info[ENERGY_KEY] = float(a.get_potential_energy())
    a.arrays[FORCES_KEY] = np.array(a.get_forces())
    a.info[STRESS_KEY] = np.array(a.get_stress(voigt=True))
    a.calc = None
    return a


def random_hnf(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random Hermite normal form (lower triangular) with determinant ``n``, shape (3, 3)."""
    divisors = [(a, c, n // (a * c)) for a in range(1, n + 1) if n % a == 0
                for c in range(1, n // a + 1) if (n // a) % c == 0]
    a, c, f = divisors[rng.integers(len(divisors))]
    b, d = rng.integers(a, size=2)
    e = rng.integers(c)
    return np.array([[a, 0, 0], [b, c, 0], [d, e, f]])


def emt_alloy_configurations(
    elements: Sequence[str] = ("Au", "Cu"),
    lattice: str = "fcc",
    n_structures: int = 40,
    max_atoms: int = 8,
    relax: bool = False,
    seed: int = 0,
) -> list[Atoms]:
    """Alloy configurations on a lattice, labelled with EMT, for cluster expansions.

    The pure elements come first (one atom each); then supercells given by random Hermite normal
    forms of the primitive cell with 2 to ``max_atoms`` sites, at a random composition with at
    least two species, with a random occupation. The lattice parameter follows Vegard's law between the elements' EMT
    equilibrium lattice parameters; with ``relax=True`` positions and cell are relaxed.

    Parameters
    ----------
    elements : sequence of str
        Species of the alloy (EMT elements).
    lattice : {"fcc", "bcc"}
        The parent lattice.
    n_structures : int
        Number of configurations, end members included.
    max_atoms : int
        Largest number of sites per supercell.
    relax : bool
        Relax atoms and cell with EMT.
    seed : int
        Seed of the random supercells and occupations.

    Returns
    -------
    list of ase.Atoms
        With ``REF_energy`` (eV), ``REF_forces`` (eV/Å), ``REF_stress`` (eV/Å^3),
        ``config_type = "alloy"`` and ``supercell`` (the HNF, flattened) in ``info``.
    """
    _check_elements(elements)
    if lattice not in ("fcc", "bcc"):
        raise ParameterError(f"lattice must be 'fcc' or 'bcc', got {lattice!r}")
    if n_structures < len(elements):
        raise ParameterError(f"n_structures must be at least {len(elements)} (the end members)")
    rng = np.random.default_rng(seed)
    ref_a = {e: emt_lattice_constant(e, lattice) for e in elements}
    frames = []
    for i in range(n_structures):
        if i < len(elements):
            hnf = np.eye(3, dtype=int)
            occupation = np.array([i])
        else:
            n = int(rng.integers(2, max_atoms + 1))
            hnf = random_hnf(n, rng)
            counts = np.zeros(len(elements), dtype=int)
            while len(elements) > 1 and np.count_nonzero(counts) < 2:  # a mixed configuration
                counts = rng.multinomial(n, rng.dirichlet(np.ones(len(elements))))
            if len(elements) == 1:
                counts[0] = n
            occupation = rng.permutation(np.repeat(np.arange(len(elements)), counts))
        symbols = [elements[k] for k in occupation]
        x = np.bincount(occupation, minlength=len(elements)) / len(occupation)
        a = float(sum(xi * ref_a[e] for xi, e in zip(x, elements)))
        prim = bulk(elements[0], lattice, a=a)
        cell = hnf @ prim.cell.array
        from ase.build import make_supercell

        atoms = make_supercell(prim, hnf, wrap=True)
        atoms.set_cell(cell, scale_atoms=False)
        atoms.set_chemical_symbols(symbols)
        atoms = label_with_emt(atoms, relax=relax)
        atoms.info[CONFIG_TYPE_KEY] = "alloy"
        atoms.info["supercell"] = " ".join(str(v) for v in hnf.ravel())
        atoms.info["lattice"] = lattice
        frames.append(atoms)
    return frames


def emt_potential_frames(
    elements: Sequence[str] = ("Cu", "Au"),
    fractions: Sequence[float] = (0.0, 0.25),
    repeats: Sequence[int] = (2,),
    temperatures: Sequence[float] = (300.0, 800.0, 1200.0),
    frames_per_trajectory: int = 5,
    steps_between_frames: int = 10,
    equilibration_steps: int = 20,
    timestep: float = 2.0,
    n_strained: int = 6,
    max_strain: float = 0.03,
    vacancy: bool = True,
    seed: int = 0,
) -> list[Atoms]:
    """Frames with energy, forces and stress for fitting interatomic potentials, from EMT.

    Three kinds of frame, told apart by ``config_type``:

    * ``md_<T>K``: Langevin MD snapshots of fcc ``elements[0]`` with a fraction of
      ``elements[1]`` on random sites, in cubic supercells of ``4 * r**3`` atoms for each
      ``r`` in ``repeats``, at each temperature (K);
    * ``vacancy_md_<T>K``: the same with one atom removed (if ``vacancy``);
    * ``strained``: cells under a random symmetric strain up to ``max_strain`` with small random
      displacements.

    Each MD run has its own ``trajectory`` id in ``info``, so that a split by trajectory keeps
    neighbours in time out of the test set (:func:`matterlearn.data.group_splits`).

    Parameters
    ----------
    elements : sequence of str
        Host element, then the solute (EMT elements).
    fractions : sequence of float
        Solute fractions, each in [0, 1].
    repeats : sequence of int
        Cubic supercell repeats (2 gives 32 atoms, 3 gives 108).
    temperatures : sequence of float
        MD temperatures in K.
    frames_per_trajectory, steps_between_frames, equilibration_steps : int
        Sampling of each trajectory (steps of ``timestep`` fs).
    timestep : float
        MD time step in fs.
    n_strained : int
        Number of strained cells.
    max_strain : float
        Largest strain component.
    vacancy : bool
        Also run trajectories with a vacancy.
    seed : int
        Seed of decorations, velocities, Langevin noise and strains.
    """
    from ase import units
    from ase.calculators.emt import EMT
    from ase.md.langevin import Langevin

    from .._compat import thermalize as thermalize_momenta

    _check_elements(elements)
    if len(elements) != 2:
        raise ParameterError("emt_potential_frames needs two elements: host, solute")
    if any(not 0.0 <= x <= 1.0 for x in fractions):
        raise ParameterError(f"fractions must lie in [0, 1], got {list(fractions)}")
    rng = np.random.default_rng(seed)
    host, solute = elements
    a_host, a_sol = _fcc_a(host), _fcc_a(solute)

    def decorated(r: int, x: float) -> Atoms:
        a = (1 - x) * a_host + x * a_sol
        atoms = bulk(host, "fcc", a=a, cubic=True).repeat(r)
        n_sol = int(round(x * len(atoms)))
        symbols = np.array([host] * len(atoms), dtype=object)
        symbols[rng.choice(len(atoms), n_sol, replace=False)] = solute
        atoms.set_chemical_symbols(list(symbols))
        return atoms

    frames: list[Atoms] = []
    traj = 0
    kinds = [False, True] if vacancy else [False]
    for with_vacancy in kinds:
        for r in repeats:
            for x in fractions:
                for temp in temperatures:
                    atoms = decorated(r, x)
                    if with_vacancy:
                        del atoms[int(rng.integers(len(atoms)))]
                    atoms.calc = EMT()
                    thermalize_momenta(atoms, temperature_K=temp, rng=rng)
                    dyn = Langevin(atoms, timestep * units.fs, temperature_K=temp, friction=0.02,
                                   fixcm=False, rng=rng)
                    dyn.run(equilibration_steps)
                    tag = f"{'vacancy_' if with_vacancy else ''}md_{int(round(temp))}K"
                    for _ in range(frames_per_trajectory):
                        dyn.run(steps_between_frames)
                        frame = label_with_emt(atoms)
                        frame.info[CONFIG_TYPE_KEY] = tag
                        frame.info["trajectory"] = f"traj{traj:03d}"
                        frame.info["temperature"] = float(temp)
                        frames.append(frame)
                    traj += 1
    for k in range(n_strained):
        r = int(repeats[k % len(repeats)])
        x = float(fractions[k % len(fractions)])
        atoms = decorated(r, x)
        eps = rng.uniform(-max_strain, max_strain, size=(3, 3))
        eps = 0.5 * (eps + eps.T)
        atoms.set_cell(atoms.cell.array @ (np.eye(3) + eps), scale_atoms=True)
        atoms.rattle(stdev=0.05, seed=int(rng.integers(2**31)))
        frame = label_with_emt(atoms)
        frame.info[CONFIG_TYPE_KEY] = "strained"
        frame.info["trajectory"] = f"strain{k:03d}"
        frames.append(frame)
    return frames


def _n_potential_frames(**kw: object) -> int:
    import inspect

    p = {k: v.default for k, v in inspect.signature(emt_potential_frames).parameters.items()}
    p.update(kw)
    n_traj = len(p["repeats"]) * len(p["fractions"]) * len(p["temperatures"])  # type: ignore[arg-type]
    n_traj *= 2 if p["vacancy"] else 1
    return int(n_traj * p["frames_per_trajectory"] + p["n_strained"])  # type: ignore[operator]


def _load_alloy(**kw: object) -> Dataset:
    frames = emt_alloy_configurations(**kw)  # type: ignore[arg-type]
    e = np.array([a.info[ENERGY_KEY] for a in frames])
    n = np.array([len(a) for a in frames], dtype=float)
    return Dataset(_ALLOY, frames, e, {"energy": e, "energy_per_atom": e / n},
                   {"energy": "eV", "energy_per_atom": "eV/atom"})


def _load_potential(**kw: object) -> Dataset:
    frames = emt_potential_frames(**kw)  # type: ignore[arg-type]
    e = np.array([a.info[ENERGY_KEY] for a in frames])
    n = np.array([len(a) for a in frames], dtype=float)
    return Dataset(_POTENTIAL, frames, e, {"energy": e, "energy_per_atom": e / n},
                   {"energy": "eV", "energy_per_atom": "eV/atom"})


_ALLOY = DatasetInfo(
    name="emt_alloy",
    description=("Generated: Au-Cu fcc alloy configurations (random supercells up to 8 sites, "
                 "random occupations) labelled with ASE's EMT; for cluster expansions."),
    input_type="structure",
    task="regression",
    target="energy",
    unit="eV",
    n=40,
    source="computed locally by matterlearn.datasets.emt_alloy_configurations (seed 0)",
    licence="generated; no restriction",
    references=("Jacobsen1996", "Larsen2017"),
    generated=True,
    notes="Parameters: elements, lattice, n_structures, max_atoms, relax, seed.",
)
_POTENTIAL = DatasetInfo(
    name="emt_potential",
    description=("Generated: Cu-Au fcc MD snapshots (300, 800, 1200 K, with and without a "
                 "vacancy) and strained cells with EMT energy, forces and stress; for potentials."),
    input_type="structure",
    task="regression",
    target="energy",
    unit="eV",
    n=_n_potential_frames(),
    source="computed locally by matterlearn.datasets.emt_potential_frames (seed 0)",
    licence="generated; no restriction",
    references=("Jacobsen1996", "Larsen2017"),
    generated=True,
    notes="Each frame has config_type and trajectory in info; split by trajectory.",
)
register(_ALLOY, _load_alloy)
register(_POTENTIAL, _load_potential)
