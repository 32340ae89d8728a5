"""The scripted model spoken in the OpenAI Agents SDK's own model interface (``agents.Model``).

A real ``agents.Agent`` runs on :class:`AgentsScriptedModel` exactly as on an OpenAI model,
while the wrapped :class:`agent_limits.mocks.ScriptedModel` keeps the call log (the ground truth). Every
response carries the scripted token usage, so ``result.context_wrapper.usage`` is exact:

    import json
    from agents import Agent, RunConfig, Runner
    from agent_limits.mocks import Script, ScriptedModel, Tool, Turn, Usage
    from agent_limits.mocks.openai_agents import AgentsScriptedModel, agents_tools

    scripted = ScriptedModel(Script([Turn.tools("lookup", usage=Usage(10, 5)),
                                     Turn.answer("done", Usage(12, 3))]))
    tool = Tool("lookup")
    agent = Agent(name="t", model=AgentsScriptedModel(scripted), tools=agents_tools([tool]))
    result = Runner.run_sync(agent, "Go.", run_config=RunConfig(tracing_disabled=True))
    assert result.final_output == "done" and len(tool.executions) == 1
    assert result.context_wrapper.usage.total_tokens == 30 == scripted.usage.total

The SDK ships ``agents.testing`` doubles too; this one exists so that the same
:class:`agent_limits.mocks.Script` drives every framework and token limits are never tested on zero usage.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from agents import (
    FunctionTool,
    Model,
    ModelResponse,
    ModelRetryAdvice,
    ModelRetryAdviceRequest,
    ModelRetryNormalizedError,
    ModelSettings,
    ModelTracing,
    RunContextWrapper,
    Usage,
)
from agents.agent_output import AgentOutputSchemaBase
from agents.handoffs import Handoff
from agents.items import TResponseInputItem, TResponseOutputItem, TResponseStreamEvent
from agents.tool import Tool as AgentsTool
from openai import RateLimitError
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseCreatedEvent,
    ResponseFunctionToolCall,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseUsage,
)
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails

from . import ScriptedModel, Tool, Turn
from . import Usage as ScriptUsage
from ._errors import ModelThrottled
from ._openai import rate_limit_error

__all__ = ["AgentsScriptedModel", "agents_tool", "agents_tools", "to_agents_usage", "to_model_response"]


def to_agents_usage(usage: ScriptUsage) -> Usage:
    """One request's usage as the SDK counts it (``requests=1``), exactly as scripted."""
    return Usage(
        requests=1,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total,
        input_tokens_details=InputTokensDetails(cached_tokens=usage.cached_input_tokens, cache_write_tokens=0),
        output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
    )


def _output_items(turn: Turn, index: int) -> list[TResponseOutputItem]:
    """The Responses-API output items of one turn: a message for its text, a function call per tool call."""
    items: list[TResponseOutputItem] = []
    if turn.text:
        items.append(
            ResponseOutputMessage(
                id=f"msg-{index}",
                type="message",
                role="assistant",
                status="completed",
                content=[ResponseOutputText(type="output_text", text=turn.text, annotations=[])],
            )
        )
    for call in turn.tool_calls:
        items.append(
            ResponseFunctionToolCall(
                id=f"fc-{call.id}",
                call_id=call.id,
                type="function_call",
                name=call.name,
                arguments=json.dumps(dict(call.arguments)),
                status="completed",
            )
        )
    return items


def to_model_response(turn: Turn, index: int = 0) -> ModelResponse:
    """A scripted turn as the SDK's ``ModelResponse``, usage always set."""
    return ModelResponse(output=_output_items(turn, index), usage=to_agents_usage(turn.usage), response_id=None)


