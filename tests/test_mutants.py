"""Proof the suite can fail: the reference passes every clause, every mutant fails its own."""

from __future__ import annotations

import pytest

from agent_limits.conformance import clauses
from tests.mutants import CATALOGUE, Mutant
from tests.mutants._run import survived, verdicts


def test_reference_agent_passes_every_clause():
    found = verdicts("agent_limits.conformance.reference:ReferenceAgent")
    assert set(found) == set(clauses()), "every clause in SPEC.md has tests"
    assert {c: v["status"] for c, v in found.items() if v["status"] != "passed"} == {}


def test_every_clause_but_the_informational_ones_has_a_mutant():
    covered = set().union(*(m.killed_by for m in CATALOGUE))
    assert set(clauses()) - covered == set()


@pytest.mark.parametrize("mutant", CATALOGUE, ids=[m.name for m in CATALOGUE])
def test_mutant_is_killed_by_its_clauses(mutant: Mutant):
    assert not survived(mutant), f"mutant {mutant.name!r} ({mutant.bug}) survived its clause(s)"
