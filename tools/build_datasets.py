"""Rebuild the datasets shipped in ``src/matterlearn/datasets/_files``.

This script documents, and can reproduce, where every shipped byte comes from. It is run by
hand by a maintainer, never at install or run time, and needs the upstream distributions on
disk (nothing here touches the network)::

    pip download --no-deps --python-version 3.9 --only-binary :all: crabnet==2.0.8 matbench==0.6 -d wheels
    pip download --no-deps tce-lib==1.0.4 -d wheels
    pip download --no-deps --no-binary :all: matminer==0.4.0 -d wheels
    python tools/build_datasets.py wheels

Outputs (xz-compressed text, so a diff of a rebuild is reviewable after decompression):

* ``matbench_<task>.csv.xz``: ``formula,target`` in Matbench v0.1 row order (13 tasks).
* ``matbench_v0.1_folds.npz``: per task, the official outer test-fold index of every row, read
  from matbench's ``matbench_v0.1_validation.json`` (ID ``mb-<task>-001`` is row 0).
* ``matbench_v0.1_metadata.json``: matbench's own metadata (n_samples, mad / frac_true, ...).
* ``elastic_tensor_2015.extxyz.xz``: 1,181 structures with moduli in ``info``.
* ``flla_2015.extxyz.xz``: 3,938 structures with formation energies in ``info``.
* ``tawo_dft.extxyz.xz``: 250 Ta-W bcc cells with ``REF_energy`` (VASP total energy, eV).
"""

from __future__ import annotations

import csv
import io
import json
import lzma
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "src" / "matterlearn" / "datasets" / "_files"

# matbench task -> crabnet file stem
MATBENCH = {
    "steels": "steels_yield",
    "expt_gap": "expt_gap",
    "expt_is_metal": "expt_is_metal",
    "glass": "glass",
    "dielectric": "dielectric",
    "jdft2d": "jdft2d",
    "log_gvrh": "elasticity_log10(G_VRH)",
    "log_kvrh": "elasticity_log10(K_VRH)",
    "mp_e_form": "mp_e_form",
    "mp_gap": "mp_gap",
    "mp_is_metal": "mp_is_metal",
    "perovskites": "castelli",
    "phonons": "phonons",
}


def _xz_write(path: Path, text: str) -> None:
    with lzma.open(path, "wt", preset=9 | lzma.PRESET_EXTREME, encoding="utf-8") as fh:
        fh.write(text)


def build_matbench(wheels: Path) -> None:
    crab = zipfile.ZipFile(next(wheels.glob("crabnet-2.0.8-*.whl")))
    mb = zipfile.ZipFile(next(wheels.glob("matbench-0.6-*.whl")))
    meta = json.loads(mb.read("matbench/matbench_v0.1_dataset_metadata.json"))
    splits = json.loads(mb.read("matbench/matbench_v0.1_validation.json"))["splits"]
    folds = {}
    for task, stem in MATBENCH.items():
        raw = crab.read(f"crabnet/data/matbench/{stem}.csv").decode()
        rows = list(csv.reader(io.StringIO(raw)))
        assert rows[0] == ["formula", "target"], rows[0]
        n = meta[f"matbench_{task}"]["n_samples"]
        assert len(rows) - 1 == n, (task, len(rows) - 1, n)
        _xz_write(OUT / f"matbench_{task}.csv.xz", raw)
        fid = np.full(n, 255, dtype=np.uint8)
        for k in range(5):
            for ident in splits[f"matbench_{task}"][f"fold_{k}"]["test"]:
                fid[int(ident.rsplit("-", 1)[1]) - 1] = k
        assert (fid < 5).all(), task
        folds[task] = fid
    np.savez_compressed(OUT / "matbench_v0.1_folds.npz", **folds)
    (OUT / "matbench_v0.1_metadata.json").write_text(json.dumps(meta, indent=1, sort_keys=True))


