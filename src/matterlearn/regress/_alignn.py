"""ALIGNN, the atomistic line graph neural network, on PyTorch (no DGL), as a scikit-learn style
estimator over crystal structures.

Two graphs per crystal: the crystal graph (atoms; an edge to each of the ``max_neighbors``
nearest neighbours within ``cutoff``, with the bond length expanded in Gaussians) and its line
graph (bonds; an edge between every two bonds that share an atom, with the cosine of the bond
angle expanded in Gaussians). An ALIGNN layer runs an edge-gated graph convolution on the line
graph, which updates the bond and angle features, and then one on the crystal graph, which
updates the atom and bond features; plain edge-gated convolutions on the crystal graph follow.
The atoms are averaged into one crystal vector and a small network maps it to the property (or
to the logit of class 1).

The edge-gated graph convolution (Bresson & Laurent; Dwivedi et al.), for node i, its
neighbours j and edge features e_ij::

    m_ij  = A h_i + B h_j + C e_ij,     s_ij = sigmoid(m_ij)
    h_i  <- h_i + SiLU(BN(U h_i + sum_j s_ij * (V h_j) / (sum_j s_ij + eps)))
    e_ij <- e_ij + SiLU(BN(m_ij))

Training, early stopping, ensembles, saving and the command line are CGCNN's.

References
----------
K. Choudhary, B. DeCost, Atomistic line graph neural network for improved materials property
predictions, npj Comput. Mater. 7, 185 (2021), doi:10.1038/s41524-021-00650-1.
X. Bresson, T. Laurent, Residual gated graph ConvNets, arXiv:1711.07553 (2017).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import DataFormatError, ParameterError
from ._cgcnn import CGCNN

__all__ = ["ALIGNN", "line_graph"]

_LINE_KEYS = ("numbers", "edge_index", "distance", "triplets", "cos_angle")


def line_graph(atoms: Any, cutoff: float = 8.0, max_neighbors: int = 12,
               angle_neighbors: int | None = None) -> dict[str, np.ndarray]:
    """The crystal graph of ``atoms`` and its line graph.

    ``angle_neighbors`` (default: all ``max_neighbors``) limits the line graph to the bonds of each
    atom to its nearest ``angle_neighbors`` neighbours: the angles of the first shells, at a
    fraction of the cost (8 of 12 bonds: 56 instead of 132 angles per atom). Both counts keep
    ties: a neighbour as near as the last one counted is kept too, so no shell is cut in two.

    Returns
    -------
    dict
        ``numbers`` (n_atoms,); ``edge_index`` (2, n_edges) as (centre, neighbour), each centre's
        edges nearest first, periodic images included (at least ``max_neighbors`` per centre where
        the cutoff holds that many, more where a shell is tied); ``distance`` (n_edges,) in Å; ``triplets``
        (2, n_triplets), pairs of distinct edges with the same centre (every ordered pair); and
        ``cos_angle`` (n_triplets,), the cosine of the angle between the two bonds at the centre.
    """
    from ase.neighborlist import neighbor_list

    i, j, d, D = neighbor_list("ijdD", atoms, cutoff, self_interaction=False)
    order = np.lexsort((d, i))
    i, j, d, D = i[order], j[order], d[order], D[order]
    keep = _nearest(i, d, len(atoms), max_neighbors)
    i, j, d, D = i[keep], j[keep], d[keep], D[keep]
    # each centre's edges are contiguous, nearest first: pair every two distinct edges of a centre
    # among its nearest ``angle_neighbors``
    first = np.searchsorted(i, np.arange(len(atoms)))
    inner = np.flatnonzero(_nearest(i, d, len(atoms), max_neighbors if angle_neighbors is None else angle_neighbors))
    counts = np.bincount(i[inner], minlength=len(atoms))[i[inner]]
    e1 = np.repeat(inner, counts)
    within = np.arange(len(e1)) - np.repeat(np.cumsum(counts) - counts, counts)
    e2 = first[i[e1]] + within
    distinct = e1 != e2
    e1, e2 = e1[distinct], e2[distinct]
    cos = np.einsum("ij,ij->i", D[e1], D[e2]) / (d[e1] * d[e2])
    return {"numbers": np.asarray(atoms.numbers), "edge_index": np.vstack([i, j]), "distance": d,
            "triplets": np.vstack([e1, e2]).astype(np.int64), "cos_angle": np.clip(cos, -1.0, 1.0)}


def _nearest(i: np.ndarray, d: np.ndarray, n_atoms: int, k: int) -> np.ndarray:
    """Mask of the edges (sorted by centre, then distance) to each centre's ``k`` nearest
    neighbours, ties included: every neighbour as near as the k-th (to 1e-4 relative) is kept, so
    that a shell is never cut in two and the graph does not depend on the order of the atoms."""
    first = np.searchsorted(i, np.arange(n_atoms))
    degree = np.bincount(i, minlength=n_atoms)
    kth = first + np.minimum(degree, k) - 1
    limit = np.where(degree > 0, d[np.clip(kth, 0, max(len(d) - 1, 0))], 0.0) if len(d) else np.zeros(n_atoms)
    return d <= limit[i] * (1 + 1e-4)


def _as_line_graphs(X: Sequence[Any], cutoff: float, max_neighbors: int,
                    angle_neighbors: int | None) -> list[dict[str, np.ndarray]]:
    from ase import Atoms

    out = []
    for k, x in enumerate(X):
        if isinstance(x, dict) and all(key in x for key in _LINE_KEYS):
            out.append(x)
        elif isinstance(x, Atoms):
            out.append(line_graph(x, cutoff, max_neighbors, angle_neighbors))
        else:
            raise DataFormatError(f"entry {k}: ALIGNN needs a crystal structure (ase.Atoms) or a "
                                  f"line graph, not {type(x).__name__}; use --features structure")
        if len(out[-1]["distance"]) == 0:
            raise DataFormatError(f"entry {k}: no neighbour within {cutoff} Å; is the cell right?")
    return out


def _build_alignn(n_in: int, n_gauss: int, n_angle: int, hidden: int, n_alignn: int, n_gcn: int) -> Any:
    import torch
    from torch import nn

    silu = nn.functional.silu

    class EdgeGatedConv(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.src_gate = nn.Linear(hidden, hidden)
            self.dst_gate = nn.Linear(hidden, hidden, bias=False)
            self.edge_gate = nn.Linear(hidden, hidden, bias=False)
            self.src_update = nn.Linear(hidden, hidden)
            self.dst_update = nn.Linear(hidden, hidden, bias=False)
            self.bn_nodes = nn.BatchNorm1d(hidden)
            self.bn_edges = nn.BatchNorm1d(hidden)

        def forward(self, h: torch.Tensor, e: torch.Tensor, src: torch.Tensor,
                    dst: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            m = self.src_gate(h)[src] + self.dst_gate(h)[dst] + self.edge_gate(e)
            s = torch.sigmoid(m)
            num = torch.zeros_like(h).index_add_(0, src, s * self.dst_update(h)[dst])
            den = torch.zeros_like(h).index_add_(0, src, s)
            h_new = self.src_update(h) + num / (den + 1e-6)
            return h + silu(self.bn_nodes(h_new)), e + silu(self.bn_edges(m))

    def mlp(n: int) -> nn.Module:
        return nn.Sequential(nn.Linear(n, hidden), nn.BatchNorm1d(hidden), nn.SiLU(),
                             nn.Linear(hidden, hidden))

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.atoms = nn.Linear(n_in, hidden)
            self.bonds = mlp(n_gauss)
            self.angles = mlp(n_angle)
            self.line_convs = nn.ModuleList([EdgeGatedConv() for _ in range(n_alignn)])
            self.atom_convs = nn.ModuleList([EdgeGatedConv() for _ in range(n_alignn + n_gcn)])
            self.fc = nn.Linear(hidden, hidden)
            self.out = nn.Linear(hidden, 1)

        def forward(self, x: torch.Tensor, src: torch.Tensor, dst: torch.Tensor, rbf: torch.Tensor,
                    t1: torch.Tensor, t2: torch.Tensor, abf: torch.Tensor, graph: torch.Tensor,
                    n_graphs: int) -> torch.Tensor:
            h, e, t = self.atoms(x), self.bonds(rbf), self.angles(abf)
            for k, conv in enumerate(self.atom_convs):
                if k < len(self.line_convs):  # an ALIGNN layer: the line graph first
                    e, t = self.line_convs[k](e, t, t1, t2)
                h, e = conv(h, e, src, dst)
            counts = torch.zeros(n_graphs, dtype=h.dtype).index_add_(0, graph, torch.ones_like(graph, dtype=h.dtype))
            pooled = torch.zeros(n_graphs, h.shape[1], dtype=h.dtype).index_add_(0, graph, h) / counts[:, None]
            return self.out(silu(self.fc(pooled))).squeeze(1)

    return Net()


class ALIGNN(CGCNN):
    """ALIGNN regressor or classifier with the interface of :class:`~matterlearn.regress.CGCNN`
    (``fit``, ``predict``, ``predict_proba``, ``predict_std``, ensembles, early stopping).

    Parameters
    ----------
    task : {"regression", "classification"}
    hidden : int
        Width of the atom, bond and angle features (256 in the paper; 64 trains on a CPU).
    n_alignn, n_gcn : int
        ALIGNN layers (line graph, then crystal graph), then edge-gated convolutions on the crystal
        graph alone (4 and 4 in the paper).
    angle_neighbors : int or None
        The line graph holds the bonds of each atom to its nearest ``angle_neighbors`` neighbours
        (None: all ``max_neighbors``, as in the paper; 8 trains 2.4 times fewer angles).
    n_gaussians, n_angle_gaussians : int
        Gaussians of the bond length (0 to ``cutoff``) and of the angle's cosine (-1 to 1).
    The training schedule, the graph (``cutoff``, ``max_neighbors``), ``loss``, ``n_models`` and
    ``seed`` are CGCNN's.
    """

    _kind = "alignn"
    _PARAMS = ("task", "hidden", "n_alignn", "n_gcn", "epochs", "batch_size", "lr", "weight_decay",
               "patience", "val_fraction", "cutoff", "max_neighbors", "angle_neighbors", "n_gaussians",
               "n_angle_gaussians",
               "loss", "n_models", "seed")

    def __init__(self, task: str = "regression", hidden: int = 64, n_alignn: int = 2, n_gcn: int = 2,
                 epochs: int = 300, batch_size: int = 32, lr: float = 2e-3, weight_decay: float = 1e-5,
                 patience: int = 30, val_fraction: float = 0.15, cutoff: float = 8.0,
                 max_neighbors: int = 12, angle_neighbors: int | None = 8, n_gaussians: int = 40,
                 n_angle_gaussians: int = 20,
                 loss: str = "mse", n_models: int = 3, seed: int = 0) -> None:
        super().__init__(task=task, epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                         patience=patience, val_fraction=val_fraction, cutoff=cutoff,
                         max_neighbors=max_neighbors, n_gaussians=n_gaussians, loss=loss,
                         n_models=n_models, seed=seed)
        for name, value in (("hidden", hidden), ("n_alignn", n_alignn), ("n_angle_gaussians", n_angle_gaussians)):
            if value < 1:
                raise ParameterError(f"ALIGNN: {name} must be at least 1, not {value}")
        if n_gcn < 0:
            raise ParameterError(f"ALIGNN: n_gcn must be 0 or more, not {n_gcn}")
        self.hidden = hidden
        self.n_alignn = n_alignn
        self.n_gcn = n_gcn
        self.n_angle_gaussians = n_angle_gaussians
        self.angle_neighbors = angle_neighbors

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._PARAMS}

    def _graphs(self, X: Sequence[Any]) -> list[dict[str, np.ndarray]]:
        return _as_line_graphs(X, self.cutoff, self.max_neighbors, self.angle_neighbors)

    def _new_net(self) -> Any:
        return _build_alignn(self._embedding.shape[1], self.n_gaussians, self.n_angle_gaussians,
                             self.hidden, self.n_alignn, self.n_gcn)

    def _tensors(self, graphs: Sequence[dict[str, np.ndarray]], idx: np.ndarray) -> tuple[Any, ...]:
        import torch

        from ..features import gaussian_expansion

        numbers, src, dst, dist, t1, t2, cos, graph = [], [], [], [], [], [], [], []
        atoms = edges = 0
        for g_id, k in enumerate(idx):
            g = graphs[k]
            numbers.append(g["numbers"])
            src.append(g["edge_index"][0] + atoms)
            dst.append(g["edge_index"][1] + atoms)
            dist.append(g["distance"])
            t1.append(g["triplets"][0] + edges)
            t2.append(g["triplets"][1] + edges)
            cos.append(g["cos_angle"])
            graph.append(np.full(len(g["numbers"]), g_id))
            atoms += len(g["numbers"])
            edges += len(g["distance"])
        rbf = gaussian_expansion(np.concatenate(dist), self.cutoff, self.n_gaussians, self.cutoff / self.n_gaussians)
        centres = np.linspace(-1.0, 1.0, self.n_angle_gaussians)
        width = 2.0 / self.n_angle_gaussians
        abf = np.exp(-((np.concatenate(cos)[:, None] - centres[None, :]) ** 2) / width**2)

        def f32(a: np.ndarray) -> torch.Tensor:
            return torch.as_tensor(a, dtype=torch.float32)

        def i64(parts: list[np.ndarray]) -> torch.Tensor:
            return torch.as_tensor(np.concatenate(parts), dtype=torch.long)

        return (f32(self._embedding[np.concatenate(numbers)]), i64(src), i64(dst), f32(rbf),
                i64(t1), i64(t2), f32(abf), i64(graph), len(idx))
