"""AutoGen AgentChat: the scripted-model dialect drives a real ``AssistantAgent`` (alone and in a
single-agent ``RoundRobinGroupChat``), and the adapter maps the team's ``max_turns`` and termination
conditions, and their stop reasons, onto the canonical limits."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("autogen_agentchat")

from autogen_agentchat.agents import AssistantAgent  # noqa: E402
from autogen_agentchat.conditions import TextMessageTermination, TokenUsageTermination  # noqa: E402
from autogen_agentchat.messages import TextMessage, ToolCallSummaryMessage  # noqa: E402
from autogen_agentchat.teams import RoundRobinGroupChat  # noqa: E402
from autogen_core.models import RequestUsage, UserMessage  # noqa: E402

from agent_limits.harness import ImplementationError, resolve, transcript_problems  # noqa: E402
from agent_limits.harness.adapters.autogen import AutogenAdapter, AutogenRun, stop_kind, to_messages  # noqa: E402
from agent_limits.mocks import Script, ScriptedModel, Tool, ToolCall, Turn, Usage, frozen_clock  # noqa: E402
from agent_limits.mocks.autogen import AutogenScriptedClient, autogen_tools  # noqa: E402

from tests.adapters._breach import USAGE, assert_partial_results, assert_received_replies, breach


def _team(script: Script, *tools: Tool, **agent_options: Any) -> tuple[RoundRobinGroupChat, ScriptedModel]:
    scripted = ScriptedModel(script)
    agent = AssistantAgent("assistant", model_client=AutogenScriptedClient(scripted),
                           tools=list(autogen_tools(tools or [Tool()])), **agent_options)
    return RoundRobinGroupChat([agent], termination_condition=TextMessageTermination("assistant")), scripted


def _reported(messages: Any) -> Usage:
    """The usage AutoGen reports: every message's ``models_usage``, summed."""
    total = Usage()
    for m in messages:
        if m.models_usage is not None:
            total = total + Usage(m.models_usage.prompt_tokens, m.models_usage.completion_tokens)
    return total


# -- the dialect ----------------------------------------------------------------------------------
def test_single_tool_calls_reach_the_final_answer_with_scripted_usage():
    script = Script([Turn.tools(usage=Usage(11, 2)), Turn.tools(usage=Usage(13, 3)), Turn.answer("found", Usage(17, 5))])
    lookup = Tool()
    team, scripted = _team(script, lookup)
    result = asyncio.run(team.run(task="Find it."))
    assert result.stop_reason == "Text message received from 'assistant'"
    assert isinstance(result.messages[-1], TextMessage) and result.messages[-1].content == "found"
    assert len(scripted.calls) == 3
    assert [e.arguments for e in lookup.executions] == [{"query": "q0.0"}, {"query": "q1.0"}]
    assert _reported(result.messages) == scripted.usage == Usage(41, 10)


def test_the_scripted_usage_reaches_autogens_token_accounting():
    """TokenUsageTermination sums the usage the dialect reports: 3 replies of 15 tokens spend a budget of 45."""
    scripted = ScriptedModel(Script.endless_tools(usage=Usage(10, 5)))
    client = AutogenScriptedClient(scripted)
    agent = AssistantAgent("assistant", model_client=client, tools=autogen_tools([Tool()]))
    team = RoundRobinGroupChat([agent], termination_condition=TokenUsageTermination(max_total_token=45))
    result = asyncio.run(team.run(task="Go."))
    assert result.stop_reason is not None and result.stop_reason.startswith("Token usage limit reached, total token count: 45")
    assert len(scripted.calls) == 3
    assert client.total_usage() == RequestUsage(prompt_tokens=30, completion_tokens=15)


def test_parallel_tool_calls_are_all_executed_and_answered():
    script = Script([Turn.tools("lookup", "search", usage=Usage(7, 3)), Turn.answer("both", Usage(7, 3))])
    lookup, search = Tool("lookup"), Tool("search")
    team, scripted = _team(script, lookup, search)
    result = asyncio.run(team.run(task="Find both."))
    assert len(lookup.executions) == len(search.executions) == 1
    messages = to_messages(result.messages)
    assert [m.tool_call_id for m in messages if m.role == "tool"] == ["call-0-0", "call-0-1"]
    assert transcript_problems(messages, scripted.calls) == []
    assert _reported(result.messages) == Usage(14, 6)


