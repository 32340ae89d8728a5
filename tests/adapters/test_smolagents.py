"""smolagents: the scripted-model dialect drives a real ``smolagents.ToolCallingAgent``, and the
adapter maps ``max_steps`` / ``max_tool_threads`` and ``RunResult.state`` onto the canonical ones."""

from __future__ import annotations

import os

import pytest

# huggingface_hub (a smolagents dependency) reads HF_HUB_OFFLINE when smolagents imports it; without
# it, a later plain freezegun freeze_time in this process (its module scan; our frozen clocks spare
# lazy modules) loads huggingface_hub.cli, which fetches from huggingface.co (docs/findings/smolagents.md).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytest.importorskip("smolagents")

from smolagents import CodeAgent, ToolCallingAgent  # noqa: E402
from smolagents.monitoring import LogLevel  # noqa: E402

from agent_limits.harness import ImplementationError, resolve, transcript_problems  # noqa: E402
from agent_limits.harness.adapters.smolagents import SmolagentsAdapter, to_messages  # noqa: E402
from agent_limits.mocks import Concurrency, ModelThrottled, Script, ScriptedModel, Tool, ToolCall, Turn, Usage  # noqa: E402
from agent_limits.mocks.smolagents import SmolScriptedModel, smolagents_tools  # noqa: E402

from tests.adapters._breach import USAGE, assert_received_replies, breach, provider_error


def _agent(script: Script, *tools: Tool, **options: object) -> tuple[ToolCallingAgent, ScriptedModel]:
    scripted = ScriptedModel(script)
    agent = ToolCallingAgent(tools=smolagents_tools(tools or [Tool()]), model=SmolScriptedModel(scripted),
                             verbosity_level=LogLevel.OFF, **options)
    return agent, scripted


def _usage(token_usage: object) -> Usage:
    return Usage(token_usage.input_tokens, token_usage.output_tokens)  # type: ignore[attr-defined]


# -- the dialect ----------------------------------------------------------------------------------
def test_single_tool_calls_reach_the_final_answer_with_scripted_usage():
    script = Script([Turn.tools(usage=Usage(11, 2)), Turn.tools(usage=Usage(13, 3)), Turn.answer("found", Usage(17, 5))])
    lookup = Tool()
    agent, scripted = _agent(script, lookup)
    result = agent.run("Find it.", return_full_result=True)
    assert result.state == "success" and result.output == "found"
    assert len(scripted.calls) == 3
    assert [e.arguments for e in lookup.executions] == [{"query": "q0.0"}, {"query": "q1.0"}]
    assert _usage(result.token_usage) == scripted.usage == Usage(41, 10)
    assert _usage(agent.monitor.get_total_token_counts()) == Usage(41, 10)  # smolagents' own accounting


def test_parallel_tool_calls_are_all_executed_on_threads_and_answered():
    script = Script([Turn.tools("lookup", "search", usage=Usage(7, 3)), Turn.answer("both", Usage(7, 3))])
    gauge = Concurrency(hold_until=2)
    lookup, search = Tool("lookup", concurrency=gauge), Tool("search", concurrency=gauge)
    agent, scripted = _agent(script, lookup, search)
    result = agent.run("Find both.", return_full_result=True)
    assert result.output == "both"
    assert len(lookup.executions) == len(search.executions) == 1 and gauge.peak == 2
    first = agent.memory.steps[1]
    assert [c.id for c in first.model_output_message.tool_calls] == ["call-0-0", "call-0-1"]
    messages = to_messages(agent.memory.steps)
    assert transcript_problems(messages, scripted.calls) == []
    assert _usage(result.token_usage) == Usage(14, 6)


def test_max_tool_threads_bounds_the_executions_in_flight():
    gauge = Concurrency(hold_until=3, hold_seconds=0.05)
    tools = [Tool(name, concurrency=gauge) for name in ("a", "b", "c")]
    agent, _ = _agent(Script([Turn.tools("a", "b", "c"), Turn.answer("ok")]), *tools, max_tool_threads=1)
    agent.run("Go.")
    assert sum(len(t.executions) for t in tools) == 3 and gauge.peak == 1


