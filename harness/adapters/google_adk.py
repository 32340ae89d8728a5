"""The adapter for Google's Agent Development Kit (``google-adk``): ``--agent-impl=google.adk.agents:LlmAgent``
(``google.adk.agents:Agent`` is the same class).

An ADK agent is run by a ``Runner`` on a session (here an ``InMemorySessionService``, one session per
built agent, so a second invocation continues the conversation as a chat does). ADK has two real
execution limits, and reports a breach as an exception:

    canonical            ADK knob                                   breach signal
    max_turns=N          Runner.run[_async](run_config=             LlmCallsLimitExceededError
                           RunConfig(max_llm_calls=N))              (raised before model call N+1)
    timeout_seconds=T    LlmAgent(timeout=T) (BaseNode.timeout,     NodeTimeoutError
                           asyncio.wait_for around the agent's run) (pre-emptive: the run is cancelled)

``max_llm_calls`` counts the model calls of one invocation (a new ``InvocationContext`` per run), is
incremented before each call and raises once it exceeds N, so N calls are made and the tool calls
of call N are executed first. ADK spells "no limit" ``max_llm_calls <= 0`` (its default is 500, or
``ADK_MAX_LLM_CALLS``), so a canonical ``None`` is passed as ``max_llm_calls=0``; every other value
of either knob is passed through untouched (pydantic coerces or rejects it), so ADK's own
validation is what the suite judges.

ADK has no token budget, output-token budget, tool-call cap, cost cap, output-size cap or
context-token ceiling. ``RunConfig.tool_thread_pool_config.max_workers`` sizes the pool that
offloads *synchronous* function tools, not a cap on parallel tool calls (async tools, and every
tool without that config, run on the event loop unbounded), so ``max_parallel_tools`` is not
declared either. Those clauses are skipped, never emulated.

The reported results are ADK's own: the invocation's transcript is the session events appended
during it (the user event, each model event, each function-response event), its usage the sum of
the ``usage_metadata`` its model events carry (ADK keeps no other per-invocation total), its text
the last model text. The synchronous path is ADK's own ``Runner.run``, which drives ``run_async``
on an event loop of a thread it starts. Telemetry: ADK traces through the OpenTelemetry API and
exports nothing unless a provider is set up (``maybe_set_otel_providers``, its CLI's job); the
adapter sets none, and a ``BaseLlm`` of our own needs no Google credentials.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
from dataclasses import dataclass
from typing import Any, AsyncIterator, Iterable, Mapping, Sequence

from google.adk.agents import LlmAgent, RunConfig
from google.adk.agents.invocation_context import LlmCallsLimitExceededError
from google.adk.events import Event
from google.adk.runners import Runner
from google.adk.sessions import InMemorySessionService
from google.adk.workflow import NodeTimeoutError
from google.genai import types

from agent_limits.mocks import ScriptedModel, Tool, Usage
from agent_limits.mocks.google_adk import ScriptedAdkModel, adk_tools

from .._limits import COMPLETED, ERROR
from .._resolve import ImplementationError
from ..adapter import Adapter, Message, Outcome, last_text

__all__ = ["AdkRun", "GoogleAdkAdapter", "LIMIT_KNOBS", "adapter_for", "breach_kind", "to_messages", "to_usage"]

#: Canonical limit kind -> where ADK takes it.
LIMIT_KNOBS: dict[str, str] = {
    "max_turns": "RunConfig.max_llm_calls",
    "timeout_seconds": "LlmAgent.timeout",
}
APP_NAME = "agent_limits"
USER_ID = "user"
_ids = itertools.count()


@dataclass
class AdkRun:
    """A built ADK agent with its runner, its session and the run config every invocation passes."""

    agent: LlmAgent
    runner: Runner
    sessions: InMemorySessionService
    run_config: RunConfig
    session_id: str

    def prompt(self, text: str) -> types.Content:
        return types.Content(role="user", parts=[types.Part(text=text)])

    async def events(self) -> list[Event]:
        """The session's events so far (ADK's own record of the conversation)."""
        session = await self.sessions.get_session(app_name=APP_NAME, user_id=USER_ID, session_id=self.session_id)
        return list(session.events) if session is not None else []


class GoogleAdkAdapter(Adapter):
    """Builds a real ``google.adk.agents.LlmAgent`` (or subclass) on the scripted model and runs it."""

    name = "google-adk"
    capabilities = frozenset(LIMIT_KNOBS)

    def __init__(self, agent_cls: type[LlmAgent] = LlmAgent, **agent_options: Any) -> None:
        #: ``LlmAgent`` or a subclass; ``agent_options`` go to its constructor (e.g. ``instruction=``).
        self.agent_cls = agent_cls
        self.agent_options = agent_options

    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> AdkRun:
        self.refuse_unsupported(limits)
        options = dict(self.agent_options)
        if limits.get("timeout_seconds") is not None:
            options["timeout"] = limits["timeout_seconds"]
        agent = self.agent_cls(name="agent", model=ScriptedAdkModel(model), tools=list(adk_tools(tools)), **options)
        turns = limits.get("max_turns")
        run_config = RunConfig(max_llm_calls=0 if turns is None else turns)  # 0 is ADK's "unbounded"
        sessions = InMemorySessionService()
        runner = Runner(agent=agent, app_name=APP_NAME, session_service=sessions, auto_create_session=True)
        return AdkRun(agent, runner, sessions, run_config, session_id=f"session-{next(_ids)}")

    def run(self, agent: AdkRun, prompt: str) -> Outcome:
        before = len(asyncio.run(agent.events()))
        error: Exception | None = None
        try:
            for _ in agent.runner.run(user_id=USER_ID, session_id=agent.session_id, new_message=agent.prompt(prompt),
                                      run_config=agent.run_config):
                pass
        except Exception as exc:  # a framework error is an outcome, not a harness crash
            error = exc
        return self.outcome(asyncio.run(agent.events())[before:], error)

    async def arun(self, agent: AdkRun, prompt: str) -> Outcome:
        before = len(await agent.events())
        error: Exception | None = None
        try:
            stream: AsyncIterator[Event] = agent.runner.run_async(
                user_id=USER_ID, session_id=agent.session_id, new_message=agent.prompt(prompt),
                run_config=agent.run_config)
            async for _ in stream:
                pass
        except Exception as exc:
            error = exc
        return self.outcome((await agent.events())[before:], error)

    def outcome(self, events: Sequence[Event], error: Exception | None) -> Outcome:
        """This invocation's session events (and the exception that ended it, if any) as an Outcome."""
        messages = to_messages(e.content for e in events)
        usage = to_usage(events)
        stop = COMPLETED if error is None else breach_kind(error)
        return Outcome(stop, signal=error, messages=messages, text=last_text(messages), usage=usage,
                       raw=error if error is not None else list(events))

    def received(self, messages: Sequence[Any]) -> list[Message]:
        """The google.genai ``Content`` s the dialect model was given, read like the transcript."""
        return to_messages(messages)

    def describe(self) -> str:
        options = "".join(f", {k}={v!r}" for k, v in self.agent_options.items())
        return (f"google-adk ({self.agent_cls.__module__}.{self.agent_cls.__qualname__}{options}, "
                "RunConfig(max_llm_calls) per run + LlmAgent(timeout))")


