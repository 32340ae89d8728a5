"""The scripted model spoken as an OpenAI chat-completions client, for tinyAgent (``tiny-agent-os`` 0.73).

tinyAgent's ``ReactAgent`` and ``TinyCodeAgent`` call ``agent.client.chat.completions.create(...)``
and read ``choices[0].message.content`` only: ``ReactAgent`` expects a JSON object
(``{"tool": ..., "arguments": {...}}`` or ``{"answer": ...}``), ``TinyCodeAgent`` a python block
that calls the tools and ``final_answer(...)``. :class:`ScriptedClient` answers every
``create`` with exactly one call of ``scripted.complete`` and writes the turn in the protocol
of the agent it serves, with ``usage`` (prompt/completion tokens) always set as scripted.
Replacing ``agent.client`` is how tinyAgent's own users test; nothing of tinyAgent is patched:

    from tinyagent import ReactAgent
    from agent_limits.mocks import Script, ScriptedModel, Tool
    from agent_limits.mocks.tinyagent import ScriptedClient, tinyagent_tools

    scripted = ScriptedModel(Script.tool_calls(2))
    lookup = Tool()
    agent = ReactAgent(tools=tinyagent_tools([lookup]), api_key="unused")
    agent.client = ScriptedClient(scripted, protocol="react")
    assert agent.run("Find it.") == "done" and len(lookup.executions) == 2

Protocols: ``"react"`` (ReactAgent's JSON; text beside a tool call goes in ``scratchpad``; one
tool call per reply is all the protocol can carry, so a parallel turn raises
:class:`UnsupportedTurn`), ``"code"`` (TinyCodeAgent's python block; parallel calls are
consecutive calls in one block) and ``"tools"`` (native OpenAI ``tool_calls``, for clients
that send ``tools=``). :class:`AsyncScriptedClient` is the ``await``-able twin.

Importing this module imports tinyAgent; ``import mocks`` never does.
"""

from __future__ import annotations

import inspect
import json
import time
from typing import Any, Literal, Mapping, Sequence

import tinyagent
from openai.types import CompletionUsage
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionMessage,
    ChatCompletionMessageFunctionToolCall,
    ChatCompletionMessageToolCallUnion,
)
from openai.types.chat.chat_completion import Choice
from openai.types.chat.chat_completion_message_function_tool_call import Function
from openai.types.completion_usage import PromptTokensDetails

from ._errors import ModelThrottled
from ._model import ScriptedModel
from ._openai import rate_limit_error
from ._script import Inexpressible, Turn
from ._tools import Tool
from ._usage import Usage

__all__ = [
    "AsyncScriptedClient",
    "Protocol",
    "ScriptedClient",
    "UnsupportedTurn",
    "as_tinyagent_tool",
    "tinyagent_tools",
    "to_completion",
]

Protocol = Literal["react", "code", "tools"]
PROTOCOLS: tuple[str, ...] = ("react", "code", "tools")


class UnsupportedTurn(Inexpressible):
    """The scripted turn cannot be said in the agent's protocol (e.g. two tool calls to ReactAgent)."""


def to_usage(usage: Usage) -> CompletionUsage:
    """OpenAI's ``usage`` block for one reply, exactly as scripted."""
    details = PromptTokensDetails(cached_tokens=usage.cached_input_tokens) if usage.cached_input_tokens else None
    return CompletionUsage(
        prompt_tokens=usage.input_tokens,
        completion_tokens=usage.output_tokens,
        total_tokens=usage.total,
        prompt_tokens_details=details,
    )


def react_content(turn: Turn) -> str:
    """The turn as ReactAgent's JSON: one tool call (text as ``scratchpad``) or an answer."""
    if len(turn.tool_calls) > 1:
        raise UnsupportedTurn(
            f"ReactAgent's JSON protocol carries one tool call per reply; this turn asks for "
            f"{len(turn.tool_calls)} ({', '.join(c.id for c in turn.tool_calls)})"
        )
    payload: dict[str, Any] = {}
    if turn.text and turn.tool_calls:
        payload["scratchpad"] = turn.text
    if turn.tool_calls:
        call = turn.tool_calls[0]
        payload.update(tool=call.name, arguments=dict(call.arguments))
    else:
        payload["answer"] = turn.text or ""
    return json.dumps(payload)


def code_content(turn: Turn) -> str:
    """The turn as TinyCodeAgent's python block: text as comments, then the calls or final_answer."""
    lines = [f"# {line}" for line in (turn.text or "").splitlines()] if turn.tool_calls else []
    lines += [f"print({c.name}(**{dict(c.arguments)!r}))" for c in turn.tool_calls]
    if not turn.tool_calls:
        lines.append(f"final_answer({(turn.text or '')!r})")
    return "```python\n" + "\n".join(lines) + "\n```"


