"""Tables of compositions with targets (CSV), validated row by row."""

from __future__ import annotations

import csv
import gzip
import io
import lzma
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataFileNotFoundError, DataFormatError, EmptyDataError, MissingColumnError
from ._composition import _parse

__all__ = ["CompositionTable", "read_table", "write_table", "INPUT_COLUMNS"]

#: Column names accepted, in this order, for the composition of a row.
INPUT_COLUMNS = ("formula", "composition")


@dataclass
class CompositionTable:
    """Compositions with one target each.

    Attributes
    ----------
    formulas : list of str, length n
        Formulas as written in the file.
    targets : numpy.ndarray, shape (n,)
        Target values (float; 0/1 for a binary classification).
    target : str
        Name of the target column.
    source : str
        Where the table came from (for messages and reports).
    extra : dict of str to numpy.ndarray
        Other numeric columns, by name.
    """

    formulas: list[str]
    targets: np.ndarray
    target: str
    source: str = ""
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.formulas)


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".xz":
        return lzma.open(path, "rt", encoding="utf-8", newline="")
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def read_table(
    path: str | os.PathLike[str],
    target: str | None = "target",
    *,
    input_column: str | None = None,
    allow_missing_targets: bool = False,
) -> CompositionTable:
    """Read a CSV table of compositions and a target column.

    Parameters
    ----------
    path : str or path-like
        A CSV file (optionally ``.gz`` or ``.xz`` compressed) with a header row.
    target : str or None
        Name of the target column. ``None`` reads compositions only (targets all NaN).
    input_column : str, optional
        Column holding the formulas; by default the first of ``formula``, ``composition``.
    allow_missing_targets : bool
        If False (default), an empty or NaN target is an error naming the row.

    Returns
    -------
    CompositionTable

    Raises
    ------
    DataFileNotFoundError, MissingColumnError, DataFormatError, UnknownElementError, EmptyDataError
        Each naming the file and, where it applies, the row (counted as in a spreadsheet: the
        header is line 1, the first data row line 2) and the fix.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileNotFoundError(f"file '{path}' does not exist")
    reader = None
    try:
        with _open_text(path) as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            rows = list(reader)
    except csv.Error as exc:
        line = reader.line_num if reader is not None else 0
        if "field larger than field limit" in str(exc):
            raise DataFormatError(
                f"file '{path}', line {line}: a field longer than {csv.field_size_limit():,} "
                f"characters; a table of formulas has short fields: check the file") from None
        raise DataFormatError(f"file '{path}', line {line}: cannot read as CSV text: {exc}") from None
    except (UnicodeDecodeError, OSError, EOFError, lzma.LZMAError) as exc:
        raise DataFormatError(f"file '{path}': cannot read as CSV text: {exc}") from exc
    if not header:
        raise EmptyDataError(f"file '{path}' is empty; expected a header row such as 'formula,target'")
    header = [h.strip() for h in header]
    cols = ", ".join(header)
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise DataFormatError(f"file '{path}': column '{repeated[0]}' appears twice in the header "
                              f"({cols}); rename or remove one")
    if input_column is None:
        input_column = next((c for c in INPUT_COLUMNS if c in header), None)
        if input_column is None:
            raise MissingColumnError(
                f"file '{path}' has no 'formula' or 'composition' column (columns: {cols}); "
                "name the column with --input-column"
            )
    elif input_column not in header:
        raise MissingColumnError(f"file '{path}' has no column '{input_column}' (columns: {cols})")
    if target is not None and target not in header:
        raise MissingColumnError(
            f"file '{path}' has no target column '{target}' (columns: {cols}); "
            "choose one with --target"
        )
    numbered = [(i + 2, r) for i, r in enumerate(rows) if any(c.strip() for c in r)]
    rows = [r for _, r in numbered]
    if not rows:
        raise EmptyDataError(f"file '{path}' has a header but no data rows")
    i_in = header.index(input_column)
    i_t = header.index(target) if target is not None else None
    formulas: list[str] = []
    targets = np.full(len(rows), np.nan)
    for r, (line, row) in enumerate(numbered):
        if len(row) != len(header):
            raise DataFormatError(
                f"file '{path}', line {line}: {len(row)} fields where the header has {len(header)}"
            )
        formula = row[i_in].strip()
        try:
            _parse(formula)
        except DataFormatError as exc:
            raise type(exc)(f"file '{path}', line {line}: {exc}") from None
        formulas.append(formula)
        if i_t is not None:
            raw = row[i_t].strip()
            try:
                value = float(raw) if raw else np.nan
            except ValueError:
                lowered = raw.lower()
                if lowered in ("true", "false"):
                    value = float(lowered == "true")
                else:
                    raise DataFormatError(
                        f"file '{path}', line {line}: target '{target}' is {raw!r}, not a number"
                    ) from None
            if not np.isfinite(value) and not allow_missing_targets:
                raise DataFormatError(
                    f"file '{path}', line {line}: target '{target}' is missing or NaN; "
                    "drop the row or fill in the value"
                )
            targets[r] = value
    extra: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        if j in (i_in, i_t):
            continue
        try:
            extra[name] = np.array([float(row[j]) if row[j].strip() else np.nan for row in rows])
        except ValueError:
            continue  # a text column: not a feature
    return CompositionTable(formulas, targets, target or "", str(path), extra)


def write_table(path: str | os.PathLike[str], table: CompositionTable) -> None:
    """Write a table as CSV (``formula``, target, extra columns) atomically."""
    from ._atomic import atomic_path

    names = [table.target or "target", *table.extra]
    columns = [table.targets, *table.extra.values()]
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["formula", *names])
        for i, formula in enumerate(table.formulas):
            w.writerow([formula, *(repr(float(c[i])) for c in columns)])
