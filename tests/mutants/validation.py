"""Validation bugs: bad limit values accepted, and None misread."""

from __future__ import annotations

import math
from typing import Any

from agent_limits.conformance.reference import ReferenceAgent
from agent_limits.harness import LIMIT_KINDS
from agent_limits.harness._limits import INTEGER_LIMITS

from ._base import mutant


@mutant("VALID-2", bug="a negative max_turns is accepted (and then blocks every call)")
class NegativeTurnsAccepted(ReferenceAgent):
    supported_limits = LIMIT_KINDS

    def __init__(self, model: Any, tools: Any, max_turns: Any = None, **limits: Any) -> None:
        negative = isinstance(max_turns, int) and not isinstance(max_turns, bool) and max_turns < 0
        super().__init__(model, tools, max_turns=None if negative else max_turns, **limits)
        if negative:
            self.max_turns = max_turns


@mutant("VALID-2", bug="max_token_budget=0 is accepted, and blocks every call")
class ZeroBudgetAccepted(ReferenceAgent):
    supported_limits = LIMIT_KINDS

    def __init__(self, model: Any, tools: Any, max_token_budget: Any = None, **limits: Any) -> None:
        super().__init__(model, tools, max_token_budget=None if max_token_budget == 0 else max_token_budget, **limits)
        if max_token_budget == 0 and not isinstance(max_token_budget, bool):
            self.max_token_budget = 0


@mutant("VALID-2", "PROP-2", bug="bool and float limits are accepted (True as 1, 1.5 as 1, 2.0 as 2)")
class BoolAndFloatAccepted(ReferenceAgent):
    supported_limits = LIMIT_KINDS

    def __init__(self, model: Any, tools: Any, **limits: Any) -> None:
        def lenient(kind: str, value: Any) -> Any:
            if kind in INTEGER_LIMITS and isinstance(value, (bool, float)) and math.isfinite(value):
                return int(value)
            return value

        super().__init__(model, tools, **{k: lenient(k, v) for k, v in limits.items()})


@mutant("VALID-1", bug="None is treated as 0 (no call allowed) instead of unlimited")
class NoneTreatedAsZero(ReferenceAgent):
    supported_limits = LIMIT_KINDS

    def __init__(self, model: Any, tools: Any, **limits: Any) -> None:
        counting = ("max_turns", "max_token_budget", "max_output_tokens", "max_tool_calls")
        given_none = [k for k, v in limits.items() if v is None and k in counting]
        super().__init__(model, tools, **limits)
        for kind in given_none:
            setattr(self, kind, 0)