def to_completion(turn: Turn, model: str, protocol: Protocol, index: int) -> ChatCompletion:
    """One scripted turn as the ``ChatCompletion`` an OpenAI-compatible server would return."""
    content: str | None
    tool_calls: list[ChatCompletionMessageToolCallUnion] | None
    if protocol == "react":
        content, tool_calls = react_content(turn), None
    elif protocol == "code":
        content, tool_calls = code_content(turn), None
    else:
        content = turn.text
        tool_calls = [
            ChatCompletionMessageFunctionToolCall(
                id=c.id, type="function", function=Function(name=c.name, arguments=json.dumps(dict(c.arguments)))
            )
            for c in turn.tool_calls
        ] or None
    finish: Literal["tool_calls", "stop"] = "tool_calls" if tool_calls else "stop"
    message = ChatCompletionMessage(role="assistant", content=content, tool_calls=tool_calls)
    return ChatCompletion(
        id=f"scripted-{index}",
        object="chat.completion",
        created=int(time.time()),
        model=model,
        choices=[Choice(index=0, finish_reason=finish, message=message)],
        usage=to_usage(turn.usage),
    )


#: The endpoint a throttling error names (nothing is ever sent there).
_ENDPOINT = "https://api.openai.com/v1/chat/completions"


class _Completions:
    def __init__(self, client: ScriptedClient) -> None:
        self._client = client

    def create(self, *, messages: Sequence[Any], model: str = "", tools: Sequence[Any] | None = None,
               **options: Any) -> ChatCompletion:
        scripted = self._client.scripted
        index = len(scripted.calls)
        try:
            turn = scripted.complete(messages, tools)
        except ModelThrottled as exc:
            raise rate_limit_error(exc, _ENDPOINT) from exc
        return self._client.say(turn, model, index)


class _AsyncCompletions(_Completions):
    async def create(self, *, messages: Sequence[Any], model: str = "",  # type: ignore[override]
                     tools: Sequence[Any] | None = None, **options: Any) -> ChatCompletion:
        scripted = self._client.scripted
        index = len(scripted.calls)
        try:
            turn = await scripted.acomplete(messages, tools)
        except ModelThrottled as exc:
            raise rate_limit_error(exc, _ENDPOINT) from exc
        return self._client.say(turn, model, index)


class _Chat:
    def __init__(self, completions: _Completions) -> None:
        self.completions = completions


class ScriptedClient:
    """An OpenAI-style client (``client.chat.completions.create``) answering from a scripted model.

    :class:`agent_limits.mocks.ModelThrottled` becomes the ``openai.RateLimitError`` (HTTP 429) the
    ``openai`` client raises once its own retries gave up.
    """

    def __init__(self, scripted: ScriptedModel, *, protocol: Protocol = "react") -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
        self.scripted = scripted
        self.protocol: Protocol = protocol
        self.chat = _Chat(self._completions())

    def _completions(self) -> _Completions:
        return _Completions(self)

    def say(self, turn: Turn, model: str, index: int) -> ChatCompletion:
        """``turn`` as this client's protocol says it; a turn it cannot say is noted on the model."""
        try:
            return to_completion(turn, model or self.scripted.name, self.protocol, index)
        except Inexpressible as exc:
            raise self.scripted.cannot_express(exc) from None


class AsyncScriptedClient(ScriptedClient):
    """The async twin: ``await client.chat.completions.create(...)`` calls ``scripted.acomplete``."""

    def _completions(self) -> _Completions:
        return _AsyncCompletions(self)


def _signature(parameters: Mapping[str, Any]) -> inspect.Signature:
    """A keyword-only signature from a JSON schema, so tinyAgent's own argument check applies."""
    props = parameters.get("properties")
    if not isinstance(props, Mapping):
        return inspect.Signature([inspect.Parameter("arguments", inspect.Parameter.VAR_KEYWORD)])
    required = set(parameters.get("required") or ())
    return inspect.Signature([
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                          **({} if name in required else {"default": None}))
        for name in props
    ])


def as_tinyagent_tool(tool: Tool) -> tinyagent.core.registry.Tool:
    """``tool`` as a tinyAgent ``Tool`` whose runs are recorded by ``tool`` itself.

    Built directly rather than with ``@tool``, so nothing lands in tinyAgent's global registry.
    The signature comes from the JSON schema, so tinyAgent checks arguments as it does for its
    own tools; arguments the model leaves out are not passed on.
    """
    signature = _signature(tool.parameters)

    def run(**arguments: Any) -> Any:
        return tool(**arguments)

    run.__signature__ = signature  # type: ignore[attr-defined]
    run.__name__ = tool.name
    run.__doc__ = tool.description
    return tinyagent.core.registry.Tool(fn=run, name=tool.name, doc=tool.description, signature=signature)


def tinyagent_tools(tools: Sequence[Tool]) -> list[tinyagent.core.registry.Tool]:
    """Every tool in ``tools`` as a tinyAgent tool (see :func:`as_tinyagent_tool`)."""
    return [as_tinyagent_tool(t) for t in tools]
