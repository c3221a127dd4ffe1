"""Make the matminer reference table for the composition-featurizer test (run once, by hand).

    python -m venv /tmp/mm && /tmp/mm/bin/pip install matminer==0.10.1
    /tmp/mm/bin/python benchmarks/make_matminer_reference.py

Writes ``tests/features/matminer_reference.csv.gz``: ~50 diverse formulas (binaries to
high-entropy alloys, oxides, hydrates, fractional steels, single elements) with matminer's
``ElementProperty.from_preset("magpie")``, ``Stoichiometry()``, ``ValenceOrbital()`` and the
ionic characters of ``IonProperty(fast=True)`` (pymatgen electronegativities).
"""

from __future__ import annotations

import gzip
import csv
from pathlib import Path

FORMULAS = [
    "Fe2O3", "NaCl", "Cu", "Si", "GaAs", "Al2O3", "TiO2", "SrTiO3", "BaTiO3", "LiFePO4",
    "CuSO4H10O5", "Ca(OH)2", "Ag(AuS)2", "K4Fe(CN)6", "Mg2SiO4", "ZrO2", "HfO2", "Bi2Te3",
    "PbTe", "CdTe", "ZnS", "MoS2", "WSe2", "NbN", "TaC", "VO2", "Cr2O3", "MnO", "CoO", "NiO",
    "La2CuO4", "YBa2Cu3O7", "CsPbI3", "MAPbI3".replace("MA", "CH6N"), "Nd2Fe14B", "SmCo5",
    "Fe0.620C0.000953Mn0.000521Si0.00102Cr0.000110Ni0.192Mo0.0176V0.000112Nb0.0000616Co0.146Al0.00318Ti0.0185",
    "Zr65Cu17.5Ni10Al7.5", "Pd40Ni40P20", "CoCrFeMnNi", "AlCoCrFeNi2.1", "Ti0.5Zr0.5NiSn",
    "U3O8", "ThO2", "PuO2", "Xe", "He", "Og", "NpO2", "Li7La3Zr2O12", "Na3PS4", "B4C",
]


def main() -> None:
    from matminer.featurizers.composition import (
        ElementProperty,
        IonProperty,
        Stoichiometry,
        ValenceOrbital,
    )
    from pymatgen.core import Composition

    feats = [ElementProperty.from_preset("magpie"), Stoichiometry(), ValenceOrbital(),
             IonProperty(fast=True)]
    labels = [label for f in feats for label in f.feature_labels()]
    out = Path(__file__).resolve().parents[1] / "tests" / "features" / "matminer_reference.csv.gz"
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(out, "wt", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["formula", *labels])
        for formula in FORMULAS:
            comp = Composition(formula)
            row = [v for f in feats for v in f.featurize(comp)]
            w.writerow([formula, *(repr(float(v)) for v in row)])
    print(f"wrote {len(FORMULAS)} rows x {len(labels)} features to {out}")


if __name__ == "__main__":
    main()
