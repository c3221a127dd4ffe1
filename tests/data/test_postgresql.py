"""ASE databases on a real PostgreSQL server: frames, a resumed labelling run and a cluster
expansion fit through a ``postgresql://`` URL; a wrong URL or a refused connection in one line.

The server is Debian's PostgreSQL (``make postgres`` installs it), started here with its data
folder in a temporary directory, listening on the loopback address only, and stopped at the end.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def _bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server on 127.0.0.1 with a database 'matterlearn'; yields its URL."""
    pytest.importorskip("psycopg2", reason="the db extra (ase-db-backends) is not installed")
    bindir = _bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is missing: `make postgres` installs Debian's package")
        pytest.skip("PostgreSQL is not installed (`make postgres` installs it)")
    root = tmp_path_factory.mktemp("pg")
    data = root / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(root, "postgres")
        root.chmod(0o755)
        for parent in root.parents:  # pytest's temporary folders are private to root
            if str(parent) in ("/", "/tmp"):
                break
            parent.chmod(parent.stat().st_mode | 0o711)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*run_as, *args], check=True, capture_output=True, text=True, timeout=120)

    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "ml", "--no-sync")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-o",
        f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off", "start")
    try:
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "ml", "matterlearn")
        yield f"postgresql://ml@127.0.0.1:{port}/matterlearn"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")


def _fresh(server: str, name: str) -> str:
    """A new, empty database on the server."""
    port = server.split(":")[-1].split("/")[0]
    bindir = _bin()
    assert bindir is not None
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*run_as, str(bindir / "createdb"), "-h", "127.0.0.1", "-p", port, "-U", "ml", name],
                   check=True, capture_output=True, timeout=60)
    return server.rsplit("/", 1)[0] + "/" + name


def test_frames_round_trip(server: str, labelled_frames) -> None:  # type: ignore[no-untyped-def]
    from matterlearn.data import read_frames, write_frames

    url = _fresh(server, "frames")
    write_frames(url, labelled_frames, metadata={"made": "by the test"})
    back = read_frames(url, require=("energy", "forces", "stress"))
    assert len(back) == len(labelled_frames)
    for a, b in zip(labelled_frames, back):
        assert a.get_chemical_formula() == b.get_chemical_formula()
        np.testing.assert_allclose(a.positions, b.positions, atol=1e-12)
        np.testing.assert_allclose(a.cell.array, b.cell.array, atol=1e-12)
        assert b.info["REF_energy"] == pytest.approx(a.info["REF_energy"], abs=1e-12)
        np.testing.assert_allclose(b.arrays["REF_forces"], a.arrays["REF_forces"], atol=1e-12)
        np.testing.assert_allclose(b.info["REF_stress"], a.info["REF_stress"], atol=1e-12)
        assert b.info["config_type"] == "test"


def test_resumed_labelling_and_a_fit_through_the_server(server: str, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import ase.db

    from matterlearn.ce import label_database

    # enumerate locally, copy the rows (and the recipe in the metadata) to the server
    code, _, err = cli("ce", "enumerate", "--prim", "fcc", "--species", "Au,Cu", "--max-atoms", "6",
                       "--db", str(tmp_path / "e.db"))
    assert code == 0, err
    url = _fresh(server, "aucu")
    local = ase.db.connect(tmp_path / "e.db")
    remote = ase.db.connect(url)
    with remote:
        for row in local.select():
            remote.write(row.toatoms(), key_value_pairs=row.key_value_pairs, data=row.data)
    remote.metadata = local.metadata
    n = remote.count()
    assert n == local.count() == 2 + 2 + 6 + 19 + 28 + 80  # every fcc binary up to 6 sites

    stop_after = 7

    def interrupt(done: int, total: int) -> None:
        if done == stop_after:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        label_database(url, "emt", progress=interrupt)
    assert sum(1 for r in remote.select() if r.get("REF_energy") is not None) == stop_after
    code, out, err = cli("ce", "label", "--db", url)
    assert code == 0, err
    assert f"labelled {n - stop_after} rows, {stop_after} were already labelled" in out
    code, out, err = cli("ce", "fit", "--db", url, "--cutoffs", "5.0", "--method", "ols",
                         "--cv", "5", "-o", str(tmp_path / "ce.json"), "--json", str(tmp_path / "fit.json"))
    assert code == 0, err
    fit = json.loads((tmp_path / "fit.json").read_text())
    assert fit["n_structures"] == n and fit["database"] == url
    # the same fit from the local copy of the same labels gives the same ECIs
    labels = {r.config_id: r.get("REF_energy") for r in remote.select()}
    with local:
        for row in local.select():
            local.update(row.id, REF_energy=labels[row.config_id])
    code, _, err = cli("ce", "fit", "--db", str(tmp_path / "e.db"), "--cutoffs", "5.0", "--method", "ols",
                       "--cv", "5", "-o", str(tmp_path / "local.json"))
    assert code == 0, err
    a = json.loads((tmp_path / "ce.json").read_text())["ecis"]
    b = json.loads((tmp_path / "local.json").read_text())["ecis"]
    np.testing.assert_allclose(a, b, atol=1e-10)


@pytest.mark.parametrize("case", ["refused", "no such database"])
def test_bad_url_is_one_line(server: str, cli, case: str) -> None:  # type: ignore[no-untyped-def]
    if case == "refused":
        url, fragment = f"postgresql://ml@127.0.0.1:{_free_port()}/matterlearn", "start the database server on 127.0.0.1"
    else:
        url, fragment = server.rsplit("/", 1)[0] + "/nosuchdb", "create the database 'nosuchdb'"
    code, out, err = cli("data", "inspect", url)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and lines[0].startswith("error: cannot use the database")
    assert fragment in lines[0] and "Traceback" not in err
