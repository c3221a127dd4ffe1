"""The ``matterlearn`` command line: short adapters over the tested API.

``main`` runs the typer app and turns a :class:`~matterlearn.errors.MatterlearnError` into one
line ``error: ...`` on stderr with exit status 1 (``--traceback`` shows the stack instead); usage
errors keep click's status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ..errors import MatterlearnError
from ._app import app

__all__ = ["app", "main"]


def _first(*classes: type | None) -> tuple[type, ...]:
    return tuple(c for c in classes if c is not None)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``matterlearn`` script; returns (and exits with) the status."""
    import typer
    import typer.main

    # typer either wraps click or vendors it; take the exception classes from wherever it keeps them
    click_exceptions = sys.modules[typer.BadParameter.__module__]
    args = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=args, prog_name="matterlearn", standalone_mode=False)
        code = rv if isinstance(rv, int) else 0
    except MatterlearnError as exc:
        if "--traceback" in args:
            raise
        sys.stderr.write(f"error: {exc}\n")
        code = 1
    except _first(typer.Exit, getattr(click_exceptions, "Exit", None)) as exc:
        code = exc.exit_code
    except _first(typer.Abort, getattr(click_exceptions, "Abort", None)):
        sys.stderr.write("aborted\n")
        code = 130
    except click_exceptions.ClickException as exc:  # usage errors: status 2
        exc.show()
        code = exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        code = 130
    if argv is None:
        sys.exit(code)
    return code
