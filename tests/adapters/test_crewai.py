"""CrewAI: the scripted-LLM dialect drives a real ``crewai.Agent`` in a ``Crew``, and the adapter
maps ``max_iter`` / ``max_execution_time`` and CrewAI's results onto the canonical terms."""

from __future__ import annotations

import asyncio
import time

import pytest

from agent_limits.mocks._offline import keep_offline

keep_offline("crewai")  # before CrewAI's first import: it decides on telemetry then
pytest.importorskip("crewai")

import openai  # noqa: E402
from crewai import Agent, Crew, Task  # noqa: E402

from agent_limits.harness import ImplementationError, resolve  # noqa: E402
from agent_limits.harness.adapters.crewai import CrewAIAdapter, said, to_messages  # noqa: E402
from agent_limits.mocks import Inexpressible, Script, ScriptedModel, Tool, ToolCall, Turn, Usage  # noqa: E402
from agent_limits.mocks.crewai import CrewScriptedLLM, crewai_tools, react_text  # noqa: E402

from tests.adapters._breach import USAGE, breach  # noqa: E402


def _crew(script: Script, *tools: Tool, **agent_options: object) -> tuple[Crew, ScriptedModel]:
    scripted = ScriptedModel(script, record_messages=True)
    agent = Agent(role="r", goal="g", backstory="b", llm=CrewScriptedLLM(scripted),
                  tools=crewai_tools(tools or [Tool()]), **agent_options)
    crew = Crew(agents=[agent], tasks=[Task(description="Find it.", expected_output="it", agent=agent)],
                tracing=False)
    return crew, scripted


# -- the dialect ----------------------------------------------------------------------------------
def test_tool_calls_reach_the_final_answer_with_scripted_usage_in_crewais_accounting():
    script = Script([Turn.tools(usage=Usage(11, 2)), Turn.tools(usage=Usage(13, 3)),
                     Turn.answer("found", Usage(17, 5, cached_input_tokens=4))])
    lookup = Tool()
    crew, scripted = _crew(script, lookup)
    result = crew.kickoff()
    assert result.raw == "found" and len(scripted.calls) == 3
    assert [e.arguments for e in lookup.executions] == [{"query": "q0.0"}, {"query": "q1.0"}]
    usage = result.token_usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (41, 10, 51)
    assert usage.cached_prompt_tokens == 4 and usage.successful_requests == 3
    assert crew.usage_metrics == usage


def test_text_and_arguments_come_through_the_react_format_on_the_async_path():
    call = ToolCall("lookup", {"query": "weather"}, id="tc-1")
    script = Script([Turn(text="checking", tool_calls=(call,), usage=Usage(5, 1)), Turn.answer("sunny", Usage(6, 2))])
    lookup = Tool()
    crew, scripted = _crew(script, lookup)
    result = asyncio.run(crew.kickoff_async())
    assert result.raw == "sunny" and lookup.executions[0].arguments == {"query": "weather"}
    assert react_text(script.turns[0]) == 'Thought: checking\nAction: lookup\nAction Input: {"query": "weather"}'
    sent = scripted.calls[1].messages
    assert sent is not None and sent[-1]["role"] == "assistant" and sent[-1]["content"].startswith("Thought: checking")
    assert said(sent[-1]["content"]) == ("checking", "lookup: query='weather'")


def test_two_tool_calls_in_one_reply_are_inexpressible_not_dropped():
    crew, scripted = _crew(Script([Turn.tools("lookup", "lookup"), Turn.answer()]), max_retry_limit=0)
    with pytest.raises(Inexpressible):
        crew.kickoff()
    assert scripted.inexpressible is not None and "one tool call per reply" in scripted.inexpressible
    with pytest.raises(Inexpressible):
        react_text(Turn.tools("lookup", "search"))


def test_an_injected_model_error_propagates_after_the_call_is_logged():
    crew, scripted = _crew(Script([Turn.tools(), Turn(raises=RuntimeError("provider down"))]), max_retry_limit=0)
    with pytest.raises(RuntimeError, match="provider down"):
        crew.kickoff()
    assert len(scripted.calls) == 2


def test_a_throttled_reply_is_openais_rate_limit_error():
    crew, scripted = _crew(Script([Turn.throttled(), Turn.answer()]), max_retry_limit=0)
    with pytest.raises(openai.RateLimitError):
        crew.kickoff()
    assert len(scripted.calls) == 1


# -- the adapter ----------------------------------------------------------------------------------
def test_resolve_picks_the_crewai_adapter():
    impl = resolve("crewai:Agent")
    assert isinstance(impl.adapter, CrewAIAdapter) and impl.adapter.agent_cls is Agent
    assert impl.adapter.capabilities == {"max_turns", "timeout_seconds"}
    assert impl.adapter.supports_sync and impl.adapter.supports_async


