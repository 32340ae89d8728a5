"""RETRY-1, and TIMEOUT-2 through a retry: a throttled request that is sent again is not a turn.

The scripted model refuses some attempts with ``agent_limits.mocks.ModelThrottled`` (each framework
dialect raises its framework's own throttling error). The call log keeps every attempt: a failed
one is logged and never replied, a reply is a completed call. Verdicts read that log, never what
the agent says about its retries.

Whether and how often to retry is the provider integration's business, not a limit's: before
judging, a probe runs the same pattern of throttled attempts with no limit set. An agent that
ends there right after a throttled attempt (it does not retry, or gives up before the pattern's
throttled attempts are over), in an error or with a reply of its own, is skipped with that
reason, never passed or failed.
An agent the probe shows retrying is judged strictly.
"""

from __future__ import annotations

from typing import Any, Sequence

import pytest

from agent_limits.conformance import clause
from agent_limits.harness import COMPLETED, ERROR
from agent_limits.mocks import CallRecord, ModelThrottled, Script, Turn

from ._scenarios import USAGE


def _throttled(call: CallRecord) -> bool:
    return not call.completed and isinstance(call.turn.raises, ModelThrottled)


def _pattern(step: Turn, in_a_row: int = 2) -> list[Turn]:
    """Throttled attempts between replies: one before the first reply, ``in_a_row`` after the second."""
    return [Turn.throttled(), step, step, *(Turn.throttled() for _ in range(in_a_row))]


def _gave_up(obs: Any, about: str = "RETRY-1 is about", in_a_row: int = 2) -> str | None:
    """Why the agent stopped retrying, if the invocation ended right after a throttled attempt, in an
    error or with a reply the agent made up (not at a limit: stopping there is no giving up)."""
    calls: Sequence[CallRecord] = obs.calls
    if obs.outcome.stop not in (ERROR, COMPLETED) or not calls or not _throttled(calls[-1]):
        return None
    failed = 0  # throttled attempts in a row at the end of the log
    while failed < len(calls) and _throttled(calls[-failed - 1]):
        failed += 1
    if failed == 1 and not any(_throttled(c) for c in calls[:-1]):
        return ("the agent does not retry a transient provider error (the invocation ended right after the "
                f"first throttled attempt, stop {obs.outcome.stop}); {about} agents that do")
    return (f"the agent retries, but gave up on a request after {failed} failed attempt(s) in a row, where the "
            f"script needs {in_a_row + 1} attempts at one request; {about} agents that retry as often as that: how many times to retry is "
            "the agent's own choice")


def _require_retries(trial: Any, about: str = "RETRY-1 is about", in_a_row: int = 2) -> None:
    """Skip, never pass or fail, unless the agent retries up to ``in_a_row`` throttled attempts in a row.

    The probe is the pattern with no limit set and a final answer after it.
    """
    script = Script([*_pattern(Turn.tools(usage=USAGE), in_a_row), Turn.answer("done", USAGE)])
    reason = _gave_up(trial.agent(script).invoke(), about, in_a_row)
    if reason is not None:
        pytest.skip(reason)


def _through_reply(script: Script, n: int) -> int:
    """How many attempts the log holds when the ``n``-th reply arrives (failed ones included)."""
    replies = 0
    for index in range(len(script)):
        replies += script.turn(index).raises is None
        if replies == n:
            return index + 1
    raise ValueError(f"the script has fewer than {n} replies")


@clause("RETRY-1")
@pytest.mark.parametrize("n", [1, 3], ids=lambda v: f"max_turns={v}")
def test_a_retried_request_is_not_a_turn(trial, n):
    trial.require("max_turns")
    if trial.mode == "async":  # a backoff on asyncio.sleep jumps the frozen loop's clock: no real wait
        trial.freeze()  # (not on the sync path: a framework's own event loop there would wait forever on it)
    _require_retries(trial)
    step = Turn.tools(usage=USAGE)
    script = Script(_pattern(step), then=step, cap=100)
    obs = trial.agent(script, max_turns=n).invoke()
    failed = sum(1 for c in obs.calls if _throttled(c))
    replies = sum(1 for c in obs.calls if c.completed)
    why = (f"max_turns={n} counts replies: the agent must receive exactly {n} (each asks for one tool), the "
           f"throttled attempts among them retried and not counted; it received {replies}, with {failed} "
           "failed attempt(s) in the log")
    symptoms = ["retry:counted"] if replies < n and failed and obs.outcome.stop == "max_turns" else []
    if _gave_up(obs) is not None:
        why += "; it gave up on a throttled request here although, with no limit set, it retried the same pattern"
        symptoms.append("retry:gave-up")
    expected = {"calls": _through_reply(script, n), "executions": n, "stop": "max_turns"}
    facts = obs.facts()
    wrong = [k for k, v in expected.items() if facts[k] != v]
    if wrong:
        trial.fail(obs, expected, wrong, why, symptoms=symptoms)


#: The timeout (T), and each reply's model latency (0.4 T) in the retry segment's cases.
TIMEOUT, STEP = 1000.0, 400.0
#: case -> (replies before the throttled attempt, calls and tool executions expected).
DEADLINE_CASES: dict[str, tuple[int, int, int]] = {
    # a reply 0-400 s, throttled 400-700 s, its retry 700-1100 s: the deadline falls inside the retry
    "retried-before-the-deadline": (1, 3, 1),
    # replies 0-400 s and 400-800 s, throttled 800-1100 s: the deadline passed, so no retry starts
    "throttled-past-the-deadline": (2, 3, 2),
}


@clause("TIMEOUT-2")
@pytest.mark.parametrize("case", list(DEADLINE_CASES))
def test_deadline_is_not_restarted_by_a_retry(trial, case):
    trial.require("timeout_seconds")
    trial.freeze()
    _require_retries(trial, about="TIMEOUT-2's retry cases are about", in_a_row=1)
    before, calls, executions = DEADLINE_CASES[case]
    step = Turn.tools(usage=USAGE, latency=STEP)
    script = Script([*[step] * before, Turn.throttled(latency=300.0)], then=step, cap=100)
    obs = trial.agent(script, timeout_seconds=TIMEOUT).invoke()
    trial.check_deadline(obs, TIMEOUT)
    trial.check(obs, calls=calls, executions=executions,
                why="the deadline is start-of-invocation + T through a retry: a retried request gets no new one")
