"""The scripted model spoken as a LangChain chat model, and agent_limits.mocks.Tool as LangChain tools.

LangChain's own fake chat models (``GenericFakeChatModel`` and friends) report no token
usage and cannot call tools, so token accounting and tool loops go untested with them.
:class:`ScriptedChatModel` replays a :class:`agent_limits.mocks.Script` instead: every model request
is exactly one call of ``scripted.complete`` (sync) or ``scripted.acomplete`` (async), and
every reply carries ``usage_metadata`` exactly as scripted. Use it in your own tests:

    from langchain.agents import create_agent
    from agent_limits.mocks import Script, ScriptedModel, Tool, Usage
    from agent_limits.mocks.langchain import ScriptedChatModel, langchain_tools

    scripted = ScriptedModel(Script.tool_calls(2, usage=Usage(100, 20)))
    lookup = Tool()
    agent = create_agent(ScriptedChatModel(scripted=scripted), langchain_tools([lookup]))
    result = agent.invoke({"messages": [("user", "Find it.")]})
    assert result["messages"][-1].text == "done" and len(lookup.executions) == 2
    assert sum(m.usage_metadata["total_tokens"] for m in result["messages"] if m.type == "ai") == 360

Importing this module imports LangChain; ``import mocks`` never does.
"""

from __future__ import annotations

from typing import Any, Sequence

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.exceptions import ModelRateLimitError
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool, StructuredTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict

from ._errors import ModelThrottled
from ._model import ScriptedModel
from ._script import Turn
from ._tools import Tool
from ._usage import Usage

__all__ = ["ScriptedChatModel", "as_langchain_tool", "langchain_tools", "to_ai_message", "to_usage_metadata"]


def to_usage_metadata(usage: Usage) -> UsageMetadata:
    """LangChain's ``usage_metadata`` for one reply: always present, exactly as scripted."""
    meta = UsageMetadata(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total,
    )
    if usage.cached_input_tokens:
        meta["input_token_details"] = {"cache_read": usage.cached_input_tokens}
    return meta


def to_ai_message(turn: Turn, model_name: str) -> AIMessage:
    """One scripted turn as the ``AIMessage`` a provider integration would return.

    ``response_metadata["model_name"]`` is set because LangChain's usage callback
    (``UsageMetadataCallbackHandler``) only counts replies that name their model.
    """
    return AIMessage(
        content=turn.text or "",
        tool_calls=[
            {"name": c.name, "args": dict(c.arguments), "id": c.id, "type": "tool_call"} for c in turn.tool_calls
        ],
        usage_metadata=to_usage_metadata(turn.usage),
        response_metadata={
            "model_name": model_name,
            "finish_reason": "tool_calls" if turn.tool_calls else "stop",
        },
    )


class ScriptedChatModel(BaseChatModel):
    """A LangChain ``BaseChatModel`` that answers from a :class:`agent_limits.mocks.ScriptedModel`.

    ``bind_tools`` accepts whatever LangChain accepts and passes the tools' JSON schemas to
    the scripted model (which only counts them). Streaming falls back to ``_generate``, so
    a streamed request is still exactly one scripted call. A turn with ``raises`` raises
    from the model call, as a provider error would; :class:`agent_limits.mocks.ModelThrottled`
    becomes ``langchain_core.exceptions.ModelRateLimitError`` (HTTP 429, ``is_retryable``), the
    type LangChain's provider integrations raise and its ``ModelRetryMiddleware`` retries.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    scripted: ScriptedModel

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.scripted.name}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Any | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        formatted = [convert_to_openai_tool(t) for t in tools]
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return self.bind(tools=formatted, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        try:
            turn = self.scripted.complete(messages, kwargs.get("tools"))
        except ModelThrottled as exc:
            raise ModelRateLimitError(str(exc)) from exc
        return self._result(turn)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        try:
            turn = await self.scripted.acomplete(messages, kwargs.get("tools"))
        except ModelThrottled as exc:
            raise ModelRateLimitError(str(exc)) from exc
        return self._result(turn)

    def _result(self, turn: Turn) -> ChatResult:
        message = to_ai_message(turn, self.scripted.name)
        return ChatResult(generations=[ChatGeneration(message=message)], llm_output={"model_name": self.scripted.name})


def as_langchain_tool(tool: Tool) -> BaseTool:
    """``tool`` as a LangChain ``StructuredTool`` whose runs are recorded by ``tool`` itself.

    The sync path calls ``tool(**arguments)``, the async path ``await tool.acall(**arguments)``;
    the JSON schema is passed as is, so arguments reach the tool unvalidated and unchanged.
    """

    def run(**arguments: Any) -> Any:
        return tool(**arguments)

    async def arun(**arguments: Any) -> Any:
        return await tool.acall(**arguments)

    return StructuredTool.from_function(
        func=run,
        coroutine=arun,
        name=tool.name,
        description=tool.description,
        args_schema=dict(tool.parameters),
    )


def langchain_tools(tools: Sequence[Tool]) -> list[BaseTool]:
    """Every tool in ``tools`` as a LangChain tool (see :func:`as_langchain_tool`)."""
    return [as_langchain_tool(t) for t in tools]
