# Two commands on a fresh machine with Python 3.11:
#   make demo   creates .venv, installs mlwright, and runs `mlwright demo`
#   make test   creates .venv, installs mlwright with its dev extra, and runs the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-all check lint format bench bench-peers bench-automl clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/mlwright demo

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

test-all: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -m ''

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

check: lint test

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/ingest.py

# The peers' virtualenvs for bench-automl (benchmarks/.venv-flaml, benchmarks/.venv-autogluon).
bench-peers:
	benchmarks/peers.sh

# mlwright, FLAML, AutoGluon and default LightGBM on twelve datasets, 60 s each (~45-50 min).
bench-automl: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/automl.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .mlwright
