"""TOKENS-1, TOKENS-2, OUTPUT-1: token budgets stop at the exact boundary, checked before each call."""

from __future__ import annotations

from itertools import accumulate
from typing import Any, Callable

import pytest

from agent_limits.conformance import clause
from agent_limits.mocks import Script, Turn, Usage

#: Usage per reply: even, and uneven with an output-heavy call and a zero-output call.
PATTERNS = {
    "even": [Usage(7, 3)] * 4,
    "uneven": [Usage(1, 2), Usage(40, 0), Usage(3, 11), Usage(9, 9)],
}


def _script(pattern: list[Usage]) -> Script:
    return Script([Turn.tools(usage=u) for u in pattern], then=Turn.tools(usage=pattern[-1]))


def _budgets(amounts: list[int]) -> list[tuple[str, int]]:
    """The boundary after the third call, and one token either side of it."""
    boundary = list(accumulate(amounts))[2]
    return [("boundary-1", boundary - 1), ("boundary", boundary), ("boundary+1", boundary + 1)]


def _cases(measure: Callable[[Usage], int]) -> list[Any]:
    return [
        pytest.param(name, budget, id=f"{name}-{label}={budget}")
        for name, pattern in PATTERNS.items()
        for label, budget in _budgets([measure(u) for u in pattern])
    ]


@clause("TOKENS-1")
@pytest.mark.parametrize("pattern, budget", _cases(lambda u: u.total))
def test_total_token_budget_stops_at_the_exact_boundary(trial, pattern, budget):
    obs = trial.agent(_script(PATTERNS[pattern]), max_token_budget=budget).invoke()
    trial.check_oracle(obs, why="the budget is input+output tokens as reported, checked before each model call")


@clause("OUTPUT-1")
@pytest.mark.parametrize("pattern, budget", _cases(lambda u: u.output_tokens))
def test_output_token_budget_stops_at_the_exact_boundary(trial, pattern, budget):
    obs = trial.agent(_script(PATTERNS[pattern]), max_output_tokens=budget).invoke()
    trial.check_oracle(obs, why="the budget is output tokens alone as reported, checked before each model call")


#: Usage per reply with cached input tokens: 7 in, 5 of which were cached, + 3 out (total 10).
CACHED = [Usage(7, 3, 5)] * 4


@clause("TOKENS-2")
@pytest.mark.parametrize("budget", [29, 30, 31], ids=lambda b: f"cached-budget={b}")
def test_cached_input_tokens_are_not_counted_twice(trial, budget):
    obs = trial.agent(_script(CACHED), max_token_budget=budget).invoke()
    trial.check_oracle(obs, why="cached input tokens are part of the input the model reported (7 in, 5 cached, "
                                "+ 3 out = 10 a call), never added again")
