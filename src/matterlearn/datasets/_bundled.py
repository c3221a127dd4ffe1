"""Datasets shipped inside the package (see ``_files/PROVENANCE.md``)."""

from __future__ import annotations

import io
import json
import lzma
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from ..data import read_table
from ..data.splits import matbench_splits
from ._registry import Dataset, DatasetInfo, register

__all__ = ["MATBENCH_TASKS", "MLEARN_ELEMENTS", "data_file", "mlearn_potential", "official_fold_ids"]

_CRABNET = ("crabnet==2.0.8 wheel, crabnet/data/matbench/{file}.csv (formula,target in Matbench "
            "row order); official folds from matbench==0.6, matbench_v0.1_validation.json")
_MIT = "MIT (CrabNet redistribution); see each original source for its terms"

# task -> (description, target, unit, official composition task, file stem in CrabNet, references)
MATBENCH_TASKS: dict[str, tuple[str, str, str | None, bool, str, tuple[str, ...]]] = {
    "steels": ("Yield strength of steels from their composition.", "yield strength", "MPa",
               True, "steels_yield", ("Dunn2020", "Citrine153092")),
    "expt_gap": ("Experimental band gaps of inorganic solids.", "gap expt", "eV",
                 True, "expt_gap", ("Dunn2020", "Zhuo2018")),
    "expt_is_metal": ("Whether an inorganic solid is a metal (experimental gap zero).",
                      "is_metal", None, True, "expt_is_metal", ("Dunn2020", "Zhuo2018")),
    "glass": ("Whether a ternary alloy forms a metallic glass by melt spinning.", "gfa", None,
              True, "glass", ("Dunn2020", "Kawazoe1997")),
    "dielectric": ("Refractive index from DFPT (Materials Project).", "n", None,
                   False, "dielectric", ("Dunn2020", "Petousis2017")),
    "jdft2d": ("Exfoliation energy of layered materials (JARVIS-DFT).", "exfoliation_en",
               "meV/atom", False, "jdft2d", ("Dunn2020", "Choudhary2017")),
    "log_gvrh": ("log10 of the VRH shear modulus (Materials Project).", "log10(G_VRH)",
                 "log10(GPa)", False, "elasticity_log10(G_VRH)", ("Dunn2020", "deJong2015")),
    "log_kvrh": ("log10 of the VRH bulk modulus (Materials Project).", "log10(K_VRH)",
                 "log10(GPa)", False, "elasticity_log10(K_VRH)", ("Dunn2020", "deJong2015")),
    "mp_e_form": ("DFT formation energy (Materials Project).", "e_form", "eV/atom",
                  False, "mp_e_form", ("Dunn2020", "Jain2013")),
    "mp_gap": ("DFT (PBE) band gap (Materials Project).", "gap pbe", "eV",
               False, "mp_gap", ("Dunn2020", "Jain2013")),
    "mp_is_metal": ("Whether the DFT band gap is zero (Materials Project).", "is_metal", None,
                    False, "mp_is_metal", ("Dunn2020", "Jain2013")),
    "perovskites": ("Heat of formation of cubic perovskites (DFT).", "e_form",
                    "eV/unit cell", False, "castelli", ("Dunn2020", "Castelli2012")),
    "phonons": ("Frequency of the highest phonon-DOS peak (DFPT).", "last phdos peak", "cm^-1",
                False, "phonons", ("Dunn2020", "Petretto2018")),
}


def data_file(name: str) -> Path:
    """Path of a shipped data file."""
    return Path(str(files(__package__).joinpath("_files", name)))


@lru_cache(maxsize=1)
def _matbench_metadata() -> dict[str, Any]:
    return json.loads(data_file("matbench_v0.1_metadata.json").read_text())


@lru_cache(maxsize=1)
def _official_folds() -> dict[str, np.ndarray]:
    with np.load(data_file("matbench_v0.1_folds.npz")) as z:
        return {k: z[k] for k in z.files}


def official_fold_ids(task: str) -> np.ndarray:
    """The official Matbench v0.1 test-fold index (0-4) of every row of ``task``, shape (n,).

    Read from matbench's ``matbench_v0.1_validation.json`` when the data were built; used by the
    tests to show that :func:`matterlearn.data.matbench_splits` reproduces the official folds.
    """
    return _official_folds()[task].astype(int)


def _load_matbench(task: str) -> Dataset:
    inf = _INFOS[f"matbench_{task}"]
    table = read_table(data_file(f"matbench_{task}.csv.xz"), "target")
    y = table.targets
    folds = matbench_splits(y, inf.task)
    return Dataset(inf, table.formulas, y, {inf.target: y}, {inf.target: inf.unit}, folds)


_INFOS: dict[str, DatasetInfo] = {}


