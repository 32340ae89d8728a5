"""The adapter for Inspect AI (``inspect-ai``): ``--agent-impl=inspect_ai.agent:react``.

Inspect's ``react()`` agent runs only inside an evaluation sample (it opens the sample's
checkpointer, and raises ``RuntimeError`` outside one), so one invocation is what Inspect users
run: ``eval()`` (synchronous) or ``eval_async()`` (asynchronous) of a one-sample ``Task`` whose
solver is the agent with its scoped limits, ``as_solver(agent, limits=[...])``. A breach ends the
sample, and Inspect records it on the sample (``EvalSample.limit``), never as an error:

    canonical            Inspect knob (inspect_ai.util)         breach signal (EvalSample.limit)
    max_turns=N          turn_limit(N)                          type "turn"
    max_token_budget=B   token_limit(B)                         type "token" ("Token limit ...")
    max_output_tokens=O  token_limit(O, type="output")          type "token" ("Output token limit ...")
    max_cost_usd=C       cost_limit(C)                          type "cost"
    timeout_seconds=T    time_limit(T)                          type "time"
    max_output_bytes=K   GenerateConfig(max_tool_output=K)      (a cut, not a stop)

The two token budgets share the type "token"; the sample's ``limit.reason`` says which one.
``cost_limit`` checks the cost Inspect computes from a model's per-token rates: the dialect
model reports the harness's ``cost_estimator`` as its own rates (``ServedModelUsage``), and
without an estimator it has no prices, as a model missing from Inspect's model database.

Not declared: ``message_limit`` counts every message of the conversation (user, assistant, tool,
system), not model calls, so it is no turn cap; ``working_limit`` is time minus waiting (retry
backoff, semaphores), not the monotonic clock. Inspect has no tool-call cap, no parallel-tool cap
(a ``ToolDef`` is parallel or not), and no caller-set context-token ceiling (compaction and
``truncation="auto"`` follow the model's context window). A canonical ``None`` leaves the limit
out; every other value is passed to Inspect untouched, so its own validation is judged. The limits
are constructed at build (where Inspect validates them) and again for every invocation (an
Inspect ``Limit`` may be entered once).

``react()`` is built with ``submit=False``: the scripted model ends with a plain answer, and
without a submit tool react ends when a reply calls no tool (with one it would urge the model
on). The conversation continues across invocations of one built agent (the next sample's input
is the previous sample's messages without react's system prompt, plus the new prompt). Logs are
JSON in fsspec's in-memory filesystem, each removed once read; nothing is displayed
(``display="none"``, ``INSPECT_DISPLAY=none`` for ``eval_async``), no control-channel socket is
opened (``ctl_server=False``), and retries wait 0 s.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fsspec.implementations.memory import MemoryFileSystem  # type: ignore[import-untyped]
from inspect_ai import Task, eval, eval_async
from inspect_ai.agent import Agent, as_solver, react
from inspect_ai.dataset import Sample
from inspect_ai.log import EvalLog, EvalSample
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageTool,
    ChatMessageUser,
    GenerateConfig,
    Model,
    ModelUsage,
)
from inspect_ai.util import Limit, cost_limit, display_type, time_limit, token_limit, turn_limit
from tenacity import wait_none

from agent_limits.mocks import ScriptedModel, Tool, Usage
from agent_limits.mocks.inspect_ai import inspect_tools, scripted_model

from .._limits import COMPLETED, ERROR
from .._resolve import ImplementationError
from ..adapter import Adapter, Message, Outcome, last_text

__all__ = ["LIMIT_TYPES", "InspectAdapter", "InspectRun", "SampleError", "adapter_for", "breach_kind",
           "to_messages", "to_usage"]

#: ``EvalSample.limit.type`` -> canonical stop kind ("token" is split by the limit's reason).
LIMIT_TYPES: dict[str, str] = {
    "turn": "max_turns",
    "token": "max_token_budget",
    "cost": "max_cost_usd",
    "time": "timeout_seconds",
}
_SCOPED = ("max_turns", "max_token_budget", "max_output_tokens", "max_cost_usd", "timeout_seconds")


class SampleError(Exception):
    """The sample ended in an error: Inspect keeps it as an ``EvalError`` (message and traceback)."""

    def __init__(self, error: Any) -> None:
        super().__init__(getattr(error, "message", str(error)))
        self.error = error


@dataclass
class InspectRun:
    """A built Inspect agent, its model, the scoped limits each invocation enters, and the chat so far."""

    agent: Agent
    model: Model
    limits: Callable[[], list[Limit]]
    config: GenerateConfig
    history: list[ChatMessage] = field(default_factory=list)

    def task(self, prompt: str) -> Task:
        sample = Sample(input=[*self.history, ChatMessageUser(content=prompt)])
        return Task(dataset=[sample], solver=as_solver(self.agent, limits=self.limits()), config=self.config,
                    name="agent_limits")


class InspectAdapter(Adapter):
    """Builds a real Inspect agent (``react()`` or a factory like it) on the scripted model and
    runs each invocation as a one-sample ``eval()`` / ``eval_async()``."""

    name = "inspect-ai"
    capabilities = frozenset({*_SCOPED, "max_output_bytes"})

    def __init__(self, factory: Callable[..., Agent] = react, **agent_options: Any) -> None:
        #: ``react`` (or another agent factory taking ``model=`` and ``tools=``); ``agent_options``
        #: go to it (e.g. ``prompt=``): how to test an agent configured as your eval builds it.
        self.factory = factory
        self.agent_options = agent_options
        #: Inspect writes its log through fsspec: an in-memory filesystem keeps it in the process
        #: (no file, and no worker thread writing one; see docs/findings/inspect_ai.md).
        self.log_dir = f"memory://agent-limits-inspect-{uuid.uuid4().hex}"
        _warm_up(self)

    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> InspectRun:
        self.refuse_unsupported(limits)
        dialect = scripted_model(model, cost_estimator=limits.get("cost_estimator"), retry_wait=wait_none())
        options = dict(self.agent_options)
        if "submit" in inspect.signature(self.factory).parameters:
            options.setdefault("submit", False)
        agent = self.factory(model=dialect, tools=inspect_tools(tools), **options)
        values = {k: limits[k] for k in _SCOPED if limits.get(k) is not None}

        def scoped() -> list[Limit]:
            return scoped_limits(values)

        scoped()  # Inspect validates a limit's value when it is constructed
        config = GenerateConfig(max_tool_output=limits.get("max_output_bytes"))
        return InspectRun(agent, dialect, scoped, config)

    def run(self, agent: InspectRun, prompt: str) -> Outcome:
        try:
            logs = eval(agent.task(prompt), model=agent.model, display="none", **self._options())
        except Exception as exc:  # a framework error is an outcome, not a harness crash
            return Outcome(ERROR, signal=exc, raw=exc)
        return self.outcome(agent, logs)

    async def arun(self, agent: InspectRun, prompt: str) -> Outcome:
        os.environ.setdefault("INSPECT_DISPLAY", "none")  # eval_async would otherwise print its plain display
        display_type()
        try:
            logs = await eval_async(agent.task(prompt), model=agent.model, **self._options())
        except Exception as exc:
            return Outcome(ERROR, signal=exc, raw=exc)
        return self.outcome(agent, logs)

    def _options(self) -> dict[str, Any]:
        return {"log_dir": self.log_dir, "log_format": "json", "score": False, "log_realtime": False,
                "ctl_server": False}

    # -- translating results ------------------------------------------------------------------
    def outcome(self, run: InspectRun, logs: Sequence[EvalLog]) -> Outcome:
        """The invocation's sample as an :class:`Outcome`, read at once (its log file is removed)."""
        [log] = logs
        samples = list(log.samples or [])  # read (lazily) from the log, which is removed once read
        memory = MemoryFileSystem()
        if log.location and memory.exists(log.location):
            memory.rm(log.location)
        if not samples:
            error = SampleError(log.error) if log.error is not None else SampleError("the eval ran no sample")
            return Outcome(ERROR, signal=error, raw=log)
        sample = samples[0]
        kept: list[ChatMessage] = [m for m in sample.messages if m.role != "system"]  # react adds its prompt again
        new = kept[len(run.history):]
        run.history = kept
        messages = to_messages(new)
        usage = to_usage(sample.model_usage.values()) if sample.model_usage else None
        if sample.error is not None:
            return Outcome(ERROR, signal=SampleError(sample.error), messages=messages, text=last_text(messages),
                           usage=usage, raw=sample)
        if sample.limit is not None:
            return Outcome(breach_kind(sample), signal=sample.limit, messages=messages, text=last_text(messages),
                           usage=usage, raw=sample)
        completion = sample.output.completion
        return Outcome(COMPLETED, signal=None, messages=messages, text=completion or last_text(messages),
                       usage=usage, raw=sample)

    def received(self, messages: Sequence[Any]) -> list[Message]:
        """The Inspect ``ChatMessage`` s the dialect's ``generate()`` was given, read like the transcript."""
        return to_messages(messages)

    def describe(self) -> str:
        options = "".join(f", {k}={v!r}" for k, v in self.agent_options.items())
        return (f"inspect-ai ({self.factory.__module__}.{self.factory.__qualname__}{options}, submit=False; "
                "eval()/eval_async() of one sample, as_solver(limits=[...]))")


