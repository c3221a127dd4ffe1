"""Rebuild ``src/matterlearn/features/_files/magpie_elements.npz`` from the matminer wheel.

    pip download --no-deps matminer==0.10.1 -d wheels
    python tools/build_element_data.py wheels

The Magpie element tables (Ward et al., npj Comput. Mater. 2, 16028 (2016)) as matminer ships
them: one value per element Z = 1..118 (line Z of each ``.table`` file), NaN where missing. We
store the raw values; the featurizer imputes missing ones the way matminer does (the mean over
the elements that have a value).
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "src" / "matterlearn" / "features" / "_files"
PROPS = ["Number", "MendeleevNumber", "AtomicWeight", "MeltingT", "Column", "Row",
         "CovalentRadius", "Electronegativity", "NsValence", "NpValence", "NdValence",
         "NfValence", "NValence", "NsUnfilled", "NpUnfilled", "NdUnfilled", "NfUnfilled",
         "NUnfilled", "GSvolume_pa", "GSbandgap", "GSmagmom", "SpaceGroupNumber"]

if __name__ == "__main__":
    whl = zipfile.ZipFile(next(Path(sys.argv[1]).glob("matminer-0.10.1-*.whl")))
    arrays = {}
    for name in PROPS:
        lines = whl.read(f"matminer/utils/data_files/magpie_elementdata/{name}.table").decode().splitlines()
        values = np.full(118, np.nan)
        for z in range(1, 119):
            try:
                values[z - 1] = float(lines[z - 1])
            except (ValueError, IndexError):
                pass
        arrays[name] = values
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT / "magpie_elements.npz", **arrays)
    print({k: int(np.isnan(v).sum()) for k, v in arrays.items()})