def test_a_crewai_object_that_is_not_an_agent_class_is_refused_clearly():
    with pytest.raises(ImplementationError, match="not an agent class"):
        resolve("crewai:Task")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_max_iter_makes_one_call_more_and_reports_a_completion(mode):
    """CrewAI's own behaviour at max_iter (docs/findings/crewai.md): N iterations, then one more
    LLM call for a forced final answer, returned as a normal result. The adapter reports what
    CrewAI reports; the usage is CrewAI's and equals ground truth for this first invocation."""
    outcome, scripted = breach(CrewAIAdapter(), {"max_turns": 3}, mode)
    assert outcome.stop == "completed" and outcome.signal is None
    assert len(scripted.calls) == 4
    assert outcome.usage == Usage(USAGE.input_tokens * 4, USAGE.output_tokens * 4)
    assert outcome.text is not None and outcome.text.startswith("Action: lookup")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_max_execution_time_is_the_timeout_breach_raised_only_after_the_run(mode):
    """``max_execution_time`` is a real-time wait (docs/findings/crewai.md): a tool that takes 1.05 s
    of real time crosses a 1 s deadline, yet the next LLM call still happens, and CrewAI's
    TimeoutError arrives after the run; the adapter maps it to ``timeout_seconds``."""
    slow = Tool(fn=lambda **_: time.sleep(1.05) or "slow result")
    adapter = CrewAIAdapter()
    scripted = ScriptedModel(Script([Turn.tools(text="looking", usage=USAGE), Turn.answer("done", USAGE)]))
    built = adapter.build(scripted, [slow], {"timeout_seconds": 1})
    outcome = adapter.run(built, "Go.") if mode == "sync" else asyncio.run(adapter.arun(built, "Go."))
    assert outcome.stop == "timeout_seconds" and isinstance(outcome.error, TimeoutError)
    assert len(scripted.calls) == 2 and len(slow.executions) == 1
    assert outcome.usage == Usage(20, 10) and outcome.text == "done"


def test_an_error_is_an_outcome_with_the_partial_results():
    adapter = CrewAIAdapter()
    scripted = ScriptedModel(Script([Turn.tools(text="looking", usage=USAGE),
                                     Turn(raises=RuntimeError("provider down"))]))
    built = adapter.build(scripted, [Tool()], {})
    built.agent.max_retry_limit = 0
    outcome = adapter.run(built, "Go.")
    assert outcome.stop == "error" and isinstance(outcome.error, RuntimeError)
    assert outcome.usage == USAGE and outcome.text == "looking"
    assert [m.role for m in outcome.messages] == ["system", "user", "assistant", "tool"]


def test_invalid_values_reach_crewai_whose_fields_judge_them():
    adapter = CrewAIAdapter()
    with pytest.raises(ValueError):
        adapter.build(ScriptedModel(Script.answer()), [Tool()], {"max_turns": 1.5})
    scripted = ScriptedModel(Script.endless_tools(cap=20))
    outcome = adapter.run(adapter.build(scripted, [Tool()], {"timeout_seconds": -1}), "Go.")
    assert outcome.stop == "error" and isinstance(outcome.error, ValueError) and scripted.calls == []


def test_a_limit_crewai_lacks_is_refused_not_emulated():
    with pytest.raises(ValueError, match="max_tool_calls"):
        CrewAIAdapter().build(ScriptedModel(Script.answer()), [Tool()], {"max_tool_calls": 2})


def test_none_leaves_crewais_defaults():
    built = CrewAIAdapter().build(ScriptedModel(Script.answer()), [Tool()],
                                  {"max_turns": None, "timeout_seconds": None})
    assert built.agent.max_iter == 25 and built.agent.max_execution_time is None


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_received_reads_what_the_dialect_hands_the_model(mode):
    adapter = CrewAIAdapter()
    scripted = ScriptedModel(Script([Turn.tools(text="looking", usage=USAGE), Turn.tools(usage=USAGE),
                                     Turn.answer("done", USAGE)]), record_messages=True)
    built = adapter.build(scripted, [Tool()], {})
    outcome = adapter.run(built, "Go.") if mode == "sync" else asyncio.run(adapter.arun(built, "Go."))
    assert outcome.stop == "completed" and outcome.text == "done" and len(scripted.calls) == 3
    last = scripted.calls[-1].messages
    assert last is not None
    received = adapter.received(last)
    assert [m.text for m in received if m.role == "assistant"] == ["looking", None]
    assert [m.text for m in received if m.role == "tool"] == ["lookup: query='q0.0'", "lookup: query='q1.0'"]
    users = [m.text for m in received if m.role == "user"]
    assert len(users) == 1 and users[0] is not None and "Current Task: Go." in users[0]
    assert to_messages(last) == received


def test_said_reads_the_react_shapes():
    assert said("Final Answer: done") == ("done", None)
    assert said('Action: lookup\nAction Input: {}\nObservation: out') == (None, "out")
    assert said("Thought: hm\nAction: lookup\nAction Input: {}") == ("hm", None)
    assert said("plain words") == ("plain words", None)
