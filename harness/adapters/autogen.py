"""The adapter for AutoGen AgentChat (``autogen-agentchat``): ``--agent-impl=autogen_agentchat.agents:AssistantAgent``.

An ``AssistantAgent`` on its own answers one message (``agent.run(task=...)``): by default one
model call, or up to ``max_tool_iterations`` calls while the model asks for tools. AutoGen's
limits live one level up, on a team: a team runs its participants turn after turn until a
termination condition fires or ``max_turns`` is reached, and says why in ``TaskResult.stop_reason``.
So the adapter builds what AutoGen's docs call a single-agent team, the way its users put one
agent in a loop with limits: ``RoundRobinGroupChat([agent], termination_condition=..., max_turns=N)``
with the agent's default ``max_tool_iterations=1`` (one model call per team turn), and
``TextMessageTermination(agent.name)`` ending the run on the model's final answer (a reply
without tool calls is a ``TextMessage``; a reply with tool calls ends the agent's turn with a
``ToolCallSummaryMessage``, and the team goes on):

    canonical              AutoGen knob                                           stop_reason (breach signal)
    max_turns=N            RoundRobinGroupChat(..., max_turns=N)                  "Maximum number of turns N reached."
    max_token_budget=B     TokenUsageTermination(max_total_token=B)               "Token usage limit reached, total token count: ..."
    max_output_tokens=O    TokenUsageTermination(max_completion_token=O)          (the same message; its counts tell which)
    timeout_seconds=T      TimeoutTermination(T)                                  "Timeout of T seconds reached"
    max_context_tokens=X   AssistantAgent(model_context=TokenLimitedChatCompletionContext(
                               client, token_limit=X))                            (trims, never stops)
    (final answer)         TextMessageTermination(agent.name)                     "Text message received from 'assistant'"

The conditions are OR-ed (``|``), and AutoGen joins the messages of every condition that fired
at once with ", ". ``TokenUsageTermination`` names no field in its message, but it prints its
counts; the adapter compares them with the budgets it set to tell a total-token stop from an
output-token one (both may be reported when both are spent). The context ceiling is AutoGen's
``TokenLimitedChatCompletionContext``, which sizes the conversation with the model client's
``count_tokens`` (the dialect answers with the harness's ``token_counter``) and drops messages
from the middle until it fits.

AutoGen has no tool-call cap (``FunctionCallTermination`` ends a run when one named function
was called, which is not a cap), no parallel-tool cap (``AssistantAgent`` runs a reply's calls
with ``asyncio.gather``), no cost cap and no tool-output size cap, so those are not in
:attr:`AutogenAdapter.capabilities`. ``max_tool_iterations`` is a real turn knob too, but only
for one agent reply without a stop reason; the team's ``max_turns`` is the one that says it
stopped. A canonical ``None`` is the absence of the condition (or ``max_turns=None``), which is
how AutoGen spells "no limit"; every other value is passed through untouched, so AutoGen's own
validation is what the suite judges. AutoGen is asynchronous only (``team.run`` is a coroutine),
so the adapter has no synchronous path. The team is built once and run once per invocation
(``team.run(task=prompt)``): the conversation and the agent's model context continue across
invocations, as a chat would. AutoGen's runtime tracing is turned off the way its docs say
(``AUTOGEN_DISABLE_RUNTIME_TRACING=true``, set unless the environment already sets it).
"""

from __future__ import annotations

import inspect
import os
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.base import TaskResult, TerminationCondition
from autogen_agentchat.conditions import TextMessageTermination, TimeoutTermination, TokenUsageTermination
from autogen_agentchat.messages import (
    BaseAgentEvent,
    BaseChatMessage,
    TextMessage,
    ThoughtEvent,
    ToolCallExecutionEvent,
    ToolCallRequestEvent,
)
from autogen_agentchat.teams import RoundRobinGroupChat
from autogen_core.model_context import TokenLimitedChatCompletionContext
from autogen_core.models import AssistantMessage, FunctionExecutionResultMessage, LLMMessage, SystemMessage, UserMessage

from agent_limits.mocks import ScriptedModel, Tool, Usage
from agent_limits.mocks.autogen import AutogenScriptedClient, autogen_tools

from .._limits import COMPLETED, ERROR
from .._resolve import ImplementationError
from ..adapter import Adapter, Message, Outcome, last_text

