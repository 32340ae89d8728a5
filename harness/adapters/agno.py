"""The adapter for Agno (``agno``): ``--agent-impl=agno.agent:Agent``.

Agno has one execution limit on an agent, ``Agent(tool_call_limit=M)``, counted per run inside
``Model.response`` / ``Model.aresponse`` (the run's model-and-tools loop):

    canonical          Agno knob                    breach signal
    max_tool_calls=M   Agent(tool_call_limit=M)     none at the run level: each call past M is answered
                                                    with a tool message "Tool call limit reached. ..."
                                                    (``tool_call_error=True``) and the loop calls the
                                                    model again; the run ends with
                                                    ``RunOutput.status`` COMPLETED (or ERROR)

Agno has no knob for turns (the loop in ``Model.response`` is ``while True``), for a token, output-token
or cost budget, for a parallel-tool cap (``arun`` runs a reply's calls at once, ``run`` one after
the other), for a wall-clock timeout of a run, for a tool-output size cap or for a context-token
ceiling (``CompressionManager(compress_token_limit=...)`` and ``Compaction`` summarise with a model
once a threshold is crossed; they promise no request size, and they would make model calls of their
own), so only ``max_tool_calls`` is in :attr:`AgnoAdapter.capabilities`; nothing is emulated.
``Agent(retries=...)`` and ``Model.retries`` retry failed runs or requests (both 0 by default,
kept so); they are not limits.

The stop is read from what Agno reports: ``RunOutput.status`` COMPLETED is ``completed`` and ERROR
(Agno catches every exception of a run, writes its message into ``content`` and returns) is
``error``. Agno never reports a run as stopped by ``tool_call_limit``, so the adapter never reports
``max_tool_calls``: inferring it from the refusal messages would be a breach signal Agno does not
give. Messages and usage are the run's own ``RunOutput.messages`` and ``RunOutput.metrics``; the
text of a completed run is its ``RunOutput.content`` (what a user reads as the answer), of any other
run the last assistant message's text. Telemetry is off (``telemetry=False``; Agno's ``AGNO_TELEMETRY`` environment
variable would override it), no storage (``db=None``), no history in the context (Agno's
default), so each invocation is a fresh conversation, as Agno runs it by default.
"""

from __future__ import annotations

import inspect
from typing import Any, Mapping, Sequence

from agno.agent import Agent
from agno.models.message import Message as AgnoMessage
from agno.run.agent import RunOutput
from agno.run.base import RunStatus

from agent_limits.mocks import ScriptedModel, Tool, Usage
from agent_limits.mocks.agno import AgnoScriptedModel, agno_toolkit

from .._limits import COMPLETED, ERROR
from .._resolve import ImplementationError
from ..adapter import Adapter, Message, Outcome, last_text

__all__ = ["LIMIT_OPTIONS", "STATUSES", "AgnoAdapter", "adapter_for", "to_messages", "to_usage"]

#: Canonical limit kind -> keyword of ``agno.agent.Agent``.
LIMIT_OPTIONS: dict[str, str] = {"max_tool_calls": "tool_call_limit"}
#: ``RunOutput.status`` -> canonical stop kind.
STATUSES: dict[RunStatus, str] = {RunStatus.completed: COMPLETED, RunStatus.error: ERROR}