_warm = False


def _warm_up(adapter: InspectAdapter) -> None:
    """One throwaway eval, once per process, before any judged invocation.

    Inspect imports most of its evaluation machinery on the first ``eval()`` (2-3 s of imports,
    far more on a loaded machine), which the watchdog would otherwise charge to the first judged
    invocation; and an eval the watchdog interrupts leaves Inspect's one-eval-at-a-time flag set,
    so every later ``eval()`` in the process refuses to start (see docs/findings/inspect_ai.md).
    """
    global _warm
    if _warm:
        return
    try:
        asyncio.get_running_loop()
        return  # eval() would nest in a running loop: the first invocation pays for the imports instead
    except RuntimeError:
        pass
    _warm = True
    from agent_limits.mocks import Script

    built = InspectAdapter.build(adapter, ScriptedModel(Script.answer()), [], {})
    adapter.run(built, "warm up")


def scoped_limits(values: Mapping[str, Any]) -> list[Limit]:
    """Inspect's scoped limits for the canonical ``values`` (each constructed anew: single use)."""
    out: list[Limit] = []
    if "max_turns" in values:
        out.append(turn_limit(values["max_turns"]))
    if "max_token_budget" in values:
        out.append(token_limit(values["max_token_budget"]))
    if "max_output_tokens" in values:
        out.append(token_limit(values["max_output_tokens"], type="output"))
    if "max_cost_usd" in values:
        out.append(cost_limit(values["max_cost_usd"]))
    if "timeout_seconds" in values:
        out.append(time_limit(values["timeout_seconds"]))
    return out


