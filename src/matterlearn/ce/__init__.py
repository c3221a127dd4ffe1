"""Cluster expansions of alloy energies on a lattice (convex hull and mixing energies so far)."""

from ._hull import BinaryHull, binary_hull, mixing_energy_per_atom

__all__ = ["BinaryHull", "binary_hull", "mixing_energy_per_atom"]
