"""Pre-flight: build the agent once and invoke it on a one-reply script before the suite runs.

A protocol mistake (a constructor that takes no model, ``invoke`` returning None, a result with
no ``stop_reason``) would otherwise fail every clause with the same unreadable outcome. Found
here, it stops the run with one usage error that says exactly what is missing. Only what makes
every outcome unreadable is flagged: behaviour is for the clauses to judge.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import io
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

from agent_limits.mocks import Script, ScriptedModel, Tool, Turn, Usage

from ._guards import AgentBroken, AgentExited, AgentHung, exit_blocked, network_blocked, watchdog
from ._limits import STOP_KINDS
from ._native import NATIVE_STOP_REASONS, NativeAdapter
from .adapter import Adapter, Outcome

__all__ = ["preflight"]

PROMPT = "Pre-flight: answer at once."
#: Characters of what the agent printed that a pre-flight error shows.
OUTPUT_TAIL = 2000


def preflight(adapter: Adapter, spec: str, agent_timeout: float) -> list[str]:
    """What keeps the harness from reading this implementation at all (empty: nothing)."""
    if isinstance(adapter, NativeAdapter):
        problem = _constructor_problem(adapter.agent_cls)
        if problem:
            return [problem]
    paths = [p for p, ok in (("sync", adapter.supports_sync), ("async", adapter.supports_async)) if ok]
    problems: list[str] = []
    printed = io.StringIO()  # what the agent prints here is not the user's to read, unless it helps
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        for path in paths:
            problems.extend(f"{path} path: {p}" for p in _try_path(adapter, path, agent_timeout))
            if problems and path == "sync" and problems[0].startswith("sync path: building"):
                break  # the async path would only say the same
    release = getattr(adapter, "release", None)
    if callable(release):  # what the pre-flight agents hold (the wire adapter: a child process)
        release()
    output = printed.getvalue().strip()
    if problems and output:
        problems.append(f"the agent printed (last {min(len(output), OUTPUT_TAIL)} characters):\n"
                        + textwrap.indent(output[-OUTPUT_TAIL:], "      "))
    return problems


def _try_path(adapter: Adapter, path: str, agent_timeout: float) -> list[str]:
    """Problems reading one invocation on ``path``. An agent that hangs, reaches for the network
    or tries to exit is behaving, not misreading the protocol: that is left to the suite, whose
    guards fail each test with its own message while the run goes on."""
    attempts: list[str] = []
    with network_blocked(attempts), exit_blocked(attempts):
        try:
            with watchdog(agent_timeout, f"the pre-flight invocation ({path} path)"):
                problems = _build_and_invoke(adapter, path)
        except (AgentHung, AgentExited, SystemExit):
            return []
        except _Raised as raised:  # outside the watchdog, which turns what a hang caused into AgentHung
            problems = [str(raised)]
    return [] if attempts else problems


class _Raised(Exception):
    """The agent raised where a plain answer was due; the message says where."""


def _build_and_invoke(adapter: Adapter, path: str) -> list[str]:
    model = ScriptedModel(Script([Turn.answer("pong", Usage(3, 2))]))
    try:
        agent = adapter.build(model, [Tool("lookup")], {})
    except Exception as exc:
        raise _Raised(f"building the agent with no limits raised {type(exc).__name__}: {exc}") from exc
    if isinstance(adapter, NativeAdapter):
        return _native_result(agent, path)
    try:
        outcome = adapter.run(agent, PROMPT) if path == "sync" else asyncio.run(adapter.arun(agent, PROMPT))
    except AgentBroken as exc:  # the agent's process broke: no clause could read it either
        raise _Raised(f"the invocation failed: {exc}") from exc
    return _outcome_problems(outcome)


def _constructor_problem(agent_cls: type) -> str:
    try:
        inspect.signature(agent_cls).bind(object(), [])
    except TypeError as exc:
        return (f"{agent_cls.__qualname__}(model, tools) cannot be called ({exc}). The native protocol builds "
                "an agent as Agent(model, tools, **limits): a ScriptedModel, a list of Tools, then the limits "
                "it supports as keyword arguments.")
    except ValueError:  # no signature to read (a builtin): let building tell
        pass
    return ""


def _native_result(agent: Any, path: str) -> list[str]:
    call = f"{'invoke' if path == 'sync' else 'await ainvoke'}(prompt)"
    try:
        if path == "sync":
            result = agent.invoke(PROMPT)
        else:
            pending = agent.ainvoke(PROMPT)
            if not inspect.isawaitable(pending):
                return [f"ainvoke(prompt) returned {type(pending).__name__}, not an awaitable: define it with async def"]
            result = asyncio.run(_awaited(pending))
    except Exception as exc:
        raise _Raised(f"{call} raised {type(exc).__name__}: {exc} on a script that only answers 'pong'") from exc
    return _result_problems(result, call)


async def _awaited(pending: Any) -> Any:
    return await pending


def _result_problems(result: Any, call: str) -> list[str]:
    """What the native adapter cannot read in ``result``."""
    wanted = "a result object with attributes stop_reason, messages, text and usage"
    if result is None:
        return [f"{call} returned None; it must return {wanted}"]
    if isinstance(result, Mapping):
        return [f"{call} returned a {type(result).__name__}; the protocol reads attributes (result.stop_reason), "
                "not keys: return e.g. a dataclass or types.SimpleNamespace"]
    if not hasattr(result, "stop_reason"):
        return [f"{call} returned {type(result).__name__} with no stop_reason attribute; it must return {wanted}"]
    problems = []
    reason = result.stop_reason
    if not isinstance(reason, str) or reason not in NATIVE_STOP_REASONS:
        problems.append(f"result.stop_reason is {reason!r}; it must be one of {', '.join(map(repr, NATIVE_STOP_REASONS))}")
    messages = getattr(result, "messages", None)
    if messages is not None and (isinstance(messages, (str, bytes, Mapping)) or not isinstance(messages, Iterable)):
        problems.append(f"result.messages is a {type(messages).__name__}; it must be a list of messages "
                        "(dicts or objects with role, content, tool_calls, tool_call_id)")
    text = getattr(result, "text", None)
    if text is not None and not isinstance(text, str):
        problems.append(f"result.text is a {type(text).__name__}; it must be the last assistant text (str) or None")
    usage = getattr(result, "usage", None)
    if usage is not None and not _readable_usage(usage):
        problems.append(f"result.usage ({usage!r}) has no input_tokens/output_tokens integers "
                        "(a mapping or an object with both)")
    return problems


def _readable_usage(usage: Any) -> bool:
    get = usage.get if isinstance(usage, Mapping) else lambda name, default=None: getattr(usage, name, default)
    values = [get("input_tokens", None), get("output_tokens", None)]
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _outcome_problems(outcome: Any) -> list[str]:
    if not isinstance(outcome, Outcome):
        return [f"the adapter's run returned {type(outcome).__name__}, not an agent_limits.harness.Outcome"]
    if outcome.stop not in STOP_KINDS:
        return [f"the adapter's Outcome.stop is {outcome.stop!r}; it must be one of {', '.join(STOP_KINDS)}"]
    return []
