"""The scripted model spoken in CrewAI's custom-LLM interface (``crewai.llms.base_llm.BaseLLM``).

CrewAI 1.6's agent loop (``CrewAgentExecutor``, and ``LiteAgent`` behind ``Agent.kickoff``) never
passes tool schemas to the LLM: it asks for its ReAct text format and parses the reply
(``crewai.agents.parser.parse``). :class:`CrewScriptedLLM` therefore says each
:class:`agent_limits.mocks.Turn` as that text - ``Thought: <text>`` / ``Action: <tool>`` /
``Action Input: <json>`` for a tool call, ``Final Answer: <text>`` for an answer - and reports the
scripted usage through ``BaseLLM._track_token_usage_internal``, the hook CrewAI's own native
providers call, so ``crew.usage_metrics`` / ``CrewOutput.token_usage`` are exact (they are read
from ``llm.get_token_usage_summary()``). Each ``call()`` calls ``scripted.complete(...)`` exactly
once, so the scripted model's call log stays the ground truth. :func:`crewai_tools` wraps
instrumented :class:`agent_limits.mocks.Tool` objects as CrewAI tools that record every execution.

    from agent_limits.mocks.crewai import CrewScriptedLLM, crewai_tools  # first: it keeps CrewAI offline
    from crewai import Agent, Crew, Task
    from agent_limits.mocks import Script, ScriptedModel, Tool, Usage

    scripted = ScriptedModel(Script.tool_calls(2, usage=Usage(100, 20), final="found"))
    lookup = Tool()
    agent = Agent(role="r", goal="g", backstory="b", llm=CrewScriptedLLM(scripted),
                  tools=crewai_tools([lookup]), max_iter=5)
    crew = Crew(agents=[agent], tasks=[Task(description="Find it.", expected_output="it",
                                            agent=agent)], tracing=False)
    result = crew.kickoff()
    assert result.raw == "found" and len(lookup.executions) == 2
    assert result.token_usage.total_tokens == 3 * 120 == scripted.usage.total

One reply carries one ``Action``: a scripted turn with two tool calls cannot be said, and
:class:`CrewScriptedLLM` raises :class:`agent_limits.mocks.Inexpressible` (noted on the model)
instead of silently dropping a call. Only this module (and the CrewAI adapter) imports ``crewai``;
importing this module first sets CrewAI's offline defaults (``agent_limits.mocks._offline``: no
telemetry, no traces, no first-run prompt), which CrewAI reads when it is imported.
"""

from __future__ import annotations

import json
from typing import Any, Sequence, cast

from ._offline import keep_offline

keep_offline("crewai")

from crewai.events.types.llm_events import LLMCallType  # noqa: E402
from crewai.llms.base_llm import BaseLLM  # noqa: E402
from crewai.tools import BaseTool  # noqa: E402
from pydantic import BaseModel, ConfigDict, Field, create_model  # noqa: E402

from ._errors import ModelThrottled  # noqa: E402
from ._model import ScriptedModel  # noqa: E402
from ._openai import rate_limit_error  # noqa: E402
from ._script import Inexpressible, Turn  # noqa: E402
from ._tools import Tool  # noqa: E402

__all__ = ["CrewScriptedLLM", "ScriptedCrewTool", "crewai_tool", "crewai_tools", "react_text"]

#: The endpoint a throttled reply claims (CrewAI's OpenAI provider lets ``openai.RateLimitError`` through).
_THROTTLED_URL = "https://api.openai.com/v1/chat/completions"


def react_text(turn: Turn) -> str:
    """``turn`` in CrewAI's ReAct format, the only protocol its agent loop parses.

    A tool call is ``Action:`` + ``Action Input:`` (JSON arguments), after ``Thought: <text>`` when
    the turn has text; a final answer is ``Final Answer: <text>``. No thought is invented: what the
    transcript shows as the model's text is exactly the scripted text. More than one tool call is
    :class:`agent_limits.mocks.Inexpressible` (one ``Action`` per reply).
    """
    if len(turn.tool_calls) > 1:
        ids = ", ".join(c.id for c in turn.tool_calls)
        raise Inexpressible(f"CrewAI's ReAct format carries one tool call per reply; this turn asks for "
                            f"{len(turn.tool_calls)} ({ids})")
    if turn.tool_calls:
        call = turn.tool_calls[0]
        thought = f"Thought: {turn.text}\n" if turn.text else ""
        return f"{thought}Action: {call.name}\nAction Input: {json.dumps(dict(call.arguments))}"
    return f"Final Answer: {turn.text or ''}"


