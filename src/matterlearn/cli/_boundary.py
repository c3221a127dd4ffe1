"""The boundary of every command: output locations checked before work starts, outputs written
all together or not at all, and a note of what an interrupted run kept.

A command opens one :class:`Outputs`, declares each file and folder it will write (each is
checked at once: not a folder where a file is wanted, its folder writable), does its work, and
writes every output through :meth:`Outputs.stage`, which hands out a temporary path beside the
destination. Only when the command's block ends without an error are the staged paths renamed
onto their destinations; on an error or an interrupt they are removed, so a failed command
leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

from ..data._frames import (
    _URL_PREFIXES as _URLS,  # the one list of database URL schemes
)
from ..errors import OutputLocationError

__all__ = ["Outputs", "check_file_location", "check_folder_location", "interrupt_note",
           "set_interrupt_note"]

_interrupt_note: list[str] = []


def set_interrupt_note(text: str) -> None:
    """Say what an interrupt of the running command keeps (a checkpoint, labelled rows)."""
    _interrupt_note[:] = [text]


def interrupt_note() -> str:
    """What the running command said an interrupt keeps; by default, that nothing was written."""
    return _interrupt_note[0] if _interrupt_note else "nothing was written"


def _existing_ancestor(path: Path) -> Path:
    p = path.absolute().parent
    while not p.exists():
        p = p.parent
    return p


def _check_writable_folder(folder: Path, dest: Path, option: str) -> None:
    if not folder.is_dir():
        raise OutputLocationError(f"{option} '{dest}': '{folder}' is a file, not a folder; "
                                  f"choose another location")
    try:  # the one true test (permissions, read-only mounts, quotas); as root too
        fd, probe = tempfile.mkstemp(prefix=".matterlearn-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputLocationError(f"{option} '{dest}': cannot write in folder '{folder}' "
                                  f"({exc.strerror}); choose a writable location") from None


def check_file_location(path: str | os.PathLike[str], option: str,
                        suffixes: tuple[str, ...] | None = None) -> Path:
    """Refuse, before any work, an output file that could not be written: an existing folder,
    a file whose folder is a file or not writable, or a suffix outside ``suffixes``."""
    dest = Path(path)
    if dest.is_dir():
        raise OutputLocationError(f"{option} '{dest}' is a folder; give a file name, "
                                  f"e.g. {dest / ('out' + (suffixes[0] if suffixes else '.json'))}")
    if suffixes is not None and dest.suffix.lower() not in suffixes:
        raise OutputLocationError(f"{option} '{dest}': the file must end in "
                                  f"{' or '.join(suffixes)}")
    _check_writable_folder(_existing_ancestor(dest), dest, option)
    return dest


def check_folder_location(path: str | os.PathLike[str], option: str) -> Path:
    """Refuse, before any work, an output folder that is a file or cannot be written in."""
    dest = Path(path)
    if dest.exists() and not dest.is_dir():
        raise OutputLocationError(f"{option} '{dest}' is a file; give a folder")
    _check_writable_folder(dest if dest.is_dir() else _existing_ancestor(dest), dest, option)
    return dest


class Outputs:
    """Every output of one command, written all together at the end or not at all.

    Use as a context manager around the command's work::

        with Outputs() as outs:
            model = outs.file(model_path, "--out")
            ...
            estimator.save(outs.stage(model))

    The block's normal end renames the staged paths onto their destinations; an exception
    (an error, an interrupt) removes them.
    """

    def __init__(self) -> None:
        self._declared: dict[Path, str] = {}  # destination -> "file" or "folder"
        self._staged: list[tuple[Path, Path]] = []  # (temporary, destination)

    def file(self, path: str | os.PathLike[str] | None, option: str,
             suffixes: tuple[str, ...] | None = None) -> Path | None:
        """Declare an output file (``None``: not asked for); checked now."""
        if path is None:
            return None
        if str(path).startswith(_URLS):  # a database server: one transaction, nothing to stage
            return path  # type: ignore[return-value]
        dest = check_file_location(path, option, suffixes)
        self._declared[dest] = "file"
        return dest

    def folder(self, path: str | os.PathLike[str] | None, option: str) -> Path | None:
        """Declare an output folder (``None``: not asked for); checked now."""
        if path is None:
            return None
        dest = check_folder_location(path, option)
        self._declared[dest] = "folder"
        return dest

    def stage(self, dest: Path) -> Path:
        """A temporary path to write ``dest`` to: a file of the same suffix beside it, or, for a
        folder, a temporary folder whose files are moved into ``dest`` on commit."""
        if str(dest).startswith(_URLS):
            return dest
        kind = self._declared.get(dest)
        if kind is None:
            raise RuntimeError(f"output {dest} was not declared")  # a programming error
        parent = _existing_ancestor(dest / "x") if kind == "folder" else _existing_ancestor(dest)
        if kind == "folder":
            tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.staged-", dir=parent))
        else:
            fd, name = tempfile.mkstemp(prefix=f"{dest.stem}.staged-", suffix=dest.suffix,
                                        dir=parent)
            os.close(fd)
            os.unlink(name)  # writers create it; some (ASE db) refuse an existing empty file
            tmp = Path(name)
        self._staged.append((tmp, dest))
        return tmp

    def write_text(self, dest: Path | None, text: str) -> None:
        """Stage ``text`` for ``dest`` (nothing when ``dest`` is None)."""
        if dest is not None:
            self.stage(dest).write_text(text, encoding="utf-8")

    def commit(self) -> None:
        """Move every staged output onto its destination."""
        for tmp, dest in self._staged:
            if tmp.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                for item in sorted(tmp.rglob("*")):
                    target = dest / item.relative_to(tmp)
                    if item.is_dir():
                        target.mkdir(parents=True, exist_ok=True)
                    else:
                        os.replace(item, target)
                shutil.rmtree(tmp, ignore_errors=True)
            elif tmp.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, dest)
        self._staged.clear()

    def discard(self) -> None:
        """Remove every staged output."""
        for tmp, _ in self._staged:
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
        self._staged.clear()

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            try:
                self.commit()
            finally:
                self.discard()
        else:
            self.discard()

