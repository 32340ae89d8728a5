"""The canonical limit kinds, stop kinds, and the values each kind must reject."""

from __future__ import annotations

import math
from typing import Any, Mapping

__all__ = [
    "COMPANIONS",
    "COMPLETED",
    "ERROR",
    "INTEGER_LIMITS",
    "LIMIT_KINDS",
    "STOP_KINDS",
    "describe_limits",
    "invalid_values",
]

#: Every limit the harness knows, in the order reports list them.
LIMIT_KINDS: tuple[str, ...] = (
    "max_turns",
    "max_token_budget",
    "max_output_tokens",
    "max_tool_calls",
    "max_parallel_tools",
    "max_cost_usd",
    "timeout_seconds",
    "max_output_bytes",
    "max_context_tokens",
)
#: Limits that count things, so only positive ints are valid (bools are not ints here).
INTEGER_LIMITS = frozenset(LIMIT_KINDS) - {"max_cost_usd", "timeout_seconds"}
#: The callable that comes with a limit, passed beside it under its own name: the cost cap is
#: priced by ``cost_estimator(model, input, output, cached)``, the context-token ceiling counted
#: by ``token_counter(text)``. Not limits themselves, so never validated or listed as one.
COMPANIONS: dict[str, str] = {"max_cost_usd": "cost_estimator", "max_context_tokens": "token_counter"}

COMPLETED = "completed"
ERROR = "error"
#: A stop is a normal completion, an error, or the name of the limit that was hit.
STOP_KINDS: tuple[str, ...] = (COMPLETED, ERROR, *LIMIT_KINDS)


def invalid_values(kind: str) -> list[tuple[str, Any]]:
    """``(label, value)`` pairs an agent must reject for ``kind``: zero, negatives, wrong types, NaN."""
    common: list[tuple[str, Any]] = [
        ("zero", 0),
        ("negative", -1),
        ("bool-true", True),
        ("bool-false", False),
        ("string", "3"),
        ("nan", math.nan),
    ]
    if kind in INTEGER_LIMITS:
        return common + [("float", 1.5), ("integral-float", 2.0), ("inf", math.inf)]
    return common + [("negative-float", -0.5), ("inf", math.inf)]


def describe_limits(limits: Mapping[str, Any]) -> str:
    """``max_turns=3, max_token_budget=None`` in canonical order; ``(none)`` when empty."""
    if not limits:
        return "(none)"
    order = {k: i for i, k in enumerate(LIMIT_KINDS)}
    keys = sorted(limits, key=lambda k: order.get(k, len(order)))
    return ", ".join(f"{k}={_show(limits[k])}" for k in keys)


def _show(value: Any) -> str:
    """Callables (a cost estimator, a token counter) by name, everything else by repr."""
    if callable(value):
        return getattr(value, "__name__", repr(value))
    return repr(value)
