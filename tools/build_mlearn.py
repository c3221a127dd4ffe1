"""Rebuild ``src/matterlearn/datasets/_files/mlearn_<El>.extxyz.xz`` from the mlearn benchmark files.

Usage: ``python tools/build_mlearn.py [SOURCE]`` with SOURCE the folder that holds
``<El>/training.json.xz`` and ``<El>/test.json.xz`` (default ``../shared/data/mlearn``; see its
PROVENANCE.md: materialsvirtuallab/mlearn commit 10c427a, BSD 3-Clause).

Each entry becomes one frame: positions and cell from the pymatgen structure dict (Å), the DFT
total energy as ``REF_energy`` (eV), forces as ``REF_forces`` (eV/Å) and the stress, converted once
to ASE's convention, as ``REF_stress`` (Voigt xx yy zz yz xz xy, eV/Å^3, positive = tensile): the
files' ``virial_stress`` is in kBar with VASP's sign (positive = compressive), and its
component order differs between elements (PROVENANCE.md). ``info`` keeps ``split`` (train or
test), ``config_type`` (the file's group) and ``mlearn_index``.

Beside them, ``mlearn_<El>.mtp.xz``: the moment tensor potential the paper fitted for the element,
``released_mtp/<El>.mtp`` of the source (from materialsvirtuallab/maml, ``mvl_models/pes/<El>/
mtp.2020.01/fitted.mtp``, BSD 3-Clause), compressed unchanged.
"""

from __future__ import annotations

import io
import json
import lzma
import sys
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.io import write
from ase.units import GPa

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "matterlearn" / "datasets" / "_files"

#: where each element's six virial_stress numbers put xy, yz and zx (PROVENANCE.md)
ORDER = {
    "Li": ("xx", "yy", "zz", "xy", "yz", "zx"),
    "Si": ("xx", "yy", "zz", "xy", "yz", "zx"),
    "Ge": ("xx", "yy", "zz", "xy", "yz", "zx"),
    "Ni": ("xx", "yy", "zz", "xy", "zx", "yz"),
    "Cu": ("xx", "yy", "zz", "xy", "zx", "yz"),
    "Mo": ("xx", "yy", "zz", "xy", "zx", "yz"),
}
ASE = ("xx", "yy", "zz", "yz", "zx", "xy")
KBAR = 0.1 * GPa  # eV/Å^3


def frames(source: Path, element: str) -> list[Atoms]:
    out: list[Atoms] = []
    for split, name in (("train", "training"), ("test", "test")):
        path = source / element / f"{name}.json.xz"
        if not path.exists():
            continue
        with lzma.open(path, "rt", encoding="utf-8") as fh:
            entries = json.load(fh)
        for k, e in enumerate(entries):
            s = e["structure"]
            atoms = Atoms([site["species"][0]["element"] for site in s["sites"]],
                          positions=[site["xyz"] for site in s["sites"]], cell=s["lattice"]["matrix"], pbc=True)
            assert len(atoms) == e["num_atoms"], (path, k)
            virial = dict(zip(ORDER[element], e["outputs"]["virial_stress"], strict=True))
            atoms.info["REF_energy"] = float(e["outputs"]["energy"])
            atoms.info["REF_stress"] = -np.array([virial[c] for c in ASE]) * KBAR
            atoms.arrays["REF_forces"] = np.array(e["outputs"]["forces"], dtype=float)
            atoms.info["split"] = split
            atoms.info["config_type"] = str(e.get("group", "")).replace(" ", "_") or "unknown"
            atoms.info["mlearn_index"] = k
            out.append(atoms)
    return out


def main(source: Path) -> None:
    for element in ORDER:
        fr = frames(source, element)
        buf = io.StringIO()
        write(buf, fr, format="extxyz")
        dest = OUT / f"mlearn_{element}.extxyz.xz"
        with lzma.open(dest, "wt", encoding="utf-8", preset=9 | lzma.PRESET_EXTREME) as fh:
            fh.write(buf.getvalue())
        n_train = sum(a.info["split"] == "train" for a in fr)
        print(f"{dest.name}: {n_train} train + {len(fr) - n_train} test frames, {dest.stat().st_size / 1e3:.0f} kB")
        mtp = source / "released_mtp" / f"{element}.mtp"
        dest = OUT / f"mlearn_{element}.mtp.xz"
        with lzma.open(dest, "wb", preset=9 | lzma.PRESET_EXTREME) as fh:
            fh.write(mtp.read_bytes())
        print(f"{dest.name}: the paper's MTP, {dest.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "mlearn")
