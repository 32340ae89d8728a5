"""Adapter for the OpenAI Agents SDK (``openai-agents``, import ``agents``).

Limits map onto the SDK's own knobs, the way its users set them:

- ``max_turns``          -> ``Runner.run(..., max_turns=N)``; breach: ``MaxTurnsExceeded``
                            (partial results on ``exc.run_data``).
- ``max_parallel_tools`` -> ``RunConfig(tool_execution=ToolExecutionConfig(max_function_tool_concurrency=P))``.

The SDK has no per-invocation token budget, output-token budget, tool-call cap, cost cap,
wall-clock timeout for the whole run, or tool-output size cap, so those kinds are not
declared (``ModelSettings.max_tokens`` is a per-response provider cap and
``ModelSettings.timeout`` / ``FunctionTool.timeout_seconds`` bound one model call / one tool
call, not the invocation). A canonical limit left out means unlimited, so an absent
``max_turns`` is passed as ``None`` rather than left to the SDK's default of 10.

The conversation continues across invocations of one built agent (the next input is
``result.to_input_list()`` plus the new prompt), as a chat built on the SDK would do it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping, Sequence

from agents import (
    Agent,
    AgentsException,
    ItemHelpers,
    MaxTurnsExceeded,
    ModelResponse,
    RunConfig,
    Runner,
    ToolCallOutputItem,
    ToolExecutionConfig,
)
from agents.items import TResponseInputItem
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage

from agent_limits.mocks import ScriptedModel, Tool, Usage
from agent_limits.mocks.openai_agents import AgentsScriptedModel, agents_tools

from .._limits import COMPLETED, ERROR
from ..adapter import Adapter, Message, Outcome, last_text

__all__ = ["AgentsRun", "OpenAIAgentsAdapter", "adapter_for", "input_messages"]

#: The SDK's breach exceptions and the canonical stop kind each one means.
BREACHES: dict[type[BaseException], str] = {MaxTurnsExceeded: "max_turns"}


@dataclass
class AgentsRun:
    """What ``build`` returns: the SDK agent, the run options the limits became, and the chat so far."""

    agent: Agent[Any]
    max_turns: Any
    run_config: RunConfig
    history: list[TResponseInputItem] = field(default_factory=list)

    def input(self, prompt: str) -> list[TResponseInputItem]:
        return [*self.history, {"role": "user", "content": prompt}]


class OpenAIAgentsAdapter(Adapter):
    """Drives ``agents.Agent`` through ``Runner.run_sync`` / ``Runner.run``."""

    name = "openai-agents"
    capabilities = frozenset({"max_turns", "max_parallel_tools"})

    def __init__(self, template: type[Agent[Any]] | Agent[Any] = Agent, run_config: RunConfig | None = None) -> None:
        #: ``agents.Agent`` (or a subclass) to instantiate, or an Agent instance to clone.
        self.template = template
        #: The ``RunConfig`` every run starts from (the SDK defaults, tracing off, unless given):
        #: how to test an agent configured the way your application runs it.
        self.run_config = run_config if run_config is not None else RunConfig()

    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> AgentsRun:
        self.refuse_unsupported(limits)
        dialect, wrapped = AgentsScriptedModel(model), agents_tools(tools)
        if inspect.isclass(self.template):
            agent = self.template(name="conformance", instructions="Use the tools.", model=dialect, tools=wrapped)
        else:
            agent = self.template.clone(model=dialect, tools=wrapped)
        config = replace(self.run_config, tracing_disabled=True)  # no trace export: nothing leaves the process
        if "max_parallel_tools" in limits:
            # Passed through as given: ToolExecutionConfig does its own validation (or not).
            config.tool_execution = replace(config.tool_execution or ToolExecutionConfig(),
                                            max_function_tool_concurrency=limits["max_parallel_tools"])
        return AgentsRun(agent, limits.get("max_turns"), config)

    def run(self, agent: AgentsRun, prompt: str) -> Outcome:
        try:
            result = Runner.run_sync(agent.agent, agent.input(prompt), max_turns=agent.max_turns,
                                     run_config=agent.run_config)
        except Exception as exc:
            return self.breach(agent, exc)
        return self.completed(agent, result)

    async def arun(self, agent: AgentsRun, prompt: str) -> Outcome:
        try:
            result = await Runner.run(agent.agent, agent.input(prompt), max_turns=agent.max_turns,
                                      run_config=agent.run_config)
        except Exception as exc:
            return self.breach(agent, exc)
        return self.completed(agent, result)

    # -- translating results ------------------------------------------------------------------
    def completed(self, agent: AgentsRun, result: Any) -> Outcome:
        agent.history = result.to_input_list()
        messages = transcript(result.input, result.raw_responses, result.new_items)
        final = result.final_output
        return Outcome(COMPLETED, signal=None, messages=messages,
                       text=final if isinstance(final, str) and final else last_text(messages),
                       usage=to_usage(result.context_wrapper.usage), raw=result)

    def breach(self, agent: AgentsRun, exc: Exception) -> Outcome:
        stop = next((kind for cls, kind in BREACHES.items() if isinstance(exc, cls)), ERROR)
        data = exc.run_data if isinstance(exc, AgentsException) else None
        if data is None:
            return Outcome(stop, signal=exc, raw=exc)
        # Keep the partial conversation, so the agent can be invoked again from where it stopped.
        agent.history = [*ItemHelpers.input_to_new_input_list(data.input),
                         *(item.to_input_item() for item in data.new_items)]
        messages = transcript(data.input, data.raw_responses, data.new_items)
        return Outcome(stop, signal=exc, messages=messages, text=last_text(messages),
                       usage=to_usage(data.context_wrapper.usage), raw=exc)

    def received(self, messages: Sequence[Any]) -> list[Message]:
        """The SDK's input items the dialect model was given (see :func:`input_messages`)."""
        return input_messages(messages)

    def describe(self) -> str:
        what = self.template.__qualname__ if inspect.isclass(self.template) else f"instance of {type(self.template).__qualname__}"
        changed = _changed_settings(self.run_config)
        return f"openai-agents ({what}) via Runner.run_sync/Runner.run" + (f", RunConfig({changed})" if changed else "")