def breach_kind(exc: BaseException) -> str:
    """The canonical stop kind of an exception ADK raised from a run."""
    if isinstance(exc, LlmCallsLimitExceededError):
        return "max_turns"
    if isinstance(exc, NodeTimeoutError):
        return "timeout_seconds"
    return ERROR


def to_messages(contents: Iterable[types.Content | None]) -> list[Message]:
    """google.genai contents as transcript entries.

    A ``model`` content is one assistant entry (its non-thought text, the ids of its
    ``function_call`` parts), also an empty reply's content without parts; each
    ``function_response`` part is one ``tool`` entry; a user content's text is a ``user`` entry.
    Events without content (ADK's bookkeeping, e.g. the agent's end state) are left out.
    """
    out: list[Message] = []
    for content in contents:
        if content is None:
            continue
        parts = content.parts or []
        texts = [p.text for p in parts if p.text and not p.thought]
        text = "".join(texts) if texts else None
        if content.role == "model":
            calls = tuple(str(p.function_call.id) for p in parts if p.function_call is not None)
            out.append(Message("assistant", text, tool_calls=calls))
            continue
        for part in parts:
            if part.function_response is not None:
                response = part.function_response.response
                shown = response.get("result", response) if isinstance(response, dict) else response
                out.append(Message("tool", shown if isinstance(shown, str) else str(shown),
                                   tool_call_id=str(part.function_response.id)))
        if text is not None:
            out.append(Message(content.role or "user", text))
    return out


def to_usage(events: Iterable[Event]) -> Usage | None:
    """The usage ADK's model events of an invocation report, summed; None when none reports any."""
    total: Usage | None = None
    for event in events:
        meta = event.usage_metadata
        if meta is None:
            continue
        usage = Usage(meta.prompt_token_count or 0, meta.candidates_token_count or 0,
                      meta.cached_content_token_count or 0)
        total = usage if total is None else total + usage
    return total



def adapter_for(target: Any) -> GoogleAdkAdapter:
    """The adapter for ``google.adk.agents.LlmAgent`` (alias ``Agent``) or a subclass of it."""
    if inspect.isclass(target) and issubclass(target, LlmAgent):
        return GoogleAdkAdapter(target)
    kind = "class" if inspect.isclass(target) else type(target).__name__
    raise ImplementationError(
        f"{target!r} is a Google ADK {kind}, not an LLM agent class: name google.adk.agents:LlmAgent "
        "(or google.adk.agents:Agent, the same class) or a subclass of it"
    )
