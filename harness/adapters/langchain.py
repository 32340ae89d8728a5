"""The LangChain / LangGraph adapter: ``langchain.agents.create_agent`` with limit middleware.

Limits map onto LangChain's own knobs the way its users set them:

- ``max_turns`` -> ``ModelCallLimitMiddleware(run_limit=N, exit_behavior="end")``: counts
  model calls per run (invocation), checked before each model call. Not ``recursion_limit``,
  which counts graph steps (every middleware hook, model and tool node is one), not model calls.
- ``max_tool_calls`` -> ``ToolCallLimitMiddleware(run_limit=M, exit_behavior="end")``, the
  behaviour that stops the run (``"continue"``, the default, refuses calls but never stops;
  ``"end"`` refuses the whole reply that would cross M, see docs/findings/langchain.md).
- ``max_parallel_tools`` -> the run config's ``max_concurrency``: each tool call is its own
  graph task, and LangGraph runs at most that many tasks of a step at once.

LangChain has no token, output-token, cost, wall-clock or output-size limit, so those kinds
are not declared (and their clauses are skipped, never passed).

The agent keeps its conversation in an ``InMemorySaver`` checkpointer under one thread id,
as a multi-turn LangChain agent does, so a second invocation continues the first one and the
partial state of a failed invocation can be read back with ``get_state``. Runs use
``durability="exit"`` (one checkpoint per run, also on an error) rather than one per step.

A limit hit with ``exit_behavior="end"`` is reported by LangChain as an ``AIMessage`` it writes
itself ("Model call limits exceeded: ..."): the adapter reads that message as the breach
signal and leaves it out of the transcript and the text, which hold what the model said.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Mapping, Sequence

from langchain.agents import create_agent
from langchain.agents.middleware import ModelCallLimitMiddleware, ToolCallLimitMiddleware
from langchain.agents.middleware.model_call_limit import ModelCallLimitExceededError
from langchain.agents.middleware.tool_call_limit import ToolCallLimitExceededError
from langchain_core.callbacks import UsageMetadataCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from agent_limits.mocks import ScriptedModel, Tool, Usage
from agent_limits.mocks.langchain import ScriptedChatModel, langchain_tools

from .._limits import COMPLETED, ERROR
from ..adapter import Adapter, Message, Outcome

__all__ = ["LangChainAdapter", "LangChainAgent", "adapter_for"]

#: The notices LangChain's limit middleware writes as an AIMessage on an ``end`` stop, and the
#: limit kind each one means (text from ``langchain.agents.middleware.*_call_limit``).
_NOTICES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Model call limits exceeded: "), "max_turns"),
    (re.compile(r"^(Tool|'.*' tool) call limit reached: "), "max_tool_calls"),
)
#: LangChain's breach exceptions (raised with ``exit_behavior="error"``) and their limit kinds.
_BREACH_ERRORS: tuple[tuple[type[BaseException], str], ...] = (
    (ModelCallLimitExceededError, "max_turns"),
    (ToolCallLimitExceededError, "max_tool_calls"),
)


@dataclass
class LangChainAgent:
    """A compiled ``create_agent`` graph with the run config (thread id, concurrency) it runs under."""

    graph: Any
    config: dict[str, Any]
    model: ScriptedChatModel
    middleware: list[Any] = field(default_factory=list)
    #: LangGraph's ``durability``: "exit" writes the thread's checkpoint when the run ends (also
    #: on an error), not after every step, which keeps long runs from paying a copy per step.
    durability: str = "exit"

    def messages(self) -> list[BaseMessage]:
        """The whole conversation of this agent's thread, across invocations."""
        return list(self.graph.get_state(self.config).values.get("messages", []))

    async def amessages(self) -> list[BaseMessage]:
        state = await self.graph.aget_state(self.config)
        return list(state.values.get("messages", []))