def _register_matbench() -> None:
    meta = _matbench_metadata()
    for task, (desc, target, unit, official, stem, refs) in MATBENCH_TASKS.items():
        m = meta[f"matbench_{task}"]
        notes = "" if official else (
            "Composition-only version of a Matbench structure task: the official input is the "
            "crystal structure; here the reduced formula of that structure stands in for it."
        )
        name = f"matbench_{task}"
        inf = DatasetInfo(
            name=name,
            description=desc + (" Official Matbench v0.1 composition task." if official else ""),
            input_type="composition",
            task=m["task_type"],
            target=target,
            unit=unit,
            n=int(m["n_samples"]),
            source=_CRABNET.format(file=stem),
            licence=_MIT,
            references=("Dunn2020", "Wang2021", *refs[1:]),
            official_folds=True,
            notes=notes,
        )
        _INFOS[name] = inf
        register(inf, lambda task=task: _load_matbench(task))


_ELASTIC_COLUMNS = ("K_VRH", "G_VRH", "K_Voigt", "K_Reuss", "G_Voigt", "G_Reuss",
                    "poisson_ratio", "elastic_anisotropy")


def _load_elastic() -> Dataset:
    inf = _INFOS["elastic_tensor_2015"]
    frames = _read_xz_frames("elastic_tensor_2015.extxyz.xz")
    cols = {c: np.array([a.info[c] for a in frames], dtype=float) for c in _ELASTIC_COLUMNS}
    units: dict[str, str | None] = {c: "GPa" for c in _ELASTIC_COLUMNS[:6]}
    units.update(poisson_ratio=None, elastic_anisotropy=None)
    return Dataset(inf, frames, cols["G_VRH"], cols, units, None)


_FLLA_COLUMNS = ("formation_energy_per_atom", "formation_energy", "e_above_hull")


def _load_flla() -> Dataset:
    inf = _INFOS["flla_2015"]
    frames = _read_xz_frames("flla_2015.extxyz.xz")
    cols = {c: np.array([a.info[c] for a in frames], dtype=float) for c in _FLLA_COLUMNS}
    units: dict[str, str | None] = {"formation_energy_per_atom": "eV/atom", "formation_energy": "eV",
                                    "e_above_hull": "eV/atom"}
    return Dataset(inf, frames, cols["formation_energy_per_atom"], cols, units, None)


def _load_tawo() -> Dataset:
    inf = _INFOS["tawo_dft"]
    frames = _read_xz_frames("tawo_dft.extxyz.xz")
    e = np.array([a.info["REF_energy"] for a in frames])
    n_atoms = np.array([len(a) for a in frames], dtype=float)
    x_w = np.array([np.mean(a.numbers == 74) for a in frames])
    cols = {"energy": e, "energy_per_atom": e / n_atoms, "x_W": x_w}
    return Dataset(inf, frames, e, cols, {"energy": "eV", "energy_per_atom": "eV/atom", "x_W": None})


def _read_xz_frames(name: str) -> list:
    from ..data._frames import _read_file
    from ..data._keys import ENERGY_KEY, FORCES_KEY, STRESS_KEY

    keys = {"energy": ENERGY_KEY, "forces": FORCES_KEY, "stress": STRESS_KEY}
    # decompress in one go: ASE's extxyz reader seeks, which is slow on a compressed stream
    with lzma.open(data_file(name), "rt", encoding="utf-8") as fh:
        text = io.StringIO(fh.read())
    return _read_file(text, "extxyz", ":", keys, (), name=name)


def _register_others() -> None:
    _INFOS["elastic_tensor_2015"] = DatasetInfo(
        name="elastic_tensor_2015",
        description=("Elastic moduli of 1,181 inorganic crystals from DFT (Materials Project): "
                     "structures with Voigt-Reuss-Hill bulk and shear moduli."),
        input_type="structure",
        task="regression",
        target="G_VRH",
        unit="GPa",
        n=1181,
        source="matminer==0.4.0 sdist, matminer/datasets/elastic_tensor.csv (poscar column)",
        licence="CC BY 4.0 (Scientific Data article); matminer redistribution BSD-style",
        references=("deJong2015", "Ward2018"),
        notes="Columns K_VRH, G_VRH, K_Voigt, K_Reuss, G_Voigt, G_Reuss (GPa), poisson_ratio, "
              "elastic_anisotropy; material_id and space_group in each structure's info.",
    )
    register(_INFOS["elastic_tensor_2015"], _load_elastic)
    _INFOS["flla_2015"] = DatasetInfo(
        name="flla_2015",
        description=("Formation energies of 3,938 inorganic crystals from DFT (Materials Project, "
                     "2015), the set of Faber, Lindmaa, von Lilienfeld and Armiento: structures "
                     "of up to 25 atoms with the formation energy per atom."),
        input_type="structure",
        task="regression",
        target="formation_energy_per_atom",
        unit="eV/atom",
        n=3938,
        source="matminer==0.4.0 sdist, matminer/datasets/flla_2015.csv (structure column)",
        licence="Materials Project data: CC BY 4.0; matminer redistribution BSD-style",
        references=("Faber2015", "Jain2013", "Ward2018"),
        notes="Columns formation_energy_per_atom (eV/atom), formation_energy (eV per cell), "
              "e_above_hull (eV/atom); material_id in each structure's info. Elemental entries "
              "above the hull have a formation energy equal to their e_above_hull.",
    )
    register(_INFOS["flla_2015"], _load_flla)
    _INFOS["tawo_dft"] = DatasetInfo(
        name="tawo_dft",
        description=("Ta-W bcc alloys: VASP total energies of 250 configurations of 128 atoms on "
                     "an ideal bcc lattice with a = 3.194 Å."),
        input_type="structure",
        task="regression",
        target="energy",
        unit="eV",
        n=250,
        source="tce-lib==1.0.4 wheel, tce/datasets/tungsten_tantalum_genetic/configuration_*.xyz",
        licence="MIT (tce-lib)",
        references=("tcelib",),
        notes="Configurations were generated by a genetic algorithm from 5 seeds; energies are "
              "totals per 128-atom cell under REF_energy. Positions are the ideal lattice.",
    )
    register(_INFOS["tawo_dft"], _load_tawo)


