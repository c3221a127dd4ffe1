"""Monte Carlo on cluster expansions: canonical and semi-grand canonical Metropolis with a
compiled kernel, observers, errors and transition temperatures."""

from ._analysis import (
    autocorrelation_time,
    blocking_error,
    equilibration_index,
    LatticeGrid,
    heat_capacity,
    lattice_grid,
    long_range_order,
    mean_and_error,
    order_transition_temperature,
    sublattice_order,
    transition_temperature,
    warren_cowley,
)
from ._ensembles import KB, CanonicalEnsemble, RunData, SemiGrandCanonicalEnsemble
from ._free_energy import (
    ORDERED,
    canonical_transition,
    crossing,
    integrate_chemical_potential,
    integrate_temperature,
    phase_boundaries,
    sgc_mu_branch,
    sgc_temperature_branch,
)
from ._kmc import KineticMonteCarlo, KMCResult
from ._phase import anneal, phase_diagram, sgc_scan
from ._scan import parse_temperatures, set_composition, supercell, temperature_scan
from ._system import LatticeSystem, build_system

__all__ = ["KB", "KineticMonteCarlo", "KMCResult", "anneal", "phase_diagram", "sgc_scan", "CanonicalEnsemble", "SemiGrandCanonicalEnsemble", "RunData", "LatticeSystem",
           "build_system", "blocking_error", "mean_and_error", "heat_capacity", "warren_cowley",
           "sublattice_order", "transition_temperature", "autocorrelation_time",
           "equilibration_index", "parse_temperatures", "set_composition",
           "supercell", "temperature_scan", "LatticeGrid", "lattice_grid", "long_range_order",
           "order_transition_temperature", "canonical_transition", "crossing",
           "integrate_chemical_potential", "integrate_temperature", "phase_boundaries",
           "sgc_mu_branch", "sgc_temperature_branch", "ORDERED"]