def test_a_lone_agent_run_with_text_beside_a_call_and_the_arguments_as_sent():
    """``agent.run`` without a team: text beside a call is AutoGen's ``thought``; one tool iteration
    (the default) ends the run with a tool-call summary, not an answer."""
    call = ToolCall("lookup", {"query": "weather"}, id="tc-1")
    scripted = ScriptedModel(Script([Turn(text="checking", tool_calls=(call,), usage=Usage(5, 1))]))
    lookup = Tool()
    agent = AssistantAgent("assistant", model_client=AutogenScriptedClient(scripted), tools=autogen_tools([lookup]))
    result = asyncio.run(agent.run(task="Weather?"))
    assert lookup.executions[0].arguments == {"query": "weather"}
    assert isinstance(result.messages[-1], ToolCallSummaryMessage)
    assert [(m.role, m.text, m.tool_calls) for m in to_messages(result.messages)][:2] == [
        ("user", "Weather?", ()), ("assistant", "checking", ("tc-1",))]
    assert _reported(result.messages) == Usage(5, 1)


def test_max_tool_iterations_counts_model_calls_in_one_agent_reply():
    scripted = ScriptedModel(Script.endless_tools(usage=Usage(10, 5)))
    agent = AssistantAgent("assistant", model_client=AutogenScriptedClient(scripted), tools=autogen_tools([Tool()]),
                           max_tool_iterations=3)
    result = asyncio.run(agent.run(task="Go."))
    assert len(scripted.calls) == 3 and isinstance(result.messages[-1], ToolCallSummaryMessage)
    assert result.stop_reason is None  # a lone agent's run says nothing about why it stopped


def test_the_streaming_path_makes_one_request_per_reply():
    team, scripted = _team(Script([Turn.tools(usage=Usage(3, 1)), Turn.answer("streamed", Usage(4, 2))]),
                           model_client_stream=True)
    result = asyncio.run(team.run(task="Go."))
    assert len(scripted.calls) == 2 and result.messages[-1].to_text() == "streamed"
    assert _reported(result.messages) == Usage(7, 3)


def test_an_injected_model_error_propagates_after_the_call_is_logged():
    team, scripted = _team(Script([Turn.tools(), Turn(raises=RuntimeError("provider down"))]))
    with pytest.raises(RuntimeError, match="provider down"):
        asyncio.run(team.run(task="Go."))
    assert len(scripted.calls) == 2


def test_the_token_counter_sizes_autogens_token_limited_context():
    words = AutogenScriptedClient(ScriptedModel(Script.answer()), token_counter=lambda text: text.count("tok"))
    assert words.count_tokens([UserMessage(content="tok tok x", source="user")]) == 2


# -- the adapter ----------------------------------------------------------------------------------
def test_resolve_picks_the_autogen_adapter():
    impl = resolve("autogen_agentchat.agents:AssistantAgent")
    assert isinstance(impl.adapter, AutogenAdapter) and impl.adapter.agent_cls is AssistantAgent
    assert impl.adapter.capabilities == {"max_turns", "max_token_budget", "max_output_tokens", "timeout_seconds",
                                         "max_context_tokens"}
    assert impl.adapter.supports_async and not impl.adapter.supports_sync


def test_an_autogen_object_that_is_not_an_assistant_agent_class_is_refused_clearly():
    with pytest.raises(ImplementationError, match="not an agent class"):
        resolve("autogen_agentchat.teams:RoundRobinGroupChat")


@pytest.mark.parametrize("kind, value, signal", [
    ("max_turns", 3, "Maximum number of turns 3 reached."),
    ("max_token_budget", 45, "Token usage limit reached, total token count: 45, prompt token count: 30, "
                             "completion token count: 15."),
    ("max_output_tokens", 15, "Token usage limit reached, total token count: 45, prompt token count: 30, "
                              "completion token count: 15."),
])
def test_a_breach_is_translated_to_its_canonical_stop_kind(kind, value, signal):
    outcome, scripted = breach(AutogenAdapter(), {kind: value}, "async")
    assert (outcome.stop, outcome.signal) == (kind, signal)
    assert len(scripted.calls) == 3
    assert_partial_results(outcome, scripted)


