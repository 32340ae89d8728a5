"""Pydantic AI: the scripted-model dialect drives a real ``pydantic_ai.Agent`` with exact usage, and
the adapter maps ``UsageLimits`` / ``timeout=`` and their exceptions onto the canonical limits."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("pydantic_ai")

from pydantic_ai import Agent  # noqa: E402
from pydantic_ai.exceptions import RunTimedOut, UsageLimitExceeded  # noqa: E402
from pydantic_ai.models.function import FunctionModel  # noqa: E402
from pydantic_ai.usage import UsageLimits  # noqa: E402

import agent_limits.mocks.pydantic_ai  # noqa: E402
from agent_limits.harness import ImplementationError, Message, resolve, transcript_problems  # noqa: E402
from agent_limits.harness.adapters.pydantic_ai import PydanticAIAdapter, breach_kind, to_messages  # noqa: E402
from agent_limits.mocks import Script, ScriptedModel, Tool, ToolCall, Turn, Usage, frozen_clock  # noqa: E402
from agent_limits.mocks.pydantic_ai import ScriptedFunctionModel, pydantic_ai_tools  # noqa: E402

from tests.adapters._breach import assert_partial_results, assert_received_replies, breach, provider_error


def _agent(script: Script, *tools: Tool, **options: object) -> tuple[Agent, ScriptedModel]:
    scripted = ScriptedModel(script)
    return Agent(ScriptedFunctionModel(scripted, **options), tools=pydantic_ai_tools(tools or [Tool()])), scripted


def _tokens(usage: object) -> tuple[int, int]:
    return usage.input_tokens, usage.output_tokens  # type: ignore[attr-defined]


# -- the dialect ----------------------------------------------------------------------------------
def test_single_tool_calls_reach_the_final_answer_with_scripted_usage():
    script = Script([Turn.tools(usage=Usage(11, 2)), Turn.tools(usage=Usage(13, 3)), Turn.answer("found", Usage(17, 5))])
    lookup = Tool()
    agent, scripted = _agent(script, lookup)
    result = agent.run_sync("Find it.")
    assert result.output == "found" and len(scripted.calls) == 3
    assert [e.arguments for e in lookup.executions] == [{"query": "q0.0"}, {"query": "q1.0"}]
    assert _tokens(result.usage) == (41, 10) and result.usage.requests == 3
    responses = [m for m in result.all_messages() if m.kind == "response"]
    assert [_tokens(r.usage) for r in responses] == [(11, 2), (13, 3), (17, 5)]


def test_parallel_tool_calls_are_all_executed_and_answered():
    script = Script([Turn.tools("lookup", "search", usage=Usage(7, 3)), Turn.answer("both", Usage(7, 3))])
    lookup, search = Tool("lookup"), Tool("search")
    agent, scripted = _agent(script, lookup, search)
    result = agent.run_sync("Find both.")
    assert result.output == "both"
    assert len(lookup.executions) == len(search.executions) == 1
    messages = to_messages(result.new_messages())
    assert [(m.role, m.tool_calls, m.tool_call_id) for m in messages] == [
        ("user", (), None), ("assistant", ("call-0-0", "call-0-1"), None),
        ("tool", (), "call-0-0"), ("tool", (), "call-0-1"), ("assistant", (), None)]
    assert transcript_problems(messages, scripted.calls) == []
    assert _tokens(result.usage) == (14, 6)


def test_async_run_carries_text_beside_tool_calls_and_the_scripted_arguments():
    call = ToolCall("lookup", {"query": "weather"}, id="tc-1")
    script = Script([Turn(text="checking", tool_calls=(call,), usage=Usage(5, 1)), Turn.answer("sunny", Usage(6, 2))])
    lookup = Tool()
    agent, _ = _agent(script, lookup)
    result = asyncio.run(agent.run("Weather?"))
    assert result.output == "sunny"
    assert lookup.executions[0].arguments == {"query": "weather"}
    first = to_messages(result.new_messages())[1]
    assert (first.text, first.tool_calls) == ("checking", ("tc-1",))


def test_a_scripted_zero_usage_stays_zero_where_function_model_would_estimate():
    agent, _ = _agent(Script([Turn.answer("ok", Usage(0, 0))]))
    assert _tokens(agent.run_sync("Hi.").usage) == (0, 0)

    async def plain(messages, info):  # what a bare FunctionModel does with the same reply
        return agent_limits.mocks.pydantic_ai.to_model_response(Turn.answer("ok", Usage(0, 0)), "plain")

    assert _tokens(Agent(FunctionModel(plain)).run_sync("Hi.").usage) != (0, 0)


def test_the_streaming_path_is_one_scripted_call_per_request_with_exact_usage():
    agent, scripted = _agent(Script([Turn.tools(usage=Usage(3, 4)), Turn.answer("streamed", Usage(5, 6))]))

    async def stream() -> tuple[str, object]:
        async with agent.run_stream("Go.") as result:
            return await result.get_output(), result.usage

    output, usage = asyncio.run(stream())
    assert output == "streamed" and len(scripted.calls) == 2
    assert _tokens(usage) == (8, 10)


def test_cached_tokens_and_an_estimated_cost_are_reported():
    price = lambda model, i, o, cached: (4 * (i - cached) + cached + 8 * o) / 1024  # noqa: E731
    agent, _ = _agent(Script([Turn.answer("ok", Usage(10, 2, cached_input_tokens=4))]), cost_estimator=price)
    usage = agent.run_sync("Hi.").usage
    assert (usage.input_tokens, usage.cache_read_tokens, usage.total_tokens) == (10, 4, 12)
    assert float(usage.cost) == price("scripted-model", 10, 2, 4)


def test_the_token_counter_answers_count_tokens_and_is_never_a_model_call():
    counted: list[str] = []

    def words(text: str) -> int:
        counted.append(text)
        return len(text.split())

    quiet = Usage(0, 1)  # no reported input tokens: Pydantic AI checks those against the limit too, after a reply
    agent, scripted = _agent(Script([Turn.tools(text="let me see", usage=quiet), Turn.answer("done", quiet)]),
                             Tool(output="two words"), token_counter=words)
    limits = UsageLimits(per_request_input_tokens_limit=7, count_tokens_before_request=True)
    with pytest.raises(UsageLimitExceeded, match="per_request_input_tokens_limit of 7"):
        agent.run_sync("Find it now.", usage_limits=limits)  # 3 words, then 3 + 3 + 2 = 8 > 7
    assert len(scripted.calls) == 1 and counted == ["Find it now.", "Find it now.", "let me see", "two words"]


def test_an_injected_model_error_propagates_after_the_call_is_logged():
    agent, scripted = _agent(Script([Turn.tools(), Turn(raises=RuntimeError("provider down"))]))
    with pytest.raises(RuntimeError, match="provider down"):
        agent.run_sync("Go.")
    assert len(scripted.calls) == 2 and not scripted.calls[1].completed


# -- the adapter ----------------------------------------------------------------------------------
def test_resolve_picks_the_pydantic_ai_adapter():
    impl = resolve("pydantic_ai:Agent")
    assert isinstance(impl.adapter, PydanticAIAdapter) and impl.adapter.agent_cls is Agent
    assert impl.adapter.capabilities == {"max_turns", "max_token_budget", "max_output_tokens", "max_tool_calls",
                                         "max_cost_usd", "timeout_seconds", "max_context_tokens"}
    assert impl.adapter.supports_sync and impl.adapter.supports_async


def test_a_pydantic_ai_object_that_is_not_an_agent_class_is_refused_clearly():
    with pytest.raises(ImplementationError, match="not an agent class"):
        resolve("pydantic_ai:Tool")


@pytest.mark.parametrize("message, kind", [
    ("The next request would exceed the request_limit of 3", "max_turns"),
    ("Exceeded the total_tokens_limit of 45 (total_tokens=60)", "max_token_budget"),
    ("Exceeded the output_tokens_limit of 15 (output_tokens=20)", "max_output_tokens"),
    ("The next tool call(s) would exceed the tool_calls_limit of 3 (tool_calls=4).", "max_tool_calls"),
    ("Exceeded the `cost_limit` of 0.2 (`usage.cost`=Decimal('0.3'))", "max_cost_usd"),
    ("Exceeded the input_tokens_limit of 5 (input_tokens=9)", "error"),
    ("Exceeded the per_request_input_tokens_limit of 5 (request_input_tokens=10)", "max_context_tokens"),
])
def test_usage_limit_exceeded_is_mapped_by_the_limit_its_message_names(message, kind):
    assert breach_kind(UsageLimitExceeded(message)) == kind


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_request_limit_breach_is_max_turns_with_the_partial_results(mode):
    outcome, scripted = breach(PydanticAIAdapter(), {"max_turns": 3}, mode)
    assert outcome.stop == "max_turns" and isinstance(outcome.signal, UsageLimitExceeded)
    assert len(scripted.calls) == 3
    assert_partial_results(outcome, scripted)


def test_a_token_limit_is_checked_after_the_response_that_crosses_it():
    # Pydantic AI raises once the total is *over* the limit, after the response: 45 = 3 x 15 is
    # reached after call 3 but only exceeded after call 4, whose tool call is never run.
    adapter = PydanticAIAdapter()
    scripted = ScriptedModel(Script.endless_tools(usage=Usage(10, 5)))
    tool = Tool()
    outcome = adapter.run(adapter.build(scripted, [tool], {"max_token_budget": 45}), "Go.")
    assert (outcome.stop, len(scripted.calls), len(tool.executions)) == ("max_token_budget", 4, 3)
    assert outcome.usage == Usage(40, 20)
    assert transcript_problems(outcome.messages, scripted.calls) == ["tool call(s) without a result (dangling): ['call-3-0']"]


def test_a_timeout_is_reported_as_timeout_seconds():
    with frozen_clock() as clock:
        adapter = PydanticAIAdapter()
        scripted = ScriptedModel(Script(then=Turn.tools(usage=Usage(10, 5), latency=1000.0), cap=20), clock=clock)
        built = adapter.build(scripted, [Tool(clock=clock)], {"timeout_seconds": 2500.0})
        loop = clock.new_event_loop()
        try:
            outcome = loop.run_until_complete(adapter.arun(built, "Go."))
        finally:
            loop.close()
    assert outcome.stop == "timeout_seconds" and isinstance(outcome.signal, RunTimedOut)
    assert [c.started_at - scripted.calls[0].started_at for c in scripted.calls] == [0.0, 1000.0, 2000.0]
    assert outcome.usage == Usage(20, 10)  # the third call was cut at the deadline


def test_a_call_closed_out_at_the_next_run_is_not_part_of_that_invocation():
    adapter = PydanticAIAdapter()
    scripted = ScriptedModel(Script.endless_tools(usage=Usage(10, 5)))
    built = adapter.build(scripted, [Tool()], {"max_token_budget": 45})
    adapter.run(built, "one")
    start = len(scripted.calls)
    second = adapter.run(built, "two")
    assert second.messages[0] == Message("user", text="two")
    assert all(m.tool_call_id != "call-3-0" for m in second.messages)  # closed out as 'interrupted' by Pydantic AI
    assert transcript_problems(second.messages, scripted.calls[start:]) == [
        "tool call(s) without a result (dangling): ['call-7-0']"]


def test_an_error_is_an_outcome_with_the_partial_results():
    outcome = provider_error(PydanticAIAdapter())
    assert outcome.stop == "error" and isinstance(outcome.error, RuntimeError)
    assert outcome.usage == Usage(10, 5)
    assert [m.role for m in outcome.messages] == ["user", "assistant", "tool"]


def test_no_max_turns_means_no_request_limit_not_the_default_of_50():
    adapter = PydanticAIAdapter()
    assert adapter.build(ScriptedModel(Script.answer()), [Tool()], {}).usage_limits.request_limit is None


def test_invalid_values_reach_pydantic_ai_unvalidated():
    adapter = PydanticAIAdapter()
    scripted = ScriptedModel(Script.endless_tools())
    outcome = adapter.run(adapter.build(scripted, [Tool()], {"max_turns": 0}), "Go.")
    # UsageLimits does not validate: request_limit=0 is a breach before the first request.
    assert outcome.stop == "max_turns" and scripted.calls == []


def test_agent_options_reach_the_agent():
    adapter = PydanticAIAdapter(retries=5)
    scripted = ScriptedModel(Script([Turn.tools("no_such_tool")] * 3 + [Turn.answer("done")]))
    outcome = adapter.run(adapter.build(scripted, [Tool()], {}), "Go.")
    assert outcome.stop == "completed" and len(scripted.calls) == 4


def test_a_limit_pydantic_ai_lacks_is_refused_not_emulated():
    with pytest.raises(ValueError, match="max_parallel_tools"):
        PydanticAIAdapter().build(ScriptedModel(Script.answer()), [Tool()], {"max_parallel_tools": 2})


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_received_reads_what_the_dialect_hands_the_model(mode):
    assert_received_replies(PydanticAIAdapter(), mode)
