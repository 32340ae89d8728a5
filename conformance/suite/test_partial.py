"""PARTIAL-1, TRANSCRIPT-1, KIND-1: what an agent leaves behind when it stops."""

from __future__ import annotations

import pytest

from agent_limits.conformance import clause

from ._scenarios import BREACH_KINDS, BREACHES, generous


@clause("PARTIAL-1")
@pytest.mark.parametrize("kind", BREACH_KINDS)
def test_partial_results_equal_ground_truth_after_a_breach(trial, kind):
    b = BREACHES[kind]
    obs = trial.agent(b.script(text="looking it up"), **b.limits).invoke()
    trial.check_oracle(obs)
    trial.check_partial(obs)


@clause("TRANSCRIPT-1")
@pytest.mark.parametrize("kind", BREACH_KINDS)
def test_transcript_is_consistent_after_a_breach_and_the_agent_can_go_on(trial, kind):
    b = BREACHES[kind]
    agent = trial.agent(b.script(parallel=2), **b.limits)
    for _ in range(2):
        obs = agent.invoke()
        trial.check_oracle(obs)
        trial.check_transcript(obs)


@clause("KIND-1")
@pytest.mark.parametrize("kind", BREACH_KINDS)
def test_the_stop_names_the_limit_that_was_hit(trial, kind):
    trial.require(kind)
    b = BREACHES[kind]
    obs = trial.agent(b.script(), **b.limits, **generous(trial.adapter.capabilities, besides=kind)).invoke()
    trial.check_oracle(obs)
    trial.check(obs, stop=kind, why=f"only {kind} was reached, so the stop must name it")
