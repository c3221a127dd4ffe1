"""Composition features: Magpie element-property statistics, stoichiometry norms, valence
orbitals and ionic character, vectorised over the whole dataset.

Values equal matminer's ``ElementProperty.from_preset("magpie")``, ``Stoichiometry()``,
``ValenceOrbital()`` and the ionic-character part of ``IonProperty`` (with Magpie
electronegativities) to 1e-6 (tested against a table matminer made).

References
----------
L. Ward, A. Agrawal, A. Choudhary, C. Wolverton, npj Comput. Mater. 2, 16028 (2016).
L. Ward et al., Comput. Mater. Sci. 152, 60 (2018) (matminer).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import numpy as np

from ..data import composition_matrix

__all__ = ["MAGPIE_PROPERTIES", "MAGPIE_STATS", "CompositionFeaturizer", "element_table"]

#: The 22 Magpie element properties (Ward et al. 2016) whose statistics the featurizer takes.
MAGPIE_PROPERTIES = (
    "Number", "MendeleevNumber", "AtomicWeight", "MeltingT", "Column", "Row", "CovalentRadius",
    "Electronegativity", "NsValence", "NpValence", "NdValence", "NfValence", "NValence",
    "NsUnfilled", "NpUnfilled", "NdUnfilled", "NfUnfilled", "NUnfilled", "GSvolume_pa",
    "GSbandgap", "GSmagmom", "SpaceGroupNumber",
)
#: The statistics taken of each property over a composition's elements.
MAGPIE_STATS = ("minimum", "maximum", "range", "mean", "avg_dev", "mode")
P_NORMS = (0, 2, 3, 5, 7, 10)
ORBITALS = ("s", "p", "d", "f")
N_FRACTION_ELEMENTS = 103  # H to Lr, as matminer's ElementFraction


@lru_cache(maxsize=1)
def element_table() -> dict[str, np.ndarray]:
    """Magpie property of every element Z = 1..118 (index Z - 1), missing values imputed with
    the mean over the elements that have one (as matminer does)."""
    path = Path(str(files(__package__).joinpath("_files", "magpie_elements.npz")))
    with np.load(path) as z:
        out = {}
        for name in z.files:
            v = z[name].astype(float)
            v[np.isnan(v)] = np.nanmean(v)
            out[name] = v
    return out


class CompositionFeaturizer:
    """A scikit-learn transformer from formulas to the composition feature set.

    Parameters
    ----------
    magpie : bool
        The 22 Magpie properties x (minimum, maximum, range, mean, avg_dev, mode): 132 features.
    stoichiometry : bool
        p-norms of the atomic fractions for p = 0, 2, 3, 5, 7, 10.
    valence : bool
        Mean number of s, p, d, f valence electrons and their fractions of the total.
    ionic : bool
        Largest and composition-weighted ionic character ``1 - exp(-(dX)^2 / 4)``.
    fractions : bool
        The atomic fraction of each element H..Lr (103 features, labelled by symbol; matminer's
        ``ElementFraction``). Off by default; for alloys such as steels, whose compositions
        differ in small amounts of a few elements, they carry more than the Magpie statistics.

    Notes
    -----
    ``fit`` learns nothing; ``transform`` takes a sequence of formula strings (or an array of
    shape (n, 1) of them) and returns an array of shape (n, n_features).
    """

    def __init__(self, magpie: bool = True, stoichiometry: bool = True, valence: bool = True,
                 ionic: bool = True, fractions: bool = False) -> None:
        self.magpie = magpie
        self.stoichiometry = stoichiometry
        self.valence = valence
        self.ionic = ionic
        self.fractions = fractions

    def fit(self, X: Sequence[str], y: object = None) -> CompositionFeaturizer:
        self.n_features_out_ = len(self.feature_labels())
        return self

    def feature_labels(self) -> list[str]:
        labels: list[str] = []
        if self.magpie:
            labels += [f"MagpieData {s} {p}" for p in MAGPIE_PROPERTIES for s in MAGPIE_STATS]
        if self.stoichiometry:
            labels += [f"{p}-norm" for p in P_NORMS]
        if self.valence:
            labels += [f"{k} {o} valence electrons" for k in ("avg", "frac") for o in ORBITALS]
        if self.ionic:
            labels += ["max ionic char", "avg ionic char"]
        if self.fractions:
            from ase.data import chemical_symbols

            labels += list(chemical_symbols[1:N_FRACTION_ELEMENTS + 1])
        return labels

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array(self.feature_labels(), dtype=object)

    def recipe(self) -> dict[str, bool]:
        """The constructor arguments, to store beside a fitted model."""
        return {"magpie": self.magpie, "stoichiometry": self.stoichiometry, "valence": self.valence,
                "ionic": self.ionic, "fractions": self.fractions}

    def citations(self) -> list[str]:
        from ..datasets._citations import BIBTEX

        return [BIBTEX["Ward2016"], BIBTEX["Ward2018"]]

    def transform(self, X: Sequence[str] | np.ndarray) -> np.ndarray:
        formulas = [str(f) for f in np.asarray(X, dtype=object).ravel()]
        amounts = composition_matrix(formulas, normalize=False)  # (n, 118)
        total = amounts.sum(axis=1, keepdims=True)
        frac = amounts / total
        present = amounts > 0
        table = element_table()
        blocks = []
        if self.magpie:
            # the element(s) of largest amount, for the mode (ties: smallest property value)
            top = np.isclose(amounts, amounts.max(axis=1, keepdims=True)) & present
            for name in MAGPIE_PROPERTIES:
                p = table[name]
                lo = np.where(present, p, np.inf).min(axis=1)
                hi = np.where(present, p, -np.inf).max(axis=1)
                mean = frac @ p
                dev = (frac * np.abs(p[None, :] - mean[:, None])).sum(axis=1)
                mode = np.where(top, p, np.inf).min(axis=1)
                blocks.append(np.column_stack([lo, hi, hi - lo, mean, dev, mode]))
        if self.stoichiometry:
            cols = []
            for pn in P_NORMS:
                if pn == 0:
                    cols.append(present.sum(axis=1).astype(float))
                else:
                    cols.append((frac**pn).sum(axis=1) ** (1.0 / pn))
            blocks.append(np.column_stack(cols))
        if self.valence:
            avg = np.column_stack([frac @ table[f"N{o}Valence"] for o in ORBITALS])
            total_v = frac @ table["NValence"]
            blocks.append(np.column_stack([avg, avg / total_v[:, None]]))
        if self.ionic:
            chi = table["Electronegativity"]
            k = int(present.sum(axis=1).max())
            idx = np.argsort(~present, axis=1, kind="stable")[:, :k]  # present elements first
            valid = np.take_along_axis(present, idx, axis=1)
            x = chi[idx]
            f = np.take_along_axis(frac, idx, axis=1)
            ic = 1.0 - np.exp(-0.25 * (x[:, :, None] - x[:, None, :]) ** 2)
            pair = valid[:, :, None] & valid[:, None, :] & ~np.eye(k, dtype=bool)[None]
            ic = np.where(pair, ic, 0.0)
            max_ic = ic.max(axis=(1, 2)) if k > 1 else np.zeros(len(formulas))
            avg_ic = 0.5 * np.einsum("ni,nij,nj->n", f, ic, f)
            blocks.append(np.column_stack([max_ic, avg_ic]))
        if self.fractions:
            blocks.append(frac[:, :N_FRACTION_ELEMENTS])
        return np.hstack(blocks) if blocks else np.zeros((len(formulas), 0))

    def fit_transform(self, X: Sequence[str], y: object = None) -> np.ndarray:
        return self.fit(X, y).transform(X)
