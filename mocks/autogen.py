"""The scripted model spoken in AutoGen's model interface (``autogen_core.models.ChatCompletionClient``).

AutoGen AgentChat's ``AssistantAgent`` asks its model client for one ``CreateResult`` per model
request (``create()``, or ``create_stream()`` with ``model_client_stream=True``).
:class:`AutogenScriptedClient` answers each request by awaiting ``scripted.acomplete(...)``
exactly once, so the scripted model's call log stays the ground truth, and turns the
:class:`agent_limits.mocks.Turn` into a ``CreateResult``: a final answer is ``content=<text>``
(``finish_reason="stop"``), a turn with tool calls is ``content=[FunctionCall, ...]``
(``"function_calls"``; parallel calls are several in one list) with the turn's text as
``thought`` (AutoGen's field for text beside tool calls). Usage is ALWAYS reported, as
``RequestUsage(prompt_tokens=input, completion_tokens=output)``, which is what AutoGen's
``TokenUsageTermination`` and every message's ``models_usage`` read. :func:`autogen_tools` wraps
instrumented :class:`agent_limits.mocks.Tool` objects as AutoGen tools that record every execution.

    import asyncio
    from autogen_agentchat.agents import AssistantAgent
    from autogen_agentchat.conditions import TextMessageTermination, TokenUsageTermination
    from autogen_agentchat.teams import RoundRobinGroupChat
    from agent_limits.mocks import Script, ScriptedModel, Tool, Usage
    from agent_limits.mocks.autogen import AutogenScriptedClient, autogen_tools

    scripted = ScriptedModel(Script.tool_calls(2, usage=Usage(100, 20)))
    lookup = Tool()
    agent = AssistantAgent("assistant", model_client=AutogenScriptedClient(scripted),
                           tools=autogen_tools([lookup]))
    team = RoundRobinGroupChat([agent], termination_condition=TextMessageTermination("assistant")
                               | TokenUsageTermination(max_total_token=1000))
    result = asyncio.run(team.run(task="Find it."))
    assert result.messages[-1].to_text() == "done" and len(lookup.executions) == 2
    reported = [m.models_usage for m in result.messages if m.models_usage is not None]
    assert sum(u.prompt_tokens + u.completion_tokens for u in reported) == 3 * 120

AutoGen has no throttling error of its own (its clients raise their SDK's errors, and
``AssistantAgent`` retries nothing), so a scripted :class:`agent_limits.mocks.ModelThrottled`
propagates unchanged. There is no synchronous model interface: AutoGen is async only.

Only this module (and the AutoGen adapter) imports ``autogen_core`` / ``autogen_agentchat``;
``mocks`` itself never does.
"""

from __future__ import annotations

import json
from typing import Any, AsyncGenerator, Callable, Literal, Mapping, Optional, Sequence, Union

from autogen_core import CancellationToken, FunctionCall
from autogen_core.models import (
    AssistantMessage,
    ChatCompletionClient,
    CreateResult,
    FunctionExecutionResultMessage,
    LLMMessage,
    ModelCapabilities,
    ModelFamily,
    ModelInfo,
    RequestUsage,
    SystemMessage,
    UserMessage,
)
from autogen_core.tools import BaseTool, ParametersSchema, ToolSchema
from autogen_core.tools import Tool as AutogenToolProtocol
from pydantic import BaseModel, ConfigDict

from ._model import ScriptedModel
from ._script import Turn
from ._tools import Tool

__all__ = ["AutogenScriptedClient", "AutogenTool", "autogen_tools", "create_result", "message_text"]

#: What the scripted client claims: tools yes, the rest no (a script holds text and tool calls).
MODEL_INFO: ModelInfo = {
    "vision": False,
    "function_calling": True,
    "json_output": False,
    "family": ModelFamily.UNKNOWN,
    "structured_output": False,
    "multiple_system_messages": True,
}


def create_result(turn: Turn) -> CreateResult:
    """One scripted turn as AutoGen's ``CreateResult``, usage always included.

    Text beside tool calls goes to ``thought`` (AutoGen's ``content`` holds either a string or
    calls, never both); cached input tokens have no field in ``RequestUsage`` and are part of
    ``prompt_tokens`` as the model reports them, never added again.
    """
    usage = RequestUsage(prompt_tokens=turn.usage.input_tokens, completion_tokens=turn.usage.output_tokens)
    if turn.tool_calls:
        calls = [FunctionCall(id=c.id, arguments=json.dumps(dict(c.arguments)), name=c.name) for c in turn.tool_calls]
        return CreateResult(finish_reason="function_calls", content=calls, usage=usage, cached=False,
                            thought=turn.text or None)
    return CreateResult(finish_reason="stop", content=turn.text or "", usage=usage, cached=False)


def message_text(message: LLMMessage) -> str | None:
    """The text an AutoGen ``LLMMessage`` carries (what a token counter sizes), or None.

    A system or user message's text, an assistant message's text or its ``thought`` beside
    calls, and every tool result of a ``FunctionExecutionResultMessage`` joined.
    """
    if isinstance(message, (SystemMessage, UserMessage)):
        content = message.content
        if isinstance(content, str):
            return content
        texts = [part for part in content if isinstance(part, str)]
        return "\n".join(texts) if texts else None
    if isinstance(message, AssistantMessage):
        return message.content if isinstance(message.content, str) else message.thought
    if isinstance(message, FunctionExecutionResultMessage):
        return "\n".join(r.content for r in message.content) if message.content else None
    return None