class AgnoAdapter(Adapter):
    """Builds a real ``agno.agent.Agent`` (or subclass) on the scripted model and runs it."""

    name = "agno"
    capabilities = frozenset(LIMIT_OPTIONS)

    def __init__(self, agent_cls: type[Agent] = Agent, **agent_options: Any) -> None:
        #: ``agno.agent.Agent`` or a subclass; ``agent_options`` go to its constructor (e.g.
        #: ``instructions=``): how to test an agent configured the way your application builds it.
        self.agent_cls = agent_cls
        self.agent_options = agent_options

    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> Agent:
        self.refuse_unsupported(limits)
        # Values pass through untouched: Agno's own handling of them is what the suite judges.
        knobs = {LIMIT_OPTIONS[k]: v for k, v in limits.items() if k in LIMIT_OPTIONS and v is not None}
        options: dict[str, Any] = {"telemetry": False, **self.agent_options, **knobs}
        return self.agent_cls(model=AgnoScriptedModel(model), tools=[agno_toolkit(tools)], **options)

    def run(self, agent: Agent, prompt: str) -> Outcome:
        try:
            result = agent.run(prompt)
        except Exception as exc:  # Agno catches a run's errors itself; this is what escapes it
            return Outcome(ERROR, signal=exc, raw=exc)
        return self.outcome(result)

    async def arun(self, agent: Agent, prompt: str) -> Outcome:
        try:
            result = await agent.arun(prompt)
        except Exception as exc:
            return Outcome(ERROR, signal=exc, raw=exc)
        return self.outcome(result)

    def outcome(self, result: Any) -> Outcome:
        """Translate a ``RunOutput`` into an :class:`Outcome`, as Agno reports the run."""
        if not isinstance(result, RunOutput):
            return Outcome(ERROR, signal=TypeError(f"agent.run returned {type(result).__name__}, not a RunOutput"),
                           raw=result)
        status = result.status
        stop = STATUSES.get(status, f"unrecognised RunOutput.status {status!r}") if isinstance(status, RunStatus) \
            else f"unrecognised RunOutput.status {status!r}"
        # On ERROR Agno writes the exception's message into ``content``: it belongs to the signal.
        signal = f"{status.value}: {result.content}" if status == RunStatus.error else getattr(status, "value", status)
        messages = to_messages(result.messages or [])
        # A completed run's result text is Agno's ``content``; after an error ``content`` holds the
        # error's message, so the text is the last assistant message's.
        content = result.content if status == RunStatus.completed else None
        text = content if isinstance(content, str) and content else last_text(messages)
        return Outcome(stop, signal=signal, messages=messages, text=text, usage=to_usage(result.metrics), raw=result)

    def reread(self, outcome: Outcome) -> Outcome | None:
        return self.outcome(outcome.raw) if isinstance(outcome.raw, RunOutput) else None

    def received(self, messages: Sequence[Any]) -> list[Message]:
        """The Agno ``Message`` s the dialect model was given, read like the transcript."""
        return to_messages(messages)

    def describe(self) -> str:
        options = "".join(f", {k}={v!r}" for k, v in self.agent_options.items())
        return f"agno ({self.agent_cls.__module__}.{self.agent_cls.__qualname__}{options}, tool_call_limit= per agent)"


def adapter_for(target: Any) -> AgnoAdapter:
    """The adapter for ``agno.agent.Agent`` or a subclass of it (what ``agno.agent:Agent`` names)."""
    if inspect.isclass(target) and issubclass(target, Agent):
        return AgnoAdapter(target)
    kind = "class" if inspect.isclass(target) else type(target).__name__
    raise ImplementationError(
        f"{target!r} is an Agno {kind}, not an agent class this adapter can drive: name agno.agent.Agent "
        "(e.g. --agent-impl=agno.agent:Agent) or a subclass of it (a Team or a Workflow is not an Agent)"
    )


def to_usage(metrics: Any) -> Usage | None:
    """Agno's ``RunMetrics`` of one run as :class:`agent_limits.mocks.Usage` (cache reads informational)."""
    if metrics is None:
        return None
    return Usage(int(metrics.input_tokens or 0), int(metrics.output_tokens or 0), int(metrics.cache_read_tokens or 0))


def to_messages(raw: Sequence[Any]) -> list[Message]:
    """Agno ``Message`` s as transcript entries: an assistant message with the ids of its tool calls,
    a ``tool`` message with the ``tool_call_id`` it answers, any other role with its text.

    Agno (some of its providers) may answer several calls in one tool message listing them in
    ``tool_calls``; such a message becomes one ``tool`` entry per answered call.
    """
    out: list[Message] = []
    for m in raw:
        role = str(getattr(m, "role", "") or "")
        text = _content(m)
        calls = getattr(m, "tool_calls", None) or []
        if role == "assistant":
            out.append(Message("assistant", text, tool_calls=tuple(str(c.get("id")) for c in calls)))
        elif role == "tool" and getattr(m, "tool_call_id", None) is None and calls:
            for c in calls:
                result = c.get("content")
                out.append(Message("tool", result if isinstance(result, str) else None,
                                   tool_call_id=str(c.get("tool_call_id"))))
        elif role == "tool":
            out.append(Message("tool", text, tool_call_id=str(m.tool_call_id)))
        else:
            out.append(Message(role, text))
    return out


def _content(message: Any) -> str | None:
    content = message.content if isinstance(message, AgnoMessage) else getattr(message, "content", None)
    return content if isinstance(content, str) and content else None

