"""OpenAI Agents SDK: the scripted-model dialect drives a real ``agents.Agent``, and the adapter
maps the SDK's ``max_turns`` / ``max_function_tool_concurrency`` knobs and ``MaxTurnsExceeded``
onto the canonical limits and stops."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("agents")

from agents import Agent, MaxTurnsExceeded, RunConfig, Runner  # noqa: E402

from agent_limits.harness import ImplementationError, resolve, transcript_problems  # noqa: E402
from agent_limits.harness.adapters.openai_agents import OpenAIAgentsAdapter, transcript  # noqa: E402
from agent_limits.mocks import Concurrency, Script, ScriptedModel, Tool, ToolCall, Turn, Usage  # noqa: E402
from agent_limits.mocks.openai_agents import AgentsScriptedModel, agents_tools  # noqa: E402

from tests.adapters._breach import assert_partial_results, assert_received_replies, breach, provider_error

OFFLINE = RunConfig(tracing_disabled=True)


def _agent(script: Script, *tools: Tool) -> tuple[Agent, ScriptedModel]:
    scripted = ScriptedModel(script)
    return Agent(name="t", model=AgentsScriptedModel(scripted), tools=agents_tools(tools or [Tool()])), scripted


def _tokens(usage: object) -> tuple[int, int, int, int]:
    return usage.requests, usage.input_tokens, usage.output_tokens, usage.total_tokens  # type: ignore[attr-defined]


# -- the dialect ----------------------------------------------------------------------------------
def test_single_tool_calls_reach_the_final_answer_with_scripted_usage():
    script = Script([Turn.tools(usage=Usage(11, 2)), Turn.tools(usage=Usage(13, 3)), Turn.answer("found", Usage(17, 5))])
    lookup = Tool()
    agent, scripted = _agent(script, lookup)
    result = Runner.run_sync(agent, "Find it.", run_config=OFFLINE)
    assert result.final_output == "found" and len(scripted.calls) == 3
    assert [e.arguments for e in lookup.executions] == [{"query": "q0.0"}, {"query": "q1.0"}]
    assert _tokens(result.context_wrapper.usage) == (3, 41, 10, 51)
    assert [_tokens(r.usage) for r in result.raw_responses] == [(1, 11, 2, 13), (1, 13, 3, 16), (1, 17, 5, 22)]


def test_parallel_tool_calls_are_all_executed_and_answered():
    script = Script([Turn.tools("lookup", "search", usage=Usage(7, 3)), Turn.answer("both", Usage(7, 3))])
    lookup, search = Tool("lookup"), Tool("search")
    agent, scripted = _agent(script, lookup, search)
    result = Runner.run_sync(agent, "Find both.", run_config=OFFLINE)
    assert result.final_output == "both"
    assert len(lookup.executions) == len(search.executions) == 1
    messages = transcript(result.input, result.raw_responses, result.new_items)
    assert [(m.role, m.tool_calls, m.tool_call_id) for m in messages] == [
        ("user", (), None), ("assistant", ("call-0-0", "call-0-1"), None),
        ("tool", (), "call-0-0"), ("tool", (), "call-0-1"), ("assistant", (), None)]
    assert transcript_problems(messages, scripted.calls) == []
    assert _tokens(result.context_wrapper.usage) == (2, 14, 6, 20)


def test_async_run_carries_text_beside_tool_calls_and_the_scripted_arguments():
    call = ToolCall("lookup", {"query": "weather"}, id="tc-1")
    script = Script([Turn(text="checking", tool_calls=(call,), usage=Usage(5, 1)), Turn.answer("sunny", Usage(6, 2))])
    lookup = Tool()
    agent, _ = _agent(script, lookup)
    result = asyncio.run(Runner.run(agent, "Weather?", run_config=OFFLINE))
    assert result.final_output == "sunny"
    assert lookup.executions[0].arguments == {"query": "weather"}
    first = result.raw_responses[0].output
    assert first[0].content[0].text == "checking" and first[1].call_id == "tc-1"
    assert _tokens(result.context_wrapper.usage) == (2, 11, 3, 14)


def test_the_streaming_path_is_one_scripted_call_per_request_with_usage():
    agent, scripted = _agent(Script([Turn.tools(usage=Usage(3, 4)), Turn.answer("streamed", Usage(5, 6))]))

    async def stream() -> object:
        result = Runner.run_streamed(agent, "Go.", run_config=OFFLINE)
        async for _ in result.stream_events():
            pass
        return result

    result = asyncio.run(stream())
    assert result.final_output == "streamed" and len(scripted.calls) == 2
    assert _tokens(result.context_wrapper.usage) == (2, 8, 10, 18)


def test_cached_input_tokens_are_reported_as_a_detail_not_in_the_total():
    agent, _ = _agent(Script([Turn.answer("ok", Usage(10, 2, cached_input_tokens=4))]))
    usage = Runner.run_sync(agent, "Hi.", run_config=OFFLINE).context_wrapper.usage
    assert usage.total_tokens == 12 and usage.input_tokens_details.cached_tokens == 4


def test_an_injected_model_error_propagates_after_the_call_is_logged():
    agent, scripted = _agent(Script([Turn.tools(), Turn(raises=RuntimeError("provider down"))]))
    with pytest.raises(RuntimeError, match="provider down"):
        Runner.run_sync(agent, "Go.", run_config=OFFLINE)
    assert len(scripted.calls) == 2 and not scripted.calls[1].completed


# -- the adapter ----------------------------------------------------------------------------------
def test_resolve_picks_the_openai_agents_adapter():
    impl = resolve("agents:Agent")
    assert isinstance(impl.adapter, OpenAIAgentsAdapter) and impl.adapter.template is Agent
    assert impl.adapter.capabilities == {"max_turns", "max_parallel_tools"}
    assert impl.adapter.supports_sync and impl.adapter.supports_async


def test_an_sdk_object_that_is_not_an_agent_is_refused_clearly():
    with pytest.raises(ImplementationError, match="not an agent"):
        resolve("agents:Runner")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_max_turns_exceeded_is_translated_with_the_partial_results(mode):
    outcome, scripted = breach(OpenAIAgentsAdapter(), {"max_turns": 3}, mode)
    assert outcome.stop == "max_turns" and isinstance(outcome.signal, MaxTurnsExceeded)
    assert len(scripted.calls) == 3
    assert_partial_results(outcome, scripted)


def test_a_second_invocation_continues_the_conversation_from_the_breach():
    adapter = OpenAIAgentsAdapter()
    scripted = ScriptedModel(Script([Turn.tools(), Turn.answer("second")]))
    built = adapter.build(scripted, [Tool()], {"max_turns": 1})
    assert adapter.run(built, "one").stop == "max_turns"
    outcome = adapter.run(built, "two")
    assert (outcome.stop, outcome.text, outcome.usage) == ("completed", "second", Usage(10, 5))
    # user, assistant call, tool result, then the new user message
    assert scripted.calls[1].n_messages == 4
    assert [m.role for m in outcome.messages] == ["user", "assistant"] and outcome.messages[0].text == "two"


def test_an_error_is_an_outcome_with_the_partial_results():
    outcome = provider_error(OpenAIAgentsAdapter())
    assert outcome.stop == "error" and isinstance(outcome.error, RuntimeError)


def test_max_parallel_tools_caps_concurrent_executions():
    adapter = OpenAIAgentsAdapter()
    gauge = Concurrency(hold_until=3, hold_seconds=0.05)
    tools = [Tool(concurrency=gauge)]
    scripted = ScriptedModel(Script([Turn.tools(*["lookup"] * 5), Turn.answer("done")]))
    outcome = adapter.run(adapter.build(scripted, tools, {"max_parallel_tools": 2}), "Go.")
    assert outcome.stop == "completed" and len(tools[0].executions) == 5
    assert gauge.peak == 2


def test_invalid_values_are_passed_through_to_the_sdk():
    adapter = OpenAIAgentsAdapter()
    with pytest.raises(ValueError, match="max_function_tool_concurrency"):
        adapter.build(ScriptedModel(Script.answer()), [Tool()], {"max_parallel_tools": 0})
    # Runner.run does not validate max_turns: 0 is a breach before the first call, not a ValueError.
    scripted = ScriptedModel(Script.endless_tools())
    outcome = adapter.run(adapter.build(scripted, [Tool()], {"max_turns": 0}), "Go.")
    assert outcome.stop == "max_turns" and scripted.calls == []


def test_a_limit_the_sdk_lacks_is_refused_not_emulated():
    with pytest.raises(ValueError, match="max_tool_calls"):
        OpenAIAgentsAdapter().build(ScriptedModel(Script.answer()), [Tool()], {"max_tool_calls": 2})


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_received_reads_what_the_dialect_hands_the_model(mode):
    assert_received_replies(OpenAIAgentsAdapter(), mode)
