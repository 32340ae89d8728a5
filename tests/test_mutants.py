"""Proof the suite can fail: the reference passes every clause, every mutant fails its own."""

from __future__ import annotations

import json

import pytest

from conformance import clauses
from tests.mutants import CATALOGUE, Mutant


def verdicts(pytester: pytest.Pytester, spec: str) -> dict[str, dict]:
    report = pytester.path / "verdicts.json"
    pytester.runpytest_inprocess("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function", "-q", f"--agent-impl={spec}",
                                 f"--conformance-report={report}")
    return json.loads(report.read_text())["clauses"]


def test_reference_agent_passes_every_clause(pytester):
    found = verdicts(pytester, "conformance.reference:ReferenceAgent")
    assert set(found) == set(clauses()), "every clause in SPEC.md has tests"
    assert {c: v["status"] for c, v in found.items() if v["status"] != "passed"} == {}


@pytest.mark.parametrize("mutant", CATALOGUE, ids=[m.name for m in CATALOGUE])
def test_mutant_is_killed_by_its_clauses(pytester, mutant: Mutant):
    found = verdicts(pytester, mutant.spec)
    survived = {c for c in mutant.killed_by if found[c]["status"] != "failed"}
    assert not survived, f"mutant {mutant.name!r} ({mutant.bug}) survived clause(s) {sorted(survived)}"
