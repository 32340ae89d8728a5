"""The adapter for LlamaIndex workflow agents (``llama-index-core``):
``--agent-impl=llama_index.core.agent.workflow:FunctionAgent``.

A LlamaIndex agent (``FunctionAgent``, a ``Workflow``) is run with
``await agent.run(user_msg, max_iterations=N)``; its limits are spread over three places,
each set the way the LlamaIndex docs set it, and a breach is an exception:

    canonical            LlamaIndex knob                                   breach signal
    max_turns=N          agent.run(..., max_iterations=N)                  WorkflowRuntimeError ('Max iterations ...')
    max_token_budget=B   TokenCountingHandler(token_budget=B) on the       ValueError ('Token budget exceeded! ...')
                         LLM's CallbackManager (reset_counts() per run)
    timeout_seconds=T    FunctionAgent(..., timeout=T) (Workflow timeout)  WorkflowTimeoutError

LlamaIndex has no output-token budget, tool-call cap, cost cap, tool-output size cap or request
ceiling, so those kinds are not declared: ``allow_parallel_tool_calls`` is a flag for the model,
the ``call_tool`` step's ``num_workers`` is fixed by the class (4), and the chat memory's
``token_limit`` trims only the history kept between runs, never the running turn's messages.

``max_iterations`` is passed as given, ``None`` included, which LlamaIndex reads as its default of
20 (``ev.get("max_iterations") or DEFAULT_MAX_ITERATIONS``): LlamaIndex has no "unlimited", and
the adapter does not invent one. The token budget is a ``TokenCountingHandler``'s, which counts
"across the lifetime of this handler": the adapter resets it at the start of each invocation, as
a user who wants a per-run budget does. Usage is what that handler counted for this invocation
(LlamaIndex's own token accounting; the agent itself reports none). The default tokenizer it
falls back on is tiktoken's, whose data ships inside ``llama-index-core``: nothing is downloaded.

The conversation continues across invocations of one built agent through one chat memory passed
to every run (``memory=``, a ``ChatMemoryBuffer`` made as the agent makes its default one), as
LlamaIndex's memory docs keep a chat; each run gets a fresh ``Context``. (Reusing one ``Context``
instead does not keep the chat in this version: the workflow runtime drops the memory from the
context's state between runs as unserializable, and keeps the in-run scratchpad.) The messages of an
invocation are read from the run's event stream (``AgentOutput``: a reply; ``ToolCallResult``:
a tool result), which is what LlamaIndex reports of a run, also one that raised.
The agent runs on an event loop only: LlamaIndex offers no synchronous path, so only ``arun``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from llama_index.core.agent.workflow import BaseWorkflowAgent, FunctionAgent
from llama_index.core.agent.workflow.workflow_events import AgentOutput, ToolCallResult
from llama_index.core.base.llms.types import ChatMessage, TextBlock, ToolCallBlock
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
from llama_index.core.memory import BaseMemory, ChatMemoryBuffer
from llama_index.core.tools import ToolSelection
from llama_index.core.workflow import Context
from workflows.errors import WorkflowRuntimeError, WorkflowTimeoutError

from agent_limits.mocks import ScriptedModel, Tool, Usage
from agent_limits.mocks.llama_index import ScriptedFunctionCallingLLM, llama_index_tools

from .._limits import COMPLETED, ERROR
from .._resolve import ImplementationError
from ..adapter import Adapter, Message, Outcome, last_text

__all__ = ["LlamaIndexAdapter", "LlamaIndexRun", "adapter_for", "breach_kind", "to_messages"]

_MAX_ITERATIONS = "Max iterations of "
_TOKEN_BUDGET = "Token budget exceeded!"


@dataclass
class LlamaIndexRun:
    """A built LlamaIndex agent, the run options its limits became, and the conversation so far."""

    agent: FunctionAgent
    counter: TokenCountingHandler
    memory: BaseMemory
    run_options: dict[str, Any]
    ctx: Context | None = None
    events: list[Any] = field(default_factory=list)


class LlamaIndexAdapter(Adapter):
    """Builds a real LlamaIndex ``FunctionAgent`` (or subclass) on the scripted LLM and runs it."""

    name = "llama-index"
    capabilities = frozenset({"max_turns", "max_token_budget", "timeout_seconds"})

    def __init__(self, agent_cls: type[FunctionAgent] = FunctionAgent, **agent_options: Any) -> None:
        #: The agent class; ``agent_options`` go to its constructor (e.g. ``streaming=False``,
        #: ``system_prompt=``): how to test an agent configured the way your application builds it.
        self.agent_cls = agent_cls
        self.agent_options = agent_options

    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> LlamaIndexRun:
        self.refuse_unsupported(limits)
        counter = TokenCountingHandler(token_budget=limits.get("max_token_budget"))
        llm = ScriptedFunctionCallingLLM(model, callback_manager=CallbackManager([counter]))
        options = dict(self.agent_options)
        if "timeout_seconds" in limits:
            options["timeout"] = limits["timeout_seconds"]
        else:
            options.setdefault("timeout", None)  # the agents' own default: no timeout
        agent_tools: list[Any] = llama_index_tools(tools)
        agent = self.agent_cls(llm=llm, tools=agent_tools, **options)
        memory = ChatMemoryBuffer.from_defaults(llm=llm)  # the agent's default memory, kept across runs
        return LlamaIndexRun(agent, counter, memory, {"max_iterations": limits.get("max_turns")})

    async def arun(self, agent: LlamaIndexRun, prompt: str) -> Outcome:
        agent.ctx = Context(agent.agent)  # this run's state; the chat lives in the memory
        agent.counter.reset_counts()  # the handler counts for its lifetime; a run's budget starts at zero
        events: list[Any] = []
        agent.events = events
        try:
            handler = agent.agent.run(prompt, ctx=agent.ctx, memory=agent.memory, **agent.run_options)
            async for event in handler.stream_events():
                events.append(event)
            result: Any = await handler
        except Exception as exc:  # a breach or an error is an outcome, not a harness crash
            messages = [Message("user", prompt), *to_messages(events)]
            return Outcome(breach_kind(exc), signal=exc, messages=messages, text=last_text(messages),
                           usage=self._usage(agent), raw=exc)
        messages = [Message("user", prompt), *to_messages(events)]
        text = _content(result.response) if isinstance(result, AgentOutput) else None
        return Outcome(COMPLETED, signal=None, messages=messages, text=text or last_text(messages),
                       usage=self._usage(agent), raw=result)

    def received(self, messages: Sequence[Any]) -> list[Message]:
        """The ``ChatMessage`` s the scripted LLM was given, read like the transcript."""
        out: list[Message] = []
        for m in messages:
            role = str(getattr(m.role, "value", m.role))
            if role == "assistant":
                out.append(Message("assistant", _content(m), tool_calls=_block_ids(m)))
            elif role == "tool":
                out.append(Message("tool", _content(m), tool_call_id=m.additional_kwargs.get("tool_call_id")))
            else:
                out.append(Message(role, _content(m)))
        return out

    def describe(self) -> str:
        options = "".join(f", {k}={v!r}" for k, v in self.agent_options.items())
        return (f"llama-index ({self.agent_cls.__module__}.{self.agent_cls.__qualname__}{options}; "
                "run(max_iterations=), TokenCountingHandler(token_budget=), timeout=)")

    @staticmethod
    def _usage(agent: LlamaIndexRun) -> Usage:
        counter = agent.counter
        return Usage(counter.prompt_llm_token_count, counter.completion_llm_token_count)


def breach_kind(exc: BaseException) -> str:
    """The canonical stop kind of an exception a LlamaIndex agent run raised."""
    if isinstance(exc, WorkflowTimeoutError):
        return "timeout_seconds"
    if isinstance(exc, WorkflowRuntimeError) and str(exc).startswith(_MAX_ITERATIONS):
        return "max_turns"
    if isinstance(exc, ValueError) and str(exc).startswith(_TOKEN_BUDGET):
        return "max_token_budget"
    return ERROR


def to_messages(events: Sequence[Any]) -> list[Message]:
    """A run's stream events as transcript entries: an ``AgentOutput`` is one reply (its text and
    the ids of the tool calls it asked for), a ``ToolCallResult`` one tool result."""
    out: list[Message] = []
    for event in events:
        if isinstance(event, AgentOutput):
            ids = _block_ids(event.response)
            if not ids:  # an agent whose calls are parsed from text (ReAct): the selections it made
                ids = tuple(t.tool_id for t in event.tool_calls
                            if isinstance(t, ToolSelection) and not isinstance(t, ToolCallResult))
            out.append(Message("assistant", _content(event.response), tool_calls=ids))
        elif isinstance(event, ToolCallResult):
            out.append(Message("tool", event.tool_output.content, tool_call_id=event.tool_id))
    return out


def _content(message: ChatMessage) -> str | None:
    texts = [b.text for b in message.blocks if isinstance(b, TextBlock)]
    return "".join(texts) if texts else None


def _block_ids(message: ChatMessage) -> tuple[str, ...]:
    return tuple(b.tool_call_id or "" for b in message.blocks if isinstance(b, ToolCallBlock))



def adapter_for(target: Any) -> Adapter:
    """The adapter for ``FunctionAgent`` or a subclass of it.

    ``ReActAgent`` and ``CodeActAgent`` read their tool calls from the reply's text (``Action:`` /
    code blocks, with ids they make up), which the scripted function-calling LLM does not write:
    they are refused by name rather than driven into retry loops.
    """
    if inspect.isclass(target) and issubclass(target, FunctionAgent):
        return LlamaIndexAdapter(target)
    if inspect.isclass(target) and issubclass(target, BaseWorkflowAgent) and not inspect.isabstract(target):
        raise ImplementationError(
            f"{target!r} is a LlamaIndex agent that reads tool calls from the reply's text; the scripted LLM speaks "
            "function calling: name llama_index.core.agent.workflow:FunctionAgent (or a subclass of it)"
        )
    raise ImplementationError(
        f"{target!r} comes from LlamaIndex but is not a workflow agent class: name "
        "llama_index.core.agent.workflow:FunctionAgent (or a subclass of it)"
    )
