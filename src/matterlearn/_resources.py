"""What this machine can hold: the memory check behind every size limit (supercells, enumerations)."""

from __future__ import annotations

import os

__all__ = ["available_memory", "format_bytes", "check_memory"]


def available_memory() -> int:
    """Bytes of memory available to a new allocation now (Linux ``MemAvailable``, else the
    physical memory)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 8 * 1024**3


def format_bytes(n: float) -> str:
    """``1.5e10`` -> ``'15 GB'`` (decimal units, two significant digits at most)."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.2g} {unit}".replace("e+", "e")
    return f"{n:.0f} B"


def check_memory(need: float, what: str, fix: str, share: float = 0.8) -> None:
    """Raise :class:`~matterlearn.errors.ResourceLimitError` when ``need`` bytes exceed ``share`` of
    the available memory; the message names the estimate, what is available, and ``fix``."""
    from .errors import ResourceLimitError

    have = available_memory()
    if need > share * have:
        raise ResourceLimitError(f"{what} would need about {format_bytes(need)} of memory; "
                                 f"{format_bytes(have)} is available; {fix}")
