"""Ground states: the predicted convex hull against the reference one, and a search over
enumerated structures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from ase import Atoms

from ..errors import ParameterError
from ._enumerate import enumerate_structures
from ._expansion import ClusterExpansion, active_composition
from ._hull import binary_hull

__all__ = ["HullComparison", "compare_hulls", "ground_state_search", "GroundStates"]


@dataclass
class HullComparison:
    """Reference against predicted ground states of the same structures (binary).

    Attributes
    ----------
    x : numpy.ndarray, shape (n,)
        Fraction of the second species (by atomic number) on the active sites.
    reference, predicted : numpy.ndarray, shape (n,)
        Mixing energies per site (eV).
    reference_vertices, predicted_vertices : numpy.ndarray of int
        Indices of the ground states (hull vertices), sorted by composition.
    """

    x: np.ndarray
    reference: np.ndarray
    predicted: np.ndarray
    reference_vertices: np.ndarray
    predicted_vertices: np.ndarray

    @property
    def missing(self) -> list[int]:
        """Reference ground states that the prediction puts above its hull."""
        return sorted(set(self.reference_vertices.tolist()) - set(self.predicted_vertices.tolist()))

    @property
    def spurious(self) -> list[int]:
        """Predicted ground states that are not reference ones."""
        return sorted(set(self.predicted_vertices.tolist()) - set(self.reference_vertices.tolist()))

    @property
    def reproduced(self) -> bool:
        """True when every reference ground state is a predicted one and none is added."""
        return not self.missing and not self.spurious


def compare_hulls(x: np.ndarray, reference: np.ndarray, predicted: np.ndarray) -> HullComparison:
    """Compare the lower convex hulls of reference and predicted mixing energies."""
    ref = binary_hull(x, reference)
    pred = binary_hull(x, predicted)
    order = lambda v: v[np.argsort(x[v], kind="stable")]  # noqa: E731
    return HullComparison(np.asarray(x), np.asarray(reference), np.asarray(predicted),
                          order(ref.vertices), order(pred.vertices))


@dataclass
class GroundStates:
    """The predicted hull over enumerated structures."""

    structures: list[Atoms]
    x: np.ndarray
    energies: np.ndarray
    vertices: np.ndarray

    @property
    def ground_states(self) -> list[Atoms]:
        return [self.structures[i] for i in self.vertices]


def ground_state_search(expansion: ClusterExpansion, max_size: int,
                        concentration_restrictions: Mapping[str, tuple[float, float]] | None = None
                        ) -> GroundStates:
    """Predict every derivative structure up to ``max_size`` primitive cells; return the hull.

    Binary lattices only (the hull is taken in one composition variable).
    """
    cs = expansion.cluster_space
    if len(cs.species) != 2:
        raise ParameterError("the ground-state search takes binary cluster spaces")
    structures = list(enumerate_structures(cs.prim, range(1, max_size + 1), cs.chemical_symbols,
                                           concentration_restrictions, cs.symprec,
                                           cs.position_tolerance))
    X = cs.cluster_vectors(structures)
    e = X @ expansion.ecis
    _, comp = active_composition(cs, structures)
    x = comp[:, 1]
    hull = binary_hull(x, e)
    v = hull.vertices[np.argsort(x[hull.vertices])]
    return GroundStates(structures, x, e, v)
