"""LangChain / LangGraph: the scripted-model dialect drives a real ``create_agent`` graph, and the
adapter maps the limit middleware and its stop notices onto the canonical stops."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("langchain.agents")
pytest.importorskip("langgraph")

from langchain.agents import create_agent  # noqa: E402
from langchain.agents.middleware import ModelCallLimitMiddleware  # noqa: E402
from langchain_core.callbacks import UsageMetadataCallbackHandler  # noqa: E402
from langgraph.errors import GraphRecursionError  # noqa: E402

from agent_limits.harness import resolve, transcript_problems  # noqa: E402
from agent_limits.harness.adapters.langchain import LangChainAdapter, reported_usage, to_message  # noqa: E402
from agent_limits.mocks import Script, ScriptedModel, Tool, ToolCall, Turn, Usage  # noqa: E402
from agent_limits.mocks.langchain import ScriptedChatModel, langchain_tools  # noqa: E402

from tests.adapters._breach import assert_partial_results, assert_received_replies, breach, provider_error


def _graph(script: Script, *tools: Tool, middleware: list | None = None):
    scripted = ScriptedModel(script)
    graph = create_agent(ScriptedChatModel(scripted=scripted), langchain_tools(tools or [Tool()]),
                         middleware=middleware or [])
    return graph, scripted


def _usage_of(result: dict) -> Usage:
    """The usage LangChain reports on the AI messages of a result."""
    total = Usage()
    for m in result["messages"]:
        if m.type == "ai" and m.usage_metadata:
            total = total + Usage(m.usage_metadata["input_tokens"], m.usage_metadata["output_tokens"])
    return total


# -- the dialect ----------------------------------------------------------------------------------
def test_single_tool_calls_reach_the_final_answer_with_scripted_usage():
    script = Script([Turn.tools(usage=Usage(11, 2)), Turn.tools(usage=Usage(13, 3)), Turn.answer("found", Usage(17, 5))])
    lookup = Tool()
    graph, scripted = _graph(script, lookup)
    counter = UsageMetadataCallbackHandler()
    result = graph.invoke({"messages": [("user", "Find it.")]}, {"callbacks": [counter]})
    assert result["messages"][-1].text == "found"
    assert len(scripted.calls) == 3
    assert [e.arguments for e in lookup.executions] == [{"query": "q0.0"}, {"query": "q1.0"}]
    assert _usage_of(result) == scripted.usage == Usage(41, 10)
    assert reported_usage(counter) == Usage(41, 10)
    assert result["messages"][-1].usage_metadata["total_tokens"] == 22


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_parallel_tool_calls_are_all_executed_and_answered(mode):
    script = Script([Turn.tools("lookup", "search", usage=Usage(7, 3)), Turn.answer("both", Usage(7, 3))])
    lookup, search = Tool("lookup"), Tool("search")
    graph, scripted = _graph(script, lookup, search)
    state = {"messages": [("user", "Find both.")]}
    result = graph.invoke(state) if mode == "sync" else asyncio.run(graph.ainvoke(state))
    assert len(lookup.executions) == len(search.executions) == 1
    answered = [m.tool_call_id for m in result["messages"] if m.type == "tool"]
    assert answered == ["call-0-0", "call-0-1"]
    assert transcript_problems([to_message(m) for m in result["messages"]], scripted.calls) == []
    assert _usage_of(result) == Usage(14, 6)


def test_async_invocation_text_and_tool_call_arguments_come_through():
    call = ToolCall("lookup", {"query": "weather"}, id="tc-1")
    script = Script([Turn(text="checking", tool_calls=(call,), usage=Usage(5, 1)), Turn.answer("sunny", Usage(6, 2))])
    lookup = Tool()
    graph, _ = _graph(script, lookup)
    result = asyncio.run(graph.ainvoke({"messages": [("user", "Weather?")]}))
    assert result["messages"][-1].text == "sunny"
    assert lookup.executions[0].arguments == {"query": "weather"}
    first = result["messages"][1]
    assert first.text == "checking" and first.tool_calls[0]["id"] == "tc-1"
    assert _usage_of(result) == Usage(11, 3)


def test_cached_input_tokens_are_reported_but_not_in_the_total():
    graph, _ = _graph(Script([Turn.answer("ok", Usage(10, 2, cached_input_tokens=4))]))
    meta = graph.invoke({"messages": [("user", "Hi.")]})["messages"][-1].usage_metadata
    assert meta["total_tokens"] == 12 and meta["input_token_details"] == {"cache_read": 4}


def test_an_injected_model_error_propagates_after_the_call_is_logged():
    graph, scripted = _graph(Script([Turn.tools(), Turn(raises=RuntimeError("provider down"))]))
    with pytest.raises(RuntimeError, match="provider down"):
        graph.invoke({"messages": [("user", "Go.")]})
    assert len(scripted.calls) == 2


def test_recursion_limit_counts_graph_steps_not_model_calls():
    graph, scripted = _graph(Script.endless_tools(), middleware=[ModelCallLimitMiddleware(run_limit=100)])
    with pytest.raises(GraphRecursionError):
        graph.invoke({"messages": [("user", "Go.")]}, {"recursion_limit": 6})
    assert len(scripted.calls) == 2  # not 6: every middleware hook, model and tool node is a step


# -- the adapter ----------------------------------------------------------------------------------
def test_resolve_picks_the_langchain_adapter():
    impl = resolve("langchain.agents:create_agent")
    assert isinstance(impl.adapter, LangChainAdapter) and impl.adapter.target is create_agent
    assert impl.adapter.capabilities == {"max_turns", "max_tool_calls", "max_parallel_tools"}
    assert impl.adapter.supports_sync and impl.adapter.supports_async


@pytest.mark.parametrize("kind, value, calls, executions, notice", [
    ("max_turns", 3, 3, 3, "Model call limits exceeded: run limit (3/3)"),
    ("max_tool_calls", 2, 3, 2, "Tool call limit reached: run limit exceeded (3/2 calls)."),
])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_breach_is_translated_to_its_canonical_stop_kind(kind, value, calls, executions, notice, mode):
    tool = Tool()
    outcome, scripted = breach(LangChainAdapter(), {kind: value}, mode, [tool])
    assert (outcome.stop, outcome.signal) == (kind, notice)
    assert len(scripted.calls) == calls and len(tool.executions) == executions
    assert_partial_results(outcome, scripted)
    assert outcome.messages[0].role == "user"


def test_a_second_invocation_continues_the_thread_with_a_fresh_run_limit():
    adapter = LangChainAdapter()
    scripted = ScriptedModel(Script.endless_tools(usage=Usage(10, 5)))
    built = adapter.build(scripted, [Tool()], {"max_turns": 2})
    first, second = adapter.run(built, "Go."), adapter.run(built, "Again.")
    assert first.stop == second.stop == "max_turns" and len(scripted.calls) == 4
    assert second.usage == Usage(20, 10) and second.messages[0].text == "Again."
    assert sum(m.type == "human" for m in built.messages()) == 2


def test_an_error_is_an_outcome_with_the_partial_results():
    outcome = provider_error(LangChainAdapter())
    assert outcome.stop == "error" and isinstance(outcome.error, RuntimeError)
    assert outcome.usage == Usage(10, 5)
    assert [m.role for m in outcome.messages] == ["user", "assistant", "tool"]


def test_an_invalid_value_reaches_langchain_unvalidated():
    adapter = LangChainAdapter()
    scripted = ScriptedModel(Script.endless_tools())
    outcome = adapter.run(adapter.build(scripted, [Tool()], {"max_turns": "3"}), "Go.")
    assert outcome.stop == "error" and isinstance(outcome.error, TypeError)  # LangChain's own comparison fails
    assert scripted.calls == []


def test_a_limit_langchain_lacks_is_refused_not_emulated():
    with pytest.raises(ValueError, match="max_token_budget"):
        LangChainAdapter().build(ScriptedModel(Script.answer()), [Tool()], {"max_token_budget": 100})


def test_the_dialect_docstring_example_runs():
    import re
    import textwrap

    import agent_limits.mocks.langchain

    example = re.search(r"\n\n((?:    .*\n|\n)+)", agent_limits.mocks.langchain.__doc__ or "")
    assert example, "agent_limits.mocks.langchain has no example in its docstring"
    exec(compile(textwrap.dedent(example.group(1)), "agent_limits.mocks.langchain", "exec"), {})


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_received_reads_what_the_dialect_hands_the_model(mode):
    assert_received_replies(LangChainAdapter(), mode)


def test_received_shows_the_stop_notice_langchain_sends_back_on_the_next_invocation():
    adapter = LangChainAdapter()
    scripted = ScriptedModel(Script.endless_tools(usage=Usage(10, 5)), record_messages=True)
    built = adapter.build(scripted, [Tool()], {"max_turns": 1})
    first, second = adapter.run(built, "Go."), adapter.run(built, "Again.")
    assert first.stop == second.stop == "max_turns"
    assert [m.text for m in first.messages if m.role == "assistant"] == [None]  # the notice is not in the transcript
    sent = adapter.received(scripted.calls[1].messages or ())
    assert [m.text for m in sent if m.role == "assistant"] == [None, "Model call limits exceeded: run limit (1/1)"]
