"""An E(3)-equivariant message-passing potential in the manner of NequIP (Batzner et al., Nat.
Commun. 13, 2453, 2022), on PyTorch and e3nn.

Per layer, for every atom ``i`` and neighbour ``j`` within ``r_max`` (``r_ij = r_j - r_i``)::

    x       = Linear(h)                                    self-interaction
    m_ij    = TP_uvu(x_j, Y(r_ij / |r_ij|); R(|r_ij|))     equivariant convolution
    a_i     = sum_j m_ij / sqrt(<neighbours>)
    h_i    <- h_i + Gate(Linear(a_i) + TP(h_i, onehot(z_i)))   residual where shapes allow

``Y`` are the real spherical harmonics up to ``l_max``; ``R`` is an MLP (no biases) on a Bessel
basis ``sin(n pi r / r_max) / r`` times the polynomial envelope of degree ``p = 6``, so every
message, and with it the energy and its derivatives, goes smoothly to zero at ``r_max``. The
per-atom energy is ``scale[z] * Readout(h_i) + shift[z]``; forces are ``-dE/dr`` and the stress is
``(1/V) dE/d(strain)``, both by automatic differentiation.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from e3nn import o3
from e3nn.nn import FullyConnectedNet, Gate
from torch import nn

__all__ = ["NequIPConfig", "NequIPNet", "hidden_irreps"]


@dataclass
class NequIPConfig:
    """Hyperparameters of the network (what is saved as its recipe).

    ``features`` is the multiplicity of every irrep of the hidden features (an int) or an e3nn
    irreps string; ``parity=True`` keeps the natural parity of each ``l`` (``0e + 1o + 2e + 3o``:
    invariant under rotations and inversion, the full O(3)), ``parity=False`` labels all irreps even
    (rotations only, SO(3)). ``fused`` computes the convolutions' tensor products with
    :class:`~matterlearn.mlip.nequip._fused.FusedUVU` (the same numbers as e3nn's, faster on
    some CPUs, measured no faster on ours) instead of ``e3nn.o3.TensorProduct``.
    """

    species: list[str]
    r_max: float = 4.5
    l_max: int = 1
    features: int | str = 32
    layers: int = 3
    parity: bool = True
    n_basis: int = 8
    radial_hidden: int = 64
    radial_layers: int = 2
    readout_hidden: int = 16
    envelope_p: int = 6
    dtype: str = "float32"
    avg_neighbours: float = 1.0
    fused: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def hidden_irreps(cfg: NequIPConfig) -> o3.Irreps:
    """Irreps of the hidden features."""
    if isinstance(cfg.features, str):
        return o3.Irreps(cfg.features).simplify()
    mul = int(cfg.features)
    return o3.Irreps([(mul, (ell, (-1) ** ell if cfg.parity else 1)) for ell in range(cfg.l_max + 1)])


def sh_irreps(cfg: NequIPConfig) -> o3.Irreps:
    return o3.Irreps.spherical_harmonics(cfg.l_max, p=-1 if cfg.parity else 1)


class BesselBasis(nn.Module):
    """``sqrt(2 / r_max) sin(w_n r) / r`` with ``w_n = n pi / r_max`` (trainable)."""

    def __init__(self, r_max: float, n: int) -> None:
        super().__init__()
        self.prefactor = math.sqrt(2.0 / r_max)
        self.weights = nn.Parameter(torch.arange(1, n + 1, dtype=torch.get_default_dtype()) * math.pi / r_max)

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        return self.prefactor * torch.sin(self.weights * r[:, None]) / r[:, None]


def polynomial_envelope(r: torch.Tensor, r_max: float, p: int) -> torch.Tensor:
    """Smooth cutoff ``1 - (p+1)(p+2)/2 x^p + p(p+2) x^(p+1) - p(p+1)/2 x^(p+2)`` of ``x = r/r_max``:
    1 at 0, and zero with its first ``p`` derivatives at ``r_max``."""
    x = r / r_max
    out = (1.0 - 0.5 * (p + 1) * (p + 2) * x ** p + p * (p + 2) * x ** (p + 1) - 0.5 * p * (p + 1) * x ** (p + 2))
    return out * (x < 1.0)


class Interaction(nn.Module):
    """One convolution layer with its gate; ``forward`` returns the new features."""

    def __init__(self, irreps_in: o3.Irreps, irreps_hidden: o3.Irreps, irreps_sh: o3.Irreps, n_species: int,
                 cfg: NequIPConfig) -> None:
        super().__init__()
        self.irreps_in = irreps_in
        self.avg_neighbours = cfg.avg_neighbours
        # what the gate can output: hidden irreps reachable from irreps_in x irreps_sh
        reachable = {ir for _, ir_in in irreps_in for _, ir_sh in irreps_sh for ir in ir_in * ir_sh}
        scalars = o3.Irreps([(m, ir) for m, ir in irreps_hidden if ir.l == 0 and ir in reachable])
        gated = o3.Irreps([(m, ir) for m, ir in irreps_hidden if ir.l > 0 and ir in reachable])
        gate_ir = "0e" if o3.Irrep("0e") in reachable else "0o"
        gates = o3.Irreps([(m, gate_ir) for m, _ in gated])
        act = {1: torch.nn.functional.silu, -1: torch.tanh}
        act_gate = {1: torch.sigmoid, -1: torch.tanh}
        self.gate = Gate(scalars, [act[ir.p] for _, ir in scalars], gates, [act_gate[ir.p] for _, ir in gates],
                         gated)
        irreps_out = self.gate.irreps_in
        # uvu tensor product: every channel of the input times every spherical harmonic
        mid: list[tuple[int, o3.Irrep]] = []
        instructions = []
        for i, (mul, ir_in) in enumerate(irreps_in):
            for j, (_, ir_sh) in enumerate(irreps_sh):
                for ir_out in ir_in * ir_sh:
                    if ir_out in irreps_out:
                        instructions.append((i, j, len(mid), "uvu", True))
                        mid.append((mul, ir_out))
        irreps_mid = o3.Irreps(mid)
        irreps_mid, perm, _ = irreps_mid.sort()
        instructions = [(a, b, perm[c], mode, w) for a, b, c, mode, w in instructions]
        self.linear_1 = o3.Linear(irreps_in, irreps_in)
        tp = o3.TensorProduct(irreps_in, irreps_sh, irreps_mid, instructions, shared_weights=False,
                              internal_weights=False)
        if cfg.fused:
            from ._fused import FusedUVU

            self.tp = FusedUVU(irreps_in, irreps_sh, irreps_mid, instructions,
                               [ins.path_weight for ins in tp.instructions])
        else:
            self.tp = tp
        self.radial = FullyConnectedNet([cfg.n_basis] + cfg.radial_layers * [cfg.radial_hidden] + [self.tp.weight_numel],
                                        torch.nn.functional.silu)
        self.linear_2 = o3.Linear(irreps_mid.simplify(), irreps_out)
        self.self_connection = o3.FullyConnectedTensorProduct(irreps_in, o3.Irreps(f"{n_species}x0e"), irreps_out)
        self.irreps_out = self.gate.irreps_out
        self.residual = self.irreps_out == irreps_in

    def forward(self, h: torch.Tensor, onehot: torch.Tensor, sh: torch.Tensor, edge_basis: torch.Tensor,
                src: torch.Tensor, dst: torch.Tensor) -> torch.Tensor:
        x = self.linear_1(h)
        messages = self.tp(x[src], sh, self.radial(edge_basis))
        agg = torch.zeros(h.shape[0], messages.shape[1], dtype=h.dtype, device=h.device)
        agg = agg.index_add(0, dst, messages) / math.sqrt(self.avg_neighbours)
        out = self.gate(self.linear_2(agg) + self.self_connection(h, onehot))
        return h + out if self.residual else out


class NequIPNet(nn.Module):
    """The network: species, positions and neighbour pairs in, per-atom energies out.

    ``forward`` takes the pairs as ``(center, neighbour, cell shift)`` and returns the per-atom
    energies and the per-frame totals; derivatives are taken by the caller
    (:meth:`~matterlearn.mlip.nequip.NequIPPotential.compute`).
    """

    def __init__(self, cfg: NequIPConfig) -> None:
        super().__init__()
        self.cfg = cfg
        n_species = len(cfg.species)
        self.n_species = n_species
        irreps_sh = sh_irreps(cfg)
        irreps_hidden = hidden_irreps(cfg)
        mul0 = irreps_hidden.count("0e") or irreps_hidden.count("0o") or 16
        self.embedding = nn.Linear(n_species, mul0, bias=False)
        self.sh = o3.SphericalHarmonics(irreps_sh, normalize=True, normalization="component")
        self.basis = BesselBasis(cfg.r_max, cfg.n_basis)
        irreps = o3.Irreps(f"{mul0}x0e")
        blocks = []
        for _ in range(cfg.layers):
            block = Interaction(irreps, irreps_hidden, irreps_sh, n_species, cfg)
            blocks.append(block)
            irreps = block.irreps_out
        self.blocks = nn.ModuleList(blocks)
        self.readout_1 = o3.Linear(irreps, o3.Irreps(f"{cfg.readout_hidden}x0e"))
        self.readout_2 = o3.Linear(o3.Irreps(f"{cfg.readout_hidden}x0e"), o3.Irreps("1x0e"))
        self.scale = nn.Parameter(torch.ones(n_species))
        self.shift = nn.Parameter(torch.zeros(n_species))

    def forward(self, species: torch.Tensor, vec: torch.Tensor, src: torch.Tensor, dst: torch.Tensor
                ) -> torch.Tensor:
        """Per-atom energies (eV) from species indices and the pair vectors ``r_j - r_i``
        (``dst`` = i, the atom that receives the message, ``src`` = j)."""
        onehot = torch.nn.functional.one_hot(species, self.n_species).to(vec.dtype)
        r = torch.linalg.norm(vec, dim=1)
        sh = self.sh(vec)
        edge_basis = self.basis(r) * polynomial_envelope(r, self.cfg.r_max, self.cfg.envelope_p)[:, None]
        h = self.embedding(onehot)
        for block in self.blocks:
            h = block(h, onehot, sh, edge_basis, src, dst)
        e = self.readout_2(torch.nn.functional.silu(self.readout_1(h)))[:, 0]
        return self.scale[species] * e + self.shift[species]


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())

