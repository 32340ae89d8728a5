"""TIMEOUT-*: the deadline, checked on a frozen clock that the model and tools advance.

An hour-long timeout runs in milliseconds: nothing here waits in real time. The deadline is on
the monotonic clock; TIMEOUT-3 sets the wall clock (``time.time()``, ``datetime.now()``) hours
forward or back in the middle of an invocation, as an NTP correction would, and the deadline
must not move.
"""

from __future__ import annotations

import pytest

from agent_limits.conformance import clause
from agent_limits.mocks import Script, Tool, Turn

from ._scenarios import USAGE

#: (timeout, model latency per reply, tool latency per execution, tool calls per reply)
CASES = {
    "one-hour": (3600.0, 1000.0, 0.0, 1),
    "slow-tools": (1000.0, 100.0, 500.0, 1),
    "deadline-inside-a-tool-batch": (1000.0, 300.0, 150.0, 2),
    # exact boundaries: the third reply ends on the deadline (nothing may start then), one
    # microsecond before it (one more call starts) and one microsecond after it (nothing may)
    "reply-ends-on-the-deadline": (3000.0, 1000.0, 0.0, 1),
    "reply-ends-1us-before-the-deadline": (3000.000001, 1000.0, 0.0, 1),
    "reply-ends-1us-after-the-deadline": (2999.999999, 1000.0, 0.0, 1),
    "tool-ends-on-the-deadline": (1000.0, 500.0, 500.0, 1),
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


#: How far the wall clock is set, at the end of the first tool execution (+300 s monotonic).
WALL_STEPS = {"wall-forward-2h": 7200.0, "wall-back-2h": -7200.0}


@clause("TIMEOUT-3")
@pytest.mark.parametrize("case", list(WALL_STEPS))
def test_a_wall_clock_step_neither_fires_nor_postpones_the_deadline(trial, case):
    step = WALL_STEPS[case]
    clock = trial.freeze()
    stepped: list[float] = []

    def lookup(**arguments: object) -> str:
        """The instrumented tool, whose first execution sets the wall clock (monotonic time stays)."""
        if not stepped:
            clock.step_wall(step)
            stepped.append(clock.now())
        return f"lookup: {arguments}"

    script = Script(then=Turn.tools(usage=USAGE, latency=300.0), cap=100)
    subject = trial.agent(script, [Tool(fn=lookup, clock=clock)], timeout_seconds=1000.0)
    obs = subject.invoke()
    when = f"at +{stepped[0] - obs.clock_start:g} s" if stepped and obs.clock_start is not None else "never"
    trial.note(f"{case}: wall clock set {step:+g} s {when} (monotonic)")
    trial.check_oracle(obs, why=(
        f"the wall clock was set {step:+g} s {when} into the invocation; the deadline stays at start + "
        f"1000 s on the monotonic clock, so replies every 300 s allow 4 calls whatever time.time() says"))
    trial.check_deadline(obs, 1000.0)
