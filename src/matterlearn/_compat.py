"""Small shims over differences between the versions of our dependencies."""

from __future__ import annotations

from typing import Any


def thermalize(atoms: Any, temperature_K: float, rng: Any) -> None:
    """Maxwell-Boltzmann momenta at ``temperature_K`` from ``rng`` (ASE's ``thermalize_momenta``,
    called ``MaxwellBoltzmannDistribution`` before ASE 3.29)."""
    try:
        from ase.md.velocitydistribution import thermalize_momenta as draw
    except ImportError:  # older ASE
        from ase.md.velocitydistribution import MaxwellBoltzmannDistribution as draw
    draw(atoms, temperature_K=temperature_K, rng=rng)
