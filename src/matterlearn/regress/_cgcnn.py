"""The crystal graph convolutional neural network (CGCNN) on PyTorch, as a scikit-learn style
estimator over crystal structures.

Each atom starts from a vector of element properties; three gated graph convolutions pass
messages along the edges of the crystal graph (12 nearest neighbours within 8 Å, distances
expanded in Gaussians); the atoms are averaged into one crystal vector and a small network
maps it to the property (regression) or to the logit of class 1 (classification).

The convolution is the one of Xie & Grossman: for atom i and each neighbour j with edge
features u_ij, z = [v_i, v_j, u_ij] and

    v_i <- softplus(v_i + BN(sum_j sigmoid(BN(z W_f + b_f)) * softplus(BN(z W_s + b_s)))).

Training: Adam on the mean squared error of the standardised target (regression) or the
binary cross-entropy (classification), on a seeded inner split of the training data; the
weights of the epoch with the lowest validation error are kept (early stopping).

References
----------
T. Xie, J. C. Grossman, Phys. Rev. Lett. 120, 145301 (2018), doi:10.1103/PhysRevLett.120.145301.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataFileNotFoundError, DataFormatError, ParameterError

__all__ = ["CGCNN", "element_embedding", "load_cgcnn", "save_cgcnn"]

CGCNN_SCHEMA = 1
_GRAPH_KEYS = ("numbers", "edge_index", "distance")


def element_embedding() -> np.ndarray:
    """Starting atom features, one row per atomic number 0..118 (row 0 unused): the 22 Magpie
    element properties standardised over the elements, plus one-hot group (18) and period (9)."""
    from ..features import MAGPIE_PROPERTIES, element_table

    table = element_table()
    props = np.column_stack([table[p] for p in MAGPIE_PROPERTIES])  # (118, 22)
    props = (props - props.mean(axis=0)) / np.where(props.std(axis=0) > 0, props.std(axis=0), 1.0)
    group = np.clip(np.round(table["Column"]).astype(int), 1, 18)
    period = np.clip(np.round(table["Row"]).astype(int), 1, 9)
    onehot = np.zeros((118, 27))
    onehot[np.arange(118), group - 1] = 1.0
    onehot[np.arange(118), 18 + period - 1] = 1.0
    out = np.zeros((119, props.shape[1] + 27))
    out[1:] = np.hstack([props, onehot])
    return out


def _as_graphs(X: Sequence[Any], cutoff: float, max_neighbors: int) -> list[dict[str, np.ndarray]]:
    """Crystal graphs (dicts from :func:`~matterlearn.features.crystal_graph`) of ``X``, which
    holds graphs or ASE Atoms."""
    from ase import Atoms

    from ..features import crystal_graph

    out = []
    for k, x in enumerate(X):
        if isinstance(x, dict) and all(key in x for key in _GRAPH_KEYS):
            out.append(x)
        elif isinstance(x, Atoms):
            out.append(crystal_graph(x, cutoff=cutoff, max_neighbors=max_neighbors))
        else:
            raise DataFormatError(f"entry {k}: CGCNN needs a crystal structure (ase.Atoms) or a "
                                  f"crystal graph, not {type(x).__name__}; use --features structure")
        if len(out[-1]["distance"]) == 0:
            raise DataFormatError(f"entry {k}: no neighbour within {cutoff} Å; is the cell right?")
    return out


def _build_net(n_in: int, n_gauss: int, atom_fea_len: int, n_conv: int, h_fea_len: int) -> Any:
    import torch
    from torch import nn

    class ConvLayer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            # [v_i, v_j, u_ij] W = v_i W_i + v_j W_j + u_ij W_u: the atom parts are multiplied
            # per atom, then gathered onto the edges (a quarter of the work of the concatenation)
            self.fc_self = nn.Linear(atom_fea_len, 2 * atom_fea_len)
            self.fc_nbr = nn.Linear(atom_fea_len, 2 * atom_fea_len, bias=False)
            self.fc_edge = nn.Linear(n_gauss, 2 * atom_fea_len, bias=False)
            self.bn_gate = nn.BatchNorm1d(2 * atom_fea_len)
            self.bn_sum = nn.BatchNorm1d(atom_fea_len)

        def forward(self, v: torch.Tensor, src: torch.Tensor, dst: torch.Tensor,
                    e: torch.Tensor) -> torch.Tensor:
            z = self.bn_gate(self.fc_self(v)[src] + self.fc_nbr(v)[dst] + self.fc_edge(e))
            gate, core = z.chunk(2, dim=1)
            msg = torch.sigmoid(gate) * nn.functional.softplus(core)
            s = torch.zeros_like(v).index_add_(0, src, msg)
            return nn.functional.softplus(v + self.bn_sum(s))

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Linear(n_in, atom_fea_len)
            self.convs = nn.ModuleList([ConvLayer() for _ in range(n_conv)])
            self.fc = nn.Linear(atom_fea_len, h_fea_len)
            self.out = nn.Linear(h_fea_len, 1)

        def forward(self, x: torch.Tensor, src: torch.Tensor, dst: torch.Tensor, e: torch.Tensor,
                    graph: torch.Tensor, n_graphs: int) -> torch.Tensor:
            v = self.embed(x)
            for conv in self.convs:
                v = conv(v, src, dst, e)
            counts = torch.zeros(n_graphs, dtype=v.dtype).index_add_(
                0, graph, torch.ones_like(graph, dtype=v.dtype))
            pooled = torch.zeros(n_graphs, v.shape[1], dtype=v.dtype).index_add_(0, graph, v)
            pooled = pooled / counts[:, None]
            h = nn.functional.softplus(self.fc(nn.functional.softplus(pooled)))
            return self.out(h).squeeze(1)

    return Net()


class CGCNN:
    """CGCNN regressor or classifier with the scikit-learn interface (``fit``, ``predict``,
    ``predict_proba``) over sequences of ASE Atoms or precomputed crystal graphs.

    Parameters
    ----------
    task : {"regression", "classification"}
    atom_fea_len, n_conv, h_fea_len : int
        Width of the atom vectors, number of convolutions, width of the hidden layer after
        pooling (64, 3, 128 in the paper).
    epochs, batch_size, lr, weight_decay : training schedule (Adam).
    patience : int
        Stop when the validation error has not improved for this many epochs.
    val_fraction : float
        Part of the training data held out for early stopping (stratified for classifiers).
    cutoff, max_neighbors, n_gaussians : the crystal graph.
    loss : {"mse", "l1"}
        Regression loss on the standardised target (the paper: mean squared error).
    n_models : int
        Ensemble size: each member has its own seed and inner split; predictions are averaged.
    seed : int
        Seeds the split, the initial weights and the batch order: two fits with the same seed
        and data give the same model.
    """

    def __init__(self, task: str = "regression", atom_fea_len: int = 64, n_conv: int = 3,
                 h_fea_len: int = 128, epochs: int = 300, batch_size: int = 64, lr: float = 3e-3,
                 weight_decay: float = 0.0, patience: int = 40, val_fraction: float = 0.15,
                 cutoff: float = 8.0, max_neighbors: int = 12, n_gaussians: int = 40,
                 loss: str = "mse", n_models: int = 5, seed: int = 0) -> None:
        if task not in ("regression", "classification"):
            raise ParameterError(f"task must be regression or classification, not {task!r}")
        self.task = task
        self.atom_fea_len = atom_fea_len
        self.n_conv = n_conv
        self.h_fea_len = h_fea_len
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.val_fraction = val_fraction
        self.cutoff = cutoff
        self.max_neighbors = max_neighbors
        self.n_gaussians = n_gaussians
        self.loss = loss
        self.n_models = n_models
        self.seed = seed

    # -- scikit-learn plumbing ------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "task", "atom_fea_len", "n_conv", "h_fea_len", "epochs", "batch_size", "lr",
            "weight_decay", "patience", "val_fraction", "cutoff", "max_neighbors", "n_gaussians",
            "loss", "n_models", "seed")}

    def set_params(self, **params: Any) -> CGCNN:
        for k, v in params.items():
            if k not in self.get_params():
                raise ParameterError(f"CGCNN has no parameter {k!r}")
            setattr(self, k, v)
        return self

    # -- the parts a graph network of another kind replaces ---------------------------------
    _kind = "cgcnn"

    def _graphs(self, X: Sequence[Any]) -> list[dict[str, np.ndarray]]:
        """The graphs of ``X`` (structures, or graphs already built)."""
        return _as_graphs(X, self.cutoff, self.max_neighbors)

    def _new_net(self) -> Any:
        return _build_net(self._embedding.shape[1], self.n_gaussians, self.atom_fea_len,
                          self.n_conv, self.h_fea_len)

    # -- batching -------------------------------------------------------------------------
    def _tensors(self, graphs: Sequence[dict[str, np.ndarray]], idx: np.ndarray) -> tuple[Any, ...]:
        import torch

        from ..features import gaussian_expansion

        numbers, src, dst, dist, graph = [], [], [], [], []
        offset = 0
        for g_id, k in enumerate(idx):
            g = graphs[k]
            n = len(g["numbers"])
            numbers.append(g["numbers"])
            src.append(g["edge_index"][0] + offset)
            dst.append(g["edge_index"][1] + offset)
            dist.append(g["distance"])
            graph.append(np.full(n, g_id))
            offset += n
        # expanded per batch from the distances (storing every graph's expansion costs memory)
        e = gaussian_expansion(np.concatenate(dist), self.cutoff, self.n_gaussians, self.cutoff / self.n_gaussians)
        x = self._embedding[np.concatenate(numbers)]
        return (torch.as_tensor(x, dtype=torch.float32),
                torch.as_tensor(np.concatenate(src), dtype=torch.long),
                torch.as_tensor(np.concatenate(dst), dtype=torch.long),
                torch.as_tensor(e, dtype=torch.float32),
                torch.as_tensor(np.concatenate(graph), dtype=torch.long), len(idx))

    def _outputs(self, graphs: Sequence[dict[str, np.ndarray]], nets: Sequence[Any]) -> np.ndarray:
        """Output (standardised target or logit) of each of ``nets`` for every graph, shape
        (len(nets), len(graphs)); every batch is built once for all networks."""
        import torch

        for n in nets:
            n.eval()
        out = np.zeros((len(nets), len(graphs)))
        with torch.no_grad():
            for start in range(0, len(graphs), 256):
                idx = np.arange(start, min(start + 256, len(graphs)))
                batch = self._tensors(graphs, idx)
                for k, n in enumerate(nets):
                    out[k, idx] = n(*batch).numpy()
        return out

    def _raw(self, graphs: Sequence[dict[str, np.ndarray]], net: Any = None) -> np.ndarray:
        """Mean output over the ensemble (or of ``net`` alone) for every graph."""
        return self._outputs(graphs, self.nets_ if net is None else [net]).mean(axis=0)

    # -- fit and predict ------------------------------------------------------------------
    def fit(self, X: Sequence[Any], y: Sequence[float],
            callback: Callable[[int, int, float, float], None] | None = None) -> CGCNN:
        """Train on structures (or graphs) ``X`` with targets ``y``; ``callback(member, epoch,
        train_loss, val_error)`` is called after every epoch."""
        graphs = self._graphs(X)
        y = np.asarray(y, dtype=float)
        if len(graphs) != len(y):
            raise DataFormatError(f"{len(graphs)} structures but {len(y)} targets")
        if len(y) < 10:
            raise DataFormatError(f"CGCNN needs at least 10 training structures, got {len(y)}")
        if self.task == "classification" and set(np.unique(y)) - {0.0, 1.0}:
            raise DataFormatError("a CGCNN classifier takes targets 0 and 1")
        if self.loss not in ("mse", "l1"):
            raise ParameterError(f"loss must be mse or l1, not {self.loss!r}")
        self._embedding = element_embedding()
        if self.task == "regression":
            self.y_mean_ = float(y.mean())
            self.y_std_ = float(y.std()) or 1.0
        else:
            self.y_mean_, self.y_std_ = 0.0, 1.0
        self.nets_, self.history_, best = [], [], []
        for member in range(self.n_models):
            net, history, err = self._fit_one(graphs, y, self.seed + 1000 * member,
                                              None if callback is None else
                                              (lambda e, lo, va, m=member: callback(m, e, lo, va)))
            self.nets_.append(net)
            self.history_.append(history)
            best.append(err)
        self.best_val_error_ = float(np.mean(best))
        self.n_epochs_ = int(sum(len(h) for h in self.history_))
        self.best_params_: dict[str, Any] = {"epochs_run": self.n_epochs_,
                                             "best_val_error": round(self.best_val_error_, 6)}
        return self

    def _fit_one(self, graphs: Sequence[dict[str, np.ndarray]], y: np.ndarray, seed: int,
                 callback: Callable[[int, float, float], None] | None) -> tuple[Any, list, float]:
        """One network: its own inner split (seeded), trained until the validation error has
        not improved for ``patience`` epochs; returns the weights of its best epoch."""
        import torch

        rng = np.random.default_rng(seed)
        torch.manual_seed(seed)
        n_val = max(2, int(round(self.val_fraction * len(y))))
        if self.task == "classification":
            from sklearn.model_selection import train_test_split

            tr, va = train_test_split(np.arange(len(y)), test_size=n_val, stratify=y, random_state=seed)
            target = y
            loss_fn: Any = torch.nn.BCEWithLogitsLoss()
        else:
            perm = rng.permutation(len(y))
            va, tr = perm[:n_val], perm[n_val:]
            target = (y - self.y_mean_) / self.y_std_
            loss_fn = torch.nn.MSELoss() if self.loss == "mse" else torch.nn.L1Loss()
        net = self._new_net()
        opt = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5,
                                                           patience=max(5, self.patience // 3))
        val_graphs = [graphs[k] for k in va]
        best, best_state, since = np.inf, None, 0
        history: list[tuple[int, float, float]] = []
        for epoch in range(self.epochs):
            net.train()
            order = rng.permutation(tr)
            total = 0.0
            for start in range(0, len(order), self.batch_size):
                idx = order[start:start + self.batch_size]
                if len(idx) < 2:  # batch norm needs two samples
                    continue
                pred = net(*self._tensors(graphs, idx))
                loss = loss_fn(pred, torch.as_tensor(target[idx], dtype=torch.float32))
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
            raw = self._raw(val_graphs, net)
            if self.task == "regression":
                err = float(np.mean(np.abs(raw - target[va]))) * self.y_std_
            else:
                p = 1.0 / (1.0 + np.exp(-raw))
                eps = 1e-7
                err = float(-np.mean(y[va] * np.log(p + eps) + (1 - y[va]) * np.log(1 - p + eps)))
            sched.step(err)
            history.append((epoch, total / len(tr), err))
            if callback is not None:
                callback(epoch, total / len(tr), err)
            if err < best - 1e-12:
                best, since = err, 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                since += 1
                if since >= self.patience:
                    break
        if best_state is not None:
            net.load_state_dict(best_state)
        net.eval()
        return net, history, float(best)

    def _check_fitted(self) -> None:
        if not hasattr(self, "nets_"):
            raise ParameterError("this CGCNN is not fitted yet; call fit first")

    def predict(self, X: Sequence[Any]) -> np.ndarray:
        """Predicted property (regression) or class (0/1) of each structure; an ensemble
        averages its members (their outputs for regression, their probabilities for classes)."""
        self._check_fitted()
        if self.task == "regression":
            return self._raw(self._graphs(X)) * self.y_std_ + self.y_mean_
        return (self.predict_proba(X)[:, 1] > 0.5).astype(float)

    def predict_std(self, X: Sequence[Any]) -> np.ndarray:
        """Standard deviation of the ensemble's members' predictions of each structure, in the
        target's unit (regression; zeros for a single network)."""
        self._check_fitted()
        if self.task != "regression":
            raise ParameterError("predict_std is for regressors")
        outs = self._outputs(self._graphs(X), self.nets_)
        return outs.std(axis=0) * self.y_std_

    def predict_proba(self, X: Sequence[Any]) -> np.ndarray:
        """Probabilities of classes 0 and 1, shape (n, 2) (classifiers only)."""
        self._check_fitted()
        if self.task != "classification":
            raise ParameterError("predict_proba is for classifiers")
        logits = self._outputs(self._graphs(X), self.nets_)
        p = np.mean(1.0 / (1.0 + np.exp(-logits)), axis=0)
        return np.column_stack([1.0 - p, p])


