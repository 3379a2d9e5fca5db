# Everything a fresh machine with only python3 needs: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# `make test` installs the built wheel here, in a venv of its own, and checks it.
WHEEL_VENV := build/wheel-venv

.PHONY: help install demo test lint typecheck pytest pytest-dev pytest-nospeedups docs dist wheel-check bench clean

help:
	@echo "make demo   start zep-async serve, then drive it with the CLI and the SDK"
	@echo "make test   install everything, then ruff, mypy --strict, pytest and the docs build"
	@echo "make docs   build the documentation site into site/"
	@echo "make dist   build the sdist and the wheel into dist/ and check their metadata"
	@echo "make bench  run the benchmarks and rewrite docs/performance.md"

# The interpreter is checked before anything is created, so a Python that is too old
# stops with one line instead of leaving a .venv that every later run trips over.
# $(call python_ok,INTERPRETER) is "ok", its version when too old, or nothing.
python_ok = $(shell $(1) -c 'import sys; print("ok" if sys.version_info >= (3, 11) else "%d.%d" % sys.version_info[:2])' 2>/dev/null)
python_too_old = zep-async needs Python 3.11 or newer, and $(1) is $(or $(2),not a Python that runs)

$(BIN)/python:
	$(if $(filter ok,$(call python_ok,$(PYTHON))),,$(error $(call python_too_old,$(PYTHON),$(call python_ok,$(PYTHON))): run make PYTHON=python3.11 (or newer)))
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }
	$(PIP) install --quiet --upgrade pip || { rm -rf $(VENV); exit 1; }

# A .venv left by an older Makefile, or made by another interpreter, is refused the same way.
check_venv = $(if $(filter ok,$(call python_ok,$(BIN)/python)),,$(error $(call python_too_old,$(VENV),$(call python_ok,$(BIN)/python)): run make clean, then make PYTHON=python3.11 (or newer)))

# Re-install when the project's metadata changes.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(check_venv)
	$(PIP) install --quiet -e '.[dev]'
	@touch $@

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(check_venv)
	$(PIP) install --quiet -e '.[cli]'
	@touch $@

install: $(VENV)/.installed-dev

demo: $(VENV)/.installed
	$(BIN)/python docs/examples/demo.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy --strict zep_async

# Each pass runs on every core (pytest-xdist); JOBS=0 runs it in this one process.
JOBS ?= auto

pytest: install
	$(BIN)/python -m pytest -n $(JOBS)

# The suite once more under the dev-mode runtime, where a leaked socket is an error. The
# tests marked pure (codec tables: computation only, nothing to leak) ran in the plain pass
# and run again below without the speedups; tests/conftest.py starts the workers with -X dev.
pytest-dev: install
	$(BIN)/python -X dev -W error::ResourceWarning -m pytest -q -p no:cacheprovider -n $(JOBS) -m 'not pure'

# The codec's suites once more as a user without the speedups extra runs them: the
# codec honours ZEP_ASYNC_NO_SPEEDUPS by ignoring orjson and msgspec (cheaper than a venv).
CODEC_TESTS := tests/test_convert.py tests/test_convert_fast.py tests/test_convert_models.py \
	tests/test_encode.py tests/test_encode_fast.py tests/test_codec_reply.py \
	tests/test_attack_decode.py tests/test_sessions_json.py tests/test_page_bounds.py
pytest-nospeedups: install
	ZEP_ASYNC_NO_SPEEDUPS=1 $(BIN)/python -m pytest -q -p no:cacheprovider -n $(JOBS) $(CODEC_TESTS)

docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

# The sdist and the wheel, built by the standard front end (the wheel from the sdist, so a
# file missing from the sdist fails here), then their metadata checked. Rebuilt only when
# something that goes into them changed: a tracked file, or any file of the package.
DIST_INPUTS := $(sort pyproject.toml README.md $(wildcard $(shell git ls-files 2>/dev/null)) \
	$(shell find zep_async -type f -not -name '*.pyc' 2>/dev/null))

dist: dist/.built

dist/.built: $(DIST_INPUTS) | $(VENV)/.installed-dev
	rm -rf dist
	$(BIN)/python -m build --quiet --outdir dist .
	$(BIN)/twine check --strict dist/*.tar.gz dist/*.whl
	@touch $@

# The wheel as a user gets it: a new venv, a plain (not editable) install with the cli
# extra, then scripts/check_wheel.py run by that venv from outside the source tree.
wheel-check: $(WHEEL_VENV)/.checked

$(WHEEL_VENV)/.checked: dist/.built scripts/check_wheel.py
	rm -rf $(WHEEL_VENV)
	$(BIN)/python -m venv --without-pip $(WHEEL_VENV)
	$(PIP) --python $(WHEEL_VENV)/bin/python install --quiet "$$(ls dist/*.whl)[cli]"
	$(WHEEL_VENV)/bin/python -I scripts/check_wheel.py dist
	@touch $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(check_venv)
	$(PIP) install --quiet -e '.[dev,bench]'
	@touch $@

# The full benchmark run, about 10 minutes on 2 cores (not part of `make test`; a tiny
# smoke run of it is). The official SDK goes in benchmarks/.venv-official, made on
# first use. The run writes benchmarks/results/latest.json; the plot and the page are
# then drawn from that file.
bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.run --no-plot
	$(BIN)/python -m benchmarks.plot
	$(BIN)/python -m benchmarks.report

test: lint typecheck pytest pytest-dev pytest-nospeedups docs wheel-check

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis build dist *.egg-info
