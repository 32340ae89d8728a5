"""Snapshots of a scripted run: what the model was asked and said, what the tools really ran.

    from agent_limits.mocks import Script, ScriptedModel, Tool, render_run, scripted_run

    model, tool = ScriptedModel(Script.tool_calls(1)), Tool()
    messages = [{"role": "user", "content": "Go."}]
    while True:                                      # a minimal agent loop, for the example
        turn = model.complete(messages, [tool.spec()])
        messages.append({"role": "assistant", "content": turn.text, "tool_calls": turn.tool_calls})
        if not turn.tool_calls:
            break
        for call in turn.tool_calls:
            messages.append({"role": "tool", "tool_call_id": call.id, "content": tool(**call.arguments)})
    run = scripted_run(model, [tool], messages)
    assert "call-0-0 lookup {'query': 'q0.0'} executed" in render_run(run)
    # in a test, with syrupy's ``snapshot`` fixture:
    #     assert scripted_run(model, [tool], messages) == snapshot(extension_class=ScriptedRunExtension)

A pass/fail assertion hides drift: the agent still stops at the right call, but now answers a
refused tool call with an empty result, or puts the refusal in another message. A snapshot of
the whole run shows such a change as a line diff. What is rendered is ground truth the mocks
own (each model call's reply, usage and the fate of every tool call it asked for: executed or
refused, matched to the tools' own execution logs) and, if given, the transcript the agent
reports. Nothing nondeterministic is rendered: no clock times, no object ids (``0x...`` addresses
are masked), and tool-call ids the model never returned (a framework's own, often random) are
numbered in order of appearance.

This module imports syrupy; ``agent_limits.mocks`` imports it only when one of its names is
first used, so importing the mocks alone never imports syrupy.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from syrupy.extensions.amber import AmberSnapshotExtension

from ._model import CallRecord, ScriptedModel
from ._script import ToolCall
from ._tools import Tool, ToolExecution
from ._usage import Usage

__all__ = ["ScriptedRun", "ScriptedRunExtension", "render_run", "scripted_run"]

#: Object addresses (``<Foo object at 0x7f3a...>``) differ on every run: masked.
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
#: A rendered text longer than this is cut (with its length), so a snapshot stays readable.
MAX_TEXT = 200


@dataclass(frozen=True)
class ScriptedRun:
    """One run, by ground truth: the model's calls, the tools' executions, the transcript if any.

    Build it with :func:`scripted_run`; :func:`render_run` (or ``str(run)``) gives the text a
    snapshot stores. ``messages`` is None when no transcript was given (then none is rendered).
    """

    calls: tuple[CallRecord, ...]
    executions: tuple[ToolExecution, ...]
    messages: tuple[Any, ...] | None = None

    def __str__(self) -> str:
        return render_run(self)


def scripted_run(model: ScriptedModel | Sequence[CallRecord], tools: Iterable[Tool | ToolExecution] = (),
                 messages: Iterable[Any] | None = None) -> ScriptedRun:
    """What ``model`` was called for and what ``tools`` executed, with the agent's ``messages``.

    ``model``: a :class:`ScriptedModel` (its whole call log) or a slice of a call log (one
    invocation's). ``tools``: the instrumented tools (all their executions) or the executions
    themselves. ``messages``: the transcript as the agent reports it: dicts or objects with
    ``role``, ``content`` or ``text``, ``tool_calls`` and ``tool_call_id`` (OpenAI-style dicts,
    the reference agent's, :class:`agent_limits.harness.Message`).
    """
    calls = tuple(model.calls if isinstance(model, ScriptedModel) else model)
    executions: list[ToolExecution] = []
    for t in tools:
        executions.extend(t.executions if isinstance(t, Tool) else [t])
    return ScriptedRun(calls, tuple(executions), None if messages is None else tuple(messages))


def render_run(run: ScriptedRun, indent: str = "") -> str:
    """``run`` as the lines of text a snapshot stores (see the module docstring for what is in it)."""
    lines = [f"model calls: {len(run.calls)}"]
    fates = _Fates(run.calls, run.executions)
    for n, rec in enumerate(run.calls, 1):
        lines.append(f"  {n}. {_reply(rec, fates)}")
    unasked = fates.unasked
    if unasked:
        lines.append("tool executions the model never asked for:")
        lines.extend(f"  {e.tool} {_short(dict(e.arguments))}{_error(e)}" for e in unasked)
    if run.messages is not None:
        known = [c.id for rec in run.calls for c in rec.tool_calls]
        ids = _Ids(known)
        lines.append(f"transcript: {len(run.messages)} messages")
        lines.extend(f"  {render_message(m, ids)}" for m in run.messages)
    return "\n".join(indent + line for line in lines)


def render_usage(usage: Usage | None) -> str:
    """``10in+5out`` (``+2cached`` when some input was cached); ``none`` when not reported."""
    if usage is None:
        return "none"
    cached = f"+{usage.cached_input_tokens}cached" if usage.cached_input_tokens else ""
    return f"{usage.input_tokens}in+{usage.output_tokens}out{cached}"  # not str(usage): golden files keep this form


def render_message(message: Any, ids: _Ids | None = None) -> str:
    """One transcript entry: role, tool-call ids asked for or answered, and its text."""
    ids = ids or _Ids(())
    role = str(_field(message, "role", "?"))
    text = _field(message, "content", None)
    if text is None:
        text = _field(message, "text", None)
    parts = [role]
    answers = _field(message, "tool_call_id", None)
    if answers is not None:
        parts.append(f"[{ids.show(str(answers))}]")
    calls = _field(message, "tool_calls", None) or ()
    if calls:
        parts.append("-> " + ", ".join(ids.show(_call_id(c)) for c in calls))
    if _field(message, "truncated", False):
        parts.append("(truncated)")
    if text is not None:
        parts.append(_short(text))
    return " ".join(parts)


# -- internals -----------------------------------------------------------------------------
class _Fates:
    """Which requested tool calls ran: each execution matched to the first call that asked for
    it (same tool, same arguments: :class:`agent_limits.mocks.Script` gives every call distinct
    ones), whatever order the executions finished in."""

    def __init__(self, calls: Sequence[CallRecord], executions: Sequence[ToolExecution]) -> None:
        waiting: dict[str, deque[ToolExecution]] = {}
        for e in executions:
            waiting.setdefault(_key(e.tool, e.arguments), deque()).append(e)
        self.ran: dict[tuple[int, int], ToolExecution] = {}
        for rec in calls:
            for j, c in enumerate(rec.tool_calls):
                queue = waiting.get(_key(c.name, c.arguments))
                if queue:
                    self.ran[rec.index, j] = queue.popleft()
        left = {id(e) for queue in waiting.values() for e in queue}
        #: Executions no requested call accounts for, in execution order.
        self.unasked = [e for e in executions if id(e) in left]

    def of(self, rec: CallRecord, position: int) -> str:
        execution = self.ran.get((rec.index, position))
        return "refused" if execution is None else "executed" + _error(execution)


def _reply(rec: CallRecord, fates: _Fates) -> str:
    if rec.reply is None:
        raised = rec.turn.raises
        cut = rec.started_at is not None and rec.ended_at is None  # on a clock: started, never ended
        if raised is not None and not cut:
            return f"raised {type(raised).__name__}: {_short(str(raised))}"
        return "no reply (cancelled in flight)"
    turn = rec.reply
    parts = []
    if turn.tool_calls:
        parts.append("tools " + ", ".join(f"{c.id} {c.name} {_short(dict(c.arguments))} {fates.of(rec, j)}"
                                          for j, c in enumerate(turn.tool_calls)))
        if turn.text:
            parts.append(f"text {_short(turn.text)}")
    else:
        parts.append(f"answer {_short(turn.text)}")
    parts.append(render_usage(turn.usage))
    return "; ".join(parts)


class _Ids:
    """Tool-call ids as shown: the model's own unchanged, any other numbered by first appearance."""

    def __init__(self, known: Iterable[str]) -> None:
        self.known = set(known)
        self.other: dict[str, str] = {}

    def show(self, value: str) -> str:
        if value in self.known:
            return value
        return self.other.setdefault(value, f"<id {len(self.other) + 1}>")


def _key(tool: str, arguments: Mapping[str, Any]) -> str:
    return f"{tool}{sorted(arguments.items())!r}"


def _error(execution: ToolExecution) -> str:
    if execution.error is None:
        return ""
    return f" (raised {type(execution.error).__name__})"


def _call_id(call: Any) -> str:
    if isinstance(call, ToolCall):
        return call.id
    if isinstance(call, str):
        return call
    return str(_field(call, "id", ""))


def _field(obj: Any, name: str, default: Any) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _scrub(text: str) -> str:
    return _ADDRESS.sub("0x…", text)


def _short(value: Any) -> str:
    """``repr`` on one line (newlines escaped), addresses masked, long texts cut with their length."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > MAX_TEXT:
        text = f"{text[:MAX_TEXT]}… ({len(text)} chars)"
    return _scrub(repr(text) if isinstance(value, str) else text)


class ScriptedRunExtension(AmberSnapshotExtension):
    """A syrupy amber extension storing a :class:`ScriptedRun` as its rendered text, so that a
    mismatch shows as a line diff of calls, tool fates and messages (not as one long repr).

    Anything else is stored as syrupy's default amber extension would store it.
    """

    def serialize(self, data: Any, **kwargs: Any) -> str:
        if isinstance(data, ScriptedRun):
            data = render_run(data)
        return str(super().serialize(data, **kwargs))
