"""COST-*: the cost cap, on the caller's cost estimator, with the token budget's boundary rules."""

from __future__ import annotations

from itertools import accumulate
from typing import Any, Iterator

import pytest

from agent_limits.conformance import clause
from agent_limits.mocks import Script, Turn, Usage

from ._scenarios import price

#: Usage per reply; "cached" only comes out right if the agent passes cached tokens on.
PATTERNS = {
    "even": [Usage(7, 3)] * 4,
    "uneven": [Usage(1, 2), Usage(40, 0), Usage(3, 11), Usage(9, 9)],
    "cached": [Usage(8, 2, 4), Usage(16, 1, 16), Usage(6, 3, 2), Usage(5, 5, 0)],
}
ONE = 1 / 1024  # the smallest price step: one cached input token


def _cases() -> Iterator[Any]:
    for name, pattern in PATTERNS.items():
        boundary = list(accumulate(price("", u.input_tokens, u.output_tokens, u.cached_input_tokens) for u in pattern))[2]
        for label, cap in (("boundary-1", boundary - ONE), ("boundary", boundary), ("boundary+1", boundary + ONE)):
            yield pytest.param(name, cap, id=f"{name}-{label}={cap * 1024:g}/1024")


@clause("COST-1")
@pytest.mark.parametrize("pattern, cap", list(_cases()))
def test_cost_cap_stops_at_the_exact_boundary(trial, pattern, cap):
    usages = PATTERNS[pattern]
    script = Script([Turn.tools(usage=u) for u in usages], then=Turn.tools(usage=usages[-1]))
    obs = trial.agent(script, max_cost_usd=cap, cost_estimator=price).invoke()
    trial.check_oracle(obs, why="cost is the sum of cost_estimator(model, input, output, cached) per call, "
                                "checked before each model call")


@clause("COST-2")
def test_cost_cap_without_an_estimator_is_rejected(trial):
    built = trial.attempt(Script.endless_tools(cap=20), max_cost_usd=1.0)
    if built.error is not None and isinstance(built.error, (ValueError, TypeError)) and not built.model.calls:
        return
    if built.error is not None:
        trial.fail_text([f"rejected with {type(built.error).__name__}: {built.error}; expected ValueError or TypeError"],
                        limits={"max_cost_usd": 1.0}, script=built.model.script)
    obs = built.subject.invoke()
    if not obs.calls and isinstance(obs.outcome.error, (ValueError, TypeError)):  # at invocation: too late
        trial.fail(obs, {"calls": 0, "stop": "error"}, [],
                   why="max_cost_usd without a cost_estimator was built and rejected only when invoked: COST-2 "
                       "requires the rejection at construction (a limit value may be rejected at either, VALID-2)")
    trial.fail(obs, {"calls": 0, "stop": "error"}, [k for k, v in (("calls", 0), ("stop", "error"))
                                                   if obs.facts()[k] != v],
               why="max_cost_usd without a cost_estimator was accepted: it must be rejected at construction, "
                   "not silently ignored")
