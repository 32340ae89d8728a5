"""TURNS-*: max_turns counts model calls per invocation, exactly."""

from __future__ import annotations

import pytest

from agent_limits.conformance import clause
from agent_limits.mocks import Script, Turn

from ._scenarios import USAGE


@clause("TURNS-1")
@pytest.mark.parametrize("n", [1, 2, 5], ids=lambda v: f"max_turns={v}")
def test_exactly_n_calls_when_the_model_keeps_asking_for_tools(trial, n):
    obs = trial.agent(Script.endless_tools(usage=USAGE), max_turns=n).invoke()
    trial.check(obs, calls=n, stop="max_turns", executions=n)


@clause("TURNS-2")
@pytest.mark.parametrize("n", [1, 3], ids=lambda v: f"max_turns={v}")
def test_final_answer_on_the_last_permitted_call_is_a_completion(trial, n):
    script = Script([Turn.tools(usage=USAGE)] * (n - 1) + [Turn.answer("the answer", USAGE)])
    obs = trial.agent(script, max_turns=n).invoke()
    trial.check(obs, calls=n, stop="completed", text="the answer",
                why="a final answer on call N is a normal completion, not a max_turns breach")


@clause("TURNS-3")
@pytest.mark.parametrize("n", [1, 3], ids=lambda v: f"max_turns={v}")
def test_tool_calls_of_the_last_permitted_call_are_executed_and_recorded(trial, n):
    obs = trial.agent(Script.endless_tools(usage=USAGE, parallel=2), max_turns=n).invoke()
    trial.check(obs, calls=n, executions=2 * n, stop="max_turns",
                why="every tool call the last permitted reply asked for must run before the stop")
    trial.check_transcript(obs)
