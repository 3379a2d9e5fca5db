# Everything a fresh machine with only python3 needs: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip

.PHONY: help install demo test lint typecheck pytest pytest-dev docs bench clean

help:
	@echo "make demo   start zep-async serve, then drive it with the CLI and the SDK"
	@echo "make test   install everything, then ruff, mypy --strict, pytest and the docs build"
	@echo "make docs   build the documentation site into site/"
	@echo "make bench  run the benchmarks and rewrite docs/performance.md"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Re-install when the project's metadata changes.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	@touch $@

$(VENV)/.installed: pyproject.toml | $(BIN)/python
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

pytest: install
	$(BIN)/python -m pytest

# The suite once more under the dev-mode runtime, where a leaked socket is an error.
pytest-dev: install
	$(BIN)/python -X dev -W error::ResourceWarning -m pytest -q -p no:cacheprovider

docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[dev,bench]'
	@touch $@

# The full benchmark run, about 8 minutes on 2 cores (not part of `make test`; a tiny
# smoke run of it is). The official SDK goes in benchmarks/.venv-official, made on
# first use. The run writes benchmarks/results/latest.json; the plot and the page are
# then drawn from that file.
bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.run --no-plot
	$(BIN)/python -m benchmarks.plot
	$(BIN)/python -m benchmarks.report

test: lint typecheck pytest pytest-dev docs

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis build dist *.egg-info
