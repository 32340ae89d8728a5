"""PARTIAL-1, TRANSCRIPT-1, KIND-1, KIND-2: what an agent leaves behind when it stops.

KIND-2 runs through the adapter's default mapping (``Adapter.run_default``): the invocation as a
user of the framework's default options runs it, without an opt-in that reveals a breach.
"""

from __future__ import annotations

import pytest

from agent_limits.conformance import clause
from agent_limits.harness import expect_run
from agent_limits.mocks import Script

from ._scenarios import BREACH_KINDS, BREACHES, generous


@clause("PARTIAL-1")
@pytest.mark.parametrize("kind", BREACH_KINDS)
def test_partial_results_equal_ground_truth_after_a_breach(trial, kind):
    """Two replies carry text: the reported text is the last one. The result is read again after
    the agent's next invocation: what it returned must not have changed."""
    b = BREACHES[kind]
    agent = trial.agent(b.script(text="looking it up", then_text="checking once more"), **b.limits)
    obs = agent.invoke()
    trial.check_oracle(obs)
    trial.check_partial(obs)
    trial.check_unchanged(obs, agent.invoke())


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


@clause("KIND-2")
@pytest.mark.parametrize("kind", BREACH_KINDS)
def test_the_breach_is_readable_with_the_default_options(trial, kind):
    trial.require(kind)
    b = BREACHES[kind]
    limits = {**b.limits, **generous(trial.adapter.capabilities, besides=kind)}
    # The model would answer right after the stop point: an agent that asks it once more and
    # returns that answer as if nothing happened hides the breach unless an option reveals it.
    script = Script([b.tools()] * expect_run(b.script(), limits).calls + [b.answer("done")])
    obs = trial.agent(script, **limits).invoke(defaults=True)
    trial.check(obs, stop=kind, why=f"only {kind} was reached; with the framework's default options (no opt-in "
                                    "setting) what the invocation returns or raises must still name that breach")