def breach_kind(sample: EvalSample) -> str:
    """The canonical stop kind of the limit Inspect recorded on ``sample``."""
    limit = sample.limit
    if limit is None:
        return COMPLETED
    kind = LIMIT_TYPES.get(limit.type)
    if kind is None:
        return f"unrecognised limit type {limit.type!r}"
    if kind == "max_token_budget" and (limit.reason or "").startswith("Output token limit"):
        return "max_output_tokens"
    return kind


def to_usage(usages: Any) -> Usage:
    """Inspect's ``ModelUsage`` (per model, for this sample) as :class:`agent_limits.mocks.Usage`:
    Inspect's ``input_tokens`` leaves out prompt-cache reads and writes, canonical input holds them."""
    total = Usage()
    for u in usages:
        assert isinstance(u, ModelUsage)
        cached = u.input_tokens_cache_read or 0
        total = total + Usage(u.input_tokens + cached + (u.input_tokens_cache_write or 0), u.output_tokens, cached)
    return total


def to_messages(messages: Sequence[Any]) -> list[Message]:
    """Inspect chat messages as transcript entries: an assistant message with its text and tool-call
    ids, a tool message per result (``tool_call_id``), user and system messages with their text."""
    out: list[Message] = []
    for m in messages:
        text = m.text or None
        if isinstance(m, ChatMessageAssistant):
            out.append(Message("assistant", text, tool_calls=tuple(str(c.id) for c in m.tool_calls or ())))
        elif isinstance(m, ChatMessageTool):
            out.append(Message("tool", text, tool_call_id=None if m.tool_call_id is None else str(m.tool_call_id)))
        else:
            out.append(Message(str(m.role), text))
    return out



def adapter_for(target: Any) -> InspectAdapter:
    """The adapter for ``inspect_ai.agent.react`` (or another agent factory taking ``model`` and ``tools``)."""
    if inspect.isfunction(target) and not isinstance(target, type):
        params = inspect.signature(target).parameters
        if "model" in params and "tools" in params and _is_agent_factory(target):
            return InspectAdapter(target)
    raise ImplementationError(
        f"{target!r} comes from Inspect AI but is not an agent factory taking model= and tools=: name "
        "inspect_ai.agent:react (e.g. --agent-impl=inspect_ai.agent:react)"
    )


def _is_agent_factory(target: Any) -> bool:
    from inspect_ai._util.registry import is_registry_object, registry_info

    return is_registry_object(target) and registry_info(target).type == "agent"
