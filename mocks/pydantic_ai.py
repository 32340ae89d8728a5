"""The scripted model spoken as a Pydantic AI model (a ``FunctionModel``), and agent_limits.mocks.Tool as its tools.

Pydantic AI's ``FunctionModel`` *estimates* token usage from the text whenever a response
reports none, and always estimates it on the streaming path, so token limits tested on it
are tested on made-up numbers. :class:`ScriptedFunctionModel` replays a :class:`agent_limits.mocks.Script`
instead: every model request is one ``await scripted.acomplete(...)``, and every response
carries the scripted usage exactly (an all-zero scripted usage stays zero):

    from pydantic_ai import Agent
    from agent_limits.mocks import Script, ScriptedModel, Tool, Turn, Usage
    from agent_limits.mocks.pydantic_ai import ScriptedFunctionModel, pydantic_ai_tools

    scripted = ScriptedModel(Script([Turn.tools("lookup", usage=Usage(10, 5)),
                                     Turn.answer("done", Usage(12, 3))]))
    tool = Tool("lookup")
    agent = Agent(ScriptedFunctionModel(scripted), tools=pydantic_ai_tools([tool]))
    result = agent.run_sync("Go.")
    assert result.output == "done" and len(tool.executions) == 1
    assert (result.usage.input_tokens, result.usage.output_tokens) == (22, 8)

Importing this module imports Pydantic AI; ``import mocks`` never does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from pydantic_ai import ModelHTTPError, ModelRateLimitError
from pydantic_ai import Tool as PydanticTool
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    ModelResponsePart,
    RetryPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models import ModelRequestParameters, StreamedResponse
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.settings import ModelSettings
from pydantic_ai.usage import RequestUsage

from ._errors import ModelThrottled
from ._model import ScriptedModel
from ._script import Turn
from ._tools import Tool
from ._usage import Usage

__all__ = ["CostEstimator", "ScriptedFunctionModel", "TokenCounter", "message_texts", "pydantic_ai_tool",
           "pydantic_ai_tools", "to_model_response", "to_request_usage"]

#: ``cost_estimator(model, input_tokens, output_tokens, cached_input_tokens) -> USD`` (the harness's signature).
CostEstimator = Callable[[str, int, int, int], float]
#: ``token_counter(text) -> tokens`` (the harness's signature).
TokenCounter = Callable[[str], int]


def message_texts(messages: Sequence[ModelMessage]) -> list[str]:
    """The text of each message a request carries: each response's text, each user prompt, tool
    return and retry prompt (what a provider's count-tokens endpoint would count, at the least)."""
    texts: list[str] = []
    for message in messages:
        if isinstance(message, ModelResponse):
            text = "".join(p.content for p in message.parts if isinstance(p, TextPart))
            texts += [text] if text else []
        elif isinstance(message, ModelRequest):
            for part in message.parts:
                if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                    texts.append(part.content)
                elif isinstance(part, ToolReturnPart):
                    texts.append(part.model_response_str())
                elif isinstance(part, RetryPromptPart):
                    texts.append(part.model_response())
    return texts


def to_request_usage(usage: Usage, cost: float | None = None) -> RequestUsage:
    """One response's usage as Pydantic AI records it: exactly as scripted.

    Pydantic AI counts cached tokens inside ``input_tokens`` (``cache_read_tokens`` is a part of
    it), as the harness's cost estimator does. ``cost`` is a provider-reported cost in USD, which
    Pydantic AI keeps instead of pricing the response itself.
    """
    return RequestUsage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cached_input_tokens,
        cost=None if cost is None else Decimal(str(cost)),
    )


def _parts(turn: Turn) -> list[ModelResponsePart]:
    parts: list[ModelResponsePart] = [TextPart(turn.text)] if turn.text else []
    parts += [ToolCallPart(c.name, dict(c.arguments), tool_call_id=c.id) for c in turn.tool_calls]
    return parts


def to_model_response(turn: Turn, model_name: str, cost_estimator: CostEstimator | None = None) -> ModelResponse:
    """A scripted turn as a ``ModelResponse``: text and tool-call parts, usage always set."""
    u = turn.usage
    cost = cost_estimator(model_name, u.input_tokens, u.output_tokens, u.cached_input_tokens) if cost_estimator else None
    return ModelResponse(parts=_parts(turn), usage=to_request_usage(u, cost), model_name=model_name)


@dataclass
class _Reply:
    usage: RequestUsage | None = None


#: The usage the scripted function just returned, read back by ``request`` in the same task.
_REPLY: ContextVar[_Reply | None] = ContextVar("mocks_pydantic_ai_reply", default=None)


