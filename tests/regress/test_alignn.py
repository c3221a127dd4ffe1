"""ALIGNN: the line graph (angles counted and measured), invariances of the network, learning,
determinism, ensembles' spread, saving, and the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ase.build import bulk

from matterlearn.errors import DataFormatError, ParameterError
from matterlearn.regress import load_model, make_model, save_model
from matterlearn.regress._alignn import ALIGNN, line_graph

from .test_cgcnn import _alloys, other_descriptions


def test_line_graph_angles_of_cubic_lattices() -> None:
    """Simple cubic, 6 neighbours: per atom 6 x 5 ordered bond pairs, 6 opposite (cos -1) and 24
    at right angles. fcc, 12 neighbours: 132 pairs per atom, 12 at 180°, 48 at 120°, 24 at 90°,
    48 at 60°; asking for 8 bonds keeps the whole tied first shell."""
    g = line_graph(bulk("Po", "sc", a=2.0), cutoff=2.1, max_neighbors=6)
    values, counts = np.unique(np.round(g["cos_angle"], 9), return_counts=True)
    assert values.tolist() == [-1.0, 0.0] and counts.tolist() == [6, 24]
    g = line_graph(bulk("Cu", "fcc", a=3.6), cutoff=8.0, max_neighbors=12, angle_neighbors=8)
    values, counts = np.unique(np.round(g["cos_angle"], 9), return_counts=True)
    assert values.tolist() == [-1.0, -0.5, 0.0, 0.5] and counts.tolist() == [12, 48, 24, 48]
    # bcc: 12 neighbours asked, 8 + 6 kept (the second shell is not cut); 8 angle bonds: 56 pairs
    g = line_graph(bulk("Fe", "bcc", a=2.87), cutoff=8.0, max_neighbors=12, angle_neighbors=8)
    assert g["edge_index"].shape[1] == 14 and g["triplets"].shape[1] == 56
    # every pair shares its centre, and the cosine is that of the two bond vectors
    a = bulk("NaCl", "rocksalt", a=5.6).repeat((2, 1, 1))
    a.rattle(0.1, seed=0)
    g = line_graph(a, cutoff=6.0, max_neighbors=8)
    e1, e2 = g["triplets"]
    assert (g["edge_index"][0, e1] == g["edge_index"][0, e2]).all() and (e1 != e2).all()
    from ase.neighborlist import neighbor_list

    i, D = neighbor_list("iD", a, 6.0)
    k = np.random.default_rng(0).integers(len(e1))
    centre = g["edge_index"][0, e1[k]]
    vec = {round(float(d), 9): v for d, v in zip(np.linalg.norm(D, axis=1)[i == centre], D[i == centre])}
    u, w = vec[round(float(g["distance"][e1[k]]), 9)], vec[round(float(g["distance"][e2[k]]), 9)]
    assert g["cos_angle"][k] == pytest.approx(u @ w / np.linalg.norm(u) / np.linalg.norm(w), abs=1e-9)


@pytest.fixture(scope="module")
def fitted() -> tuple[ALIGNN, list, np.ndarray]:
    frames, y = _alloys(80)
    model = ALIGNN(epochs=40, patience=40, hidden=24, n_alignn=1, n_gcn=1, n_models=2, seed=1)
    return model.fit(frames[:60], y[:60]), frames, y


def test_learns_and_its_ensemble_spreads(fitted) -> None:  # type: ignore[no-untyped-def]
    model, frames, y = fitted
    pred = model.predict(frames[60:])
    mad = np.mean(np.abs(y[60:] - y[:60].mean()))
    assert np.mean(np.abs(pred - y[60:])) < 0.5 * mad
    std = model.predict_std(frames[60:])
    assert std.shape == (20,) and (std > 0).all()
    graphs = model._graphs(frames[60:])
    members = np.stack([model._raw(graphs, net) for net in model.nets_]) * model.y_std_ + model.y_mean_
    np.testing.assert_allclose(pred, members.mean(0), rtol=1e-6)
    np.testing.assert_allclose(std, members.std(0), rtol=1e-5, atol=1e-9)


def test_invariances(fitted) -> None:  # type: ignore[no-untyped-def]
    """Same crystal, other description: rotated, atoms reordered, translated, doubled cell."""
    model, frames, _ = fitted
    a = frames[61]
    ref = model.predict([a])[0]
    assert model.predict(other_descriptions(a)) == pytest.approx(np.full(4, ref), abs=1e-5)


def test_angles_reach_the_output() -> None:
    """The same crystal graph with other bond angles gives another prediction: the angles of the
    line graph enter the atoms' features (a distance-only network cannot see them). At random
    initial weights the angles act only through the gates, so the change is small (2.7e-7 on an
    output of 0.03, a hundred float32 steps) but exact: an unchanged copy gives the same bits."""
    import torch

    from matterlearn.regress import element_embedding

    a = bulk("NaCl", "rocksalt", a=5.6)
    a.rattle(0.4, seed=1)
    model = ALIGNN(hidden=16, n_alignn=2, n_gcn=1, cutoff=6.0, max_neighbors=8)
    model._embedding = element_embedding()
    g = line_graph(a, 6.0, 8)
    bent = {**g, "cos_angle": -g["cos_angle"]}
    torch.manual_seed(0)
    net = model._new_net().eval()
    with torch.no_grad():
        out = [float(net(*model._tensors([x], np.array([0])))[0]) for x in (g, bent, dict(g))]
    assert abs(out[0] - out[1]) > 3e-8 and out[0] == out[2]


def test_deterministic_by_seed_and_round_trip(tmp_path: Path) -> None:
    frames, y = _alloys(30, seed=3)
    kw = {"epochs": 3, "hidden": 16, "n_alignn": 1, "n_gcn": 0, "n_models": 1, "seed": 7}
    m1 = ALIGNN(**kw).fit(frames, y)
    p1 = m1.predict(frames)
    assert np.array_equal(p1, ALIGNN(**kw).fit(frames, y).predict(frames))
    assert not np.allclose(p1, ALIGNN(**{**kw, "seed": 8}).fit(frames, y).predict(frames))
    save_model(tmp_path / "a.pt", m1, {"model": "alignn"})
    loaded, recipe = load_model(tmp_path / "a.pt")
    assert isinstance(loaded, ALIGNN) and recipe["model"] == "alignn"
    assert loaded.get_params() == m1.get_params()
    np.testing.assert_array_equal(loaded.predict(frames), p1)


def test_bad_input() -> None:
    with pytest.raises(ParameterError, match="hidden must be at least 1"):
        ALIGNN(hidden=0)
    with pytest.raises(DataFormatError, match="entry 1: ALIGNN needs a crystal structure"):
        ALIGNN(epochs=1).fit([bulk("Cu"), "Cu"] * 6, np.ones(12))
    assert isinstance(make_model("alignn", "classification", cgcnn_options={"epochs": 2}), ALIGNN)


def test_alignn_command(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ase.io import write

    frames, y = _alloys(40, seed=4)
    for a, v in zip(frames, y):
        a.info["z"] = float(v)
    write(tmp_path / "c.extxyz", frames)
    code, _, err = cli("regress", "fit", str(tmp_path / "c.extxyz"), "--target", "z", "--features",
                         "structure", "--model", "alignn", "--epochs", "3", "--ensemble", "2",
                         "-o", str(tmp_path / "m.pt"))
    assert code == 0, err
    code, _, err = cli("regress", "screen", str(tmp_path / "m.pt"), str(tmp_path / "c.extxyz"),
                         "--top", "3", "-o", str(tmp_path / "r.csv"))
    assert code == 0, err
    header = (tmp_path / "r.csv").read_text().splitlines()[0]
    assert header.startswith("rank,formula,predicted_z,lower_90%,upper_90%")
