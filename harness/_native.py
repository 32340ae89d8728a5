"""The native protocol: a hand-written agent tested with no adapter of its own.

    agent = Agent(model, tools, max_turns=None, ...)   # only the limits it supports
                                                       # (+ cost_estimator with max_cost_usd,
                                                       #  + token_counter with max_context_tokens)
    result = agent.invoke(prompt)  /  await agent.ainvoke(prompt)
    result.stop_reason, result.messages, result.text, result.usage

Supported limits are read from the constructor's signature, or from an explicit
``supported_limits`` attribute on the class when the signature cannot tell.
"""

from __future__ import annotations

import inspect
from enum import Enum
from typing import Any, Mapping, Sequence

from agent_limits.mocks import ScriptedModel, Tool, ToolCall, Usage

from ._limits import COMPLETED, ERROR, LIMIT_KINDS
from .adapter import Adapter, Message, Outcome

__all__ = ["NATIVE_STOP_REASONS", "NATIVE_VALUES", "NativeAdapter", "native_stop"]

#: The native ``stop_reason`` values, as SPEC.md's native protocol lists them.
NATIVE_VALUES: tuple[str, ...] = ("end_turn", "max_turns", "max_token_budget", "max_output_tokens",
                                  "max_tool_calls", "max_cost_usd", "timeout", "max_context_tokens")

#: Every accepted ``stop_reason`` and the canonical stop kind it means: the native values, and the
#: stop kinds' own names where they differ (``completed`` for ``end_turn``, ``timeout_seconds`` for
#: ``timeout``). An agent written from the docs may reasonably use either; accepting both costs
#: nothing and keeps a spelling from being judged as a limit failure.
NATIVE_STOP_REASONS: dict[str, str] = {
    "end_turn": COMPLETED,
    "max_turns": "max_turns",
    "max_token_budget": "max_token_budget",
    "max_output_tokens": "max_output_tokens",
    "max_tool_calls": "max_tool_calls",
    "max_cost_usd": "max_cost_usd",
    "timeout": "timeout_seconds",
    "max_context_tokens": "max_context_tokens",
    COMPLETED: COMPLETED,
    "timeout_seconds": "timeout_seconds",
}


def native_stop(reason: Any) -> str:
    """The canonical stop kind ``reason`` means; for anything else, a readable ``unrecognised ...``
    kind that names the accepted values (the part after ``; `` is the explanation, which failure
    messages print in full below their table)."""
    if isinstance(reason, str) and reason in NATIVE_STOP_REASONS:
        return NATIVE_STOP_REASONS[reason]
    hint = f"stop_reason must be one of {', '.join(map(repr, NATIVE_VALUES))} (or the stop kind's own name: " \
           f"'completed' for 'end_turn', 'timeout_seconds' for 'timeout')"
    if isinstance(reason, str) and reason.strip().lower() in NATIVE_STOP_REASONS:
        hint = f"did you mean {reason.strip().lower()!r}? " + hint
    elif reason == ERROR:
        hint += "; an agent that gives up raises instead of returning"
    return f"unrecognised stop_reason {reason!r}; {hint}"


def supported_limits(agent_cls: type) -> frozenset[str]:
    """The limit kinds ``agent_cls`` declares, explicitly or through its constructor."""
    declared = getattr(agent_cls, "supported_limits", None)
    if declared is not None:
        unknown = set(declared) - set(LIMIT_KINDS)
        if unknown:
            raise TypeError(f"{agent_cls.__qualname__}.supported_limits names unknown limits: {sorted(unknown)}")
        return frozenset(declared)
    params = inspect.signature(agent_cls).parameters
    return frozenset(k for k in LIMIT_KINDS if k in params)


class NativeAdapter(Adapter):
    """Drives an agent class that follows the native protocol directly."""

    name = "native"

    def __init__(self, agent_cls: type) -> None:
        self.agent_cls = agent_cls
        self.capabilities = supported_limits(agent_cls)
        self._sync = callable(getattr(agent_cls, "invoke", None))
        self._async = callable(getattr(agent_cls, "ainvoke", None))

    @property
    def supports_sync(self) -> bool:
        return self._sync

    @property
    def supports_async(self) -> bool:
        return self._async

    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> Any:
        return self.agent_cls(model, list(tools), **limits)

    def run(self, agent: Any, prompt: str) -> Outcome:
        try:
            result = agent.invoke(prompt)
        except Exception as exc:  # the agent's own error is an outcome, not a harness crash
            return Outcome(ERROR, signal=exc, raw=None)
        return self.outcome(result)

    async def arun(self, agent: Any, prompt: str) -> Outcome:
        try:
            result = await agent.ainvoke(prompt)
        except Exception as exc:
            return Outcome(ERROR, signal=exc, raw=None)
        return self.outcome(result)

    def outcome(self, result: Any) -> Outcome:
        """Translate a native result object into an :class:`Outcome`."""
        reason = getattr(result, "stop_reason", None)
        return Outcome(
            native_stop(reason),
            signal=reason,
            messages=[to_message(m) for m in getattr(result, "messages", None) or ()],
            text=getattr(result, "text", None),
            usage=to_usage(getattr(result, "usage", None)),
            raw=result,
        )

    def reread(self, outcome: Outcome) -> Outcome | None:
        """The native result object read again: its attributes as they are now."""
        return None if outcome.raw is None else self.outcome(outcome.raw)

    def describe(self) -> str:
        return f"native protocol ({self.agent_cls.__module__}.{self.agent_cls.__qualname__})"


def _field(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _call_id(call: Any) -> str:
    if isinstance(call, ToolCall):
        return call.id
    return str(_field(call, "id", ""))


def to_message(raw: Any) -> Message:
    """A native message (dict or object with role/content/tool_calls/tool_call_id) as a :class:`Message`."""
    content = _field(raw, "content")
    role = _field(raw, "role", "")
    return Message(
        role=str(role.value if isinstance(role, Enum) else role),  # a role enum reads as its value
        text=content if isinstance(content, str) else None,
        tool_calls=tuple(_call_id(c) for c in _field(raw, "tool_calls") or ()),
        tool_call_id=_field(raw, "tool_call_id"),
        truncated=bool(_field(raw, "truncated", False)),
    )


def to_usage(raw: Any) -> Usage | None:
    """A native usage (``Usage``, mapping or object with input/output tokens) as :class:`Usage`.

    ``cached_input_tokens`` is optional and informational: kept when readable (failure messages
    show it), dropped when not; the clauses judge input and output tokens only.
    """
    if raw is None or isinstance(raw, Usage):
        return raw
    try:
        counted = int(_field(raw, "input_tokens", 0)), int(_field(raw, "output_tokens", 0))
        usage = Usage(*counted)
    except (TypeError, ValueError):
        return None
    try:
        return Usage(*counted, int(_field(raw, "cached_input_tokens", 0) or 0))
    except (TypeError, ValueError):
        return usage
