"""The exception hierarchy of matterlearn.

Every error raised on purpose derives from :class:`MatterlearnError`, and also from the builtin
exception it refines, so ``except ValueError`` keeps working for callers who do not know us.
Messages say what was wrong, where (file, frame or row, key), and what to do; the command line
prints them as one line.
"""

from __future__ import annotations

__all__ = [
    "MatterlearnError",
    "MissingDependencyError",
    "DataFileNotFoundError",
    "DataFormatError",
    "UnknownElementError",
    "MissingLabelError",
    "MissingColumnError",
    "EmptyDataError",
    "UnknownDatasetError",
    "ParameterError",
    "ResourceLimitError",
    "OutputLocationError",
    "ExtrapolationError",
]


class MatterlearnError(Exception):
    """Base class of every error matterlearn raises on purpose."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else self.__class__.__name__


class DataFileNotFoundError(MatterlearnError, FileNotFoundError):
    """An input file does not exist."""


class DataFormatError(MatterlearnError, ValueError):
    """An input file or value cannot be parsed, or holds invalid values (NaN, wrong shape)."""


class UnknownElementError(DataFormatError):
    """A formula or structure names a chemical element that does not exist."""


class EmptyDataError(DataFormatError):
    """An input holds no rows or frames."""


class MissingLabelError(MatterlearnError, KeyError):
    """A frame lacks a label (energy, forces, stress, a target) that was asked for."""


class MissingColumnError(MissingLabelError):
    """A table lacks a column that was asked for."""


class UnknownDatasetError(MatterlearnError, KeyError):
    """A dataset name is not in the registry."""


class ParameterError(MatterlearnError, ValueError):
    """A parameter given to a public function or command is out of range or inconsistent."""


class ResourceLimitError(ParameterError):
    """A request would need more memory, structures or rows than is sensible on this machine."""


class OutputLocationError(MatterlearnError, OSError):
    """An output file or folder cannot be written where it was asked for."""


class ExtrapolationError(MatterlearnError, RuntimeError):
    """A potential was asked about a structure far outside its training data, and stopped."""


class MissingDependencyError(MatterlearnError, ImportError):
    """An optional component (LAMMPS, ...) that this request needs is not installed."""