def test_text_and_tool_call_arguments_come_through():
    call = ToolCall("lookup", {"query": "weather"}, id="tc-1")
    script = Script([Turn(text="checking", tool_calls=(call,), usage=Usage(5, 1)), Turn.answer("sunny", Usage(6, 2))])
    lookup = Tool()
    agent, _ = _agent(script, lookup)
    assert agent.run("Weather?") == "sunny"
    assert lookup.executions[0].arguments == {"query": "weather"}
    step = agent.memory.steps[1]
    assert step.model_output == "checking" and step.model_output_message.tool_calls[0].id == "tc-1"


def test_the_streaming_path_reports_the_same_reply_and_usage():
    lookup = Tool()
    agent, scripted = _agent(Script([Turn.tools(text="looking", usage=Usage(5, 1)), Turn.answer("ok", Usage(6, 2))]),
                             lookup, stream_outputs=True)
    result = agent.run("Go.", return_full_result=True)
    assert result.output == "ok" and len(lookup.executions) == 1 and len(scripted.calls) == 2
    assert _usage(result.token_usage) == Usage(11, 3)


def test_an_injected_model_error_propagates_after_the_call_is_logged():
    agent, scripted = _agent(Script([Turn.tools(), Turn(raises=RuntimeError("provider down"))]))
    with pytest.raises(Exception) as info:
        agent.run("Go.")
    assert isinstance(info.value.__cause__, RuntimeError) and str(info.value.__cause__) == "provider down"
    assert len(scripted.calls) == 2


def test_a_throttled_request_is_not_retried_by_the_agent():
    """smolagents has no throttling error; its agents never retry (its API models do, by message)."""
    agent, scripted = _agent(Script([Turn.throttled(), Turn.answer()]))
    with pytest.raises(Exception) as info:
        agent.run("Go.")
    assert isinstance(info.value.__cause__, ModelThrottled) and len(scripted.calls) == 1


def test_max_steps_is_followed_by_one_more_request_without_tools():
    """The divergence behind TURNS-1: after max_steps=N steps, request N+1 asks for a final answer."""
    lookup = Tool()
    agent, scripted = _agent(Script([Turn.tools()] * 2 + [Turn.answer("summary")]), lookup, max_steps=2)
    result = agent.run("Go.", return_full_result=True)
    assert (result.state, result.output) == ("max_steps_error", "summary")
    assert len(scripted.calls) == 3 and len(lookup.executions) == 2
    assert scripted.calls[2].n_tools == 0  # the extra request offers no tools


# -- the adapter ----------------------------------------------------------------------------------
def test_resolve_picks_the_smolagents_adapter():
    impl = resolve("smolagents:ToolCallingAgent")
    assert isinstance(impl.adapter, SmolagentsAdapter) and impl.adapter.agent_cls is ToolCallingAgent
    assert impl.adapter.capabilities == {"max_turns", "max_parallel_tools"}
    assert impl.adapter.supports_sync and not impl.adapter.supports_async


def test_a_smolagents_object_that_is_not_a_tool_calling_agent_class_is_refused_clearly():
    with pytest.raises(ImplementationError, match="not an agent class this adapter drives"):
        resolve("smolagents:tool")
    with pytest.raises(ImplementationError, match="ToolCallingAgent"):
        resolve("smolagents:CodeAgent")
    assert CodeAgent is not None


def test_a_breach_is_translated_to_max_turns_with_the_extra_request_in_the_partial_results():
    outcome, scripted = breach(SmolagentsAdapter(), {"max_turns": 3}, "sync")
    assert (outcome.stop, outcome.signal) == ("max_turns", "max_steps_error")
    assert len(scripted.calls) == 4  # 3 steps, then smolagents' final-answer request
    assert outcome.usage == Usage(4 * USAGE.input_tokens, 4 * USAGE.output_tokens) and outcome.text == "looking"
    last = outcome.messages[-1]
    assert (last.role, last.text, last.tool_calls) == ("assistant", None, ())
    # smolagents keeps no tool call of the extra reply (it reads its content only): the transcript says so
    assert transcript_problems(outcome.messages, scripted.calls) == [
        "tool calls in the transcript ['call-0-0', 'call-1-0', 'call-2-0'] differ from those the model returned "
        "['call-0-0', 'call-1-0', 'call-2-0', 'call-3-0']"]