#: the mlearn elements (Zuo et al. 2020) and their splits; Ni and Cu come with test data only
MLEARN_ELEMENTS = {"Li": ("train", "test"), "Mo": ("train", "test"), "Si": ("train", "test"),
                   "Ge": ("train", "test"), "Ni": ("test",), "Cu": ("test",)}


def _load_mlearn(element: str, split: str | None = None) -> Dataset:
    from ..errors import ParameterError

    inf = _INFOS[f"mlearn_{element}"]
    if split is not None and split not in inf.splits:
        raise ParameterError(f"dataset '{inf.name}' has the split(s) {', '.join(inf.splits)}, not {split!r}")
    frames = _read_xz_frames(f"mlearn_{element}.extxyz.xz")
    if split is not None:
        frames = [a for a in frames if a.info["split"] == split]
    e = np.array([a.info["REF_energy"] for a in frames])
    n_atoms = np.array([len(a) for a in frames], dtype=float)
    cols = {"energy": e, "energy_per_atom": e / n_atoms}
    where = np.array([a.info["split"] for a in frames])
    folds = None
    if split is None and len(inf.splits) == 2:
        folds = [(np.flatnonzero(where == "train"), np.flatnonzero(where == "test"))]
    return Dataset(inf, frames, e, cols, {"energy": "eV", "energy_per_atom": "eV/atom"}, folds)


def mlearn_potential(element: str) -> Any:
    """The moment tensor potential Zuo et al. 2020 fitted for ``element`` (Li, Mo, Si, Ge, Ni, Cu),
    shipped unchanged in mlip-2's format, read as a :class:`~matterlearn.mlip.MomentTensorPotential`
    (levels: Li 16, Mo/Ni/Cu 20, Si/Ge 24)."""
    from ..errors import UnknownDatasetError
    from ..mlip.mtp._mlip2 import parse_mtp

    if element not in MLEARN_ELEMENTS:
        raise UnknownDatasetError(f"no released mlearn potential for {element!r}; there are "
                                  f"{', '.join(MLEARN_ELEMENTS)}")
    name = f"mlearn_{element}.mtp.xz"
    with lzma.open(data_file(name), "rt", encoding="utf-8") as fh:
        return parse_mtp(fh.read(), [element], name)


def _register_mlearn() -> None:
    from functools import partial

    for el, splits in MLEARN_ELEMENTS.items():
        name = f"mlearn_{el}"
        n = {"Li": (241, 29), "Mo": (194, 23), "Si": (214, 25), "Ge": (228, 25), "Ni": (0, 31), "Cu": (0, 31)}[el]
        _INFOS[name] = DatasetInfo(
            name=name,
            description=(f"{el}: DFT (VASP, PBE) energies, forces and stresses of {sum(n)} structures (ground "
                         f"state, strained, surfaces, vacancies, AIMD snapshots) from the interatomic-potential "
                         f"benchmark of Zuo et al. 2020" + ("" if len(splits) == 2 else "; test split only") + "."),
            input_type="structure",
            task="regression",
            target="energy",
            unit="eV",
            n=sum(n),
            source=f"materialsvirtuallab/mlearn commit 10c427a, data/{el}/" + (
                "training.json and test.json" if len(splits) == 2 else "test.json"),
            licence="BSD 3-Clause (Materials Virtual Lab)",
            references=("Zuo2020",),
            notes=(f"Labels REF_energy (eV), REF_forces (eV/Å), REF_stress (ASE's order and sign, eV/Å^3, "
                   f"converted once from the files' kBar virial); info holds split, config_type (the "
                   f"file's group) and mlearn_index. The paper's split: {n[0]} train / {n[1]} test; "
                   f"load(name, split='test') or `datasets export {name} --split test`."
                   + (" The Ni/Cu diagonal stresses sit 24-28 kBar off the paper's potentials (a "
                      "possible constant offset): weigh them with care." if el in ("Ni", "Cu") else "")),
            splits=splits,
        )
        register(_INFOS[name], partial(_load_mlearn, el))


_register_matbench()
_register_others()
_register_mlearn()
