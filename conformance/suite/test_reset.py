"""RESET-*: each invocation starts from zero and reports only itself."""

from __future__ import annotations

import pytest

from agent_limits.conformance import clause
from agent_limits.harness import expect_run
from agent_limits.mocks import Script, Turn, Usage

from ._scenarios import BREACH_KINDS, BREACHES


@clause("RESET-1")
@pytest.mark.parametrize("kind", BREACH_KINDS)
def test_second_invocation_gets_the_full_limit(trial, kind):
    b = BREACHES[kind]
    agent = trial.agent(b.script(), **b.limits)
    first = agent.invoke()
    trial.check_oracle(first)
    second = agent.invoke()
    trial.check_oracle(second, why="counters (and the deadline) must start afresh at every invocation")


@clause("RESET-2")
def test_usage_is_reported_per_invocation(trial):
    script = Script([
        Turn.tools(usage=Usage(11, 2)), Turn.answer("one", Usage(13, 3)),
        Turn.tools(usage=Usage(17, 5)), Turn.tools(usage=Usage(19, 7)), Turn.answer("two", Usage(23, 1)),
    ])
    agent = trial.agent(script)
    for _ in range(2):
        obs = agent.invoke()
        trial.check(obs, stop="completed", reported_usage=str(obs.usage),
                    why="usage reported for an invocation must be that invocation's alone")


@clause("RESET-3")
@pytest.mark.parametrize("kind", BREACH_KINDS)
def test_previous_answer_does_not_leak_into_a_breached_invocation(trial, kind):
    b = BREACHES[kind]
    agent = trial.agent(Script([b.answer("first answer")], then=b.tools()), **b.limits)
    first = agent.invoke()
    trial.check(first, stop="completed", text="first answer")
    second = agent.invoke()
    trial.check(second, stop=kind, text=None,
                why="the second invocation returned no text; the first one's answer must not leak into it")
    trial.check_unchanged(first, second)


@clause("RESET-3")
@pytest.mark.parametrize("kind", BREACH_KINDS)
def test_previous_breach_does_not_leak_into_a_completed_invocation(trial, kind):
    b = BREACHES[kind]
    first_calls = expect_run(b.script(), b.limits).calls
    agent = trial.agent(Script([b.tools() for _ in range(first_calls)] + [b.answer("second answer")]), **b.limits)
    first = agent.invoke()
    trial.check(first, stop=kind)
    second = agent.invoke()
    trial.check(second, calls=1, stop="completed", text="second answer",
                why="the first invocation's breach must not carry over into the second")
    trial.check_unchanged(first, second)
