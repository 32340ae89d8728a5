"""Google ADK: the scripted-model dialect drives a real ``google.adk.agents.LlmAgent`` through a
``Runner``, and the adapter maps ``RunConfig(max_llm_calls=)`` / ``LlmAgent(timeout=)`` and their
exceptions onto the canonical limits."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("google.adk")

from google.adk.agents import Agent, LlmAgent  # noqa: E402
from google.adk.agents.invocation_context import LlmCallsLimitExceededError  # noqa: E402
from google.adk.events import Event  # noqa: E402
from google.adk.runners import Runner  # noqa: E402
from google.adk.sessions import InMemorySessionService  # noqa: E402
from google.adk.workflow import NodeTimeoutError  # noqa: E402
from google.genai import errors as genai_errors  # noqa: E402
from google.genai import types  # noqa: E402

from agent_limits.harness import ImplementationError, resolve, transcript_problems  # noqa: E402
from agent_limits.harness.adapters.google_adk import GoogleAdkAdapter, to_messages, to_usage  # noqa: E402
from agent_limits.mocks import Script, ScriptedModel, Tool, ToolCall, Turn, Usage, frozen_clock  # noqa: E402
from agent_limits.mocks.google_adk import ScriptedAdkModel, adk_tools  # noqa: E402

from tests.adapters._breach import assert_partial_results, assert_received_replies, breach, provider_error


def _runner(script: Script, *tools: Tool) -> tuple[Runner, ScriptedModel]:
    scripted = ScriptedModel(script)
    agent = LlmAgent(name="helper", model=ScriptedAdkModel(scripted), tools=adk_tools(tools or [Tool()]))
    runner = Runner(agent=agent, app_name="tests", session_service=InMemorySessionService(), auto_create_session=True)
    return runner, scripted


def _prompt(text: str) -> types.Content:
    return types.Content(role="user", parts=[types.Part(text=text)])


async def _ask(runner: Runner, text: str, session: str = "s", **options: Any) -> list[Event]:
    return [e async for e in runner.run_async(user_id="u", session_id=session, new_message=_prompt(text), **options)]


def _usages(events: list[Event]) -> list[tuple[Any, ...]]:
    return [(u.prompt_token_count, u.candidates_token_count, u.total_token_count, u.cached_content_token_count)
            for u in (e.usage_metadata for e in events) if u is not None]


# -- the dialect ----------------------------------------------------------------------------------
def test_single_tool_calls_reach_the_final_answer_with_scripted_usage():
    script = Script([Turn.tools(usage=Usage(11, 2)), Turn.tools(usage=Usage(13, 3)), Turn.answer("found", Usage(17, 5))])
    lookup = Tool()
    runner, scripted = _runner(script, lookup)
    events = asyncio.run(_ask(runner, "Find it."))
    assert events[-1].content is not None and events[-1].content.parts[0].text == "found"
    assert len(scripted.calls) == 3
    assert [e.arguments for e in lookup.executions] == [{"query": "q0.0"}, {"query": "q1.0"}]
    # ADK's own accounting: the usage_metadata of each model event, as scripted
    assert _usages(events) == [(11, 2, 13, None), (13, 3, 16, None), (17, 5, 22, None)]
    assert to_usage(events) == scripted.usage == Usage(41, 10)


def test_parallel_tool_calls_are_all_executed_and_answered():
    script = Script([Turn.tools("lookup", "search", usage=Usage(7, 3)), Turn.answer("both", Usage(7, 3))])
    lookup, search = Tool("lookup"), Tool("search")
    runner, scripted = _runner(script, lookup, search)
    events = asyncio.run(_ask(runner, "Find both."))
    assert len(lookup.executions) == len(search.executions) == 1
    answered = [p.function_response.id for e in events if e.content and e.content.parts
                for p in e.content.parts if p.function_response is not None]
    assert answered == ["call-0-0", "call-0-1"]
    assert transcript_problems(to_messages(e.content for e in events), scripted.calls) == []
    assert to_usage(events) == Usage(14, 6)


def test_the_sync_runner_brings_text_and_tool_call_arguments_through():
    call = ToolCall("lookup", {"query": "weather"}, id="tc-1")
    script = Script([Turn(text="checking", tool_calls=(call,), usage=Usage(5, 1)), Turn.answer("sunny", Usage(6, 2))])
    lookup = Tool()
    runner, scripted = _runner(script, lookup)
    events = list(runner.run(user_id="u", session_id="s", new_message=_prompt("Weather?")))
    assert lookup.executions[0].arguments == {"query": "weather"}
    first = events[0].content
    assert first is not None and first.parts is not None
    assert first.parts[0].text == "checking" and first.parts[1].function_call is not None
    assert first.parts[1].function_call.id == "tc-1"
    assert events[-1].content is not None and events[-1].content.parts[0].text == "sunny"
    assert to_usage(events) == Usage(11, 3)


def test_cached_input_tokens_are_reported_but_not_in_the_total():
    runner, _ = _runner(Script([Turn.answer("ok", Usage(10, 2, cached_input_tokens=4))]))
    events = asyncio.run(_ask(runner, "Hi."))
    assert _usages(events) == [(10, 2, 12, 4)]
    assert to_usage(events) == Usage(10, 2, 4)


def test_an_injected_model_error_propagates_after_the_call_is_logged():
    runner, scripted = _runner(Script([Turn.tools(), Turn(raises=RuntimeError("provider down"))]))
    with pytest.raises(RuntimeError, match="provider down"):
        asyncio.run(_ask(runner, "Go."))
    assert len(scripted.calls) == 2


def test_a_throttled_attempt_is_the_genai_client_error_429_which_adk_does_not_retry():
    runner, scripted = _runner(Script([Turn.throttled(), Turn.answer()]))
    with pytest.raises(genai_errors.ClientError) as info:
        asyncio.run(_ask(runner, "Go."))
    assert info.value.code == 429 and len(scripted.calls) == 1


# -- the adapter ----------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", ["google.adk.agents:LlmAgent", "google.adk.agents:Agent"])
def test_resolve_picks_the_google_adk_adapter(spec):
    impl = resolve(spec)
    assert isinstance(impl.adapter, GoogleAdkAdapter) and impl.adapter.agent_cls is LlmAgent is Agent
    assert impl.adapter.capabilities == {"max_turns", "timeout_seconds"}
    assert impl.adapter.supports_sync and impl.adapter.supports_async


@pytest.mark.parametrize("spec", ["google.adk.runners:Runner", "google.adk.agents:SequentialAgent"])
def test_an_adk_object_that_is_not_an_llm_agent_class_is_refused_clearly(spec):
    with pytest.raises(ImplementationError, match="not an LLM agent class"):
        resolve(spec)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_max_llm_calls_is_translated_to_max_turns(mode):
    outcome, scripted = breach(GoogleAdkAdapter(), {"max_turns": 3}, mode)
    assert outcome.stop == "max_turns" and isinstance(outcome.signal, LlmCallsLimitExceededError)
    assert len(scripted.calls) == 3
    assert_partial_results(outcome, scripted)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_node_timeout_is_translated_to_timeout_seconds(mode):
    adapter = GoogleAdkAdapter()
    with frozen_clock() as clock:
        scripted = ScriptedModel(Script(then=Turn.tools(usage=Usage(10, 5), latency=1000.0), cap=20), clock=clock)
        built = adapter.build(scripted, [Tool(clock=clock)], {"timeout_seconds": 2500.0})
        if mode == "sync":
            outcome = adapter.run(built, "Go.")
        else:
            loop = clock.new_event_loop()
            try:
                outcome = loop.run_until_complete(adapter.arun(built, "Go."))
            finally:
                loop.close()
    assert outcome.stop == "timeout_seconds" and isinstance(outcome.signal, NodeTimeoutError)
    assert [c.started_at - scripted.calls[0].started_at for c in scripted.calls] == [0.0, 1000.0, 2000.0]
    assert outcome.usage == Usage(20, 10)  # the third call was cancelled at the deadline, unreplied


def test_an_error_is_an_outcome_with_the_partial_results():
    outcome = provider_error(GoogleAdkAdapter())
    assert outcome.stop == "error" and isinstance(outcome.error, RuntimeError)
    assert outcome.usage == Usage(10, 5)
    assert [m.role for m in outcome.messages] == ["user", "assistant", "tool"]


def test_each_invocation_reports_its_own_events_and_usage_on_one_session():
    adapter = GoogleAdkAdapter()
    scripted = ScriptedModel(Script([Turn.tools(usage=Usage(10, 5)), Turn.answer("one", Usage(10, 5)),
                                     Turn.answer("two", Usage(3, 1))]), record_messages=True)
    built = adapter.build(scripted, [Tool()], {})
    first, second = adapter.run(built, "first"), asyncio.run(adapter.arun(built, "second"))
    assert (first.stop, first.text, first.usage) == ("completed", "one", Usage(20, 10))
    assert (second.stop, second.text, second.usage) == ("completed", "two", Usage(3, 1))
    assert [m.role for m in second.messages] == ["user", "assistant"]
    last = scripted.calls[-1].messages
    assert last is not None
    assert [m.text for m in adapter.received(last) if m.role == "user"] == ["first", "second"]  # the chat went on


def test_an_empty_final_answer_is_still_one_assistant_message():
    adapter = GoogleAdkAdapter()
    scripted = ScriptedModel(Script([Turn.tools(usage=Usage(10, 5)), Turn(text=None, usage=Usage(3, 1))]))
    outcome = asyncio.run(adapter.arun(adapter.build(scripted, [Tool()], {}), "Go."))
    assert (outcome.stop, outcome.text, outcome.usage) == ("completed", None, Usage(13, 6))
    assert [m.role for m in outcome.messages] == ["user", "assistant", "tool", "assistant"]
    assert transcript_problems(outcome.messages, scripted.calls) == []


def test_no_max_turns_is_adks_own_unbounded_spelling():
    built = GoogleAdkAdapter().build(ScriptedModel(Script.answer()), [Tool()], {"max_turns": None})
    assert built.run_config.max_llm_calls == 0  # ADK: "<= 0 allows for unbounded number of llm calls"


def test_values_pass_through_untouched_so_adk_validates_them():
    adapter = GoogleAdkAdapter()
    with pytest.raises(ValueError):  # pydantic's ValidationError, from RunConfig
        adapter.build(ScriptedModel(Script.answer()), [Tool()], {"max_turns": 1.5})
    # what ADK accepts is passed on as given: 0 means unbounded to ADK (a finding, not the adapter's doing)
    assert adapter.build(ScriptedModel(Script.answer()), [Tool()], {"max_turns": 0}).run_config.max_llm_calls == 0
    assert adapter.build(ScriptedModel(Script.answer()), [Tool()], {"timeout_seconds": -1}).agent.timeout == -1


def test_a_limit_adk_lacks_is_refused_not_emulated():
    with pytest.raises(ValueError, match="max_tool_calls"):
        GoogleAdkAdapter().build(ScriptedModel(Script.answer()), [Tool()], {"max_tool_calls": 2})
    with pytest.raises(ValueError, match="max_parallel_tools"):
        GoogleAdkAdapter().build(ScriptedModel(Script.answer()), [Tool()], {"max_parallel_tools": 2})


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_received_reads_what_the_dialect_hands_the_model(mode):
    assert_received_replies(GoogleAdkAdapter(), mode)