class CrewScriptedLLM(BaseLLM):
    """A CrewAI custom LLM that replays a :class:`agent_limits.mocks.ScriptedModel`.

    One ``call()`` is one model request: ``scripted.complete`` once, on the calling thread (CrewAI's
    loop is synchronous; its async entry points run it on a worker thread). Usage is always
    tracked as scripted (``_track_token_usage_internal``, cached input tokens as
    ``cached_prompt_tokens``), and CrewAI's LLM call events are emitted as its providers do.
    A turn's ``raises`` propagates after the call was logged; :class:`agent_limits.mocks.ModelThrottled`
    becomes the ``openai.RateLimitError`` CrewAI's OpenAI provider lets through on a 429 (CrewAI
    has no throttling error of its own).
    """

    def __init__(self, scripted: ScriptedModel, **kwargs: Any) -> None:
        super().__init__(model=scripted.name, provider="scripted", **kwargs)
        self.scripted = scripted

    def call(
        self,
        messages: Any,
        tools: list[dict[str, BaseTool]] | None = None,
        callbacks: list[Any] | None = None,
        available_functions: dict[str, Any] | None = None,
        from_task: Any | None = None,
        from_agent: Any | None = None,
        response_model: type[BaseModel] | None = None,
    ) -> str:
        formatted = self._format_messages(messages)
        self._emit_call_started_event(formatted, tools, callbacks, available_functions, from_task, from_agent)
        try:
            turn = self.scripted.complete(formatted, list(tools or ()))
        except ModelThrottled as exc:
            self._emit_call_failed_event(str(exc), from_task, from_agent)
            raise rate_limit_error(exc, _THROTTLED_URL) from exc
        except Exception as exc:
            self._emit_call_failed_event(str(exc), from_task, from_agent)
            raise
        try:
            text = react_text(turn)
        except Inexpressible as exc:
            raise self.scripted.cannot_express(exc) from None
        usage = turn.usage
        self._track_token_usage_internal({"prompt_tokens": usage.input_tokens,
                                          "completion_tokens": usage.output_tokens,
                                          "cached_prompt_tokens": usage.cached_input_tokens})
        self._emit_call_completed_event(text, LLMCallType.LLM_CALL, from_task, from_agent, cast(Any, formatted))
        return text

    def supports_function_calling(self) -> bool:
        """No: CrewAI 1.6's agent loop speaks ReAct text to every LLM anyway."""
        return False

    def supports_stop_words(self) -> bool:
        """Yes: a scripted reply never runs past ``Observation:``, so CrewAI's stop words hold."""
        return True

    def get_context_window_size(self) -> int:
        """Large: the script, not a window, decides how long a conversation gets."""
        return 1_000_000

    def __repr__(self) -> str:
        return f"CrewScriptedLLM({self.scripted!r})"


class ScriptedCrewTool(BaseTool):
    """A CrewAI ``BaseTool`` whose every execution is ``tool(**arguments)`` on an instrumented tool.

    CrewAI runs tools synchronously on the agent's thread (``BaseTool._run``); the instrumented
    tool records the execution, its arguments and its time. Arguments CrewAI's schema
    validation filled in as ``None`` (absent optional parameters) are left out, so the recorded
    arguments are the ones the model gave.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    instrumented: Tool = Field(exclude=True)

    def _run(self, **arguments: Any) -> Any:
        output = self.instrumented(**{k: v for k, v in arguments.items() if v is not None})
        return output if isinstance(output, str) else json.dumps(output, default=str)


def _args_schema(tool: Tool) -> type[BaseModel]:
    """A pydantic model for ``tool.parameters``: one optional field per property.

    Other keys are dropped by validation, as with any CrewAI tool's schema: CrewAI adds a
    ``security_context`` (agent and task fingerprints) to every call's arguments, which is not
    the model's and must not reach the instrumented tool's log.
    """
    properties = dict(tool.parameters.get("properties") or {})
    fields: dict[str, Any] = {name: (Any, None) for name in properties}
    model: type[BaseModel] = create_model(f"{tool.name.title().replace('_', '')}Arguments", **fields)
    return model


def crewai_tool(tool: Tool) -> ScriptedCrewTool:
    """``tool`` as a CrewAI tool (see :class:`ScriptedCrewTool`)."""
    return ScriptedCrewTool(name=tool.name, description=tool.description, args_schema=_args_schema(tool),
                            instrumented=tool)


def crewai_tools(tools: Sequence[Tool]) -> list[BaseTool]:
    """Every tool of ``tools`` as a CrewAI tool."""
    return [crewai_tool(t) for t in tools]
