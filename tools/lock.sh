#!/usr/bin/env bash
# Refresh the lock (constraints.txt): resolve the project's dependencies afresh with pip's
# resolver in a throw-away virtualenv, exactly as `make install` installs them (torch's CPU build
# first), and write every resulting package pinned. Run on purpose (`make lock`), review the
# diff, run `make test`, and commit the lock with the change that needed it.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
TORCH=${TORCH:-torch==2.13.0}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" -m venv "$tmp/venv"
# KEEP=1 (`make lock KEEP=1`): keep every version the lock already pins and resolve only what is
# new, for a change that adds a dependency without taking newer releases of the others
keep=()
if [ "${KEEP:-0}" = 1 ]; then keep=(--constraint constraints.txt); fi
pip="$tmp/venv/bin/python -m pip"
# build tools first: the project and the sdists among its dependencies (icet: pybind11) are built
# without build isolation, as `make install` builds them, so the build tools are pinned too
$pip install --quiet --upgrade "${keep[@]}" pip setuptools pybind11
$pip install --quiet "${keep[@]}" "$TORCH"
$pip install --quiet "${keep[@]}" --no-build-isolation ".[all,dev,docs]"
{
  echo "# The lock: every package pinned, as pip's resolver chose them on $(date -u +%Y-%m-%d)"
  echo "# for $("$tmp/venv/bin/python" -c 'import platform,sys; print(f"Python {sys.version.split()[0]} on {platform.machine()} Linux")')."
  echo "# Installed by \`make install\` as constraints; refreshed only on purpose by \`make lock\`."
  "$tmp/venv/bin/python" -m pip freeze --all | grep -v -i -E '^(matterlearn|-e )' | sed -E 's/^(torch==[^+]*)\+cpu$/\1/'
} > constraints.txt.new
mv constraints.txt.new constraints.txt
echo "wrote constraints.txt ($(grep -c '==' constraints.txt) packages)"
