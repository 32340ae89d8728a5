"""The breach scenario the adapter tests share: a model that keeps asking for tools, with text
in its first reply, stopped by a limit; and the partial results every adapter must expose."""

from __future__ import annotations

import asyncio
from typing import Any, Mapping, Sequence

from agent_limits.harness import Adapter, Message, Outcome, transcript_problems
from agent_limits.mocks import Script, ScriptedModel, Tool, Turn, Usage

__all__ = ["USAGE", "assert_partial_results", "assert_received_replies", "breach", "provider_error"]

USAGE = Usage(10, 5)


def breach(adapter: Adapter, limits: Mapping[str, Any], mode: str,
           tools: Sequence[Tool] | None = None) -> tuple[Outcome, ScriptedModel]:
    """Run the scenario once on ``mode`` ("sync" or "async"): the outcome and the model's log."""
    scripted = ScriptedModel(Script([Turn.tools(text="looking", usage=USAGE)], then=Turn.tools(usage=USAGE)))
    built = adapter.build(scripted, list(tools) if tools is not None else [Tool()], limits)
    outcome = adapter.run(built, "Go.") if mode == "sync" else asyncio.run(adapter.arun(built, "Go."))
    return outcome, scripted


def assert_partial_results(outcome: Outcome, scripted: ScriptedModel) -> None:
    """Usage, last text and transcript as the framework reports them equal ground truth."""
    calls = len(scripted.calls)
    assert outcome.usage == Usage(USAGE.input_tokens * calls, USAGE.output_tokens * calls)
    assert outcome.text == "looking"
    assert transcript_problems(outcome.messages, scripted.calls) == []


def provider_error(adapter: Adapter) -> Outcome:
    """One reply asking for a tool, then a provider error on the second call (sync path)."""
    scripted = ScriptedModel(Script([Turn.tools(usage=USAGE), Turn(raises=RuntimeError("provider down"))]))
    return adapter.run(adapter.build(scripted, [Tool()], {}), "Go.")


def assert_received_replies(adapter: Adapter, mode: str = "sync") -> list[Message]:
    """What the model received on its last call, read by ``adapter.received``, holds the prompt,
    every earlier reply as one assistant message (text and tool-call ids) and one result per call."""
    scripted = ScriptedModel(Script([Turn.tools("lookup", "lookup", text="looking", usage=USAGE), Turn.tools(usage=USAGE),
                                     Turn.answer("done", USAGE)]), record_messages=True)
    built = adapter.build(scripted, [Tool()], {})
    outcome = adapter.run(built, "Go.") if mode == "sync" else asyncio.run(adapter.arun(built, "Go."))
    assert outcome.stop == "completed" and len(scripted.calls) == 3
    last = scripted.calls[-1].messages
    assert last is not None
    received = adapter.received(last)
    replies = [c.turn for c in scripted.calls[:-1]]
    assert [(m.text, m.tool_calls) for m in received if m.role == "assistant"] == [
        (r.text, tuple(c.id for c in r.tool_calls)) for r in replies]
    assert [m.tool_call_id for m in received if m.role == "tool"] == [c.id for r in replies for c in r.tool_calls]
    assert [m.text for m in received if m.role == "user"] == ["Go."]
    return received
