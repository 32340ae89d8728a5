"""The scripted model spoken as a smolagents model (``smolagents.models.Model``), and instrumented tools as smolagents tools.

smolagents' agents call ``model.generate(messages, stop_sequences=..., tools_to_call_from=...)``
(or ``generate_stream`` when built with ``stream_outputs=True``) and read a ``ChatMessage``:
``content``, ``tool_calls`` and ``token_usage``, which feeds ``agent.monitor`` and the
``RunResult.token_usage`` of ``agent.run(..., return_full_result=True)``.
:class:`SmolScriptedModel` answers each request with exactly one ``scripted.complete(...)``
and ALWAYS reports the scripted usage as ``TokenUsage(input_tokens, output_tokens)``:

    from smolagents import ToolCallingAgent
    from smolagents.monitoring import LogLevel
    from agent_limits.mocks import Script, ScriptedModel, Tool, Usage
    from agent_limits.mocks.smolagents import SmolScriptedModel, smolagents_tools

    scripted = ScriptedModel(Script.tool_calls(2, usage=Usage(100, 20), final="found"))
    lookup = Tool()
    agent = ToolCallingAgent(tools=smolagents_tools([lookup]), model=SmolScriptedModel(scripted),
                             verbosity_level=LogLevel.OFF)
    result = agent.run("Find it.", return_full_result=True)
    assert result.output == "found" and result.state == "success" and len(lookup.executions) == 2
    assert (result.token_usage.input_tokens, result.token_usage.output_tokens) == (300, 60)
    assert agent.monitor.get_total_token_counts().total_tokens == 3 * 120

How a scripted turn is said:

- tool calls (several in one turn are parallel calls) become ``ChatMessage.tool_calls`` with the
  scripted ids, names and arguments, beside the turn's text as ``content``;
- a final answer (text, no tool calls) becomes a call of smolagents' ``final_answer`` tool with
  ``{"answer": text}`` and no content, when the request offers tools: that is what a real
  provider returns to a ``ToolCallingAgent``, whose API models send ``tool_choice="required"``,
  and the only way that agent accepts an answer (plain text is parsed for a JSON tool call and
  fails). The call's id is ``final_answer-<call number>``. A request without tools (the extra
  "final answer" request smolagents sends after ``max_steps``, ``provide_final_answer``) gets the
  turn as it is: its text as ``content``, and its tool calls, if the script has some;
- ``Turn(raises=...)`` raises from ``generate`` after the call was logged. smolagents has no
  throttling error of its own (its API models recognise a rate limit by the words "429" or
  "rate limit" in any exception, inside ``ApiModel``'s ``Retrying``; the agent never retries), so
  :class:`agent_limits.mocks.ModelThrottled` propagates as it is, as from any custom ``Model``.

:func:`smolagents_tools` wraps :class:`agent_limits.mocks.Tool` objects as ``smolagents.Tool``
instances whose ``forward`` calls ``tool(**arguments)``, so every execution is recorded (the
agent runs parallel calls on a ``ThreadPoolExecutor``, so the synchronous call is the one).

Importing this module imports smolagents; ``import agent_limits.mocks`` never does.
"""

from __future__ import annotations

import json
from typing import Any, Generator, Mapping, Sequence

from smolagents import Tool as SmolTool  # type: ignore[import-untyped]  # smolagents ships no type information
from smolagents.models import (  # type: ignore[import-untyped]
    ChatMessage,
    ChatMessageStreamDelta,
    ChatMessageToolCall,
    ChatMessageToolCallFunction,
    ChatMessageToolCallStreamDelta,
    MessageRole,
    Model,
)
from smolagents.monitoring import TokenUsage  # type: ignore[import-untyped]

from ._model import ScriptedModel
from ._script import Turn
from ._tools import Tool

__all__ = ["FINAL_ANSWER", "SmolScriptedModel", "SmolToolWrapper", "smolagents_tool", "smolagents_tools",
           "to_chat_message", "to_token_usage"]

#: The name of smolagents' built-in final-answer tool (``smolagents.default_tools.FinalAnswerTool``).
FINAL_ANSWER = "final_answer"

#: JSON-schema types smolagents' ``Tool.inputs`` accepts as they are; anything else becomes "any".
_SMOL_TYPES = frozenset({"string", "boolean", "integer", "number", "array", "object", "any", "null"})


def to_token_usage(turn: Turn) -> TokenUsage:
    """The scripted usage as smolagents' ``TokenUsage`` (it has no field for cached input tokens,
    which are part of ``input_tokens`` as the model reports them)."""
    return TokenUsage(input_tokens=turn.usage.input_tokens, output_tokens=turn.usage.output_tokens)


def _call(call_id: str, name: str, arguments: Mapping[str, Any]) -> ChatMessageToolCall:
    return ChatMessageToolCall(function=ChatMessageToolCallFunction(name=name, arguments=dict(arguments)),
                               id=call_id, type="function")


