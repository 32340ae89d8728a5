"""The adapter for Strands Agents (``strands-agents``): ``--agent-impl=strands:Agent``.

Strands caps an invocation with a per-call ``limits=`` dict, checked at the top of every
event-loop cycle (before the model call), and reports a breach as a stop reason, never an
exception:

    canonical            Strands knob                  Strands stop reason
    max_turns=N          limits={"turns": N}           "limit_turns"
    max_token_budget=B   limits={"total_tokens": B}    "limit_total_tokens"
    max_output_tokens=O  limits={"output_tokens": O}   "limit_output_tokens"

Strands has no knob for a tool-call cap, a parallel-tool cap, a cost cap, a wall-clock timeout
or an output-size cap, so those are not in :attr:`StrandsAdapter.capabilities` (their clauses
are skipped, never emulated). A canonical ``None`` is the absence of the key, which is how
Strands spells "no limit"; every other value is passed through untouched, so Strands' own
validation is what the suite judges.

Strands retries a throttled model request (``ModelThrottledException``) with its default
``ModelRetryStrategy``: the adapter keeps its number of attempts but passes a backoff of 0 s
(``retry_strategy=ModelRetryStrategy(max_attempts=MAX_ATTEMPTS, initial_delay=0, max_delay=0)``),
as a test suite of its users would: the default 4 s, 8 s, ... are real sleeps, and on the
synchronous path Strands runs its event loop on a thread of its own, which no frozen clock
can jump.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence, cast

from strands import Agent, ModelRetryStrategy
from strands.event_loop.event_loop import MAX_ATTEMPTS
from strands.hooks import MessageAddedEvent
from strands.types.agent import Limits

from agent_limits.mocks import ScriptedModel, Tool, Usage
from agent_limits.mocks.strands import StrandsScriptedModel, strands_tools

from .._limits import COMPLETED, ERROR
from .._resolve import ImplementationError
from ..adapter import Adapter, Message, Outcome, last_text

__all__ = ["LIMIT_KEYS", "STOP_REASONS", "StrandsAdapter", "StrandsRun", "adapter_for", "to_messages"]

#: Canonical limit kind -> key of Strands' per-invocation ``limits`` dict.
LIMIT_KEYS: dict[str, str] = {
    "max_turns": "turns",
    "max_token_budget": "total_tokens",
    "max_output_tokens": "output_tokens",
}
#: Strands ``AgentResult.stop_reason`` -> canonical stop kind.
STOP_REASONS: dict[str, str] = {
    "end_turn": COMPLETED,
    "limit_turns": "max_turns",
    "limit_total_tokens": "max_token_budget",
    "limit_output_tokens": "max_output_tokens",
}


@dataclass
class StrandsRun:
    """A built Strands agent with the ``limits`` dict every invocation passes to it.

    Strands' limits are per invocation, not per agent, so they travel beside the agent.
    ``added`` collects the messages Strands appends during the current invocation (through its
    own ``MessageAddedEvent`` hook), which stays right even when a conversation manager trims
    ``agent.messages``.
    """

    agent: Agent
    limits: Limits | None
    added: list[Mapping[str, Any]] = field(default_factory=list)

    def record(self, event: MessageAddedEvent) -> None:
        self.added.append(event.message)


class StrandsAdapter(Adapter):
    """Builds a real ``strands.Agent`` (or subclass) on the scripted model and runs it."""

    name = "strands"
    capabilities = frozenset(LIMIT_KEYS)

    def __init__(self, agent_cls: type[Agent] = Agent) -> None:
        self.agent_cls = agent_cls

    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> StrandsRun:
        self.refuse_unsupported(limits)
        # Values pass through unchecked (Strands' own validation is under test), hence the cast.
        caps = cast(Limits, {LIMIT_KEYS[k]: v for k, v in limits.items() if k in LIMIT_KEYS and v is not None})
        agent_tools: list[Any] = strands_tools(tools)
        retries = ModelRetryStrategy(max_attempts=MAX_ATTEMPTS, initial_delay=0, max_delay=0)  # no real sleeps
        agent = self.agent_cls(model=StrandsScriptedModel(model), tools=agent_tools, callback_handler=None,
                               retry_strategy=retries)
        built = StrandsRun(agent, caps or None)
        agent.add_hook(built.record, MessageAddedEvent)
        return built

    def run(self, agent: StrandsRun, prompt: str) -> Outcome:
        before = self._begin(agent)
        try:
            result = agent.agent(prompt, limits=agent.limits)
        except Exception as exc:  # a framework error is an outcome, not a harness crash
            return self._failed(agent, exc, before)
        return self.outcome(agent, result)

    async def arun(self, agent: StrandsRun, prompt: str) -> Outcome:
        before = self._begin(agent)
        try:
            result = await agent.agent.invoke_async(prompt, limits=agent.limits)
        except Exception as exc:
            return self._failed(agent, exc, before)
        return self.outcome(agent, result)

    def outcome(self, run: StrandsRun, result: Any) -> Outcome:
        """Translate an ``AgentResult`` into an :class:`Outcome` (read at once: its metrics are shared)."""
        reason = result.stop_reason
        stop = STOP_REASONS.get(reason, f"unrecognised stop_reason {reason!r}")
        messages = to_messages(run.added)
        invocation = result.metrics.latest_agent_invocation
        return Outcome(stop, signal=reason, messages=messages, text=last_text(messages),
                       usage=to_usage(invocation.usage) if invocation is not None else None, raw=result)

    def describe(self) -> str:
        return f"strands ({self.agent_cls.__module__}.{self.agent_cls.__qualname__}, limits= per invocation)"

    def received(self, messages: Sequence[Any]) -> list[Message]:
        """The Strands ``Messages`` the dialect model was given, read like the transcript."""
        return to_messages(messages)

    # -- internals ----------------------------------------------------------------------------
    @staticmethod
    def _begin(run: StrandsRun) -> int:
        run.added = []
        return len(run.agent.event_loop_metrics.agent_invocations)

    def _failed(self, run: StrandsRun, exc: Exception, before: int) -> Outcome:
        """An exception from Strands: keep what it exposes of the interrupted invocation."""
        metrics = run.agent.event_loop_metrics
        started = len(metrics.agent_invocations) > before  # else the usage there is a previous invocation's
        messages = to_messages(run.added)
        return Outcome(ERROR, signal=exc, messages=messages, text=last_text(messages),
                       usage=to_usage(metrics.agent_invocations[-1].usage) if started else None, raw=None)


def adapter_for(target: Any) -> StrandsAdapter:
    """The adapter for ``strands.Agent`` or a subclass of it (what ``strands:Agent`` names)."""
    if inspect.isclass(target) and issubclass(target, Agent):
        return StrandsAdapter(target)
    kind = "class" if inspect.isclass(target) else type(target).__name__
    raise ImplementationError(
        f"{target!r} is a Strands {kind}, not an agent class: name strands.Agent (e.g. --agent-impl=strands:Agent) "
        "or a subclass of it"
    )


def to_usage(raw: Mapping[str, Any]) -> Usage:
    """A Strands ``Usage`` dict as :class:`agent_limits.mocks.Usage` (cache reads kept as informational)."""
    return Usage(int(raw.get("inputTokens", 0)), int(raw.get("outputTokens", 0)),
                 int(raw.get("cacheReadInputTokens", 0)))


def to_messages(raw: Sequence[Mapping[str, Any]]) -> list[Message]:
    """Strands messages as transcript entries.

    An assistant message carries its text and the ids of its ``toolUse`` blocks; a user message
    holding ``toolResult`` blocks becomes one ``tool`` entry per result (Strands answers parallel
    calls in one message); a user message's text becomes a ``user`` entry.
    """
    out: list[Message] = []
    for message in raw:
        blocks = message.get("content") or []
        text = _text(blocks)
        if message.get("role") == "assistant":
            ids = tuple(str(b["toolUse"]["toolUseId"]) for b in blocks if "toolUse" in b)
            out.append(Message("assistant", text, tool_calls=ids))
            continue
        for block in blocks:
            if "toolResult" in block:
                result = block["toolResult"]
                out.append(Message("tool", _text(result.get("content") or []), tool_call_id=str(result["toolUseId"])))
        if text is not None or not any("toolResult" in b for b in blocks):
            out.append(Message(str(message.get("role", "user")), text))
    return out


def _text(blocks: Sequence[Mapping[str, Any]]) -> str | None:
    texts = [b["text"] for b in blocks if isinstance(b.get("text"), str)]
    return "\n".join(texts) if texts else None

