"""A fused form of e3nn's ``uvu`` tensor product with per-edge weights, for the convolutions.

For every input irrep block ``x`` (channels ``u``, components ``i``), all its paths to output
irreps are done at once: the spherical harmonics ``Y`` of each edge are contracted with the
Wigner 3j symbols first, ``T[e, i, k] = sum_j Y[e, j] C[j, i, k]`` (a matrix product with the
channels left out), then ``out[e, u, k] = x[e, u, i] T[e, i, k]`` is one batched matrix product
and the per-edge, per-channel weights multiply the result. It computes exactly what
``e3nn.o3.TensorProduct`` computes for the same instructions and weights (the tests compare the
two to 1e-12 in float64) with a few large operations instead of many small ones. Measured on
one core (16 channels, l_max 1, 160 atoms, 6,390 edges, a training step with the forces' double
backward) it is not faster than e3nn's (0.28 s against 0.23 s), so it is off by default; the
elementwise products of the step, not the tensor product's layout, dominate.
"""

from __future__ import annotations

import torch
from e3nn import o3
from torch import nn

__all__ = ["FusedUVU"]


class FusedUVU(nn.Module):
    """``out = TP_uvu(x, y; w)`` for a ``y`` with multiplicity one per irrep (spherical harmonics).

    Parameters
    ----------
    irreps_in1, irreps_in2, irreps_out : e3nn irreps
    instructions : list of ``(i_in1, i_in2, i_out, "uvu", True)``
        As for ``e3nn.o3.TensorProduct``; every output block receives one instruction.
    path_weights : list of float
        The normalisation of each instruction (``TensorProduct.instructions[k].path_weight``).
    """

    def __init__(self, irreps_in1: o3.Irreps, irreps_in2: o3.Irreps, irreps_out: o3.Irreps,
                 instructions: list[tuple], path_weights: list[float]) -> None:
        super().__init__()
        self.irreps_in1, self.irreps_in2, self.irreps_out = irreps_in1, irreps_in2, irreps_out
        if any(mul != 1 for mul, _ in irreps_in2):
            raise ValueError("the second input must have multiplicity one per irrep")
        targets = [ins[2] for ins in instructions]
        if len(set(targets)) != len(targets):
            raise ValueError("every output block must receive exactly one instruction")
        self.in1_slices = [(s.start, s.stop) for s in irreps_in1.slices()]
        in2_slices = irreps_in2.slices()
        out_slices = irreps_out.slices()
        self.weight_numel = 0
        self.groups: list[dict] = []
        # the weight layout is e3nn's: instruction by instruction, mul_in1 weights each
        w_offsets = []
        for ins in instructions:
            w_offsets.append(self.weight_numel)
            self.weight_numel += irreps_in1[ins[0]].mul
        for i1, (mul1, ir1) in enumerate(irreps_in1):
            mine = [(k, ins) for k, ins in enumerate(instructions) if ins[0] == i1]
            if not mine:
                continue
            d_total = sum(irreps_out[ins[2]].ir.dim for _, ins in mine)
            C = torch.zeros(irreps_in2.dim, ir1.dim, d_total, dtype=torch.float64)
            parts = []
            col = 0
            for k, ins in mine:
                ir2 = irreps_in2[ins[1]].ir
                ir_out = irreps_out[ins[2]].ir
                w3j = o3.wigner_3j(ir1.l, ir2.l, ir_out.l, dtype=torch.float64)  # (i, j, k)
                sl = in2_slices[ins[1]]
                C[sl.start:sl.stop, :, col:col + ir_out.dim] = path_weights[k] * w3j.permute(1, 0, 2)
                parts.append((col, col + ir_out.dim, out_slices[ins[2]].start, w_offsets[k]))
                col += ir_out.dim
            name = f"cg_{i1}"
            self.register_buffer(name, C.reshape(irreps_in2.dim, ir1.dim * d_total))
            self.groups.append({"i1": i1, "mul": mul1, "dim": ir1.dim, "d_total": d_total, "cg": name,
                                "parts": parts})

    def forward(self, x: torch.Tensor, y: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        blocks: list[tuple[int, torch.Tensor]] = []
        for g in self.groups:
            a, b = self.in1_slices[g["i1"]]
            mul, dim, d_total = g["mul"], g["dim"], g["d_total"]
            xi = x[:, a:b].reshape(n, mul, dim)
            T = (y @ getattr(self, g["cg"])).reshape(n, dim, d_total)
            prod = torch.bmm(xi, T) if dim > 1 else xi * T  # (n, mul, d_total)
            for c0, c1, out_start, w0 in g["parts"]:
                blk = prod[:, :, c0:c1] * weight[:, w0:w0 + mul, None]
                blocks.append((out_start, blk.reshape(n, -1)))
        blocks.sort(key=lambda t: t[0])
        return torch.cat([blk for _, blk in blocks], dim=1)
