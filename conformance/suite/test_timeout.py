"""TIMEOUT-*: the wall-clock deadline, checked on a frozen clock that the model and tools advance.

An hour-long timeout runs in milliseconds: nothing here waits in real time.
"""

from __future__ import annotations

import pytest

from agent_limits.conformance import clause
from agent_limits.mocks import Script, Turn

from ._scenarios import USAGE

#: (timeout, model latency per reply, tool latency per execution, tool calls per reply)
CASES = {
    "one-hour": (3600.0, 1000.0, 0.0, 1),
    "slow-tools": (1000.0, 100.0, 500.0, 1),
    "deadline-inside-a-tool-batch": (1000.0, 300.0, 150.0, 2),
}


@clause("TIMEOUT-1")
@pytest.mark.parametrize("case", list(CASES))
def test_no_call_starts_at_or_after_the_deadline(trial, case):
    timeout, model_latency, tool_latency, parallel = CASES[case]
    script = Script(then=Turn.tools(*(["lookup"] * parallel), usage=USAGE, latency=model_latency), cap=100)
    obs = trial.agent(script, trial.tools(latency=tool_latency), timeout_seconds=timeout).invoke()
    trial.check_deadline(obs, timeout)
    if parallel == 1:  # with a batch, how many start before the deadline depends on running it in parallel or not
        trial.check_oracle(obs, why="calls and tool executions that started before the deadline, and none after")
    trial.check_partial(obs)


@clause("TIMEOUT-2")
def test_deadline_starts_with_the_invocation_not_the_construction(trial):
    script = Script(then=Turn.tools(usage=USAGE, latency=400.0), cap=100)
    agent = trial.agent(script, timeout_seconds=1000.0)
    trial.freeze().advance(10_000.0)  # the agent sat idle for a long time before its first use
    obs = agent.invoke()
    trial.check_oracle(obs, why="the deadline is start-of-invocation + T, not construction + T")
    trial.check_deadline(obs, 1000.0)


@clause("TIMEOUT-2")
def test_deadline_is_not_restarted_within_an_invocation(trial):
    script = Script(then=Turn.tools(usage=USAGE, latency=400.0), cap=100)
    obs = trial.agent(script, timeout_seconds=1000.0).invoke()
    trial.check_deadline(obs, 1000.0)
    trial.check_oracle(obs, why="each step takes 0.4 T, so the third call is the last to start before T")