class ScriptedFunctionModel(FunctionModel):
    """A ``FunctionModel`` that answers each request with the next turn of ``scripted``.

    Non-streamed and streamed requests each make exactly one ``scripted.acomplete`` call.
    ``cost_estimator`` (optional) prices each response the way a provider that reports its
    own cost does (``RequestUsage.cost``), so ``UsageLimits(cost_limit=...)`` has a cost to
    check. A turn's ``raises`` propagates from the request, as a provider error would;
    :class:`agent_limits.mocks.ModelThrottled` becomes the ``ModelHTTPError`` (HTTP 429) that is also a
    ``ModelRateLimitError``, as Pydantic AI's own models raise it.

    ``token_counter`` (optional) answers ``count_tokens`` the way a provider's count-tokens
    endpoint does, so ``UsageLimits(count_tokens_before_request=True)`` can check a request before
    it is sent: the counter summed over :func:`message_texts` of the request. It is never a
    model call. Without a counter, counting is not supported, as for ``FunctionModel``.
    """

    def __init__(self, scripted: ScriptedModel, *, cost_estimator: CostEstimator | None = None,
                 token_counter: TokenCounter | None = None) -> None:
        super().__init__(self._respond, model_name=scripted.name)
        self.scripted = scripted
        self.cost_estimator = cost_estimator
        self.token_counter = token_counter

    async def count_tokens(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> RequestUsage:
        if self.token_counter is None:
            return await super().count_tokens(messages, model_settings, model_request_parameters)
        return RequestUsage(input_tokens=sum(self.token_counter(text) for text in message_texts(messages)))

    async def _complete(self, messages: list[ModelMessage], tools: Sequence[Any]) -> Turn:
        try:
            return await self.scripted.acomplete(messages, tools)
        except ModelThrottled as exc:
            raise ModelHTTPError.for_category(ModelRateLimitError, status_code=429, model_name=self.scripted.name,
                                              body=str(exc)) from exc

    async def _respond(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        turn = await self._complete(messages, info.function_tools)
        response = to_model_response(turn, self.scripted.name, self.cost_estimator)
        reply = _REPLY.get()
        if reply is not None:
            reply.usage = response.usage
        return response

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        reply = _Reply()
        token = _REPLY.set(reply)
        try:
            response = await super().request(messages, model_settings, model_request_parameters)
        finally:
            _REPLY.reset(token)
        if reply.usage is not None:  # FunctionModel estimates an all-zero usage; a scripted zero is a real zero
            response.usage = reply.usage
        return response

    @asynccontextmanager
    async def request_stream(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
        run_context: Any = None,
    ) -> AsyncIterator[StreamedResponse]:
        # FunctionModel's own stream estimates usage from the streamed text; this one reports the script's.
        _, model_request_parameters = self.prepare_request(model_settings, model_request_parameters)
        turn = await self._complete(messages, model_request_parameters.declared_function_tools)
        u = turn.usage
        cost = (self.cost_estimator(self.scripted.name, u.input_tokens, u.output_tokens, u.cached_input_tokens)
                if self.cost_estimator else None)
        yield _ScriptedStream(model_request_parameters=model_request_parameters, _turn=turn,
                              _model_name=self.scripted.name, _final_usage=to_request_usage(u, cost))

    def __repr__(self) -> str:
        return f"ScriptedFunctionModel({self.scripted!r})"


@dataclass
class _ScriptedStream(StreamedResponse):
    """One scripted turn streamed as a text part and tool-call parts, with the scripted usage."""

    _turn: Turn = field(default_factory=Turn)
    _model_name: str = "scripted-model"
    _final_usage: RequestUsage = field(default_factory=RequestUsage)
    _timestamp: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    async def _get_event_iterator(self) -> AsyncIterator[Any]:
        if self._turn.text:
            for event in self._parts_manager.handle_text_delta(vendor_part_id="content", content=self._turn.text):
                yield event
        for i, call in enumerate(self._turn.tool_calls):
            yield self._parts_manager.handle_tool_call_part(
                vendor_part_id=i, tool_name=call.name, args=dict(call.arguments), tool_call_id=call.id
            )
        self._add_usage(self._final_usage, reported=True, cumulative=True)

    async def close_stream(self) -> None:
        pass

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def provider_name(self) -> None:
        return None

    @property
    def provider_url(self) -> None:
        return None

    @property
    def timestamp(self) -> datetime:
        return self._timestamp


def pydantic_ai_tool(tool: Tool) -> PydanticTool[Any]:
    """A ``agent_limits.mocks.Tool`` as a Pydantic AI tool that executes it via ``tool.acall`` (so it is recorded)."""

    async def call(**arguments: Any) -> Any:
        return await tool.acall(**arguments)

    wrapped: PydanticTool[Any] = PydanticTool.from_schema(call, name=tool.name, description=tool.description,
                                                          json_schema=dict(tool.parameters))
    return wrapped


def pydantic_ai_tools(tools: Sequence[Tool]) -> list[PydanticTool[Any]]:
    """Every tool of ``tools`` wrapped with :func:`pydantic_ai_tool`."""
    return [pydantic_ai_tool(t) for t in tools]
