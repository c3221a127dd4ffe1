"""Critical sections that an interrupt must not split."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["deferred_interrupts", "forget_interrupt", "raise_if_interrupted", "request_interrupt"]

# set by the command line's SIGINT handler; long loops read it between their steps
_REQUESTED = threading.Event()


def request_interrupt() -> None:
    """Record that the user asked to stop (the command line's Ctrl-C handler calls this)."""
    _REQUESTED.set()


def forget_interrupt() -> None:
    """Drop a recorded request (a new command starts with none)."""
    _REQUESTED.clear()


def raise_if_interrupted() -> None:
    """Raise :class:`KeyboardInterrupt` if an interrupt was asked for and not yet acted on.

    The handler raises at once as well, but an exception raised inside a callback of compiled
    code (numba compiling a kernel through llvmlite) is printed and dropped there, and the work
    would go on. Loops that run for long call this once per step so that the request is kept.
    """
    if _REQUESTED.is_set():
        _REQUESTED.clear()
        raise KeyboardInterrupt


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back until the block ends, then deliver it.

    A write that holds a lock (an ASE database takes a lock file) must not be cut in the middle:
    an interrupt there would leave the lock behind and make the next run wait for ever. Outside
    the main thread signals are not delivered anyway, and the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
