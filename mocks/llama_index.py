"""The scripted model spoken as a LlamaIndex LLM (a ``FunctionCallingLLM``), and agent_limits.mocks.Tool as its tools.

LlamaIndex's own ``MockFunctionCallingLLM`` reports no usage at all, so LlamaIndex's token
accounting (``TokenCountingHandler``) falls back to *estimating* tokens with a tokenizer, and a
token budget tested on it is tested on made-up numbers. :class:`ScriptedFunctionCallingLLM`
replays a :class:`agent_limits.mocks.Script` instead: every chat request (``chat``, ``achat``,
``stream_chat``, ``astream_chat``: what ``FunctionAgent`` and ``ReActAgent`` call) is exactly
one ``scripted.complete`` / ``await scripted.acomplete``, tool calls come back as
``ToolCallBlock`` s (several in one reply for parallel calls) read by
``get_tool_calls_from_response``, and the scripted usage is ALWAYS reported where LlamaIndex's
accounting reads it: ``ChatResponse.raw["usage"]`` (``prompt_tokens``/``completion_tokens``,
OpenAI's shape) and ``ChatResponse.additional_kwargs``:

    import asyncio
    from llama_index.core.agent.workflow import FunctionAgent
    from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
    from agent_limits.mocks import Script, ScriptedModel, Tool, Turn, Usage
    from agent_limits.mocks.llama_index import ScriptedFunctionCallingLLM, llama_index_tools

    scripted = ScriptedModel(Script([Turn.tools("lookup", usage=Usage(10, 5)),
                                     Turn.answer("done", Usage(12, 3))]))
    counter = TokenCountingHandler()
    llm = ScriptedFunctionCallingLLM(scripted, callback_manager=CallbackManager([counter]))
    tool = Tool("lookup")
    agent = FunctionAgent(llm=llm, tools=llama_index_tools([tool]))

    async def main():  # a workflow agent runs inside an event loop: there is no sync path
        return await agent.run("Go.", max_iterations=5)

    output = asyncio.run(main())
    assert str(output) == "done" and len(tool.executions) == 1
    assert (counter.prompt_llm_token_count, counter.completion_llm_token_count) == (22, 8)

LlamaIndex core has no throttling error of its own (a provider's client raises and retries
its own), so :class:`agent_limits.mocks.ModelThrottled` propagates as it is. Importing this
module imports LlamaIndex; ``import agent_limits.mocks`` never does.
"""

from __future__ import annotations

import json
from typing import Any, AsyncGenerator, Generator, Sequence

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
    TextBlock,
    ToolCallBlock,
)
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.callbacks import CallbackManager
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.tools import AsyncBaseTool, BaseTool, ToolMetadata, ToolOutput, ToolSelection

from ._model import ScriptedModel
from ._script import Turn
from ._tools import Tool
from ._usage import Usage

__all__ = ["CONTEXT_WINDOW", "ScriptedFunctionCallingLLM", "ScriptedTool", "llama_index_tool",
           "llama_index_tools", "to_chat_response", "usage_fields"]

#: The context window the dialect declares (a modern model's): LlamaIndex's default chat memory
#: keeps 75% of it, so the scripted conversations are never trimmed by a window of 3900 tokens.
CONTEXT_WINDOW = 128_000


def usage_fields(usage: Usage) -> dict[str, Any]:
    """One reply's usage in the OpenAI shape LlamaIndex's ``get_tokens_from_response`` reads.

    Cached input tokens are a part of ``prompt_tokens`` (``prompt_tokens_details.cached_tokens``),
    never added to the total.
    """
    fields: dict[str, Any] = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total,
    }
    if usage.cached_input_tokens:
        fields["prompt_tokens_details"] = {"cached_tokens": usage.cached_input_tokens}
    return fields


def to_chat_response(turn: Turn) -> ChatResponse:
    """A scripted turn as a LlamaIndex ``ChatResponse``: text and ``ToolCallBlock`` s, usage always set."""
    blocks: list[Any] = [TextBlock(text=turn.text)] if turn.text else []
    blocks += [ToolCallBlock(tool_call_id=c.id, tool_name=c.name, tool_kwargs=dict(c.arguments))
               for c in turn.tool_calls]
    message = ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks)
    usage = usage_fields(turn.usage)
    return ChatResponse(message=message, delta=turn.text or "", raw={"usage": usage},
                        additional_kwargs={k: v for k, v in usage.items() if isinstance(v, int)})


