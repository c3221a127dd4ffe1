"""The settings of the phase-diagram workflow: what the user chose, and the sizes of each stage
(two presets: the full run and a quick one for tests)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import ParameterError

__all__ = ["WorkflowSettings"]

POTENTIALS = ("mtp", "none")


@dataclass(frozen=True)
class WorkflowSettings:
    """Everything that decides the results of a run (stored in the run folder; a rerun with other
    settings is refused, a rerun with the same ones resumes).

    Attributes
    ----------
    lattice : str
        ``fcc``, ``bcc``, ``hcp`` or a structure file of the parent lattice.
    species : tuple of str
        The two species.
    oracle : str
        ``emt`` or ``package.module:Class`` (any ASE calculator).
    potential : {"mtp", "none"}
        ``none`` relaxes every structure with the oracle (the classic route).
    max_atoms : int
        Enumerated structures up to this many atoms are relaxed and fitted.
    max_oracle_calls : int or None
        The budget of oracle evaluations for training the potential.
    """

    lattice: str = "fcc"
    species: tuple[str, str] = ("Cu", "Au")
    oracle: str = "emt"
    potential: str = "mtp"
    max_atoms: int = 8
    max_oracle_calls: int | None = None
    quick: bool = False
    seed: int = 0
    # stage a: training data for the potential
    train_max_atoms: int = 4
    strained_copies: int = 3
    strain: float = 0.03
    rattle: float = 0.04
    mtp_level: int = 16
    mtp_cutoff: float = 5.0
    mtp_iterations: int = 100
    al_rounds: int = 5
    # short MD from small cells before the relaxation rounds: off in the full preset, where it was
    # measured to cost accuracy where the workflow needs it (EMT Cu-Au, level 16: relaxed mixing
    # energies 0.98 against 0.43 meV/atom RMSE, and L1_2 below D0_22 at AuCu3); on in the quick one
    md_steps: int = 0
    md_temperatures: tuple[float, ...] = (300.0, 900.0)
    md_atoms: int = 32
    al_add: int = 50
    gamma_select: float = 1.1
    # stage b: relaxation
    fmax: float = 0.01
    max_steps: int = 300
    recheck: int = 20
    chunk: int = 16
    # stage c: cluster expansion
    cv_splits: int = 10
    max_pair_shell: int = 6
    gs_search_atoms: int = 10
    gs_rounds: int = 4
    # stage d: Monte Carlo
    mc_repeat: int = 8
    t_low: float = 100.0
    scan_temperatures: tuple[float, ...] = field(default=tuple(float(t) for t in range(150, 1501, 25)))
    diagram_points: int = 14
    diagram_t_max: float = 1000.0
    sweeps: int = 200
    equilibration: int = 100
    mu_sweeps: int = 60
    mu_equilibration: int = 30
    mu_step: float = 0.004

    @classmethod
    def preset(cls, quick: bool = False, **chosen: Any) -> WorkflowSettings:
        """The full preset, or the quick one (minutes: smaller cells, fewer rounds and points),
        with the user's choices on top."""
        base: dict[str, Any] = {}
        if quick:
            base = dict(quick=True, max_atoms=5, train_max_atoms=3, strained_copies=2,
                        mtp_level=10, mtp_iterations=60, al_rounds=2, al_add=20, recheck=5,
                        md_steps=20, md_atoms=16,
                        cv_splits=5, max_pair_shell=4, gs_search_atoms=6, gs_rounds=2,
                        mc_repeat=4, scan_temperatures=tuple(float(t) for t in range(200, 1401, 100)),
                        diagram_points=3, diagram_t_max=700.0, sweeps=60, equilibration=30,
                        mu_sweeps=20, mu_equilibration=10, mu_step=0.02)
        base.update({k: v for k, v in chosen.items() if v is not None})
        if "species" in base:
            base["species"] = tuple(base["species"])
        s = cls(**base)
        s.validate()
        return s

    def validate(self) -> None:
        if self.potential not in POTENTIALS:
            raise ParameterError(f"--potential {self.potential!r}: choose from {', '.join(POTENTIALS)}")
        if len(self.species) != 2 or self.species[0] == self.species[1]:
            raise ParameterError(f"--species needs two different species, got {','.join(self.species)}")
        if not 2 <= self.max_atoms <= 12:
            raise ParameterError(f"--max-atoms {self.max_atoms}: use 2 to 12 (the enumeration grows "
                                 "exponentially)")
        if self.max_oracle_calls is not None and self.max_oracle_calls < 10:
            raise ParameterError("--max-oracle-calls: at least 10")
        if self.mc_repeat % 4:
            raise ParameterError("the Monte Carlo supercell repeat must be a multiple of 4")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["species"] = list(self.species)
        d["scan_temperatures"] = list(self.scan_temperatures)
        d["md_temperatures"] = list(self.md_temperatures)
        return d
