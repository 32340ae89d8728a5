# The commands a person runs. Each sets up .venv from pyproject.toml on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
AGENT  ?= agent_limits.conformance.reference:ReferenceAgent
STAMP  := $(VENV)/.installed
FW     := $(VENV)/.frameworks

.PHONY: conformance test bench mutants matrix venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The framework extras (pinned in pyproject.toml): what the adapter tests and the matrix need.
$(FW): $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,frameworks]"
	touch $(FW)

## The bundled conformance suite against AGENT (default: the reference agent).
conformance: $(STAMP)
	$(PY) -m pytest -q --agent-impl=$(AGENT) conformance/suite

## Everything the project checks: unit, plugin, mutant and adapter tests, then the matrix
## against every framework, which must equal the committed docs/matrix.json.
test: $(FW)
	$(PY) -m pytest -q tests
	$(PY) -m agent_limits.harness.matrix --out $$(mktemp -d) --check docs

## The mutant catalogue: every known-buggy agent must be caught; prints killed/total.
mutants: $(STAMP)
	$(PY) tests/mutation_score.py

## docs/MATRIX.md and docs/matrix.json: the suite against every framework, clause by clause.
matrix: $(FW)
	$(PY) -m agent_limits.harness.matrix --out docs

## Benchmarks: scaling figures, measured in one run (never asserted by tests).
bench: $(STAMP)
	$(PY) tests/bench.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