def test_a_timeout_is_reported_as_timeout_seconds():
    with frozen_clock() as clock:
        adapter = AutogenAdapter()
        scripted = ScriptedModel(Script(then=Turn.tools(usage=USAGE, latency=1000.0), cap=20), clock=clock)
        built = adapter.build(scripted, [Tool(clock=clock)], {"timeout_seconds": 2500.0})
        loop = clock.new_event_loop()
        try:
            outcome = loop.run_until_complete(adapter.arun(built, "Go."))
        finally:
            loop.close()
    assert (outcome.stop, outcome.signal) == ("timeout_seconds", "Timeout of 2500.0 seconds reached")
    # checked only once the agent's turn is over: the third reply (+2000 s .. +3000 s) still ran its tool
    assert [c.started_at - scripted.calls[0].started_at for c in scripted.calls] == [0.0, 1000.0, 2000.0]
    assert outcome.usage == Usage(30, 15)


def test_stop_reasons_joined_by_autogen_are_read_by_what_fired():
    run = AutogenRun(team=None, agent=None, max_token_budget=100, max_output_tokens=10)  # type: ignore[arg-type]
    tokens = "Token usage limit reached, total token count: 60, prompt token count: 48, completion token count: 12"
    assert stop_kind(tokens, run) == "max_output_tokens"
    assert stop_kind(f"Text message received from 'assistant', {tokens}", run) == "completed"
    assert stop_kind(f"{tokens}, Timeout of 5 seconds reached", run) == "max_output_tokens"
    assert stop_kind("The group chat has already terminated.", run).startswith("unrecognised stop_reason")


def test_an_error_is_an_outcome_with_the_partial_results():
    adapter = AutogenAdapter()
    scripted = ScriptedModel(Script([Turn.tools(usage=USAGE), Turn(raises=RuntimeError("provider down"))]))
    outcome = asyncio.run(adapter.arun(adapter.build(scripted, [Tool()], {}), "Go."))
    assert outcome.stop == "error" and "provider down" in str(outcome.error)
    assert outcome.usage == Usage(10, 5)
    assert [m.role for m in outcome.messages] == ["user", "assistant", "tool"]


def test_invalid_values_reach_autogen_which_rejects_some_before_any_call():
    adapter = AutogenAdapter()
    scripted = ScriptedModel(Script.endless_tools())
    outcome = asyncio.run(adapter.arun(adapter.build(scripted, [Tool()], {"max_turns": 0}), "Go."))
    assert outcome.stop == "error" and isinstance(outcome.error, ValueError)
    assert scripted.calls == [] and outcome.usage is None


def test_a_limit_autogen_lacks_is_refused_not_emulated():
    with pytest.raises(ValueError, match="max_tool_calls"):
        AutogenAdapter().build(ScriptedModel(Script.answer()), [Tool()], {"max_tool_calls": 2})


def test_the_conversation_continues_and_each_invocation_reports_its_own_usage():
    adapter = AutogenAdapter()
    scripted = ScriptedModel(Script([Turn.tools(usage=USAGE), Turn.answer("one", USAGE), Turn.answer("two", Usage(3, 1))]),
                             record_messages=True)
    built = adapter.build(scripted, [Tool()], {"max_turns": 5})

    async def twice() -> tuple[Any, Any]:
        return await adapter.arun(built, "first"), await adapter.arun(built, "second")

    first, second = asyncio.run(twice())
    assert (first.stop, first.text, first.usage) == ("completed", "one", Usage(20, 10))
    assert (second.stop, second.text, second.usage) == ("completed", "two", Usage(3, 1))
    last = scripted.calls[-1].messages
    assert last is not None
    assert [m.text for m in adapter.received(last) if m.role == "user"] == ["first", "second"]
    reread = adapter.reread(first)
    assert reread is not None and (reread.text, reread.usage) == ("one", Usage(20, 10))


def test_received_reads_what_the_dialect_hands_the_model():
    assert_received_replies(AutogenAdapter(), "async")
