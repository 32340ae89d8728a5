"""LlamaIndex workflow agents: the scripted-LLM dialect drives a real ``FunctionAgent``, and the
adapter maps ``max_iterations``, ``TokenCountingHandler(token_budget=)`` and the workflow
``timeout`` and their exceptions onto the canonical limits."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("llama_index.core")

from llama_index.core.agent.workflow import AgentOutput, FunctionAgent, ReActAgent  # noqa: E402
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler  # noqa: E402
from llama_index.core.workflow import Context  # noqa: E402
from workflows.errors import WorkflowRuntimeError, WorkflowTimeoutError  # noqa: E402

from agent_limits.harness import ImplementationError, resolve, transcript_problems  # noqa: E402
from agent_limits.harness.adapters.llama_index import LlamaIndexAdapter, breach_kind  # noqa: E402
from agent_limits.mocks import (  # noqa: E402
    ModelThrottled,
    Script,
    ScriptedModel,
    Tool,
    ToolCall,
    Turn,
    Usage,
    frozen_clock,
)
from agent_limits.mocks.llama_index import ScriptedFunctionCallingLLM, llama_index_tools  # noqa: E402

from tests.adapters._breach import USAGE, assert_received_replies, breach

SPEC = "llama_index.core.agent.workflow:FunctionAgent"


def _agent(script: Script, *tools: Tool, **options: Any) -> tuple[FunctionAgent, ScriptedModel, TokenCountingHandler]:
    scripted = ScriptedModel(script)
    counter = TokenCountingHandler()
    llm = ScriptedFunctionCallingLLM(scripted, callback_manager=CallbackManager([counter]))
    agent = FunctionAgent(llm=llm, tools=llama_index_tools(tools or [Tool()]), **options)
    return agent, scripted, counter


def _run(agent: FunctionAgent, prompt: str, **kwargs: Any) -> Any:
    async def main() -> Any:
        return await agent.run(prompt, **kwargs)

    return asyncio.run(main())


def _counted(counter: TokenCountingHandler) -> Usage:
    return Usage(counter.prompt_llm_token_count, counter.completion_llm_token_count)


# -- the dialect ----------------------------------------------------------------------------------
@pytest.mark.parametrize("streaming", [True, False], ids=["astream_chat", "achat"])
def test_single_tool_calls_reach_the_final_answer_with_scripted_usage(streaming):
    script = Script([Turn.tools(usage=Usage(11, 2)), Turn.tools(usage=Usage(13, 3)),
                     Turn.answer("found", Usage(17, 5))])
    lookup = Tool()
    agent, scripted, counter = _agent(script, lookup, streaming=streaming)
    output = _run(agent, "Find it.")
    assert isinstance(output, AgentOutput) and str(output) == "found"
    assert len(scripted.calls) == 3
    assert [e.arguments for e in lookup.executions] == [{"query": "q0.0"}, {"query": "q1.0"}]
    assert _counted(counter) == scripted.usage == Usage(41, 10)  # LlamaIndex's own accounting, not an estimate
    assert [e.total_token_count for e in counter.llm_token_counts] == [13, 16, 22]


def test_parallel_tool_calls_are_all_executed_and_answered():
    script = Script([Turn.tools("lookup", "search", usage=Usage(7, 3)), Turn.answer("both", Usage(7, 3))])
    lookup, search = Tool("lookup"), Tool("search")
    agent, scripted, counter = _agent(script, lookup, search)
    output = _run(agent, "Find both.")
    assert str(output) == "both"
    assert len(lookup.executions) == len(search.executions) == 1
    assert sorted(r.tool_id for r in output.tool_calls) == ["call-0-0", "call-0-1"]
    assert _counted(counter) == Usage(14, 6)


def test_text_and_tool_call_arguments_come_through_and_reach_the_model_next_time():
    call = ToolCall("lookup", {"query": "weather"}, id="tc-1")
    scripted = ScriptedModel(Script([Turn(text="checking", tool_calls=(call,), usage=Usage(5, 1)),
                                     Turn.answer("sunny", Usage(6, 2))]), record_messages=True)
    lookup = Tool()
    agent = FunctionAgent(llm=ScriptedFunctionCallingLLM(scripted), tools=llama_index_tools([lookup]))
    assert str(_run(agent, "Weather?")) == "sunny"
    assert lookup.executions[0].arguments == {"query": "weather"}
    second = scripted.calls[1].messages
    assert second is not None
    assert [str(m.role.value) for m in second] == ["user", "assistant", "tool"]
    assert second[1].content == "checking" and second[2].additional_kwargs == {"tool_call_id": "tc-1"}


def test_cached_input_tokens_are_part_of_the_prompt_tokens():
    agent, _, counter = _agent(Script([Turn.answer("ok", Usage(10, 2, cached_input_tokens=4))]))
    _run(agent, "Hi.")
    assert counter.total_llm_token_count == 12 and _counted(counter) == Usage(10, 2)


@pytest.mark.parametrize("error", [RuntimeError("provider down"), ModelThrottled()], ids=["error", "throttled"])
def test_an_injected_model_error_propagates_after_the_call_is_logged(error):
    agent, scripted, _ = _agent(Script([Turn.tools(), Turn(raises=error)]))
    with pytest.raises(type(error)):
        _run(agent, "Go.")
    assert len(scripted.calls) == 2  # LlamaIndex core retries nothing: the throttled attempt ends the run


def test_every_entry_point_is_one_scripted_call_with_usage():
    script = Script([Turn.tools(usage=Usage(3, 1)), Turn.answer("a", Usage(4, 2)), Turn.answer("b", Usage(5, 3)),
                     Turn.answer("c", Usage(6, 4))])
    scripted = ScriptedModel(script)
    llm = ScriptedFunctionCallingLLM(scripted)
    tools = llama_index_tools([Tool()])
    response = llm.chat_with_tools(tools, user_msg="Go.")
    assert [t.tool_id for t in llm.get_tool_calls_from_response(response)] == ["call-0-0"]
    assert response.raw == {"usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}
    assert len(list(llm.stream_chat([]))) == 1
    assert llm.complete("hi").text == "b"
    assert asyncio.run(llm.acomplete("hi")).additional_kwargs["completion_tokens"] == 4
    assert len(scripted.calls) == 4
    with pytest.raises(ValueError, match="at least one tool call"):
        llm.get_tool_calls_from_response(response.model_copy(update={"message": response.message.model_copy(
            update={"blocks": []})}))


# -- the adapter ----------------------------------------------------------------------------------
def test_resolve_picks_the_llama_index_adapter():
    impl = resolve(SPEC)
    assert isinstance(impl.adapter, LlamaIndexAdapter) and impl.adapter.agent_cls is FunctionAgent
    assert impl.adapter.capabilities == {"max_turns", "max_token_budget", "timeout_seconds"}
    assert impl.adapter.supports_async and not impl.adapter.supports_sync  # LlamaIndex agents run on a loop only



def test_an_agent_that_reads_tool_calls_from_text_is_refused_by_name():
    with pytest.raises(ImplementationError, match="reads tool calls from the reply's text"):
        resolve("llama_index.core.agent.workflow:ReActAgent")
    assert ReActAgent.__module__.startswith("llama_index")


@pytest.mark.parametrize("spec", ["llama_index.core.tools:FunctionTool",
                                  "llama_index.core.agent.workflow:AgentWorkflow",
                                  "llama_index.core.agent.workflow:BaseWorkflowAgent"])
def test_a_llama_index_object_that_is_not_an_agent_class_is_refused_clearly(spec):
    with pytest.raises(ImplementationError, match="not a workflow agent class"):
        resolve(spec)


def test_max_turns_is_a_breach_after_n_calls_that_skips_the_last_replys_tools():
    outcome, scripted = breach(LlamaIndexAdapter(), {"max_turns": 3}, "async")
    assert (outcome.stop, len(scripted.calls)) == ("max_turns", 3)
    assert isinstance(outcome.signal, WorkflowRuntimeError) and "Max iterations of 3" in str(outcome.signal)
    assert outcome.usage == Usage(30, 15) and outcome.text == "looking"
    # LlamaIndex raises before the third reply's tool call runs: a real divergence (TURNS-3).
    assert transcript_problems(outcome.messages, scripted.calls) == [
        "tool call(s) without a result (dangling): ['call-2-0']"]


def test_the_token_budget_is_a_breach_one_call_late_that_loses_the_last_reply():
    outcome, scripted = breach(LlamaIndexAdapter(), {"max_token_budget": 45}, "async")
    # The handler raises once the total is > 45 (not >=), at the end of the fourth call.
    assert (outcome.stop, len(scripted.calls)) == ("max_token_budget", 4)
    assert isinstance(outcome.signal, ValueError) and "Token budget exceeded! Limit: 45" in str(outcome.signal)
    assert outcome.usage == Usage(40, 20) and outcome.text == "looking"
    assert transcript_problems(outcome.messages, scripted.calls) == [
        "3 assistant message(s) for 4 model reply(ies)",
        "tool calls in the transcript ['call-0-0', 'call-1-0', 'call-2-0'] differ from those the model returned "
        "['call-0-0', 'call-1-0', 'call-2-0', 'call-3-0']"]


def test_the_token_budget_is_per_invocation_through_the_adapter():
    adapter = LlamaIndexAdapter()
    scripted = ScriptedModel(Script.endless_tools(usage=USAGE))
    built = adapter.build(scripted, [Tool()], {"max_token_budget": 45})
    first = asyncio.run(adapter.arun(built, "one"))
    second = asyncio.run(adapter.arun(built, "two"))
    assert (first.stop, second.stop) == ("max_token_budget", "max_token_budget")
    assert len(scripted.calls) == 8 and first.usage == second.usage == Usage(40, 20)


def test_a_timeout_is_reported_as_timeout_seconds():
    with frozen_clock() as clock:
        adapter = LlamaIndexAdapter()
        scripted = ScriptedModel(Script(then=Turn.tools(usage=USAGE, latency=1000.0), cap=20), clock=clock)
        built = adapter.build(scripted, [Tool(clock=clock)], {"timeout_seconds": 2500.0})
        loop = clock.new_event_loop()
        try:
            outcome = loop.run_until_complete(adapter.arun(built, "Go."))
        finally:
            loop.close()
    assert outcome.stop == "timeout_seconds" and isinstance(outcome.signal, WorkflowTimeoutError)
    assert [c.started_at - scripted.calls[0].started_at for c in scripted.calls] == [0.0, 1000.0, 2000.0]
    assert outcome.usage == Usage(20, 10)  # the third call was cancelled at the deadline


def test_an_error_is_an_outcome_with_the_partial_results():
    adapter = LlamaIndexAdapter()
    scripted = ScriptedModel(Script([Turn.tools(usage=USAGE), Turn(raises=RuntimeError("provider down"))]))
    outcome = asyncio.run(adapter.arun(adapter.build(scripted, [Tool()], {}), "Go."))
    assert outcome.stop == "error" and isinstance(outcome.error, RuntimeError) and breach_kind(outcome.error) == "error"
    assert outcome.usage == USAGE
    assert [m.role for m in outcome.messages] == ["user", "assistant", "tool"]


def test_invalid_max_turns_are_not_rejected_before_a_model_call():
    adapter = LlamaIndexAdapter()
    scripted = ScriptedModel(Script.endless_tools(cap=30))
    outcome = asyncio.run(adapter.arun(adapter.build(scripted, [Tool()], {"max_turns": 0}), "Go."))
    # ``max_iterations or 20``: a zero becomes LlamaIndex's default of 20 (a real divergence, VALID-2).
    assert outcome.stop == "max_turns" and len(scripted.calls) == 20


def test_a_limit_llama_index_lacks_is_refused_not_emulated():
    with pytest.raises(ValueError, match="max_tool_calls"):
        LlamaIndexAdapter().build(ScriptedModel(Script.answer()), [Tool()], {"max_tool_calls": 2})


def test_the_conversation_continues_in_one_context():
    adapter = LlamaIndexAdapter()
    scripted = ScriptedModel(Script([Turn.answer("one", USAGE), Turn.answer("two", USAGE)]), record_messages=True)
    built = adapter.build(scripted, [Tool()], {})
    first = asyncio.run(adapter.arun(built, "a"))
    second = asyncio.run(adapter.arun(built, "b"))
    assert (first.text, second.text, second.usage) == ("one", "two", USAGE)
    assert isinstance(built.ctx, Context)
    received = adapter.received(scripted.calls[1].messages or ())
    assert [(m.role, m.text) for m in received] == [("user", "a"), ("assistant", "one"), ("user", "b")]


def test_received_reads_what_the_dialect_hands_the_model():
    assert_received_replies(LlamaIndexAdapter(), "async")


def test_the_dialect_docstring_example_runs():
    """tests/test_docs.py runs the other dialects' examples; until it lists this one, run it here."""
    import agent_limits.mocks.llama_index as dialect
    from tests.test_docs import docstring_example

    exec(compile(docstring_example(dialect), dialect.__name__, "exec"), {})
