"""CGCNN: invariances of the crystal-graph network, learning, determinism, saving, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

from matterlearn.errors import DataFormatError, ParameterError
from matterlearn.features import crystal_graph
from matterlearn.regress import CGCNN, element_embedding, load_model, save_model


def _alloys(n: int, seed: int = 0) -> tuple[list, np.ndarray]:
    """fcc Cu-Au-Ag cells with random occupations; target: the mean atomic number scaled."""
    rng = np.random.default_rng(seed)
    frames, y = [], []
    for _ in range(n):
        a = bulk("Cu", "fcc", a=3.8, cubic=True).repeat((1, 1, 2))
        a.symbols = list(rng.choice(["Cu", "Au", "Ag"], size=len(a)))
        a.set_cell(a.cell * rng.uniform(0.98, 1.02), scale_atoms=True)
        frames.append(a)
        y.append(a.numbers.mean() / 10.0)
    return frames, np.array(y)


def other_descriptions(a: Atoms) -> list[Atoms]:
    """The same crystal described otherwise: rotated, atoms reordered, translated, doubled cell."""
    rot = a.copy()
    rot.rotate(37, "x", rotate_cell=True)
    rot.rotate(71, "z", rotate_cell=True)
    perm = a[np.random.default_rng(2).permutation(len(a))]
    shifted = a.copy()
    shifted.translate([0.3, -0.2, 0.9])
    shifted.wrap()
    return [rot, perm, shifted, a.repeat((2, 1, 1))]


@pytest.fixture(scope="module")
def fitted() -> tuple[CGCNN, list, np.ndarray]:
    frames, y = _alloys(80)
    model = CGCNN(epochs=60, patience=60, atom_fea_len=32, h_fea_len=32, n_models=1, seed=1).fit(frames[:60], y[:60])
    return model, frames, y


def test_element_embedding() -> None:
    e = element_embedding()
    assert e.shape == (119, 22 + 27) and np.isfinite(e).all()
    assert (e[0] == 0).all() and (e[1:, 22:].sum(axis=1) == 2).all()  # one group, one period


def test_learns_and_generalises(fitted) -> None:  # type: ignore[no-untyped-def]
    model, frames, y = fitted
    pred = model.predict(frames[60:])
    mad = np.mean(np.abs(y[60:] - y[:60].mean()))
    assert np.mean(np.abs(pred - y[60:])) < 0.35 * mad
    assert model.n_epochs_ == 60 and len(model.history_[0]) == 60


def test_invariances(fitted) -> None:  # type: ignore[no-untyped-def]
    """Same crystal, other description: rotated, atoms reordered, translated, doubled cell."""
    model, frames, _ = fitted
    a = frames[61]
    ref = model.predict([a])[0]
    variants = other_descriptions(a)
    assert model.predict(variants) == pytest.approx(np.full(4, ref), abs=1e-5)


def test_deterministic_by_seed() -> None:
    frames, y = _alloys(30, seed=3)
    kw = dict(epochs=5, atom_fea_len=16, h_fea_len=16, n_models=1, seed=7)
    p1 = CGCNN(**kw).fit(frames, y).predict(frames)
    p2 = CGCNN(**kw).fit(frames, y).predict(frames)
    p3 = CGCNN(**{**kw, "seed": 8}).fit(frames, y).predict(frames)
    assert np.array_equal(p1, p2) and not np.allclose(p1, p3)


def test_ensemble_averages_its_members() -> None:
    frames, y = _alloys(30, seed=6)
    kw = dict(epochs=4, atom_fea_len=16, h_fea_len=16, seed=3)
    single = CGCNN(n_models=1, **kw).fit(frames, y)
    pair = CGCNN(n_models=2, **kw).fit(frames, y)
    assert len(pair.nets_) == 2 and pair.n_epochs_ == 8
    graphs = [crystal_graph(a) for a in frames]
    members = [pair._raw(graphs, net) for net in pair.nets_]
    assert np.allclose(members[0], single._raw(graphs))  # member 0 is the single model
    assert np.allclose(pair.predict(frames), np.mean(members, axis=0) * pair.y_std_ + pair.y_mean_)


def test_early_stopping_keeps_the_best_epoch() -> None:
    frames, y = _alloys(30, seed=4)
    model = CGCNN(epochs=40, patience=3, atom_fea_len=16, h_fea_len=16, lr=0.05, n_models=1).fit(frames, y)
    errors = [h[2] for h in model.history_[0]]
    assert model.n_epochs_ < 40  # stopped early
    assert model.best_val_error_ == pytest.approx(min(errors))
    assert errors.index(min(errors)) == model.n_epochs_ - 1 - 3


def test_classifier() -> None:
    frames, _ = _alloys(150, seed=5)
    n_au = np.array([(a.numbers == 79).sum() for a in frames])
    keep = (n_au <= 2) | (n_au >= 4)  # label: gold-rich or gold-poor, nothing in between
    frames = [a for a, k in zip(frames, keep) if k][:60]
    label = (n_au[keep][:60] >= 4).astype(float)
    model = CGCNN(task="classification", epochs=60, patience=60, atom_fea_len=16, h_fea_len=16, n_models=1)
    p = model.fit(frames, label).predict_proba(frames)
    assert p.shape == (len(frames), 2) and np.allclose(p.sum(axis=1), 1) and ((p >= 0) & (p <= 1)).all()
    assert np.mean((p[:, 1] > 0.5) == label) > 0.8
    assert set(model.predict(frames)) <= {0.0, 1.0}
    with pytest.raises(DataFormatError, match="targets 0 and 1"):
        CGCNN(task="classification").fit(frames, n_au[keep][:60])


def test_save_and_load(fitted, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model, frames, _ = fitted
    path = tmp_path / "m.pt"
    save_model(path, model, {"features": "structure", "target": "y", "task": "regression", "model": "cgcnn"})
    loaded, recipe = load_model(path)
    assert recipe["model"] == "cgcnn" and recipe["target"] == "y"
    assert np.array_equal(loaded.predict(frames[60:]), model.predict(frames[60:]))


def test_bad_input() -> None:
    with pytest.raises(DataFormatError, match="entry 1: CGCNN needs a crystal structure"):
        CGCNN(epochs=1).fit([bulk("Cu"), "CuAu"] * 6, np.zeros(12))
    with pytest.raises(ParameterError, match="not fitted"):
        CGCNN().predict([bulk("Cu")])
    with pytest.raises(ParameterError, match="no parameter"):
        CGCNN().set_params(depth=3)