__all__ = ["AGENT_NAME", "AutogenAdapter", "AutogenRun", "adapter_for", "stop_kind", "to_messages", "received_messages"]

os.environ.setdefault("AUTOGEN_DISABLE_RUNTIME_TRACING", "true")  # no runtime spans, whatever tracer is installed

#: The agent's name in the team (``TextMessageTermination`` matches the final answer by it).
AGENT_NAME = "assistant"
_TOKENS = re.compile(r"Token usage limit reached, total token count: (\d+), prompt token count: (\d+), "
                     r"completion token count: (\d+)")


@dataclass
class AutogenRun:
    """A built single-agent team, with the budgets its token condition was given (to read its stop)."""

    team: RoundRobinGroupChat
    agent: AssistantAgent
    max_token_budget: Any = None
    max_output_tokens: Any = None


class AutogenAdapter(Adapter):
    """Builds a real ``AssistantAgent`` (or subclass) in a ``RoundRobinGroupChat`` on the scripted model."""

    name = "autogen"
    capabilities = frozenset({"max_turns", "max_token_budget", "max_output_tokens", "timeout_seconds",
                              "max_context_tokens"})

    def __init__(self, agent_cls: type[AssistantAgent] = AssistantAgent, **agent_options: Any) -> None:
        #: ``AssistantAgent`` or a subclass; ``agent_options`` go to its constructor (e.g.
        #: ``system_message=``, ``model_client_stream=True``).
        self.agent_cls = agent_cls
        self.agent_options = agent_options

    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> AutogenRun:
        self.refuse_unsupported(limits)
        client = AutogenScriptedClient(model, token_counter=limits.get("token_counter"))
        options = dict(self.agent_options)
        ceiling = limits.get("max_context_tokens")
        if ceiling is not None:
            options["model_context"] = TokenLimitedChatCompletionContext(client, token_limit=ceiling)
        agent = self.agent_cls(AGENT_NAME, model_client=client, tools=list(autogen_tools(tools)), **options)
        termination: TerminationCondition = TextMessageTermination(agent.name)
        budget, output = limits.get("max_token_budget"), limits.get("max_output_tokens")
        if budget is not None or output is not None:
            termination = termination | TokenUsageTermination(max_total_token=budget, max_completion_token=output)
        if limits.get("timeout_seconds") is not None:
            termination = termination | TimeoutTermination(limits["timeout_seconds"])
        team = RoundRobinGroupChat([agent], termination_condition=termination, max_turns=limits.get("max_turns"))
        return AutogenRun(team, agent, budget, output)

    async def arun(self, agent: AutogenRun, prompt: str) -> Outcome:
        seen: list[BaseAgentEvent | BaseChatMessage] = []
        result: TaskResult | None = None
        try:
            # Read to the end: after the TaskResult, run_stream still stops its runtime and marks
            # the team as no longer running (leaving it early would leave the team "running").
            async for item in agent.team.run_stream(task=prompt):
                if isinstance(item, TaskResult):
                    result = item
                else:
                    seen.append(item)
        except Exception as exc:  # a framework error is an outcome, not a harness crash
            messages = to_messages(seen)
            return Outcome(ERROR, signal=exc, messages=messages, text=last_text(messages),
                           usage=_usage_of(seen) if seen else None, raw=None)
        if result is None:
            raise AssertionError("AutoGen's run_stream ended without a TaskResult")
        return self.outcome(agent, result)

    def outcome(self, run: AutogenRun, result: TaskResult) -> Outcome:
        """Translate a ``TaskResult``: stop from ``stop_reason``, usage from the messages' ``models_usage``."""
        messages = to_messages(result.messages)
        return Outcome(stop_kind(result.stop_reason, run), signal=result.stop_reason, messages=messages,
                       text=last_text(messages), usage=_usage_of(result.messages), raw=(run, result))

    def reread(self, outcome: Outcome) -> Outcome | None:
        if isinstance(outcome.raw, tuple) and isinstance(outcome.raw[1], TaskResult):
            return self.outcome(*outcome.raw)
        return None

    def received(self, messages: Sequence[Any]) -> list[Message]:
        """The AutoGen ``LLMMessage`` s the scripted client was given, read like the transcript."""
        return received_messages(messages)

    def describe(self) -> str:
        options = "".join(f", {k}={v!r}" for k, v in self.agent_options.items())
        return (f"autogen ({self.agent_cls.__module__}.{self.agent_cls.__qualname__}{options} in a "
                "RoundRobinGroupChat: max_turns + termination conditions)")


