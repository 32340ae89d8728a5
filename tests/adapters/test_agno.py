"""Agno: the scripted-model dialect drives a real ``agno.agent.Agent``, and the adapter maps
``Agent(tool_call_limit=...)`` and Agno's ``RunOutput`` onto the canonical terms."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("agno")

from agno.agent import Agent  # noqa: E402
from agno.exceptions import ModelRateLimitError  # noqa: E402
from agno.run.base import RunStatus  # noqa: E402

from agent_limits.harness import ImplementationError, resolve, transcript_problems  # noqa: E402
from agent_limits.harness.adapters.agno import AgnoAdapter, to_messages  # noqa: E402
from agent_limits.mocks import ModelThrottled, Script, ScriptedModel, Tool, ToolCall, Turn, Usage  # noqa: E402
from agent_limits.mocks.agno import AgnoScriptedModel, agno_toolkit  # noqa: E402

from tests.adapters._breach import USAGE, assert_partial_results, assert_received_replies, breach, provider_error


def _agent(script: Script, *tools: Tool, **options: object) -> tuple[Agent, ScriptedModel]:
    scripted = ScriptedModel(script)
    model_options = options.pop("model_options", {})
    agent = Agent(model=AgnoScriptedModel(scripted, **model_options),  # type: ignore[arg-type]
                  tools=[agno_toolkit(tools or [Tool()])], telemetry=False, **options)  # type: ignore[arg-type]
    return agent, scripted


def _usage(result) -> Usage:
    m = result.metrics
    return Usage(m.input_tokens, m.output_tokens, m.cache_read_tokens)


def _run(agent: Agent, prompt: str, mode: str):
    return agent.run(prompt) if mode == "sync" else asyncio.run(agent.arun(prompt))


# -- the dialect ----------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_single_tool_calls_reach_the_final_answer_with_scripted_usage(mode):
    script = Script([Turn.tools(usage=Usage(11, 2)), Turn.tools(usage=Usage(13, 3)),
                     Turn.answer("found", Usage(17, 5))])
    lookup = Tool()
    agent, scripted = _agent(script, lookup)
    result = _run(agent, "Find it.", mode)
    assert result.status == RunStatus.completed and result.content == "found"
    assert len(scripted.calls) == 3
    assert [e.arguments for e in lookup.executions] == [{"query": "q0.0"}, {"query": "q1.0"}]
    assert _usage(result) == scripted.usage == Usage(41, 10)
    assert result.metrics.total_tokens == 51
    # each assistant message carries its own reply's usage, as Agno's providers report it
    replies = [m for m in result.messages if m.role == "assistant"]
    assert [(m.metrics.input_tokens, m.metrics.output_tokens) for m in replies] == [(11, 2), (13, 3), (17, 5)]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_parallel_tool_calls_are_all_executed_and_answered(mode):
    script = Script([Turn.tools("lookup", "search", usage=Usage(7, 3)), Turn.answer("both", Usage(7, 3))])
    lookup, search = Tool("lookup"), Tool("search")
    agent, scripted = _agent(script, lookup, search)
    result = _run(agent, "Find both.", mode)
    assert result.status == RunStatus.completed
    assert len(lookup.executions) == len(search.executions) == 1
    assert sorted(m.tool_call_id for m in result.messages if m.role == "tool") == ["call-0-0", "call-0-1"]
    assert transcript_problems(to_messages(result.messages), scripted.calls) == []
    assert _usage(result) == Usage(14, 6)


def test_the_async_path_awaits_the_tools_async_variant():
    seen: list[str] = []

    async def afn(query: str) -> str:
        seen.append(query)
        return f"async {query}"

    script = Script([Turn.tools(ToolCall("lookup", {"query": "weather"}, id="tc-1")), Turn.answer("ok")])
    agent, _ = _agent(script, Tool(fn=afn))
    result = asyncio.run(agent.arun("Weather?"))
    assert seen == ["weather"] and [m.content for m in result.messages if m.role == "tool"] == ["async weather"]


def test_text_and_tool_call_arguments_come_through():
    call = ToolCall("lookup", {"query": "weather"}, id="tc-1")
    script = Script([Turn(text="checking", tool_calls=(call,), usage=Usage(5, 1)), Turn.answer("sunny", Usage(6, 2))])
    lookup = Tool()
    agent, _ = _agent(script, lookup)
    result = agent.run("Weather?")
    assert result.content == "checkingsunny"  # Agno's run content joins the texts of all the run's replies
    assert lookup.executions[0].arguments == {"query": "weather"}
    first = [m for m in result.messages if m.role == "assistant"][0]
    assert first.content == "checking" and first.tool_calls[0]["id"] == "tc-1"


def test_cached_input_tokens_are_reported_as_part_of_input_not_added():
    agent, _ = _agent(Script([Turn.answer("ok", Usage(10, 2, cached_input_tokens=4))]))
    result = agent.run("Hi.")
    assert (result.metrics.input_tokens, result.metrics.total_tokens, result.metrics.cache_read_tokens) == (10, 12, 4)


def test_an_injected_model_error_ends_the_run_as_agno_reports_errors():
    agent, scripted = _agent(Script([Turn.tools(), Turn(raises=RuntimeError("provider down"))]))
    result = agent.run("Go.")
    assert result.status == RunStatus.error and result.content == "provider down"
    assert len(scripted.calls) == 2


def test_throttling_is_agnos_rate_limit_error_and_agnos_retry_setting_decides():
    scripted = ScriptedModel(Script([Turn.throttled(), Turn.answer("after retry")]))
    with pytest.raises(ModelRateLimitError) as info:
        AgnoScriptedModel(scripted).invoke(messages=[])
    assert info.value.status_code == 429 and isinstance(info.value.__cause__, ModelThrottled)
    # Agno retries a rate-limited request only when the model is told to (Model.retries, 0 by default)
    agent, scripted = _agent(Script([Turn.throttled(), Turn.answer("after retry")]),
                             model_options={"retries": 1, "delay_between_retries": 0})
    result = agent.run("Go.")
    assert result.status == RunStatus.completed and result.content == "after retry"
    assert len(scripted.calls) == 2 and _usage(result) == USAGE


def test_a_streamed_run_makes_one_call_per_request_with_the_scripted_usage():
    script = Script([Turn.tools(usage=Usage(3, 1)), Turn.answer("streamed", Usage(4, 2))])
    lookup = Tool()
    agent, scripted = _agent(script, lookup)
    events = list(agent.run("Go.", stream=True, yield_run_output=True))
    result = events[-1]
    assert len(scripted.calls) == 2 and len(lookup.executions) == 1
    assert result.content == "streamed" and _usage(result) == Usage(7, 3)


def test_tool_call_limit_refuses_calls_past_it_and_the_run_goes_on():
    """Agno's own semantics, which the suite judges: M executions, one refusal result per further
    call, and another model call after the refusal (the run does not stop on the cap)."""
    script = Script([Turn.tools("lookup", "lookup", "lookup"), Turn.answer("gave up")])
    lookup = Tool()
    agent, scripted = _agent(script, lookup, tool_call_limit=2)
    result = agent.run("Go.")
    assert len(lookup.executions) == 2 and len(scripted.calls) == 2
    assert result.status == RunStatus.completed and result.content == "gave up"
    refused = [m for m in result.messages if m.role == "tool" and m.tool_call_error]
    assert [m.tool_call_id for m in refused] == ["call-0-2"]
    assert refused[0].content.startswith("Tool call limit reached.")


# -- the adapter ----------------------------------------------------------------------------------
def test_resolve_picks_the_agno_adapter():
    impl = resolve("agno.agent:Agent")
    assert isinstance(impl.adapter, AgnoAdapter) and impl.adapter.agent_cls is Agent
    assert impl.adapter.capabilities == {"max_tool_calls"}
    assert impl.adapter.supports_sync and impl.adapter.supports_async


def test_an_agno_object_that_is_not_an_agent_class_is_refused_clearly():
    with pytest.raises(ImplementationError, match="not an agent class"):
        resolve("agno.models.base:Model")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_tool_cap_is_agnos_own_and_no_breach_is_reported(mode):
    """Past the cap Agno keeps calling the model (here until the endless script's hard cap, which
    Agno reports as a run error): the adapter reports that error, never a max_tool_calls it did
    not see, with the partial results as Agno reports them."""
    outcome, scripted = breach(AgnoAdapter(), {"max_tool_calls": 2}, mode, tools=[lookup := Tool()])
    assert len(lookup.executions) == 2 and len(scripted.calls) == scripted.script.cap
    assert outcome.stop == "error" and str(outcome.signal).startswith("ERROR: ScriptedModel: model call #1001")
    assert outcome.usage == Usage(USAGE.input_tokens * len(scripted.calls), USAGE.output_tokens * len(scripted.calls))
    assert_partial_results(outcome, scripted)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_completed_run_after_refusals_is_a_completion(mode):
    adapter = AgnoAdapter()
    scripted = ScriptedModel(Script([Turn.tools(text="looking", usage=USAGE), Turn.tools(usage=USAGE),
                                     Turn.answer("done", USAGE)]))
    built = adapter.build(scripted, [Tool()], {"max_tool_calls": 1})
    outcome = adapter.run(built, "Go.") if mode == "sync" else asyncio.run(adapter.arun(built, "Go."))
    # the text is Agno's RunOutput.content, which joins every reply's text of the run
    assert (outcome.stop, outcome.signal, outcome.text) == ("completed", "COMPLETED", "lookingdone")
    assert outcome.usage == Usage(30, 15)
    assert transcript_problems(outcome.messages, scripted.calls) == []
    assert adapter.reread(outcome) == outcome


def test_an_error_is_an_outcome_with_the_partial_results():
    outcome = provider_error(AgnoAdapter())
    assert outcome.stop == "error" and outcome.signal == "ERROR: provider down"
    assert outcome.usage == Usage(10, 5)
    assert [m.role for m in outcome.messages] == ["user", "assistant", "tool"]


def test_invalid_values_reach_agno_untouched():
    """Agno does not validate tool_call_limit: 0 is taken as a cap of nothing and the model is called."""
    adapter = AgnoAdapter()
    scripted = ScriptedModel(Script([Turn.tools(), Turn.answer("done")]))
    lookup = Tool()
    built = adapter.build(scripted, [lookup], {"max_tool_calls": 0})
    assert built.tool_call_limit == 0
    outcome = adapter.run(built, "Go.")
    assert outcome.stop == "completed" and len(scripted.calls) == 2 and lookup.executions == []


def test_a_limit_agno_lacks_is_refused_not_emulated():
    with pytest.raises(ValueError, match="max_turns"):
        AgnoAdapter().build(ScriptedModel(Script.answer()), [Tool()], {"max_turns": 2})


def test_telemetry_is_off_and_agent_options_pass_through():
    built = AgnoAdapter(Agent, instructions="Be brief.").build(ScriptedModel(Script.answer()), [Tool()], {})
    assert built.telemetry is False and built.instructions == "Be brief." and built.tool_call_limit is None


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_received_reads_what_the_dialect_hands_the_model(mode):
    assert_received_replies(AgnoAdapter(), mode)