def test_a_breach_whose_extra_request_gets_a_final_answer_has_whole_partial_results():
    adapter = SmolagentsAdapter()
    scripted = ScriptedModel(Script([Turn.tools(text="looking", usage=USAGE)] + [Turn.tools(usage=USAGE)] * 2
                                    + [Turn.answer("summary", USAGE)]))
    outcome = adapter.run(adapter.build(scripted, [Tool()], {"max_turns": 3}), "Go.")
    assert (outcome.stop, outcome.text, outcome.usage) == ("max_turns", "summary", Usage(40, 20))
    assert transcript_problems(outcome.messages, scripted.calls) == []


def test_a_breach_reads_as_a_completion_with_the_default_options():
    adapter = SmolagentsAdapter()
    scripted = ScriptedModel(Script([Turn.tools(), Turn.tools(), Turn.answer("done")]))
    outcome = adapter.run_default(adapter.build(scripted, [Tool()], {"max_turns": 2}), "Go.")
    assert (outcome.stop, outcome.text) == ("completed", "done")


def test_a_completion_keeps_the_final_answer_as_text_not_as_a_tool_call():
    adapter = SmolagentsAdapter()
    scripted = ScriptedModel(Script([Turn.tools(text="looking"), Turn.answer("found", Usage(3, 4))]))
    outcome = adapter.run(adapter.build(scripted, [Tool()], {"max_turns": 2}), "Go.")
    assert (outcome.stop, outcome.text, outcome.usage) == ("completed", "found", Usage(13, 9))
    assert [(m.role, m.text, m.tool_calls) for m in outcome.messages if m.role == "assistant"] == [
        ("assistant", "looking", ("call-0-0",)), ("assistant", "found", ())]
    assert transcript_problems(outcome.messages, scripted.calls) == []


def test_an_unknown_tool_is_answered_with_an_error_and_the_run_goes_on():
    adapter = SmolagentsAdapter()
    scripted = ScriptedModel(Script([Turn.tools("nope"), Turn.answer("ok")]))
    outcome = adapter.run(adapter.build(scripted, [Tool()], {}), "Go.")
    assert outcome.stop == "completed" and len(scripted.calls) == 2
    assert "Unknown tool nope" in (outcome.messages[2].text or "")
    assert transcript_problems(outcome.messages, scripted.calls) == []


def test_an_error_is_an_outcome_with_the_partial_results():
    outcome = provider_error(SmolagentsAdapter())
    assert outcome.stop == "error" and isinstance(outcome.error, Exception)
    assert outcome.usage == USAGE
    assert [m.role for m in outcome.messages] == ["user", "assistant", "tool"]


@pytest.mark.parametrize("value, calls", [(0, 1), (True, 2), (2.0, 3)])
def test_invalid_values_reach_smolagents_unchecked(value, calls):
    """VALID-2's finding: max_steps is not validated; 0 goes straight to the final-answer request
    (then fails on an unbound local), True and 2.0 run as 1 and 2 steps."""
    adapter = SmolagentsAdapter()
    scripted = ScriptedModel(Script.endless_tools(cap=5))
    outcome = adapter.run(adapter.build(scripted, [Tool()], {"max_turns": value}), "Go.")
    assert len(scripted.calls) == calls
    assert outcome.stop == ("error" if value == 0 else "max_turns")


def test_a_limit_smolagents_lacks_is_refused_not_emulated():
    with pytest.raises(ValueError, match="max_tool_calls"):
        SmolagentsAdapter().build(ScriptedModel(Script.answer()), [Tool()], {"max_tool_calls": 2})


def test_received_reads_what_the_dialect_hands_the_model():
    received = assert_received_replies(SmolagentsAdapter())
    assert received[0].role == "system"
