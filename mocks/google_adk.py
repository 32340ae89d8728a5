"""The scripted model spoken as a Google Agent Development Kit model (``google.adk.models.BaseLlm``).

ADK asks a model for one turn with ``generate_content_async(llm_request)``, an async generator of
``LlmResponse`` s whose ``content`` holds google.genai ``Part`` s (text, ``function_call``) and whose
``usage_metadata`` is a ``GenerateContentResponseUsageMetadata``. ADK's own accounting of tokens is
that field on each model event it records (a response without it is logged as "missing token usage
metadata" and counts nothing), so :class:`ScriptedAdkModel` ALWAYS fills it in with the scripted
usage. Each request awaits ``scripted.acomplete(...)`` exactly once, so the scripted model's call log
stays the ground truth; parallel tool calls are several ``function_call`` parts in one response.
:func:`adk_tools` wraps instrumented :class:`agent_limits.mocks.Tool` objects as ADK tools that
record every execution.

    import asyncio
    from google.adk.agents import LlmAgent
    from google.adk.runners import Runner
    from google.adk.sessions import InMemorySessionService
    from google.genai import types
    from agent_limits.mocks import Script, ScriptedModel, Tool, Turn, Usage
    from agent_limits.mocks.google_adk import ScriptedAdkModel, adk_tools

    scripted = ScriptedModel(Script([Turn.tools("lookup", usage=Usage(10, 5)),
                                     Turn.answer("done", Usage(12, 3))]))
    lookup = Tool("lookup")
    agent = LlmAgent(name="helper", model=ScriptedAdkModel(scripted), tools=adk_tools([lookup]))
    runner = Runner(agent=agent, app_name="demo", session_service=InMemorySessionService(),
                    auto_create_session=True)

    async def ask():
        prompt = types.Content(role="user", parts=[types.Part(text="Find it.")])
        return [e async for e in runner.run_async(user_id="u", session_id="s", new_message=prompt)]

    events = asyncio.run(ask())
    assert len(lookup.executions) == 1 and events[-1].content.parts[0].text == "done"
    usage = [e.usage_metadata for e in events if e.usage_metadata is not None]
    assert [(u.prompt_token_count, u.candidates_token_count) for u in usage] == [(10, 5), (12, 3)]

Only this module (and the ADK adapter) imports ``google.adk``; ``mocks`` itself never does.
"""

from __future__ import annotations

import json
from typing import Any, AsyncGenerator, Sequence

from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.adk.tools.base_tool import BaseTool
from google.adk.tools.tool_context import ToolContext
from google.genai import errors as genai_errors
from google.genai import types
from pydantic import ConfigDict

from ._errors import ModelThrottled
from ._model import ScriptedModel
from ._script import Turn
from ._tools import Tool
from ._usage import Usage

__all__ = ["ScriptedAdkModel", "adk_tool", "adk_tools", "to_llm_response", "to_usage_metadata"]


def to_usage_metadata(usage: Usage) -> types.GenerateContentResponseUsageMetadata:
    """One reply's usage in Gemini's fields, exactly as scripted.

    Gemini counts cached tokens inside ``prompt_token_count`` (``cached_content_token_count`` is a
    part of it), as the harness does, so ``total_token_count`` is input + output, never more.
    """
    return types.GenerateContentResponseUsageMetadata(
        prompt_token_count=usage.input_tokens,
        candidates_token_count=usage.output_tokens,
        total_token_count=usage.total,
        cached_content_token_count=usage.cached_input_tokens or None,
    )


def to_llm_response(turn: Turn) -> LlmResponse:
    """A scripted turn as the one (non-partial) ``LlmResponse`` of a model turn, usage always set.

    The text (if any) comes first, then one ``function_call`` part per tool call with the scripted
    id, so ADK answers each call under the id the script gave it.
    """
    parts: list[types.Part] = [types.Part(text=turn.text)] if turn.text else []
    parts += [types.Part(function_call=types.FunctionCall(id=c.id, name=c.name, args=dict(c.arguments)))
              for c in turn.tool_calls]
    return LlmResponse(
        content=types.Content(role="model", parts=parts),
        usage_metadata=to_usage_metadata(turn.usage),
        finish_reason=types.FinishReason.STOP,
        turn_complete=True,
    )


def _throttled(exc: ModelThrottled) -> genai_errors.ClientError:
    """What the google.genai client raises on HTTP 429 (Gemini's ``RESOURCE_EXHAUSTED``)."""
    return genai_errors.ClientError(429, {"error": {"code": 429, "message": str(exc), "status": "RESOURCE_EXHAUSTED"}})


class ScriptedAdkModel(BaseLlm):
    """A ``google.adk.models.BaseLlm`` that replays a :class:`agent_limits.mocks.ScriptedModel`.

    One ``generate_content_async`` call is one model request: it awaits ``scripted.acomplete``
    once with the request's ``contents`` (the google.genai ``Content`` s ADK sends) and the tools
    ADK declared, and yields the turn as one complete response, also when ADK asks for a stream
    (a single non-partial response is a valid stream). A turn's ``raises`` propagates as a
    provider error would (after the call was logged); :class:`agent_limits.mocks.ModelThrottled`
    becomes the google.genai ``ClientError`` with code 429 that ADK's Gemini model receives.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    scripted: ScriptedModel

    def __init__(self, scripted: ScriptedModel, **fields: Any) -> None:
        fields.setdefault("model", scripted.name)
        fields["scripted"] = scripted  # a pydantic field of this subclass, passed by name like BaseLlm's own
        super().__init__(**fields)

    async def generate_content_async(
        self, llm_request: LlmRequest, stream: bool = False
    ) -> AsyncGenerator[LlmResponse, None]:
        try:
            turn = await self.scripted.acomplete(llm_request.contents, list(llm_request.tools_dict.values()))
        except ModelThrottled as exc:
            raise _throttled(exc) from exc
        yield to_llm_response(turn)

    def __repr__(self) -> str:
        return f"ScriptedAdkModel({self.scripted!r})"


class _RecordedTool(BaseTool):
    """An ADK tool declared from the instrumented tool's JSON schema, executed via ``acall``."""

    def __init__(self, tool: Tool) -> None:
        super().__init__(name=tool.name, description=tool.description)
        self.tool = tool

    def _get_declaration(self) -> types.FunctionDeclaration:
        return types.FunctionDeclaration(name=self.tool.name, description=self.tool.description,
                                         parameters_json_schema=dict(self.tool.parameters))

    async def run_async(self, *, args: dict[str, Any], tool_context: ToolContext) -> Any:
        output = await self.tool.acall(**args)
        # ADK's FunctionTool wraps a non-dict result the same way: a function response is a dict.
        return output if isinstance(output, dict) else {"result": output if isinstance(output, str)
                                                         else json.dumps(output, default=str)}


def adk_tool(tool: Tool) -> BaseTool:
    """``tool`` as an ADK tool: each execution awaits ``tool.acall(**args)``, so it is recorded.

    The tool runs on ADK's event loop (an async ``run_async``), never on ADK's tool thread pool,
    so concurrency and the frozen clock stay observable. The declaration is the tool's own JSON
    schema (``parameters_json_schema``), not one inferred from a Python signature.
    """
    return _RecordedTool(tool)


def adk_tools(tools: Sequence[Tool]) -> list[BaseTool]:
    """Every tool of ``tools`` wrapped with :func:`adk_tool`."""
    return [adk_tool(t) for t in tools]