def _changed_settings(config: RunConfig) -> str:
    """The RunConfig fields set away from their defaults, for the report header."""
    default = RunConfig()
    return ", ".join(f"{f.name}={getattr(config, f.name)!r}" for f in fields(config)
                     if f.name not in ("model_provider", "tracing_disabled")
                     and getattr(config, f.name) != getattr(default, f.name))


# -- transcript ------------------------------------------------------------------------------
def _prompt(input: Any) -> str | None:
    """The text of this invocation's user message: the last user item of the run's input."""
    if isinstance(input, str):
        return input
    for item in reversed(list(input or ())):
        if isinstance(item, dict) and item.get("role") == "user":
            content = item.get("content")
            return content if isinstance(content, str) else None
    return None


def _reply(response: ModelResponse) -> Message:
    """One model reply as one assistant message: its text, and the call ids it asked for."""
    texts = [ItemHelpers.extract_last_text(o) or "" for o in response.output if isinstance(o, ResponseOutputMessage)]
    calls = tuple(o.call_id for o in response.output if isinstance(o, ResponseFunctionToolCall))
    return Message("assistant", text="".join(texts) or None, tool_calls=calls)


def transcript(input: Any, responses: Sequence[ModelResponse], items: Sequence[Any]) -> list[Message]:
    """This invocation's transcript: the prompt, then each model reply followed by its tool results.

    Replies come from the SDK's ``raw_responses`` (one per model call it completed); tool
    results are its ``ToolCallOutputItem``s, matched by call id. A result that answers no call
    is kept at the end, so that a transcript check sees it.
    """
    results: dict[str, list[Message]] = {}
    for item in items:
        if isinstance(item, ToolCallOutputItem):
            raw = item.raw_item
            call_id = raw.get("call_id") if isinstance(raw, dict) else getattr(raw, "call_id", None)
            results.setdefault(str(call_id), []).append(
                Message("tool", text=str(item.output), tool_call_id=None if call_id is None else str(call_id)))
    messages = [Message("user", text=_prompt(input))]
    for response in responses:
        reply = _reply(response)
        messages.append(reply)
        for call_id in reply.tool_calls:
            messages.extend(results.pop(call_id, []))
    messages.extend(m for left in results.values() for m in left)
    return messages


def _get(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def _item_text(content: Any) -> str | None:
    """The text of an input message's ``content``: a string, or the text of its parts."""
    if isinstance(content, str):
        return content or None
    texts = [t for part in content or () if isinstance(t := _get(part, "text"), str)]
    return "".join(texts) or None


def input_messages(items: Sequence[Any]) -> list[Message]:
    """Input items as the model receives them (dicts or SDK objects), as :class:`Message` s.

    One reply comes back as several items (an assistant ``message`` and a ``function_call`` per
    tool call), so consecutive assistant items make one assistant Message, as they were one
    reply; a ``function_call_output`` is a tool result; any other item with a role is read as a
    message of that role. Items of other types (reasoning, for one) are left out.
    """
    out: list[Message] = []
    for item in items:
        kind, role = _get(item, "type"), _get(item, "role")
        if kind == "function_call" or (role == "assistant" and kind in (None, "message")):
            call_id = _get(item, "call_id")
            entry = Message("assistant", None if kind == "function_call" else _item_text(_get(item, "content")),
                            tool_calls=(str(call_id),) if kind == "function_call" else ())
            if out and out[-1].role == "assistant":
                last = out.pop()
                text = "".join(t for t in (last.text, entry.text) if t) or None
                entry = Message("assistant", text, tool_calls=last.tool_calls + entry.tool_calls)
            out.append(entry)
        elif kind == "function_call_output":
            call_id = _get(item, "call_id")
            output = _get(item, "output")
            out.append(Message("tool", output if isinstance(output, str) else _item_text(output),
                               tool_call_id=None if call_id is None else str(call_id)))
        elif isinstance(role, str) and kind in (None, "message"):
            out.append(Message(role, _item_text(_get(item, "content"))))
    return out



def to_usage(usage: Any) -> Usage | None:
    """The SDK's accumulated ``Usage`` for this run as :class:`agent_limits.mocks.Usage`."""
    if usage is None:
        return None
    cached = getattr(getattr(usage, "input_tokens_details", None), "cached_tokens", 0) or 0
    return Usage(usage.input_tokens, usage.output_tokens, cached)


def adapter_for(target: Any) -> Adapter:
    """The adapter for ``agents.Agent`` (or a subclass), or for a configured ``Agent`` instance to clone."""
    if (inspect.isclass(target) and issubclass(target, Agent)) or isinstance(target, Agent):
        return OpenAIAgentsAdapter(target)
    from .._resolve import ImplementationError

    raise ImplementationError(
        f"{target!r} comes from the OpenAI Agents SDK but is not an agent: name agents:Agent "
        "(or an Agent instance or subclass of yours)"
    )
