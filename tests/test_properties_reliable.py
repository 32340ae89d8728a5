"""The property clauses (PROP-1, PROP-2, STATE-1) kill their mutants on random seeds too, not by luck.

A sampled clause draws other examples on every run: a mutant it names must fail it on the
derandomized CI profile (the one ``tests/test_mutants.py`` always runs the catalogue at) *and*
on the random examples users' runs draw. Each mutant that names a property clause runs against
that clause alone on five fixed seeds of the development profile and on the CI profile. Fixed
seeds keep this test deterministic; they sample the random profile, they do not prove it (a
clause's power on a rare seed can still fall short: a run of STATE-1 against budget-greater-than
once missed the boundary, none of 60 seeds swept since did). A
mutant's bug concerns one limit: ``FOCUS`` narrows PROP-1 to the cases drawn around that limit
(its other foci draw other limits, where the bug cannot show), which keeps this affordable, as
does reading only the status: no shrinking of the failing example (``harness/_first_failure.py``).
"""

from __future__ import annotations

import pytest

from tests.causes import sampled_clauses
from tests.mutants import CATALOGUE
from tests.mutants._run import verdicts

SEEDS = (1, 2, 3, 4, 5)
SAMPLED = sampled_clauses()
#: The PROP-1 focus (one limit kind) where a mutant's bug lives.
FOCUS = {("budget-greater-than", "PROP-1"): "max_token_budget"}
CASES = [(m, c) for m in CATALOGUE for c in sorted(m.killed_by & SAMPLED)]


def test_every_property_clause_names_a_mutant():
    assert {c for _, c in CASES} == SAMPLED


@pytest.mark.parametrize("seed", [*SEEDS, "ci"])
@pytest.mark.parametrize(("mutant", "clause"), CASES, ids=[f"{m.name}-{c}" for m, c in CASES])
def test_a_property_clause_kills_its_mutant_on_every_seed(mutant, clause, seed):
    focus = FOCUS.get((mutant.name, clause))
    options = f"-k {focus}" if focus else ""
    env = {"CI": "true", "PYTEST_ADDOPTS": options} if seed == "ci" else {
        "CI": "", "PYTEST_ADDOPTS": f"--hypothesis-seed={seed} {options}".strip()}
    found = verdicts(mutant.spec, [clause], env=env, options=["-p", "agent_limits.harness._first_failure"])
    assert found[clause]["status"] == "failed", (
        f"{clause} did not kill {mutant.name} ({mutant.bug}) on "
        f"{'the CI profile' if seed == 'ci' else f'seed {seed}'}: {found[clause]}")