def to_chat_message(turn: Turn, *, offers_tools: bool, number: int) -> ChatMessage:
    """One scripted turn as the ``ChatMessage`` a provider returns (see the module docstring).

    ``offers_tools`` says whether the request carried tools (``tools_to_call_from``): only then
    is a final answer said as a ``final_answer`` call, named ``final_answer-<number>``.
    """
    usage = to_token_usage(turn)
    if turn.tool_calls:
        calls = [_call(c.id, c.name, c.arguments) for c in turn.tool_calls]
        return ChatMessage(role=MessageRole.ASSISTANT, content=turn.text, tool_calls=calls, token_usage=usage)
    if offers_tools:
        answer = _call(f"{FINAL_ANSWER}-{number}", FINAL_ANSWER, {"answer": turn.text or ""})
        return ChatMessage(role=MessageRole.ASSISTANT, content=None, tool_calls=[answer], token_usage=usage)
    return ChatMessage(role=MessageRole.ASSISTANT, content=turn.text, tool_calls=None, token_usage=usage)


class SmolScriptedModel(Model):  # type: ignore[misc]  # Model is untyped (Any)
    """A ``smolagents.models.Model`` that replays a :class:`agent_limits.mocks.ScriptedModel`.

    Every ``generate`` (and every ``generate_stream``) is one model request and calls
    ``scripted.complete(messages, tools_to_call_from)`` exactly once, with the agent's own
    ``ChatMessage`` list (what :meth:`agent_limits.harness.Adapter.received` reads back).
    ``stop_sequences`` are not applied: scripted text is what the model says.
    """

    def __init__(self, scripted: ScriptedModel, **kwargs: Any) -> None:
        super().__init__(model_id=scripted.name, **kwargs)
        self.scripted = scripted

    def generate(
        self,
        messages: list[ChatMessage],
        stop_sequences: list[str] | None = None,
        response_format: dict[str, str] | None = None,
        tools_to_call_from: list[Any] | None = None,
        **kwargs: Any,
    ) -> ChatMessage:
        turn = self.scripted.complete(messages, tools_to_call_from or ())
        return to_chat_message(turn, offers_tools=bool(tools_to_call_from), number=len(self.scripted.calls))

    def generate_stream(
        self,
        messages: list[ChatMessage],
        stop_sequences: list[str] | None = None,
        response_format: dict[str, str] | None = None,
        tools_to_call_from: list[Any] | None = None,
        **kwargs: Any,
    ) -> Generator[ChatMessageStreamDelta, None, None]:
        """The same reply as deltas: the text, one delta per tool call (arguments as JSON text,
        as providers stream them), and the usage on the last delta."""
        message = self.generate(messages, stop_sequences, response_format, tools_to_call_from, **kwargs)
        if isinstance(message.content, str) and message.content:
            yield ChatMessageStreamDelta(content=message.content)
        for index, call in enumerate(message.tool_calls or ()):
            function = ChatMessageToolCallFunction(name=call.function.name, arguments=json.dumps(call.function.arguments))
            yield ChatMessageStreamDelta(tool_calls=[ChatMessageToolCallStreamDelta(
                index=index, id=call.id, type="function", function=function)])
        yield ChatMessageStreamDelta(token_usage=message.token_usage)

    def __repr__(self) -> str:
        return f"SmolScriptedModel({self.scripted!r})"


def _inputs(parameters: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A JSON-schema ``object`` as smolagents ``Tool.inputs``: a property not listed in
    ``required`` is ``nullable`` (smolagents' word for optional)."""
    required = set(parameters.get("required") or ())
    inputs: dict[str, dict[str, Any]] = {}
    for name, schema in dict(parameters.get("properties") or {}).items():
        kind = schema.get("type", "any") if isinstance(schema, Mapping) else "any"
        entry: dict[str, Any] = {"type": kind if isinstance(kind, str) and kind in _SMOL_TYPES else "any",
                                 "description": str(schema.get("description", name)) if isinstance(schema, Mapping)
                                 else name}
        if name not in required:
            entry["nullable"] = True
        inputs[name] = entry
    return inputs


class SmolToolWrapper(SmolTool):  # type: ignore[misc]  # Tool is untyped (Any)
    """A ``smolagents.Tool`` whose ``forward`` executes an instrumented :class:`agent_limits.mocks.Tool`.

    ``forward`` takes ``**arguments`` (the instrumented tool's JSON schema, not a Python
    signature, says what it accepts), hence ``skip_forward_signature_validation``, as
    smolagents' own generic wrappers (``PipelineTool``, ``SpaceToolWrapper``) do.
    """

    skip_forward_signature_validation = True

    def __init__(self, tool: Tool) -> None:
        self.tool = tool
        self.name = tool.name
        self.description = tool.description
        self.inputs = _inputs(tool.parameters)
        self.output_type = "any"
        super().__init__()

    def forward(self, **arguments: Any) -> Any:
        return self.tool(**arguments)


def smolagents_tool(tool: Tool) -> SmolToolWrapper:
    """``tool`` as a smolagents tool: each execution calls ``tool(**arguments)``, so it is recorded."""
    return SmolToolWrapper(tool)


def smolagents_tools(tools: Sequence[Tool]) -> list[SmolToolWrapper]:
    """Every tool in ``tools`` as a smolagents tool (see :func:`smolagents_tool`)."""
    return [smolagents_tool(t) for t in tools]
