"""Scripts and limits shared by the clauses: one breach scenario per limit kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent_limits.mocks import Script, Turn, Usage

from ._tokens import TokenCounter

__all__ = ["BREACHES", "BREACH_KINDS", "USAGE", "Breach", "companions", "generous", "price"]

#: Usage per reply in the breach scenarios: 15 tokens, 5 of them output.
USAGE = Usage(10, 5)


def price(model: str, input_tokens: int, output_tokens: int, cached_input_tokens: int) -> float:
    """A cost estimator in exact binary fractions of a dollar, so sums never round.

    Uncached input costs 4/1024, cached input 1/1024, output 8/1024 per token.
    """
    uncached = input_tokens - cached_input_tokens
    return (4 * uncached + cached_input_tokens + 8 * output_tokens) / 1024


@dataclass(frozen=True)
class Breach:
    """A model that keeps asking for tools, and a limit of ``kind`` that stops it.

    ``latency`` is model time per reply (only the timeout scenario needs time to pass).
    """

    kind: str
    limits: dict[str, Any]
    latency: float = 0.0

    def tools(self, parallel: int = 1, text: str | None = None) -> Turn:
        return Turn.tools(*(["lookup"] * parallel), text=text, usage=USAGE, latency=self.latency)

    def answer(self, text: str) -> Turn:
        return Turn.answer(text, USAGE, latency=self.latency)

    def script(self, parallel: int = 1, text: str | None = None, then_text: str | None = None) -> Script:
        """Endless tool replies; with ``text``, the first reply carries it beside its tool calls,
        and with ``then_text`` the second reply too (so the last text is not the first)."""
        second = [self.tools(parallel, then_text)] if then_text is not None else []
        return Script([self.tools(parallel, text), *second], then=self.tools(parallel))


#: Each limit set so that it stops the endless scenario after 3 model calls (or, for the
#: tool-call cap, after the 4th reply's call is refused). No context-token ceiling: an agent may
#: trim or compact instead of stopping, so no stop at it is certain (CONTEXT-1 judges its stops).
BREACHES: dict[str, Breach] = {
    b.kind: b
    for b in (
        Breach("max_turns", {"max_turns": 3}),
        Breach("max_token_budget", {"max_token_budget": 45}),
        Breach("max_output_tokens", {"max_output_tokens": 15}),
        Breach("max_tool_calls", {"max_tool_calls": 3}),
        Breach("max_cost_usd", {"max_cost_usd": 3 * price("", 10, 5, 0), "cost_estimator": price}),
        Breach("timeout_seconds", {"timeout_seconds": 2500.0}, latency=1000.0),
    )
}
BREACH_KINDS = tuple(BREACHES)

#: Values no breach scenario comes near, for the limits a scenario is not about.
_GENEROUS: dict[str, Any] = {
    "max_turns": 1000,
    "max_token_budget": 10**9,
    "max_output_tokens": 10**9,
    "max_tool_calls": 10**6,
    "max_parallel_tools": 64,
    "max_cost_usd": 10.0**9,
    "timeout_seconds": 10.0**9,
    "max_output_bytes": 10**9,
    "max_context_tokens": 10**9,
}


def companions(limits: dict[str, Any]) -> dict[str, Any]:
    """``limits`` with the callable each set limit comes with: an estimator for the cost cap, a
    token counter for the context-token ceiling (so a rejection is for the value, not for a
    missing companion)."""
    out = dict(limits)
    if "max_cost_usd" in out:
        out["cost_estimator"] = price
    if "max_context_tokens" in out:
        out["token_counter"] = TokenCounter()
    return out


def generous(supported: frozenset[str], *, besides: str) -> dict[str, Any]:
    """Every other supported limit set far out of reach (with its estimator or counter)."""
    return companions({k: v for k, v in _GENEROUS.items() if k != besides and k in supported})
