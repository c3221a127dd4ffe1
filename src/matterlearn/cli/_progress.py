"""One progress display for every long command: what is being done, a bar, done/total, elapsed
and remaining time.

On a terminal this is a rich bar on stderr that is gone when the command ends. Where stderr is
not a terminal (a pipe, a log file, a batch job), the same tasks come out as plain lines on
stderr: one whenever a task starts or its description changes, and otherwise at most one every
:data:`LINE_INTERVAL` seconds, so that a log shows that work goes on and how far it is.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

#: seconds between two plain progress lines of the same task (non-terminal output)
LINE_INTERVAL = 30.0


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


class LineProgress:
    """The subset of rich's ``Progress`` that the commands use, written as plain lines."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._tasks: dict[int, dict[str, Any]] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._beat: threading.Thread | None = None

    def __enter__(self) -> LineProgress:
        # a heartbeat: long steps between two updates (one outer fold, one training) still
        # show every LINE_INTERVAL seconds that work goes on
        self._beat = threading.Thread(target=self._heartbeat, daemon=True)
        self._beat.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        return None

    def _heartbeat(self) -> None:
        while not self._stop.wait(LINE_INTERVAL / 3):
            with self._lock:
                now = time.monotonic()
                for k, t in self._tasks.items():
                    if t["last"] and now - t["last"] >= LINE_INTERVAL:
                        self._line(k)

    def add_task(self, description: str, total: float | None = None, **_: Any) -> int:
        k = len(self._tasks)
        # the first line comes with the first update: a command that fails while setting up
        # prints its one error line alone
        self._tasks[k] = {"description": description, "total": total, "completed": 0.0,
                          "start": time.monotonic(), "last": 0.0}
        return k

    def update(self, task: int, completed: float | None = None, total: float | None = None,
               description: str | None = None, advance: float | None = None, **_: Any) -> None:
        with self._lock:
            self._update(task, completed, total, description, advance)

    def _update(self, task: int, completed: float | None, total: float | None,
                description: str | None, advance: float | None) -> None:
        t = self._tasks[task]
        changed = description is not None and description != t["description"]
        if description is not None:
            t["description"] = description
        if total is not None:
            t["total"] = total
        if advance is not None:
            t["completed"] += advance
        if completed is not None:
            t["completed"] = completed
        if changed or time.monotonic() - t["last"] >= LINE_INTERVAL:
            self._line(task)

    def _line(self, task: int) -> None:
        t = self._tasks[task]
        now = time.monotonic()
        t["last"] = now
        elapsed = now - t["start"]
        parts = [p for p in (self.prefix, t["description"]) if p]
        text = " ".join(parts)
        if t["total"]:
            done, total = t["completed"], t["total"]
            text += f": {done:,.0f}/{total:,.0f}, elapsed {_clock(elapsed)}"
            if 0 < done < total:
                text += f", about {_clock(elapsed * (total - done) / done)} left"
        elif t["completed"]:
            text += f": {t['completed']:,.0f} so far, elapsed {_clock(elapsed)}"
        else:
            text += f": elapsed {_clock(elapsed)}"
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    @property
    def console(self) -> Any:
        from rich.console import Console

        return Console(stderr=True)


def progress(description: str = "", transient: bool = True) -> Any:
    """A progress display whose tasks show ``description`` followed by the task's own text."""
    from rich.console import Console

    console = Console(stderr=True)
    # a log, a pipe, TERM=dumb or TTY_INTERACTIVE=0 (a notebook's `!matterlearn ...` runs on a
    # pseudo-terminal whose output cannot redraw a bar): plain lines
    if not console.is_interactive:
        return LineProgress(description)
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    text = "{task.description}" if not description else description + " {task.description}"
    return Progress(TextColumn(text), BarColumn(), MofNCompleteColumn(), TextColumn("elapsed"),
                    TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                    transient=transient, console=console)
