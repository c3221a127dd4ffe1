"""Check that the virtualenv holds exactly the versions of the lock (``make install``'s last step).

Usage: ``python tools/check_lock.py constraints.txt``. Exit 1 naming each package whose installed
version differs from the lock, or that the lock names and is missing; packages installed beyond
the lock are listed as a warning (they come from an older set-up; ``make clean`` removes them).
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main(lock_path: str) -> int:
    pins: dict[str, str] = {}
    for line in Path(lock_path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_norm(name)] = version.strip()
    installed = {_norm(d.metadata["Name"]): d.version for d in metadata.distributions()}
    bad = []
    for name, version in sorted(pins.items()):
        have = installed.get(name)
        if have is None:
            bad.append(f"{name}: locked {version}, not installed")
        elif have.split("+")[0] != version.split("+")[0]:
            bad.append(f"{name}: locked {version}, installed {have}")
    cuda = sorted(n for n in installed if n.startswith("nvidia-"))
    if cuda:
        bad.append(f"CUDA packages installed ({', '.join(cuda[:3])}, ...): torch must be the CPU "
                   f"build; `make clean install`")
    extra = sorted(set(installed) - set(pins) - {"matterlearn"})
    if extra:
        print(f"note: installed beyond the lock (from an older set-up): {', '.join(extra)}",
              file=sys.stderr)
    if bad:
        print(f"error: the virtualenv does not match {lock_path}: " + "; ".join(bad),
              file=sys.stderr)
        return 1
    print(f"{len(pins)} packages match {lock_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "constraints.txt"))
