"""Proof the suite can fail: every mutant fails its own clauses (that the reference passes every
clause is shown by the run of the bundled suite in ``tests/test_plugin.py``, and by the matrix)."""

from __future__ import annotations

import pytest

from agent_limits.conformance import clauses
from agent_limits.harness._causes import known_causes
from tests.mutants import CATALOGUE, Mutant
from tests.mutants._run import DERANDOMIZED, verdicts


def test_every_clause_but_the_informational_ones_has_a_mutant():
    covered = set().union(*(m.killed_by for m in CATALOGUE))
    assert set(clauses()) - covered == set()


def test_every_mutant_is_caught_by_a_deterministic_clause_not_only_by_a_property():
    """A bug that only a sampled property catches is caught by luck and named under the wrong
    clause: each mutant names a clause whose cases are fixed scenarios (and test_mutant_is_killed_by_its_clauses
    shows that clause failing)."""
    from tests.causes import sampled_clauses

    sampled = sampled_clauses()
    assert sampled, "the suite's property clauses (modules importing Hypothesis) were found"
    assert [m.name for m in CATALOGUE if m.killed_by <= sampled] == []


@pytest.mark.parametrize("mutant", CATALOGUE, ids=[m.name for m in CATALOGUE])
def test_mutant_is_killed_by_its_clauses(mutant: Mutant):
    found = verdicts(mutant.spec, mutant.killed_by, env=DERANDOMIZED)
    left = {c: found.get(c, "no verdict") for c in mutant.killed_by if found.get(c, {}).get("status") != "failed"}
    assert not left, f"mutant {mutant.name!r} ({mutant.bug}) survived its clause(s) {sorted(left)}: {left}"
    # the same run keeps the knowledge base of the root-cause summary honest (harness/causes.json)
    assert_symptoms_are_known(mutant, found)


def assert_symptoms_are_known(mutant: Mutant, found: dict[str, dict]) -> None:
    """The symptoms the mutant's killed_by clauses show equal those recorded in harness/causes.json.

    A sampled (Hypothesis) clause's symptoms depend on its examples; the catalogue runs
    derandomized, as the run that recorded them did, so they must be equal too.
    """
    known = next((c for c in known_causes() if c.mutant == mutant.name), None)
    assert known is not None, f"{mutant.name} is not in harness/causes.json: make causes"
    for clause in sorted(mutant.killed_by):
        shown = set(found[clause]["symptoms"])
        if clause in known.signature:
            assert shown == known.signature[clause], (
                f"{mutant.name} on {clause}: symptoms {sorted(shown)}, harness/causes.json records "
                f"{sorted(known.signature[clause])}: make causes")
        else:
            assert clause in known.sometimes, f"{mutant.name}: {clause} is not in harness/causes.json: make causes"
            assert shown == known.sometimes[clause], (
                f"{mutant.name} on sampled {clause} (derandomized): symptoms {sorted(shown)}, "
                f"harness/causes.json records {sorted(known.sometimes[clause])}: make causes")
