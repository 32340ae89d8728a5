"""Checks on a transcript against the model's call log: every tool call answered exactly once."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from agent_limits.mocks import CallRecord

from .adapter import Message

__all__ = ["transcript_problems", "requested_ids"]


def requested_ids(messages: Sequence[Message]) -> list[str]:
    """Tool-call ids the assistant messages asked for, in order."""
    return [i for m in messages if m.role == "assistant" for i in m.tool_calls]


def transcript_problems(messages: Sequence[Message], calls: Sequence[CallRecord]) -> list[str]:
    """Ways ``messages`` disagrees with itself or with the model's replies; empty when consistent.

    Consistent means: one assistant message per model reply (a call cancelled in flight has
    no reply), carrying exactly the tool calls the model returned, and exactly one tool result
    for every tool call, none for unknown ids.
    """
    problems: list[str] = []
    assistant = [m for m in messages if m.role == "assistant"]
    replies = sum(1 for rec in calls if rec.completed)
    if len(assistant) != replies:
        problems.append(f"{len(assistant)} assistant message(s) for {replies} model reply(ies)")
    truth = [c.id for rec in calls for c in rec.tool_calls]
    asked = requested_ids(messages)
    if asked != truth:
        problems.append(f"tool calls in the transcript {asked} differ from those the model returned {truth}")
    answered = Counter(m.tool_call_id for m in messages if m.role == "tool")
    dangling = [i for i in asked if answered[i] == 0]
    doubled = [i for i in asked if answered[i] > 1]
    orphans = [i for i in answered if i not in set(asked)]
    if dangling:
        problems.append(f"tool call(s) without a result (dangling): {dangling}")
    if doubled:
        problems.append(f"tool call(s) with more than one result: {doubled}")
    if orphans:
        problems.append(f"tool result(s) for calls nobody made: {orphans}")
    return problems
