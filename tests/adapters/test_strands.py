"""Strands Agents: the scripted-model dialect drives a real ``strands.Agent``, and the adapter
maps Strands' ``limits=`` caps and stop reasons onto the canonical ones."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("strands")

from strands import Agent  # noqa: E402

from agent_limits.harness import ImplementationError, resolve, transcript_problems  # noqa: E402
from agent_limits.harness.adapters.strands import StrandsAdapter, to_messages  # noqa: E402
from agent_limits.mocks import Script, ScriptedModel, Tool, ToolCall, Turn, Usage  # noqa: E402
from agent_limits.mocks.strands import StrandsScriptedModel, strands_tools  # noqa: E402

from tests.adapters._breach import assert_partial_results, assert_received_replies, breach, provider_error


def _agent(script: Script, *tools: Tool) -> tuple[Agent, ScriptedModel]:
    scripted = ScriptedModel(script)
    agent = Agent(model=StrandsScriptedModel(scripted), tools=strands_tools(tools or [Tool()]), callback_handler=None)
    return agent, scripted


def _strands_usage(usage: Usage) -> dict[str, int]:
    return {"inputTokens": usage.input_tokens, "outputTokens": usage.output_tokens, "totalTokens": usage.total}


# -- the dialect ----------------------------------------------------------------------------------
def test_single_tool_calls_reach_the_final_answer_with_scripted_usage():
    script = Script([Turn.tools(usage=Usage(11, 2)), Turn.tools(usage=Usage(13, 3)), Turn.answer("found", Usage(17, 5))])
    lookup = Tool()
    agent, scripted = _agent(script, lookup)
    result = agent("Find it.")
    assert result.stop_reason == "end_turn" and str(result).strip() == "found"
    assert len(scripted.calls) == 3
    assert [e.arguments for e in lookup.executions] == [{"query": "q0.0"}, {"query": "q1.0"}]
    assert result.metrics.latest_agent_invocation.usage == _strands_usage(scripted.usage)
    assert result.metrics.accumulated_usage == _strands_usage(Usage(41, 10))


def test_parallel_tool_calls_are_all_executed_and_answered():
    script = Script([Turn.tools("lookup", "search", usage=Usage(7, 3)), Turn.answer("both", Usage(7, 3))])
    lookup, search = Tool("lookup"), Tool("search")
    agent, scripted = _agent(script, lookup, search)
    result = agent("Find both.")
    assert result.stop_reason == "end_turn"
    assert len(lookup.executions) == len(search.executions) == 1
    answered = [b["toolResult"]["toolUseId"] for m in agent.messages for b in m["content"] if "toolResult" in b]
    assert answered == ["call-0-0", "call-0-1"]
    assert transcript_problems(to_messages(agent.messages[1:]), scripted.calls) == []
    assert result.metrics.latest_agent_invocation.usage == _strands_usage(Usage(14, 6))


def test_async_invocation_text_and_tool_call_arguments_come_through():
    call = ToolCall("lookup", {"query": "weather"}, id="tc-1")
    script = Script([Turn(text="checking", tool_calls=(call,), usage=Usage(5, 1)), Turn.answer("sunny", Usage(6, 2))])
    lookup = Tool()
    agent, scripted = _agent(script, lookup)
    result = asyncio.run(agent.invoke_async("Weather?"))
    assert result.stop_reason == "end_turn" and str(result).strip() == "sunny"
    assert lookup.executions[0].arguments == {"query": "weather"}
    first = agent.messages[1]["content"]
    assert first[0] == {"text": "checking"} and first[1]["toolUse"]["toolUseId"] == "tc-1"
    assert result.metrics.latest_agent_invocation.usage == _strands_usage(Usage(11, 3))


def test_cached_input_tokens_are_reported_but_not_in_the_total():
    agent, _ = _agent(Script([Turn.answer("ok", Usage(10, 2, cached_input_tokens=4))]))
    usage = agent("Hi.").metrics.latest_agent_invocation.usage
    assert usage["totalTokens"] == 12 and usage["cacheReadInputTokens"] == 4


def test_an_injected_model_error_propagates_after_the_call_is_logged():
    agent, scripted = _agent(Script([Turn.tools(), Turn(raises=RuntimeError("provider down"))]))
    with pytest.raises(Exception) as info:
        agent("Go.")
    chain, exc = [], info.value
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__
    assert any(isinstance(e, RuntimeError) and str(e) == "provider down" for e in chain)
    assert len(scripted.calls) == 2


# -- the adapter ----------------------------------------------------------------------------------
def test_resolve_picks_the_strands_adapter():
    impl = resolve("strands:Agent")
    assert isinstance(impl.adapter, StrandsAdapter) and impl.adapter.agent_cls is Agent
    assert impl.adapter.capabilities == {"max_turns", "max_token_budget", "max_output_tokens"}
    assert impl.adapter.supports_sync and impl.adapter.supports_async


def test_a_strands_object_that_is_not_an_agent_class_is_refused_clearly():
    with pytest.raises(ImplementationError, match="not an agent class"):
        resolve("strands:tool")


@pytest.mark.parametrize("kind, value, signal", [
    ("max_turns", 3, "limit_turns"),
    ("max_token_budget", 45, "limit_total_tokens"),
    ("max_output_tokens", 15, "limit_output_tokens"),
])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_breach_is_translated_to_its_canonical_stop_kind(kind, value, signal, mode):
    outcome, scripted = breach(StrandsAdapter(), {kind: value}, mode)
    assert (outcome.stop, outcome.signal) == (kind, signal)
    assert len(scripted.calls) == 3
    assert_partial_results(outcome, scripted)


def test_an_error_is_an_outcome_with_the_partial_results():
    outcome = provider_error(StrandsAdapter())
    assert outcome.stop == "error" and isinstance(outcome.error, Exception)
    assert outcome.usage == Usage(10, 5)
    assert [m.role for m in outcome.messages] == ["user", "assistant", "tool"]


def test_invalid_values_reach_strands_which_rejects_them_before_any_call():
    adapter = StrandsAdapter()
    scripted = ScriptedModel(Script.endless_tools())
    outcome = adapter.run(adapter.build(scripted, [Tool()], {"max_turns": 0}), "Go.")
    assert outcome.stop == "error" and isinstance(outcome.error, TypeError)
    assert scripted.calls == [] and outcome.usage is None


def test_a_limit_strands_lacks_is_refused_not_emulated():
    with pytest.raises(ValueError, match="max_tool_calls"):
        StrandsAdapter().build(ScriptedModel(Script.answer()), [Tool()], {"max_tool_calls": 2})


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_received_reads_what_the_dialect_hands_the_model(mode):
    assert_received_replies(StrandsAdapter(), mode)