class LangChainAdapter(Adapter):
    """Builds ``create_agent`` agents on the scripted chat model and translates their stops."""

    name = "langchain"
    capabilities = frozenset({"max_turns", "max_tool_calls", "max_parallel_tools"})

    def __init__(self, target: Any = None) -> None:
        self.target = target

    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> LangChainAgent:
        self.refuse_unsupported(limits)
        middleware: list[Any] = []
        if limits.get("max_turns") is not None:
            middleware.append(ModelCallLimitMiddleware(run_limit=limits["max_turns"], exit_behavior="end"))
        if limits.get("max_tool_calls") is not None:
            middleware.append(ToolCallLimitMiddleware(run_limit=limits["max_tool_calls"], exit_behavior="end"))
        chat = ScriptedChatModel(scripted=model)
        graph = create_agent(chat, langchain_tools(tools), middleware=middleware, checkpointer=InMemorySaver())
        config: dict[str, Any] = {"configurable": {"thread_id": f"conformance-{uuid.uuid4().hex}"}}
        if limits.get("max_parallel_tools") is not None:
            config["max_concurrency"] = limits["max_parallel_tools"]
        return LangChainAgent(graph, config, chat, middleware)

    def run(self, agent: LangChainAgent, prompt: str) -> Outcome:
        before = len(agent.messages())
        usage = UsageMetadataCallbackHandler()
        try:
            result = agent.graph.invoke(
                {"messages": [HumanMessage(prompt)]}, self._config(agent, usage), durability=agent.durability
            )
        except Exception as exc:  # the framework's error is an outcome, with the partial state kept
            return self.outcome(agent.messages()[before:], usage, error=exc)
        return self.outcome(result["messages"][before:], usage, raw=result)

    async def arun(self, agent: LangChainAgent, prompt: str) -> Outcome:
        before = len(await agent.amessages())
        usage = UsageMetadataCallbackHandler()
        try:
            result = await agent.graph.ainvoke(
                {"messages": [HumanMessage(prompt)]}, self._config(agent, usage), durability=agent.durability
            )
        except Exception as exc:
            return self.outcome((await agent.amessages())[before:], usage, error=exc)
        return self.outcome(result["messages"][before:], usage, raw=result)

    def outcome(
        self,
        messages: Sequence[BaseMessage],
        usage: UsageMetadataCallbackHandler,
        *,
        raw: Any = None,
        error: BaseException | None = None,
    ) -> Outcome:
        """This invocation's messages, usage and stop (a breach notice or exception) as an Outcome."""
        transcript: list[BaseMessage] = []
        stop: str = COMPLETED
        signal: Any = None
        for m in messages:
            kind = breach_notice(m)
            if kind is None:
                transcript.append(m)
            else:
                stop, signal = kind, m.content
        if error is not None:
            stop, signal = breach_kind(error), error
        return Outcome(
            stop,
            signal=signal,
            messages=[to_message(m) for m in transcript],
            text=last_text(transcript),
            usage=reported_usage(usage),
            raw=raw if raw is not None else messages,
        )

    def describe(self) -> str:
        return f"langchain.agents.create_agent (langchain {_version('langchain')}, langgraph {_version('langgraph')})"

    def received(self, messages: Sequence[Any]) -> list[Message]:
        """The LangChain messages the chat model was given, every one of them: a stop notice
        LangChain wrote is read as the assistant message it is sent as, not filtered out."""
        return [to_message(m) for m in messages]

    @staticmethod
    def _config(agent: LangChainAgent, usage: UsageMetadataCallbackHandler) -> dict[str, Any]:
        return {**agent.config, "callbacks": [usage]}


def breach_notice(message: BaseMessage) -> str | None:
    """The limit kind if ``message`` is a stop notice LangChain wrote itself, else None.

    A notice is an ``AIMessage`` without tool calls or usage (no model produced it) whose
    text is one of the limit middleware's messages.
    """
    if not isinstance(message, AIMessage) or message.tool_calls or message.usage_metadata:
        return None
    text = message.content if isinstance(message.content, str) else ""
    for pattern, kind in _NOTICES:
        if pattern.match(text):
            return kind
    return None


def breach_kind(error: BaseException) -> str:
    """The limit kind of a LangChain breach exception, or ``error`` for anything else."""
    for cls, kind in _BREACH_ERRORS:
        if isinstance(error, cls):
            return kind
    return ERROR


def to_message(message: BaseMessage) -> Message:
    """A LangChain message as a transcript :class:`~agent_limits.harness.Message`."""
    text = str(message.text) or None
    if isinstance(message, AIMessage):
        return Message("assistant", text, tuple(c["id"] or "" for c in message.tool_calls))
    if isinstance(message, ToolMessage):
        return Message("tool", text, tool_call_id=message.tool_call_id)
    role = {"human": "user"}.get(message.type, message.type)
    return Message(role, text)


def last_text(messages: Sequence[BaseMessage]) -> str | None:
    """The last non-empty text an AI message carried, or None."""
    for m in reversed(messages):
        if isinstance(m, AIMessage) and m.text:
            return str(m.text)
    return None


def reported_usage(handler: UsageMetadataCallbackHandler) -> Usage:
    """The usage LangChain's own usage callback counted for this invocation, summed over models."""
    total = Usage()
    for meta in handler.usage_metadata.values():
        cached = (meta.get("input_token_details") or {}).get("cache_read", 0) or 0
        total = total + Usage(meta.get("input_tokens", 0), meta.get("output_tokens", 0), cached)
    return total


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def adapter_for(target: Any) -> Adapter:
    """The adapter for any LangChain or LangGraph object (e.g. ``langchain.agents:create_agent``)."""
    return LangChainAdapter(target)
