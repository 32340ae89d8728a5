# The commands a person runs. Each sets up .venv from pyproject.toml on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
AGENT  ?= conformance.reference:ReferenceAgent
STAMP  := $(VENV)/.installed

.PHONY: conformance test bench mutants venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $(STAMP)

## The bundled conformance suite against AGENT (default: the reference agent).
conformance: $(STAMP)
	$(PY) -m pytest -q --agent-impl=$(AGENT) conformance/suite

## Everything the project checks.
test: $(STAMP)
	$(PY) -m pytest -q tests

## The mutant catalogue: every known-buggy agent must be caught; prints killed/total.
mutants: $(STAMP)
	$(PY) tests/mutation_score.py

## Benchmarks: scaling figures, measured in one run (never asserted by tests).
bench: $(STAMP)
	$(PY) tests/bench.py

clean:
	rm -rf $(VENV) .pytest_cache
