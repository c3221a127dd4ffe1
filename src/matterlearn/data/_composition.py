"""Chemical formulas: parsing (nested groups, fractional amounts) and composition matrices."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
from ase.data import atomic_numbers

from ..errors import DataFormatError, UnknownElementError

__all__ = ["parse_formula", "composition_matrix", "reduced_formula", "N_ELEMENTS"]

#: Columns of a composition matrix: elements H (Z=1) to Og (Z=118), column ``Z - 1``.
N_ELEMENTS = 118

_TOKEN = re.compile(
    r"\s*(?:(?P<el>[A-Z][a-z]*)|(?P<num>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)"
    r"|(?P<open>[(\[{])|(?P<close>[)\]}]))"
)
_HYDRATE = re.compile(r"[·*]")
_LEADING = re.compile(r"\s*(\d+\.?\d*|\.\d+)")


@lru_cache(maxsize=262144)
def _parse(formula: str) -> tuple[tuple[str, float], ...]:
    # Hydrates ("CuSO4·5H2O") are parts separated by dots, each with an optional leading count.
    if _HYDRATE.search(formula) is None:
        comp = _parse_part(formula, formula)
    else:
        comp = {}
        for part in _HYDRATE.split(formula):
            m = _LEADING.match(part)
            count = float(m.group(1)) if m else 1.0
            for el, val in _parse_part(part[m.end():] if m else part, formula).items():
                comp[el] = comp.get(el, 0.0) + count * val
    if any(not math.isfinite(val) for val in comp.values()):
        raise DataFormatError(f"formula {formula!r} has an amount that is not a finite number; "
                              f"amounts must be finite and positive, e.g. 'Fe2O3' or 'Fe0.7Ni0.3'")
    comp = {el: val for el, val in comp.items() if val != 0.0}
    if not comp:
        raise DataFormatError(f"formula {formula!r} names no element")
    if any(val < 0 for val in comp.values()):
        raise DataFormatError(f"formula {formula!r} has a negative amount")
    return tuple(comp.items())


def _parse_part(formula: str, whole: str) -> dict[str, float]:
    # A stack of {element: amount} for nested groups. An element or a closed group is held as
    # "pending" until we know whether a count follows, then added once (no rounding drift).
    stack: list[dict[str, float]] = [{}]
    pending: dict[str, float] | None = None

    def flush(count: float = 1.0) -> None:
        nonlocal pending
        if pending is not None:
            top = stack[-1]
            for el, val in pending.items():
                top[el] = top.get(el, 0.0) + val * count
            pending = None

    pos, n = 0, len(formula)
    while pos < n:
        m = _TOKEN.match(formula, pos)
        if m is None or m.end() == pos:
            if formula[pos:].strip() == "":
                break
            raise DataFormatError(
                f"cannot parse formula {whole!r} at {formula[pos:]!r}; "
                "write it like 'Fe2O3', 'Ca(OH)2' or 'Fe0.7Ni0.3'"
            )
        pos = m.end()
        if m.group("el"):
            flush()
            el = m.group("el")
            if el not in atomic_numbers or el == "X":
                raise UnknownElementError(f"unknown element {el!r} in formula {whole!r}")
            pending = {el: 1.0}
        elif m.group("num"):
            if pending is None:
                raise DataFormatError(
                    f"cannot parse formula {whole!r}: the number {m.group('num')!r} "
                    "follows no element or group"
                )
            flush(float(m.group("num")))
        elif m.group("open"):
            flush()
            stack.append({})
        else:
            flush()
            if len(stack) == 1:
                raise DataFormatError(f"cannot parse formula {whole!r}: unbalanced brackets")
            pending = stack.pop()
    flush()
    if len(stack) != 1:
        raise DataFormatError(f"cannot parse formula {whole!r}: unbalanced brackets")
    return stack[0]


def parse_formula(formula: str) -> dict[str, float]:
    """Parse a chemical formula into element amounts.

    Parameters
    ----------
    formula : str
        A formula such as ``"Fe2O3"``, ``"Ca(OH)2"``, ``"Ag(AuS)2"``, ``"Fe0.62Ni0.19Co0.15"`` or
        ``"CuSO4·5H2O"``. Amounts may be fractional; groups may nest.

    Returns
    -------
    dict of str to float
        Element symbol to amount, in order of first appearance. Amounts are not normalised.

    Raises
    ------
    UnknownElementError
        If a symbol is not a chemical element.
    DataFormatError
        If the formula cannot be parsed.
    """
    if not isinstance(formula, str):
        raise DataFormatError(f"a formula must be a string, got {type(formula).__name__}")
    return dict(_parse(formula.strip()))


def reduced_formula(formula: str, decimals: int = 6) -> str:
    """A canonical key for a composition: elements sorted, amounts as atomic fractions.

    Two formulas of the same composition (``"Fe2O3"`` and ``"Fe4O6"``) give the same key; used to
    group rows by composition.
    """
    comp = parse_formula(formula)
    total = sum(comp.values())
    return "".join(f"{el}{round(val / total, decimals):g}" for el, val in sorted(comp.items()))


def composition_matrix(formulas: Sequence[str] | Iterable[str], normalize: bool = True) -> np.ndarray:
    """Element amounts of many formulas as a dense matrix.

    Parameters
    ----------
    formulas : sequence of str, length n
        Formulas as accepted by :func:`parse_formula`.
    normalize : bool
        If True, each row holds atomic fractions (sums to 1).

    Returns
    -------
    numpy.ndarray, shape (n, 118)
        Column ``Z - 1`` holds the amount of the element with atomic number ``Z``.

    Raises
    ------
    DataFormatError
        Naming the row (0-based) of the first formula that cannot be parsed.
    """
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    n = 0
    for i, formula in enumerate(formulas):
        try:
            parsed = _parse(formula.strip()) if isinstance(formula, str) else parse_formula(formula)
        except DataFormatError as exc:
            raise type(exc)(f"row {i}: {exc}") from None
        for el, val in parsed:
            rows.append(i)
            cols.append(atomic_numbers[el] - 1)
            vals.append(val)
        n = i + 1
    out = np.zeros((n, N_ELEMENTS))
    np.add.at(out, (np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)), vals)
    if normalize and n:
        out /= out.sum(axis=1, keepdims=True)
    return out