def stop_kind(stop_reason: str | None, run: AutogenRun) -> str:
    """The canonical stop kind of a team's ``stop_reason`` (the joined messages of what fired).

    A final answer wins over a budget spent by that same answer (the answer is the result);
    otherwise the first limit named. A reason the adapter does not know is reported as such.
    """
    reason = stop_reason or ""
    if reason.startswith("Text message received") or ", Text message received" in reason:
        return COMPLETED
    if reason.startswith("Maximum number of turns"):
        return "max_turns"
    tokens = _TOKENS.search(reason)
    if tokens is not None:
        total, _prompt, completion = (int(g) for g in tokens.groups())
        if _reached(total, run.max_token_budget):
            return "max_token_budget"
        if _reached(completion, run.max_output_tokens):
            return "max_output_tokens"
        return "max_token_budget" if run.max_token_budget is not None else "max_output_tokens"
    if reason.startswith("Timeout of") or ", Timeout of" in reason:
        return "timeout_seconds"
    return f"unrecognised stop_reason {stop_reason!r}"


def _reached(count: int, budget: Any) -> bool:
    try:
        return budget is not None and count >= budget
    except TypeError:
        return False


def to_messages(items: Sequence[BaseAgentEvent | BaseChatMessage]) -> list[Message]:
    """A team's output messages as transcript entries.

    A ``ToolCallRequestEvent`` is one assistant entry (the ``ThoughtEvent`` just before it, the
    model's text beside its calls, is its text); a ``ToolCallExecutionEvent`` one ``tool`` entry
    per result; the agent's ``TextMessage`` an assistant entry (the final answer), the user's a
    ``user`` entry. The ``ToolCallSummaryMessage`` that closes each agent turn restates the
    results for the other participants: it is no model reply, so it is left out.
    """
    out: list[Message] = []
    thought: str | None = None
    for item in items:
        if isinstance(item, ThoughtEvent):
            thought = item.content
        elif isinstance(item, ToolCallRequestEvent):
            out.append(Message("assistant", thought, tool_calls=tuple(c.id for c in item.content)))
            thought = None
        elif isinstance(item, ToolCallExecutionEvent):
            out.extend(Message("tool", r.content, tool_call_id=r.call_id) for r in item.content)
        elif isinstance(item, TextMessage):
            out.append(Message("user" if item.source == "user" else "assistant", item.content))
    return out


def received_messages(messages: Sequence[LLMMessage]) -> list[Message]:
    """AutoGen's ``LLMMessage`` s (what the model client receives) as transcript entries."""
    out: list[Message] = []
    for m in messages:
        if isinstance(m, SystemMessage):
            out.append(Message("system", m.content))
        elif isinstance(m, UserMessage):
            out.append(Message("user", m.content if isinstance(m.content, str) else None))
        elif isinstance(m, AssistantMessage):
            if isinstance(m.content, str):
                out.append(Message("assistant", m.content))
            else:
                out.append(Message("assistant", m.thought, tool_calls=tuple(c.id for c in m.content)))
        elif isinstance(m, FunctionExecutionResultMessage):
            out.extend(Message("tool", r.content, tool_call_id=r.call_id) for r in m.content)
    return out


def _usage_of(items: Sequence[BaseAgentEvent | BaseChatMessage]) -> Usage:
    """The usage AutoGen reports for the invocation: every message's ``models_usage``, summed."""
    total = Usage()
    for item in items:
        if item.models_usage is not None:
            total = total + Usage(item.models_usage.prompt_tokens, item.models_usage.completion_tokens)
    return total



def adapter_for(target: Any) -> AutogenAdapter:
    """The adapter for ``AssistantAgent`` or a subclass of it (what ``autogen_agentchat.agents:AssistantAgent`` names)."""
    if inspect.isclass(target) and issubclass(target, AssistantAgent):
        return AutogenAdapter(target)
    kind = "class" if inspect.isclass(target) else type(target).__name__
    raise ImplementationError(
        f"{target!r} is an AutoGen {kind}, not an agent class the harness can drive: name "
        "autogen_agentchat.agents:AssistantAgent (or a subclass of it); teams, termination conditions and "
        "other agents are built by the adapter, not named"
    )
