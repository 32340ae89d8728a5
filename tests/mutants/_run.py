"""Running the conformance suite against an implementation and reading its per-clause verdicts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterable, Mapping

from agent_limits.harness.matrix import UNRELATED_PLUGINS

__all__ = ["DERANDOMIZED", "ROOT", "verdicts"]

ROOT = Path(__file__).resolve().parents[2]
#: The environment the catalogue runs in (``tests/test_mutants.py``, ``make mutants``): the
#: property clauses at their derandomized CI profile, as in CI and as harness/causes.json was
#: recorded, wherever it runs, so a mutant's verdict is the same on every run. That a property
#: clause kills its mutants on random examples too is ``tests/test_properties_reliable.py``'s
#: job, on fixed seeds: here a random draw that misses a boundary would make a flaky test.
DERANDOMIZED = {"CI": "true"}


def verdicts(spec: str, clauses: Iterable[str] = (), env: Mapping[str, str] | None = None,
             options: Iterable[str] = ()) -> dict[str, dict]:
    """Per-clause verdicts of the bundled suite against ``spec`` (only ``clauses``, if given).

    Runs in a fresh interpreter, so no mutant's state (class attributes, imports) leaks into
    the next one. ``env``: extra environment variables for that interpreter; ``options``: extra
    pytest options. Plugins the suite never uses stay off, as in the matrix's runs.
    """
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "verdicts.json"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *UNRELATED_PLUGINS, *options,
                   f"--agent-impl={spec}", f"--conformance-report={report}", *(f"--clause={c}" for c in sorted(clauses)),
                   str(ROOT / "conformance" / "suite")]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600,
                              env={**os.environ, **(env or {})})
        if not report.exists():
            raise RuntimeError(f"no verdicts from {' '.join(command)}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        return json.loads(report.read_text())["clauses"]