def _response(turn: Turn, index: int) -> Response:
    """The same turn as a complete Responses-API ``Response`` (for the streaming path)."""
    u = turn.usage
    return Response(
        id=f"resp-{index}",
        created_at=0,
        model="scripted-model",
        object="response",
        output=_output_items(turn, index),
        tool_choice="auto",
        tools=[],
        parallel_tool_calls=True,
        status="completed",
        usage=ResponseUsage(
            input_tokens=u.input_tokens,
            output_tokens=u.output_tokens,
            total_tokens=u.total,
            input_tokens_details=InputTokensDetails(cached_tokens=u.cached_input_tokens, cache_write_tokens=0),
            output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
        ),
    )


class AgentsScriptedModel(Model):
    """An ``agents.Model`` that answers each request with the next scripted turn.

    Each ``get_response`` (or ``stream_response``) awaits ``scripted.acomplete`` exactly once,
    so the scripted model's log counts the SDK's model requests one for one; a turn's
    ``raises`` propagates as the provider error. :class:`agent_limits.mocks.ModelThrottled` becomes the
    ``openai.RateLimitError`` (HTTP 429) an OpenAI model raises once the client's own retries gave
    up, and :meth:`get_retry_advice` suggests retrying it, as the SDK's OpenAI models do: the
    runner retries it only when ``ModelSettings.retry`` asks it to (the SDK's default is not to).
    """

    def __init__(self, scripted: ScriptedModel) -> None:
        self.scripted = scripted

    async def _turn(self, input: str | list[TResponseInputItem], tools: Sequence[Any]) -> tuple[Turn, int]:
        messages: Sequence[Any] = [{"role": "user", "content": input}] if isinstance(input, str) else input
        index = len(self.scripted.calls)
        try:
            return await self.scripted.acomplete(messages, list(tools)), index
        except ModelThrottled as exc:
            raise rate_limit_error(exc, "https://api.openai.com/v1/responses") from exc

    def get_retry_advice(self, request: ModelRetryAdviceRequest) -> ModelRetryAdvice | None:
        """A 429 may be retried (what the SDK's OpenAI models advise); no advice on anything else."""
        if not isinstance(request.error, RateLimitError):
            return None
        return ModelRetryAdvice(suggested=True, reason=str(request.error),
                                normalized=ModelRetryNormalizedError(status_code=429, message=str(request.error)))

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[AgentsTool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: Any = None,
        **_: Any,
    ) -> ModelResponse:
        turn, index = await self._turn(input, tools)
        return to_model_response(turn, index)

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[AgentsTool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: Any = None,
        **_: Any,
    ) -> AsyncIterator[TResponseStreamEvent]:
        turn, index = await self._turn(input, tools)
        response = _response(turn, index)
        seq = 0
        yield ResponseCreatedEvent(type="response.created", response=response, sequence_number=seq)
        for pos, item in enumerate(response.output):
            seq += 1
            yield ResponseOutputItemAddedEvent(
                type="response.output_item.added", item=item, output_index=pos, sequence_number=seq
            )
            seq += 1
            yield ResponseOutputItemDoneEvent(
                type="response.output_item.done", item=item, output_index=pos, sequence_number=seq
            )
        yield ResponseCompletedEvent(type="response.completed", response=response, sequence_number=seq + 1)

    def __repr__(self) -> str:
        return f"AgentsScriptedModel({self.scripted!r})"


def agents_tool(tool: Tool) -> FunctionTool:
    """A ``agent_limits.mocks.Tool`` as an SDK ``FunctionTool`` that executes it via ``tool.acall`` (so it is recorded)."""

    async def invoke(ctx: RunContextWrapper[Any], arguments: str) -> Any:
        return await tool.acall(**(json.loads(arguments) if arguments else {}))

    return FunctionTool(
        name=tool.name,
        description=tool.description,
        params_json_schema=dict(tool.parameters),
        on_invoke_tool=invoke,
        strict_json_schema=False,
    )


def agents_tools(tools: Sequence[Tool]) -> list[AgentsTool]:
    """Every tool of ``tools`` wrapped with :func:`agents_tool`."""
    return [agents_tool(t) for t in tools]