class ScriptedFunctionCallingLLM(FunctionCallingLLM):
    """A ``FunctionCallingLLM`` that answers each chat request with the next turn of ``scripted``.

    A completion request (``complete`` and friends, which agents do not use) is sent as one user
    message, also one scripted call. A turn's ``raises`` propagates from the request, as a
    provider error would, after the call was logged.
    """

    _scripted: ScriptedModel = PrivateAttr()

    def __init__(self, scripted: ScriptedModel, *, callback_manager: CallbackManager | None = None,
                 **kwargs: Any) -> None:
        super().__init__(callback_manager=callback_manager or CallbackManager([]), **kwargs)
        self._scripted = scripted

    @property
    def scripted(self) -> ScriptedModel:
        return self._scripted

    @classmethod
    def class_name(cls) -> str:
        return "ScriptedFunctionCallingLLM"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name=self._scripted.name, is_chat_model=True, is_function_calling_model=True,
                           context_window=CONTEXT_WINDOW)

    # -- chat: what the agents call -----------------------------------------------------------
    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return to_chat_response(self._scripted.complete(messages, kwargs.get("tools") or ()))

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return to_chat_response(await self._scripted.acomplete(messages, kwargs.get("tools") or ()))

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        response = to_chat_response(self._scripted.complete(messages, kwargs.get("tools") or ()))

        def gen() -> Generator[ChatResponse, None, None]:
            yield response  # one chunk: the whole reply, usage included

        return gen()

    @llm_chat_callback()
    async def astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        # The request is made here, not inside the generator: an error raises from the call itself.
        response = to_chat_response(await self._scripted.acomplete(messages, kwargs.get("tools") or ()))

        async def gen() -> AsyncGenerator[ChatResponse, None]:
            yield response

        return gen()

    # -- completion: one user message ---------------------------------------------------------
    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return _completion(self._scripted.complete([ChatMessage(role=MessageRole.USER, content=prompt)]))

    @llm_completion_callback()
    async def acomplete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return _completion(await self._scripted.acomplete([ChatMessage(role=MessageRole.USER, content=prompt)]))

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        response = self.complete(prompt, formatted, **kwargs)

        def gen() -> Generator[CompletionResponse, None, None]:
            yield response

        return gen()

    @llm_completion_callback()
    async def astream_complete(self, prompt: str, formatted: bool = False,
                               **kwargs: Any) -> CompletionResponseAsyncGen:
        response = await self.acomplete(prompt, formatted, **kwargs)

        async def gen() -> AsyncGenerator[CompletionResponse, None]:
            yield response

        return gen()

    # -- tool calling -------------------------------------------------------------------------
    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The request: the history (plus ``user_msg``) and the tools' specs, as a provider gets them."""
        messages = list(chat_history or [])
        if user_msg is not None:
            messages.append(user_msg if isinstance(user_msg, ChatMessage)
                            else ChatMessage(role=MessageRole.USER, content=user_msg))
        specs = [{"name": t.metadata.get_name(), "description": t.metadata.description,
                  "parameters": t.metadata.get_parameters_dict()} for t in tools]
        return {"messages": messages, "tools": specs}

    def get_tool_calls_from_response(self, response: ChatResponse, error_on_no_tool_call: bool = True,
                                     **kwargs: Any) -> list[ToolSelection]:
        """The reply's ``ToolCallBlock`` s as ``ToolSelection`` s, in the order the model gave them."""
        calls = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
        if not calls and error_on_no_tool_call:
            raise ValueError(f"Expected at least one tool call, but got 0 tool calls: {response.message.content!r}")
        return [ToolSelection(tool_id=c.tool_call_id or "", tool_name=c.tool_name,
                              tool_kwargs=c.tool_kwargs if isinstance(c.tool_kwargs, dict)
                              else json.loads(c.tool_kwargs or "{}"))
                for c in calls]

    def __repr__(self) -> str:
        return f"ScriptedFunctionCallingLLM({self._scripted!r})"


def _completion(turn: Turn) -> CompletionResponse:
    usage = usage_fields(turn.usage)
    return CompletionResponse(text=turn.text or "", raw={"usage": usage},
                              additional_kwargs={k: v for k, v in usage.items() if isinstance(v, int)})


class _Metadata(ToolMetadata):
    """Tool metadata whose parameters are the instrumented tool's own JSON schema (no pydantic model)."""

    def __init__(self, tool: Tool) -> None:
        super().__init__(description=tool.description, name=tool.name, fn_schema=None)
        self.parameters = dict(tool.parameters)

    def get_parameters_dict(self) -> dict[str, Any]:
        return dict(self.parameters)


class ScriptedTool(AsyncBaseTool):
    """An instrumented :class:`agent_limits.mocks.Tool` as a LlamaIndex tool.

    The agents call ``await tool.acall(**arguments)`` on the event loop, which awaits
    ``Tool.acall`` (so every execution is recorded, its latency passes on the frozen loop clock,
    and concurrent executions overlap observably); ``call`` is the synchronous twin. A tool that
    raises is turned into an error ``ToolOutput`` by the agent itself.
    """

    def __init__(self, tool: Tool) -> None:
        self.tool = tool
        self._metadata = _Metadata(tool)

    @property
    def metadata(self) -> ToolMetadata:
        return self._metadata

    def call(self, *args: Any, **kwargs: Any) -> ToolOutput:
        arguments = _arguments(args, kwargs)
        return self._output(arguments, self.tool(**arguments))

    async def acall(self, *args: Any, **kwargs: Any) -> ToolOutput:
        arguments = _arguments(args, kwargs)
        return self._output(arguments, await self.tool.acall(**arguments))

    def _output(self, arguments: dict[str, Any], output: Any) -> ToolOutput:
        text = output if isinstance(output, str) else json.dumps(output, default=str)
        return ToolOutput(content=text, tool_name=self.tool.name, raw_input=arguments, raw_output=output)


def _arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments as given; a single positional dict (the ReAct path's input) is the arguments."""
    if args:
        if len(args) == 1 and isinstance(args[0], dict) and not kwargs:
            return dict(args[0])
        raise TypeError(f"tool arguments must be keywords, got positional {args!r}")
    return dict(kwargs)


def llama_index_tool(tool: Tool) -> ScriptedTool:
    """``tool`` as a LlamaIndex tool (see :class:`ScriptedTool`)."""
    return ScriptedTool(tool)


def llama_index_tools(tools: Sequence[Tool]) -> list[ScriptedTool]:
    """Every tool in ``tools`` as a LlamaIndex tool."""
    return [ScriptedTool(t) for t in tools]
