# The setup contract: `make demo` and `make test` on a fresh machine need nothing else.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.matterlearn-installed
# pytest workers: the CI machines have 2 cores
JOBS   ?= 2

# The lock: every package pinned (made by `make lock`); installs never take a newer release by accident
LOCK   := constraints.txt
PIP    := $(PY) -m pip install --quiet --constraint $(LOCK)

.PHONY: install lock postgres chromium demo test test-slow test-tutorials docs test-emt test-workflow bench clean

install: $(STAMP)

# Idempotent: the venv is made only when missing, and packages are installed again only when
# pyproject.toml or the lock changed. Everything comes from the lock: pip and setuptools first (the
# project is built with them, without build isolation, so no unpinned build tool is fetched), then
# torch's CPU build, so that no other requirement can pull a CUDA build, then the project. The
# last step checks that what is installed is exactly what the lock says.
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) pip setuptools pybind11
	$(PIP) torch
	$(PIP) --no-build-isolation -e ".[all,dev,docs]"
	$(PY) tools/check_lock.py $(LOCK)
	@touch $(STAMP)

# Refresh the lock on purpose: resolve afresh, pin everything, then review the diff and run the tests.
# `make lock KEEP=1` keeps the versions already pinned and resolves only new dependencies.
lock:
	PYTHON=$(PYTHON) KEEP=$(KEEP) bash tools/lock.sh

demo: install
	$(VENV)/bin/matterlearn demo --out demo-output

test: install
	$(PY) -m pytest -n $(JOBS) -m "not slow" tests

# the slow step tests ASE databases on a real PostgreSQL server and opens the workflow's report
# in a real browser: Debian's packages, installed here when missing (as root, e.g. in CI;
# otherwise run `sudo make postgres chromium` once)
test-slow: install postgres chromium
	$(PY) -m pytest -n $(JOBS) -m "slow and not workflow_full and not tutorials" tests
	$(MAKE) test-tutorials

# the three tutorials, each from a clean kernel, one after another (each may use every core, and
# must finish in 5 minutes); the executed notebooks are kept for `make docs`
TUTORIALS_OUT := docs/tutorials/executed
test-tutorials: install
	MATTERLEARN_TUTORIALS_OUT=$(TUTORIALS_OUT) $(PY) -m pytest -m tutorials tests/docs

# the documentation site, offline, warnings as errors: the tutorials are executed first unless
# their executed notebooks are current, then Sphinx builds docs/_build/html, then every internal
# link and every public name's reference page is checked
docs: install
	$(PY) tools/tutorials.py run --reuse --out $(TUTORIALS_OUT)
	$(PY) -m sphinx -W --keep-going -E -q -b html docs docs/_build/html
	$(PY) tools/check_docs.py docs/_build/html

# the EMT Au-Cu cluster expansion on all 631 relaxed structures up to 8 atoms alone (about three
# minutes on one core; part of the slow step)
test-emt: install
	$(PY) -m pytest -m emt_long tests

# the main job at full size against the classic route (every structure relaxed with EMT): the
# acceptance figures of the README's table; about 20 minutes on 2 cores, so not part of CI
test-workflow: install
	$(PY) -m pytest -m workflow_full tests

postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null; \
	else echo "PostgreSQL is missing: run 'sudo make postgres' once" >&2; exit 1; fi

chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	else echo "Chromium is missing: run 'sudo make chromium' once" >&2; exit 1; fi

bench: install
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) demo-output .pytest_cache build src/*.egg-info docs/_build docs/api docs/cli.md $(TUTORIALS_OUT)