def save_cgcnn(path: str | os.PathLike[str], model: CGCNN, recipe: dict[str, Any]) -> None:
    """Write a fitted CGCNN as a torch file holding only tensors (its state_dict) and a JSON
    string (hyperparameters, target scaling, ``recipe``); loading never unpickles objects."""
    import torch

    from ..data import atomic_path

    model._check_fitted()
    config = {"schema_version": CGCNN_SCHEMA, "kind": model._kind, "params": model.get_params(),
              "y_mean": model.y_mean_, "y_std": model.y_std_, "recipe": recipe}
    with atomic_path(path) as tmp:
        torch.save({"config": json.dumps(config),
                    "state_dicts": [net.state_dict() for net in model.nets_]}, tmp)


def load_cgcnn(path: str | os.PathLike[str]) -> tuple[CGCNN, dict[str, Any]]:
    """Load a model written by :func:`save_cgcnn`, a CGCNN or an ALIGNN
    (``torch.load(weights_only=True)``)."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise DataFileNotFoundError(f"file '{path}' does not exist")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        config = json.loads(payload["config"])
    except Exception as exc:
        raise DataFormatError(f"file '{path}' is not a matterlearn CGCNN model ({exc})") from None
    if config.get("schema_version") != CGCNN_SCHEMA:
        raise DataFormatError(f"file '{path}': CGCNN schema_version {config.get('schema_version')}, "
                              f"this matterlearn reads {CGCNN_SCHEMA}; refit it")
    if config.get("kind") == "alignn":
        from ._alignn import ALIGNN

        model: CGCNN = ALIGNN(**config["params"])
    else:
        model = CGCNN(**config["params"])
    model._embedding = element_embedding()
    model.nets_ = []
    for state in payload["state_dicts"]:
        net = model._new_net()
        net.load_state_dict(state)
        net.eval()
        model.nets_.append(net)
    model.y_mean_, model.y_std_ = config["y_mean"], config["y_std"]
    return model, config["recipe"]
