# The commands a person runs. Each sets up .venv from pyproject.toml on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
AGENT  ?= agent_limits.conformance.reference:ReferenceAgent
STAMP  := $(VENV)/.installed
FW     := $(VENV)/.frameworks

.PHONY: conformance test tests typecheck bench mutants causes matrix venv clean

# Python writes its bytecode caches, whatever the shell says: with PYTHONDONTWRITEBYTECODE set
# (this machine sets it), every pytest process re-does pytest's assertion rewriting of our
# package and of every package that ships a pytest plugin (Hypothesis, syrupy, langsmith, ...)
# and recompiles them: about 2 s a process. make test starts over a hundred such processes (the
# mutants, the seed sweep, the must-pass variants, the matrix columns); measured on the tests
# alone, 888 -> 646 CPU-seconds.
unexport PYTHONDONTWRITEBYTECODE

venv: $(STAMP)

# --no-compile: pip would byte-compile every module it installs, one file after another, on one
# core: 40 of the 68 seconds the framework extras took to install from a fresh clone. Python
# compiles a module the first time it is imported instead (the caches are written, see above), and
# the runs import only part of what the frameworks ship.
PIP    := $(PY) -m pip install --quiet --no-compile

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -e ".[dev]"
	touch $(STAMP)

# The framework extras (pinned in pyproject.toml): what the adapter tests and the matrix need.
$(FW): $(STAMP)
	$(PIP) -e ".[dev,frameworks]"
	touch $(FW)

# The Cognipeer agent-sdk the cognipeer driver runs (pinned in bridges/cognipeer/package-lock.json;
# npm ci writes the stamp). A failure (no npm, no registry) is not fatal: tests/test_cognipeer.py
# then skips, saying the SDK is not installed.
COG    := bridges/cognipeer/node_modules/.package-lock.json
$(COG): bridges/cognipeer/package-lock.json
	-cd bridges/cognipeer && npm ci --no-audit --no-fund

## The bundled conformance suite against AGENT (default: the reference agent).
conformance: $(STAMP)
	$(PY) -m pytest -q --agent-impl=$(AGENT) conformance/suite

## Everything the project checks: types (make typecheck) beside the tests (make tests): unit, plugin,
## mutant and adapter tests, and the matrix against every framework, which must equal the committed
## docs/matrix.json (tests/test_matrix.py, one test per column, in the same pool of two workers).
test: $(FW) $(COG)
	$(MAKE) --no-print-directory -j2 typecheck tests

## The tests alone (no type check), on two xdist workers.
tests: $(FW) $(COG)
	$(PY) -m pytest -q -n 2 --dist loadgroup tests

## mypy (strict; see [tool.mypy] in pyproject.toml) and pyright on the shipped packages.
## Type checkers cannot follow the editable install's import hook, so they check a staging tree
## build/typecheck/agent_limits/ of symlinks: agent_limits/__init__.py, and mocks, harness and
## conformance as the folders they are. The framework dialects and adapters are checked against
## the installed frameworks (the framework extras are installed first).
typecheck: $(FW)
	rm -rf build/typecheck
	mkdir -p build/typecheck/agent_limits
	ln -s ../../../agent_limits/__init__.py ../../../agent_limits/py.typed build/typecheck/agent_limits/
	for pkg in mocks harness conformance; do ln -s ../../../$$pkg build/typecheck/agent_limits/$$pkg; done
	$(PY) -m mypy -p agent_limits
	$(PY) -m pyright --pythonpath $(PY)

## The mutant catalogue: every known-buggy agent must be caught; prints killed/total.
mutants: $(STAMP)
	$(PY) tests/mutation_score.py

## harness/causes.json: what every mutant fails in the whole suite, run twice (derandomized, then as
## users run it; about ten minutes a run on two cores). The root-cause summary matches failing runs against it.
causes: $(STAMP)
	$(PY) tests/causes.py --out harness/causes.json

## docs/MATRIX.md and docs/matrix.json: the suite against every framework, clause by clause; and
## docs/expectations/<column>.toml, each column's known failures as its own CI would gate on them.
matrix: $(FW)
	$(PY) -m agent_limits.harness.matrix --out docs --expectations docs/expectations --update-expectations \
		--findings docs/findings

## Benchmarks: scaling figures, measured in one run (never asserted by tests).
bench: $(STAMP)
	$(PY) tests/bench.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
