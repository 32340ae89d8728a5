"""The scripted model spoken in Agno's model interface (``agno.models.base.Model``).

Agno drives a model through ``invoke`` / ``ainvoke`` (and ``invoke_stream`` / ``ainvoke_stream``
when an agent streams), each returning an ``agno.models.response.ModelResponse``; Agno then runs
the tool calls itself and adds each response's ``response_usage`` (a ``MessageMetrics``) to the
run's ``RunOutput.metrics``. :class:`AgnoScriptedModel` answers every request with exactly one
``scripted.complete`` (sync) or ``await scripted.acomplete`` (async) call: its text, its tool
calls (several in one reply are parallel calls) and ALWAYS its usage, so Agno's own accounting
of tokens is what a test sees. :func:`agno_toolkit` wraps instrumented
:class:`agent_limits.mocks.Tool` objects as an Agno ``Toolkit`` whose functions call
``tool(**args)`` on ``agent.run`` and ``await tool.acall(**args)`` on ``agent.arun``, so every
execution is recorded:

    from agno.agent import Agent
    from agent_limits.mocks import Script, ScriptedModel, Tool, Turn, Usage
    from agent_limits.mocks.agno import AgnoScriptedModel, agno_toolkit

    scripted = ScriptedModel(Script([Turn.tools("lookup", "lookup", usage=Usage(100, 20)),
                                     Turn.answer("found it", Usage(120, 10))]))
    lookup = Tool()
    agent = Agent(model=AgnoScriptedModel(scripted), tools=[agno_toolkit([lookup])], telemetry=False)
    result = agent.run("Find it.")
    assert result.content == "found it" and len(lookup.executions) == 2
    assert (result.metrics.input_tokens, result.metrics.output_tokens) == (220, 30)

Only this module (and the Agno adapter) imports ``agno``; ``agent_limits.mocks`` itself never does.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, cast

from agno.exceptions import ModelRateLimitError
from agno.metrics import MessageMetrics
from agno.models.base import Model
from agno.models.message import Message
from agno.models.response import ModelResponse
from agno.tools.function import Function
from agno.tools.toolkit import Toolkit

from ._errors import ModelThrottled
from ._model import ScriptedModel
from ._script import Turn
from ._tools import Tool
from ._usage import Usage

__all__ = ["AgnoScriptedModel", "agno_functions", "agno_toolkit", "to_metrics", "to_model_response"]


def to_metrics(usage: Usage) -> MessageMetrics:
    """One reply's usage in Agno's own fields, exactly as scripted.

    Agno's providers count cached prompt tokens inside ``input_tokens`` and report them again as
    ``cache_read_tokens`` (a part, not an addition), as the harness's :class:`Usage` does; the
    total is input + output.
    """
    return MessageMetrics(input_tokens=usage.input_tokens, output_tokens=usage.output_tokens,
                          total_tokens=usage.total, cache_read_tokens=usage.cached_input_tokens)


def to_model_response(turn: Turn) -> ModelResponse:
    """A scripted turn as the ``ModelResponse`` an Agno provider returns: its text as ``content``,
    its tool calls in the OpenAI-style form Agno parses (``{"id", "type": "function", "function":
    {"name", "arguments"}}``, arguments as a JSON string) and its usage as ``response_usage``."""
    calls = [{"id": c.id, "type": "function",
              "function": {"name": c.name, "arguments": json.dumps(dict(c.arguments))}} for c in turn.tool_calls]
    return ModelResponse(role="assistant", content=turn.text, tool_calls=calls, response_usage=to_metrics(turn.usage))


def _throttled(exc: ModelThrottled, model_id: str) -> ModelRateLimitError:
    """What Agno's own providers raise on an HTTP 429 (their retry logic treats it as retryable)."""
    return ModelRateLimitError(str(exc), status_code=429, model_name="AgnoScriptedModel", model_id=model_id)


