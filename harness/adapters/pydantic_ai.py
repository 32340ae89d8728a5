"""The adapter for Pydantic AI (``pydantic-ai`` / ``pydantic-ai-slim``): ``--agent-impl=pydantic_ai:Agent``.

Pydantic AI caps a run with ``UsageLimits`` passed per run, and bounds its wall-clock time
with ``run(..., timeout=T)``; a breach is an exception:

    canonical            Pydantic AI knob                          breach signal
    max_turns=N          UsageLimits(request_limit=N)              UsageLimitExceeded ('... request_limit ...')
    max_token_budget=B   UsageLimits(total_tokens_limit=B)         UsageLimitExceeded ('... total_tokens_limit ...')
    max_output_tokens=O  UsageLimits(output_tokens_limit=O)        UsageLimitExceeded ('... output_tokens_limit ...')
    max_tool_calls=M     UsageLimits(tool_calls_limit=M)           UsageLimitExceeded ('... tool_calls_limit ...')
    max_cost_usd=C       UsageLimits(cost_limit=C)                 UsageLimitExceeded ('... cost_limit ...')
    timeout_seconds=T    agent.run(..., timeout=T)                 RunTimedOut
    max_context_tokens=X UsageLimits(per_request_input_tokens_limit=X,
                           count_tokens_before_request=True)       UsageLimitExceeded ('... per_request_input_tokens_limit ...')

``UsageLimitExceeded`` carries no field naming the limit, so the kind is read from its message.
The cost a ``cost_limit`` is checked against is the one each response reports
(``RequestUsage.cost``, which Pydantic AI keeps instead of pricing the response itself): the
dialect model fills it in with the harness's ``cost_estimator``. Without an estimator no cost
is reported, which is what a user whose model Pydantic AI cannot price gets. Likewise the
context-token ceiling is Pydantic AI's own per-request input-token limit, checked before each
request on the model's ``count_tokens`` (a provider's count-tokens endpoint): the dialect model
answers it with the harness's ``token_counter``, and Pydantic AI decides and stops.

Pydantic AI has no parallel-tool cap (only all-parallel or all-sequential execution) and no
tool-output size cap, so those are not declared. ``request_limit`` defaults to 50 when a run
gets no ``UsageLimits``; a canonical limit left out means unlimited, so the adapter always
passes ``UsageLimits`` with ``request_limit=None`` unless ``max_turns`` is given. Every other
value is passed through untouched, so Pydantic AI's own validation is what the suite judges.

The conversation continues across invocations of one built agent (``message_history`` is the
previous run's messages, or the messages captured up to a breach), as a chat would do it.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from pydantic_ai import Agent, capture_run_messages
from pydantic_ai.exceptions import RunTimedOut, UsageLimitExceeded
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.usage import UsageLimits

from agent_limits.mocks import ScriptedModel, Tool, Usage
from agent_limits.mocks.pydantic_ai import ScriptedFunctionModel, pydantic_ai_tools

from .._limits import COMPLETED, ERROR
from .._resolve import ImplementationError
from ..adapter import Adapter, Message, Outcome, last_text

__all__ = ["LIMIT_FIELDS", "PydanticAIAdapter", "PydanticAIRun", "adapter_for", "breach_kind", "to_messages"]

#: Canonical limit kind -> field of ``pydantic_ai.usage.UsageLimits``.
LIMIT_FIELDS: dict[str, str] = {
    "max_turns": "request_limit",
    "max_token_budget": "total_tokens_limit",
    "max_output_tokens": "output_tokens_limit",
    "max_tool_calls": "tool_calls_limit",
    "max_cost_usd": "cost_limit",
    "max_context_tokens": "per_request_input_tokens_limit",
}
_KIND_OF_FIELD = {v: k for k, v in LIMIT_FIELDS.items()}
_FIELD_IN_MESSAGE = re.compile(r"\b(" + "|".join(LIMIT_FIELDS.values()) + r")\b")


@dataclass
class PydanticAIRun:
    """A built Pydantic AI agent with the per-run options its limits became, and the chat so far."""

    agent: Agent[Any, Any]
    usage_limits: UsageLimits
    timeout: Any = None
    history: list[ModelMessage] = field(default_factory=list)

    def options(self) -> dict[str, Any]:
        opts: dict[str, Any] = {"message_history": list(self.history) or None, "usage_limits": self.usage_limits}
        if self.timeout is not None:
            opts["timeout"] = self.timeout
        return opts


class PydanticAIAdapter(Adapter):
    """Builds a real ``pydantic_ai.Agent`` (or subclass) on the scripted model and runs it."""

    name = "pydantic-ai"
    capabilities = frozenset({*LIMIT_FIELDS, "timeout_seconds"})

    def __init__(self, agent_cls: type[Agent[Any, Any]] = Agent, **agent_options: Any) -> None:
        #: ``pydantic_ai.Agent`` or a subclass; ``agent_options`` go to its constructor (e.g.
        #: ``retries=``): how to test an agent configured the way your application builds it.
        self.agent_cls = agent_cls
        self.agent_options = agent_options

    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> PydanticAIRun:
        self.refuse_unsupported(limits)
        dialect = ScriptedFunctionModel(model, cost_estimator=limits.get("cost_estimator"),
                                        token_counter=limits.get("token_counter"))
        agent = self.agent_cls(dialect, tools=pydantic_ai_tools(tools), **self.agent_options)
        caps: dict[str, Any] = {LIMIT_FIELDS[k]: v for k, v in limits.items() if k in LIMIT_FIELDS}
        caps.setdefault("request_limit", None)  # absent means unlimited, not Pydantic AI's default of 50
        if limits.get("max_context_tokens") is not None:  # the per-request limit is checked before sending only so
            caps["count_tokens_before_request"] = True
        return PydanticAIRun(agent, UsageLimits(**caps), limits.get("timeout_seconds"))

    def run(self, agent: PydanticAIRun, prompt: str) -> Outcome:
        with capture_run_messages() as captured:  # the documented way to keep a failed run's messages
            try:
                result = agent.agent.run_sync(prompt, **agent.options())
            except Exception as exc:  # a framework error is an outcome, not a harness crash
                return self.stopped(agent, exc, captured)
        return self.completed(agent, result)

    async def arun(self, agent: PydanticAIRun, prompt: str) -> Outcome:
        with capture_run_messages() as captured:  # the documented way to keep a failed run's messages
            try:
                result = await agent.agent.run(prompt, **agent.options())
            except Exception as exc:
                return self.stopped(agent, exc, captured)
        return self.completed(agent, result)

    # -- translating results ------------------------------------------------------------------
    def completed(self, agent: PydanticAIRun, result: Any) -> Outcome:
        messages = to_messages(result.new_messages(), earlier=agent.history)
        agent.history = result.all_messages()
        output = result.output
        return Outcome(COMPLETED, signal=None, messages=messages,
                       text=output if isinstance(output, str) and output else last_text(messages),
                       usage=to_usage(result.usage), raw=result)

    def stopped(self, agent: PydanticAIRun, exc: Exception, captured: list[ModelMessage]) -> Outcome:
        """A breach or an error, with the partial results Pydantic AI leaves: the captured messages
        (``RunTimedOut`` carries its own), and the usage their responses report."""
        usage: Usage | None
        if isinstance(exc, RunTimedOut):
            every, new = exc.all_messages(), exc.new_messages()
            usage = to_usage(exc.usage)
        else:
            every, new = list(captured), list(captured[len(agent.history):])
            usage = _usage_of(new) if new else None
        messages = to_messages(new, earlier=agent.history)
        if every:
            agent.history = every
        return Outcome(breach_kind(exc), signal=exc, messages=messages, text=last_text(messages), usage=usage,
                       raw=exc)

    def received(self, messages: Sequence[Any]) -> list[Message]:
        """The Pydantic AI ``ModelMessage`` s the function model was given, read like the transcript."""
        return to_messages(messages)

    def describe(self) -> str:
        options = "".join(f", {k}={v!r}" for k, v in self.agent_options.items())
        return (f"pydantic-ai ({self.agent_cls.__module__}.{self.agent_cls.__qualname__}{options}, "
                "UsageLimits + timeout= per run)")


def breach_kind(exc: BaseException) -> str:
    """The canonical stop kind of a Pydantic AI exception: a limit kind, or ``error``."""
    if isinstance(exc, RunTimedOut):
        return "timeout_seconds"
    if isinstance(exc, UsageLimitExceeded):
        found = _FIELD_IN_MESSAGE.search(str(exc))
        return _KIND_OF_FIELD[found.group(1)] if found else ERROR
    return ERROR


def to_messages(history: Sequence[ModelMessage], earlier: Sequence[ModelMessage] = ()) -> list[Message]:
    """Pydantic AI messages as transcript entries: one assistant entry per ``ModelResponse``, a
    ``tool`` entry per tool return or retry prompt that answers a call, a ``user`` entry per prompt.

    A result answering a call made in ``earlier`` messages is left out: Pydantic AI closes a call a
    previous run left unanswered with a synthesized ``interrupted`` return at the start of the next
    run, and that result belongs to the earlier invocation's call, not to this invocation.
    """
    before = {p.tool_call_id for m in earlier if isinstance(m, ModelResponse) for p in m.parts
              if isinstance(p, ToolCallPart)}
    out: list[Message] = []
    for message in history:
        if isinstance(message, ModelResponse):
            text = "".join(p.content for p in message.parts if isinstance(p, TextPart)) or None
            calls = tuple(p.tool_call_id for p in message.parts if isinstance(p, ToolCallPart))
            out.append(Message("assistant", text=text, tool_calls=calls))
        elif isinstance(message, ModelRequest):
            for part in message.parts:
                if isinstance(part, UserPromptPart):
                    out.append(Message("user", text=part.content if isinstance(part.content, str) else None))
                elif isinstance(part, (ToolReturnPart, RetryPromptPart)) and part.tool_call_id in before:
                    continue
                elif isinstance(part, ToolReturnPart):
                    out.append(Message("tool", text=part.model_response_str(), tool_call_id=part.tool_call_id))
                elif isinstance(part, RetryPromptPart) and part.tool_name is not None:
                    out.append(Message("tool", text=part.model_response(), tool_call_id=part.tool_call_id))
    return out



def to_usage(usage: Any) -> Usage:
    """Pydantic AI's ``RunUsage`` (or ``RequestUsage``) as :class:`agent_limits.mocks.Usage`."""
    return Usage(usage.input_tokens, usage.output_tokens, usage.cache_read_tokens)


def _usage_of(messages: Sequence[ModelMessage]) -> Usage:
    """The usage the responses among ``messages`` report, summed."""
    total = Usage()
    for m in messages:
        if isinstance(m, ModelResponse):
            total = total + to_usage(m.usage)
    return total


def adapter_for(target: Any) -> Adapter:
    """The adapter for ``pydantic_ai.Agent`` or a subclass of it."""
    if inspect.isclass(target) and issubclass(target, Agent):
        return PydanticAIAdapter(target)
    raise ImplementationError(
        f"{target!r} comes from Pydantic AI but is not an agent class: name pydantic_ai:Agent "
        "(or a subclass of pydantic_ai.Agent)"
    )
