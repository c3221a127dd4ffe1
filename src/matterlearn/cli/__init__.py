"""The ``matterlearn`` command line: short adapters over the tested API.

``main`` runs the typer app behind one boundary: a :class:`~matterlearn.errors.MatterlearnError`
becomes one line ``error: ...`` on stderr with exit status 1, and so does an ``OSError`` on a
file (naming the path) and any other failure (``--traceback`` shows the stack instead); usage
errors keep click's status 2; an interrupt (Ctrl-C) prints one line ``interrupted: ...`` saying
what was kept, with status 130.
"""

from __future__ import annotations

import errno
import signal
import sys
from collections.abc import Sequence
from typing import Any

from .._signals import forget_interrupt, request_interrupt
from ..errors import MatterlearnError
from ._app import app
from ._boundary import interrupt_note, set_interrupt_note

__all__ = ["app", "main"]


def _first(*classes: type | None) -> tuple[type, ...]:
    return tuple(c for c in classes if c is not None)


_OS_FIXES = {
    errno.EACCES: "choose a location you may write to, or change its permissions",
    errno.EPERM: "choose a location you may write to, or change its permissions",
    errno.EROFS: "the file system is read-only: choose another location",
    errno.ENOSPC: "the disk is full: free some space or choose another location",
    errno.EEXIST: "something is in the way: remove it or choose another name",
    errno.ENOENT: "check the path",
    errno.EISDIR: "it is a folder: give a file name",
    errno.ENOTDIR: "a part of the path is a file, not a folder: check the path",
}


def _os_error_line(exc: OSError) -> str:
    reason = exc.strerror or str(exc) or type(exc).__name__
    fix = _OS_FIXES.get(exc.errno or -1, "check the path and its permissions")
    if exc.filename is None:
        return f"error: {reason}; {fix}"
    return f"error: '{exc.filename}': {reason}; {fix}"


class _Interrupted:
    """SIGINT handler that remembers the interrupt: an interrupt that reaches Python inside a
    compiled kernel (numba) can surface as another exception, which is then still read as one."""

    def __init__(self) -> None:
        self.seen = False

    def __call__(self, signum: int, frame: Any) -> None:
        self.seen = True
        request_interrupt()  # kept for the next step of a long loop, should this raise be lost
        raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``matterlearn`` script; returns (and exits with) the status."""
    import typer
    import typer.main

    # typer either wraps click or vendors it; take the exception classes from wherever it keeps them
    click_exceptions = sys.modules[typer.BadParameter.__module__]
    args = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(app)
    show_stack = "--traceback" in args
    interrupted = _Interrupted()
    forget_interrupt()
    try:
        previous = signal.signal(signal.SIGINT, interrupted)
    except ValueError:  # not the main thread (a test runner's worker): leave the handler alone
        previous = None
    set_interrupt_note("nothing was written")
    # an interrupt raised inside a callback of compiled code (llvmlite's object cache while numba
    # compiles) is "ignored" there with a traceback; the handler's flag carries it to the next
    # step of the work, so the ignored copy is dropped quietly
    default_unraisable = sys.unraisablehook

    def unraisable(info: Any) -> None:
        if not (interrupted.seen and isinstance(info.exc_value, KeyboardInterrupt)):
            default_unraisable(info)

    sys.unraisablehook = unraisable
    try:
        rv = command.main(args=args, prog_name="matterlearn", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
        if interrupted.seen:  # click turns an interrupt into a return value of 130, silently
            sys.stderr.write(f"interrupted: {interrupt_note()}\n")
            code = 130
    except _first(typer.Exit, getattr(click_exceptions, "Exit", None)) as exc:
        code = exc.exit_code
    except (KeyboardInterrupt, *_first(typer.Abort, getattr(click_exceptions, "Abort", None))):
        sys.stderr.write(f"interrupted: {interrupt_note()}\n")
        code = 130
    except click_exceptions.ClickException as exc:  # usage errors: status 2
        exc.show()
        code = exc.exit_code
    except BaseException as exc:
        if interrupted.seen:
            sys.stderr.write(f"interrupted: {interrupt_note()}\n")
            code = 130
        elif show_stack or not isinstance(exc, Exception):
            raise
        elif isinstance(exc, MatterlearnError):
            sys.stderr.write(f"error: {exc}\n")
            code = 1
        elif isinstance(exc, OSError):
            sys.stderr.write(_os_error_line(exc) + "\n")
            code = 1
        elif isinstance(exc, MemoryError):
            sys.stderr.write("error: out of memory; ask for a smaller system (fewer sites, "
                             "structures or rows)\n")
            code = 1
        else:
            msg = " ".join(str(exc).split()) or "no message"
            sys.stderr.write(f"error: unexpected {type(exc).__name__}: {msg} (a bug in "
                             f"matterlearn: rerun with --traceback and report it)\n")
            code = 1
    finally:
        sys.unraisablehook = default_unraisable
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if argv is None:
        sys.exit(code)
    return code