class AgnoScriptedModel(Model):
    """An ``agno.models.base.Model`` that replays a :class:`agent_limits.mocks.ScriptedModel`.

    One ``invoke`` / ``ainvoke`` (or one streamed request) is one model request and one call of
    the scripted model, which logs it. A turn's ``raises`` propagates as a provider error would;
    :class:`agent_limits.mocks.ModelThrottled` becomes Agno's ``ModelRateLimitError`` (HTTP 429),
    so Agno's own retry setting (``Model.retries``, 0 by default) decides what happens.
    The messages handed to the scripted model are Agno's ``Message`` objects as Agno built the
    request (read them with the Agno adapter's ``received``).
    """

    scripted: ScriptedModel | None

    def __init__(self, scripted: ScriptedModel, **options: Any) -> None:
        # Agno models are dataclasses whose first field is the model id: the script's name.
        super().__init__(id=options.pop("id", scripted.name), name="AgnoScriptedModel", provider="agent-limits",
                         **options)
        self.scripted = scripted

    # -- Agno's provider interface --------------------------------------------------------
    def invoke(self, *args: Any, **kwargs: Any) -> ModelResponse:
        messages: list[Message] = kwargs.get("messages") or []
        try:
            turn = self._script().complete(messages, kwargs.get("tools") or ())
        except ModelThrottled as exc:
            raise _throttled(exc, self.id) from exc
        return self._parse_provider_response(turn)

    async def ainvoke(self, *args: Any, **kwargs: Any) -> ModelResponse:
        messages: list[Message] = kwargs.get("messages") or []
        try:
            turn = await self._script().acomplete(messages, kwargs.get("tools") or ())
        except ModelThrottled as exc:
            raise _throttled(exc, self.id) from exc
        return self._parse_provider_response(turn)

    def invoke_stream(self, *args: Any, **kwargs: Any) -> Iterator[ModelResponse]:
        """A streamed request: the whole reply as one delta (text, tool calls and usage)."""
        yield self._parse_provider_response_delta(self.invoke(*args, **kwargs))

    async def ainvoke_stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ModelResponse]:
        yield self._parse_provider_response_delta(await self.ainvoke(*args, **kwargs))

    def _parse_provider_response(self, response: Any, **kwargs: Any) -> ModelResponse:
        """The "provider response" is the scripted :class:`Turn` (or an already parsed reply)."""
        return response if isinstance(response, ModelResponse) else to_model_response(response)

    def _parse_provider_response_delta(self, response: Any) -> ModelResponse:
        return self._parse_provider_response(response)

    # -- internals ----------------------------------------------------------------------
    def _script(self) -> ScriptedModel:
        if self.scripted is None:
            raise RuntimeError("AgnoScriptedModel has no scripted model")
        return self.scripted

    def __deepcopy__(self, memo: dict[int, Any]) -> AgnoScriptedModel:
        """A copy (Agno deep-copies models in places) keeps talking to the same scripted model:
        the one call log stays the ground truth."""
        copied: AgnoScriptedModel = cast(Any, super()).__deepcopy__(memo)  # Agno's is untyped
        copied.scripted = self.scripted
        return copied

    def __repr__(self) -> str:
        return f"AgnoScriptedModel({self.scripted!r})"


def agno_functions(tool: Tool) -> tuple[Function, Function]:
    """``tool`` as two Agno ``Function`` s of the same name and schema: a sync one calling
    ``tool(**arguments)`` (what ``agent.run`` executes) and an async one awaiting
    ``tool.acall(**arguments)`` (what ``agent.arun`` prefers). Both are recorded by the tool.

    ``skip_entrypoint_processing`` keeps the tool's own JSON schema: the entrypoints take
    ``**arguments``, which Agno could not describe.
    """

    def call(**arguments: Any) -> Any:
        return _text(tool(**arguments))

    async def acall(**arguments: Any) -> Any:
        return _text(await tool.acall(**arguments))

    call.__name__ = acall.__name__ = tool.name
    common: dict[str, Any] = {"name": tool.name, "description": tool.description,
                              "parameters": dict(tool.parameters), "skip_entrypoint_processing": True}
    return Function(entrypoint=call, **common), Function(entrypoint=acall, **common)


def agno_toolkit(tools: Sequence[Tool], name: str = "scripted_tools") -> Toolkit:
    """Every tool of ``tools`` in one Agno ``Toolkit``, with a sync and an async variant each
    (Agno picks the sync one on ``run`` and the async one on ``arun``; see :func:`agno_functions`)."""
    pairs = [agno_functions(t) for t in tools]
    toolkit = Toolkit(name=name, tools=[sync for sync, _ in pairs])
    for _, asynchronous in pairs:
        toolkit.register(asynchronous)  # an async entrypoint goes to ``toolkit.async_functions``
    return toolkit


def _text(output: Any) -> Any:
    """A tool's output as the result Agno stores: strings unchanged, anything else as JSON."""
    return output if isinstance(output, str) else json.dumps(output, default=str)
