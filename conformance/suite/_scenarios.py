"""Scripts and limits shared by the clauses: one breach scenario per limit kind."""

from __future__ import annotations

from typing import Any

from mocks import Script, Turn, Usage

__all__ = ["BREACH_KINDS", "USAGE", "breach", "generous"]

#: Usage per reply in the breach scenarios: 15 tokens, 5 of them output.
USAGE = Usage(10, 5)
#: Each limit set so that a model that keeps asking for tools is stopped after 3 calls.
_BREACH_LIMITS: dict[str, Any] = {"max_turns": 3, "max_token_budget": 45, "max_output_tokens": 15}
BREACH_KINDS = tuple(_BREACH_LIMITS)
#: A value no breach scenario comes near, for the limits a scenario is not about.
_GENEROUS: dict[str, Any] = {"max_turns": 1000, "max_token_budget": 10**9, "max_output_tokens": 10**9}


def breach(kind: str, *, parallel: int = 1, text: str | None = None) -> tuple[Script, dict[str, Any]]:
    """A script that never stops asking for tools, and the ``kind`` limit that stops it after 3 calls.

    With ``text``, the first reply carries that text beside its tool calls.
    """
    first = Turn.tools(*(["lookup"] * parallel), text=text, usage=USAGE)
    return Script([first], then=Turn.tools(*(["lookup"] * parallel), usage=USAGE)), {kind: _BREACH_LIMITS[kind]}


def generous(supported: frozenset[str], *, besides: str) -> dict[str, Any]:
    """Every other supported limit of this issue set far out of reach."""
    return {k: v for k, v in _GENEROUS.items() if k != besides and k in supported}
