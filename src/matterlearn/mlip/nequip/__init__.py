"""The E(3)-equivariant message-passing potential (NequIP; Batzner et al., Nat. Commun. 13, 2453,
2022) on PyTorch and e3nn. Importing this package imports torch."""

from ._model import NequIPConfig, NequIPNet
from ._potential import NequIPPotential, load_nequip
from ._train import train_nequip

__all__ = ["NequIPConfig", "NequIPNet", "NequIPPotential", "load_nequip", "train_nequip"]