class AutogenScriptedClient(ChatCompletionClient):
    """A ``ChatCompletionClient`` that replays a :class:`agent_limits.mocks.ScriptedModel`.

    One ``create()`` (or one ``create_stream()``) is one model request: it awaits
    ``scripted.acomplete`` once. A turn's ``raises`` propagates from the request as a provider
    error would (after the call was logged). ``token_counter`` (optional, ``text -> int``)
    answers ``count_tokens``, which AutoGen's ``TokenLimitedChatCompletionContext`` sizes the
    conversation with; without one, whitespace-separated words are counted.
    """

    def __init__(self, scripted: ScriptedModel, *, token_counter: Callable[[str], int] | None = None,
                 context_window: int = 128_000) -> None:
        self.scripted = scripted
        self.token_counter = token_counter
        self.context_window = context_window
        self._total = RequestUsage(prompt_tokens=0, completion_tokens=0)
        self._last = RequestUsage(prompt_tokens=0, completion_tokens=0)

    async def create(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[AutogenToolProtocol | ToolSchema] = [],
        tool_choice: AutogenToolProtocol | Literal["auto", "required", "none"] = "auto",
        json_output: Optional[bool | type[BaseModel]] = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: Optional[CancellationToken] = None,
    ) -> CreateResult:
        turn = await self.scripted.acomplete(messages, tools)
        result = create_result(turn)
        self._last = result.usage
        self._total = RequestUsage(prompt_tokens=self._total.prompt_tokens + result.usage.prompt_tokens,
                                   completion_tokens=self._total.completion_tokens + result.usage.completion_tokens)
        return result

    async def create_stream(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[AutogenToolProtocol | ToolSchema] = [],
        tool_choice: AutogenToolProtocol | Literal["auto", "required", "none"] = "auto",
        json_output: Optional[bool | type[BaseModel]] = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: Optional[CancellationToken] = None,
        max_consecutive_empty_chunk_tolerance: int = 0,
    ) -> AsyncGenerator[Union[str, CreateResult], None]:
        """The same single request, streamed: the final answer's text as one chunk, then the result."""
        result = await self.create(messages, tools=tools, tool_choice=tool_choice, json_output=json_output,
                                   extra_create_args=extra_create_args, cancellation_token=cancellation_token)
        if isinstance(result.content, str) and result.content:
            yield result.content
        yield result

    async def close(self) -> None:
        """Nothing to release: no connection was ever opened."""

    def actual_usage(self) -> RequestUsage:
        """The usage of the last request."""
        return self._last

    def total_usage(self) -> RequestUsage:
        """The usage of every request this client answered."""
        return self._total

    def count_tokens(self, messages: Sequence[LLMMessage], *, tools: Sequence[AutogenToolProtocol | ToolSchema] = []) -> int:
        """The size of ``messages``: the token counter summed over each message's text."""
        count = self.token_counter or _words
        return sum(count(text) for text in map(message_text, messages) if text is not None)

    def remaining_tokens(self, messages: Sequence[LLMMessage], *,
                         tools: Sequence[AutogenToolProtocol | ToolSchema] = []) -> int:
        return self.context_window - self.count_tokens(messages, tools=tools)

    @property
    def capabilities(self) -> ModelCapabilities:  # deprecated in AutoGen, still abstract
        return {"vision": False, "function_calling": True, "json_output": False}

    @property
    def model_info(self) -> ModelInfo:
        return MODEL_INFO

    def __repr__(self) -> str:
        return f"AutogenScriptedClient({self.scripted!r})"


def _words(text: str) -> int:
    return len(text.split())


class _AnyArguments(BaseModel):
    """Accepts whatever arguments the model sends: the instrumented tool is what judges them."""

    model_config = ConfigDict(extra="allow")


class AutogenTool(BaseTool[_AnyArguments, BaseModel]):
    """An instrumented :class:`agent_limits.mocks.Tool` as an AutoGen tool.

    Its schema is the tool's own JSON schema (not one derived from a Python signature), and
    each execution awaits ``tool.acall(**arguments)`` on AutoGen's event loop, never on a
    worker thread, so it is recorded and the frozen clock and concurrency stay observable. A
    tool that raises becomes AutoGen's own error result (its workbench catches it).
    """

    def __init__(self, tool: Tool) -> None:
        super().__init__(_AnyArguments, BaseModel, tool.name, tool.description)
        self.tool = tool

    @property
    def schema(self) -> ToolSchema:
        parameters = dict(self.tool.parameters)
        return ToolSchema(
            name=self.tool.name,
            description=self.tool.description,
            parameters=ParametersSchema(type="object", properties=dict(parameters.get("properties") or {}),
                                        required=list(parameters.get("required") or [])),
        )

    async def run(self, args: _AnyArguments, cancellation_token: CancellationToken) -> Any:
        return await self.tool.acall(**(args.model_extra or {}))

    async def run_json(self, args: Mapping[str, Any], cancellation_token: CancellationToken,
                       call_id: str | None = None) -> Any:
        """The arguments as the model sent them, straight to the instrumented tool."""
        return await self.tool.acall(**dict(args))

    def return_value_as_string(self, value: Any) -> str:
        return value if isinstance(value, str) else json.dumps(value, default=str)


def autogen_tools(tools: Sequence[Tool]) -> list[AutogenTool]:
    """Every tool in ``tools`` as an AutoGen tool (see :class:`AutogenTool`)."""
    return [AutogenTool(t) for t in tools]