def build_elastic(wheels: Path) -> None:
    from ase.io import read, write

    tar = tarfile.open(next(wheels.glob("matminer-0.4.0.tar.gz")))
    raw = tar.extractfile("matminer-0.4.0/matminer/datasets/elastic_tensor.csv").read().decode()
    lines = [ln for ln in raw.splitlines(keepends=True) if not ln.startswith("#")]
    frames = []
    for row in csv.DictReader(lines):
        atoms = read(io.StringIO(row["poscar"]), format="vasp")
        atoms.info = {
            "material_id": row["material_id"],
            "formula": row["formula"],
            "space_group": int(row["space_group"]),
            **{k: float(row[k]) for k in ("K_VRH", "G_VRH", "K_Voigt", "K_Reuss", "G_Voigt",
                                          "G_Reuss", "poisson_ratio", "elastic_anisotropy")},
        }
        frames.append(atoms)
    assert len(frames) == 1181, len(frames)
    buf = io.StringIO()
    write(buf, frames, format="extxyz")
    _xz_write(OUT / "elastic_tensor_2015.extxyz.xz", buf.getvalue())


def build_flla(wheels: Path) -> None:
    """The ``structure`` column is a pymatgen ``Structure.as_dict()`` written as a Python literal:
    read with ``ast.literal_eval`` (never ``eval``), built as ASE Atoms from the lattice rows and
    fractional coordinates; every site is fully occupied by one element (checked)."""
    import ast

    from ase import Atoms
    from ase.io import write

    with tarfile.open(next(wheels.glob("matminer-0.4.0.tar.gz"))) as tar:
        raw = tar.extractfile("matminer-0.4.0/matminer/datasets/flla_2015.csv").read().decode()
    lines = [ln for ln in raw.splitlines(keepends=True) if not ln.startswith("#")]
    frames = []
    for row in csv.DictReader(lines):
        s = ast.literal_eval(row["structure"])
        species = []
        for site in s["sites"]:
            assert len(site["species"]) == 1 and site["species"][0]["occu"] == 1, row["material_id"]
            species.append(site["species"][0]["element"])
        atoms = Atoms(species, scaled_positions=[site["abc"] for site in s["sites"]],
                      cell=s["lattice"]["matrix"], pbc=True)
        assert len(atoms) == int(row["nsites"]), row["material_id"]
        atoms.info = {
            "material_id": row["material_id"],
            **{k: float(row[k]) for k in ("formation_energy_per_atom", "formation_energy",
                                          "e_above_hull")},
        }
        frames.append(atoms)
    assert len(frames) == 3938, len(frames)
    buf = io.StringIO()
    write(buf, frames, format="extxyz")
    _xz_write(OUT / "flla_2015.extxyz.xz", buf.getvalue())


def build_tawo(wheels: Path) -> None:
    from ase.io import read, write

    whl = zipfile.ZipFile(next(wheels.glob("tce_lib-1.0.4-*.whl")))
    prefix = "tce/datasets/tungsten_tantalum_genetic/configuration_"
    names = sorted((n for n in whl.namelist() if n.startswith(prefix)),
                   key=lambda n: int(n[len(prefix):-4]))
    frames = []
    for name in names:
        atoms = read(io.StringIO(whl.read(name).decode()), format="extxyz")
        energy = atoms.calc.results["energy"]  # the file's own energy= field, named explicitly
        atoms.calc = None
        atoms.info = {"REF_energy": float(energy), "source_file": name.rsplit("/", 1)[1]}
        frames.append(atoms)
    assert len(frames) == 250 and all(len(a) == 128 for a in frames)
    buf = io.StringIO()
    write(buf, frames, format="extxyz")
    _xz_write(OUT / "tawo_dft.extxyz.xz", buf.getvalue())


if __name__ == "__main__":
    src = Path(sys.argv[1])
    OUT.mkdir(parents=True, exist_ok=True)
    build_matbench(src)
    build_elastic(src)
    build_flla(src)
    build_tawo(src)
    for p in sorted(OUT.iterdir()):
        print(f"{p.name:40s} {p.stat().st_size / 1e3:9.1f} kB")
