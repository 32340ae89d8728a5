"""tinyAgent (tiny-agent-os 0.73): the scripted OpenAI-style client drives a real ``ReactAgent`` and
``TinyCodeAgent``, and the adapter maps ``max_steps`` and ``StepLimitReached`` onto ``max_turns``."""

from __future__ import annotations

import asyncio
import json
import re
import textwrap

import pytest

tinyagent = pytest.importorskip("tinyagent")
if not hasattr(tinyagent, "ReactAgent"):
    pytest.skip("tiny-agent-os 1.x has no ReactAgent; the adapter targets 0.73", allow_module_level=True)

from tinyagent import ReactAgent, StepLimitReached, TinyCodeAgent  # noqa: E402

from agent_limits.harness import resolve  # noqa: E402
from agent_limits.harness.adapters.tinyagent import TinyAgentAdapter, said  # noqa: E402
from agent_limits.mocks import Script, ScriptedModel, Tool, ToolCall, Turn, Usage  # noqa: E402
from agent_limits.mocks.tinyagent import (  # noqa: E402
    AsyncScriptedClient, ScriptedClient, UnsupportedTurn, code_content, react_content, tinyagent_tools)


def _agent(cls: type, script: Script, *tools: Tool, protocol: str = "react"):
    scripted = ScriptedModel(script)
    agent = cls(tools=tinyagent_tools(tools or [Tool()]), api_key="unused")
    agent.client = ScriptedClient(scripted, protocol=protocol)
    return agent, scripted


# -- the dialect ----------------------------------------------------------------------------------
def test_react_agent_runs_single_tool_calls_to_the_final_answer():
    script = Script([Turn.tools(usage=Usage(11, 2)), Turn.tools(usage=Usage(13, 3)), Turn.answer("found", Usage(17, 5))])
    lookup = Tool()
    agent, scripted = _agent(ReactAgent, script, lookup)
    result = agent.run("Find it.", return_result=True)
    assert (result.state, result.output, result.steps_taken) == ("completed", "found", 3)
    assert [e.arguments for e in lookup.executions] == [{"query": "q0.0"}, {"query": "q1.0"}]
    assert scripted.usage == Usage(41, 10)


def test_code_agent_runs_parallel_tool_calls_in_one_block():
    script = Script([Turn.tools("lookup", "search", text="both at once"), Turn.answer("both")])
    lookup, search = Tool("lookup"), Tool("search")
    agent, scripted = _agent(TinyCodeAgent, script, lookup, search, protocol="code")
    result = agent.run("Find both.", return_result=True)
    assert (result.state, result.output) == ("completed", "both")
    assert len(lookup.executions) == len(search.executions) == 1 and len(scripted.calls) == 2


def test_every_completion_carries_the_scripted_usage_and_text():
    call = ToolCall("lookup", {"query": "weather"}, id="tc-1")
    scripted = ScriptedModel(Script([Turn(text="checking", tool_calls=(call,), usage=Usage(5, 1, 2)),
                                     Turn.answer("sunny", Usage(6, 2))]))
    client = ScriptedClient(scripted)
    first = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "Weather?"}])
    assert json.loads(first.choices[0].message.content) == {
        "scratchpad": "checking", "tool": "lookup", "arguments": {"query": "weather"}}
    usage = first.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (5, 1, 6)
    assert usage.prompt_tokens_details.cached_tokens == 2
    second = client.chat.completions.create(model="m", messages=[])
    assert json.loads(second.choices[0].message.content) == {"answer": "sunny"}


def test_the_tools_protocol_returns_native_parallel_tool_calls_and_the_async_client_awaits():
    scripted = ScriptedModel(Script([Turn.tools("lookup", "search", usage=Usage(7, 3))]))
    client = AsyncScriptedClient(scripted, protocol="tools")
    reply = asyncio.run(client.chat.completions.create(model="m", messages=[], tools=[{"type": "function"}]))
    calls = reply.choices[0].message.tool_calls
    assert [c.id for c in calls] == ["call-0-0", "call-0-1"] and reply.choices[0].finish_reason == "tool_calls"
    assert reply.usage.total_tokens == 10 and scripted.calls[0].n_tools == 1


def test_a_parallel_turn_cannot_be_said_in_react_json():
    agent, scripted = _agent(ReactAgent, Script([Turn.tools("lookup", "lookup")]))
    with pytest.raises(UnsupportedTurn, match="one tool call per reply"):
        agent.run("Go.")
    assert len(scripted.calls) == 1


def test_an_injected_model_error_propagates_after_the_call_is_logged():
    agent, scripted = _agent(ReactAgent, Script([Turn.tools(), Turn(raises=RuntimeError("provider down"))]))
    with pytest.raises(RuntimeError, match="provider down"):
        agent.run("Go.")
    assert len(scripted.calls) == 2


def test_the_dialect_docstring_example_runs():
    import agent_limits.mocks.tinyagent

    example = re.search(r"\n\n((?:    .*\n|\n)+)", agent_limits.mocks.tinyagent.__doc__ or "")
    assert example, "agent_limits.mocks.tinyagent has no example in its docstring"
    exec(compile(textwrap.dedent(example.group(1)), "agent_limits.mocks.tinyagent", "exec"), {})


# -- the adapter ----------------------------------------------------------------------------------
@pytest.mark.parametrize("spec, cls, protocol", [
    ("tinyagent:ReactAgent", ReactAgent, "react"),
    ("tinyagent:TinyCodeAgent", TinyCodeAgent, "code"),
])
def test_resolve_picks_the_tinyagent_adapter(spec, cls, protocol):
    impl = resolve(spec)
    assert isinstance(impl.adapter, TinyAgentAdapter)
    assert (impl.adapter.agent_cls, impl.adapter.protocol) == (cls, protocol)
    assert impl.adapter.capabilities == {"max_turns"}
    assert impl.adapter.supports_sync and not impl.adapter.supports_async


@pytest.mark.parametrize("cls, calls", [(ReactAgent, 4), (TinyCodeAgent, 3)])
def test_a_step_limit_is_translated_to_max_turns(cls, calls):
    adapter = TinyAgentAdapter(cls, "react" if cls is ReactAgent else "code")
    scripted = ScriptedModel(Script.endless_tools(usage=Usage(10, 5)))
    tool = Tool()
    outcome = adapter.run(adapter.build(scripted, [tool], {"max_turns": 3}), "Go.")
    assert outcome.stop == "max_turns" and isinstance(outcome.signal, StepLimitReached)
    assert len(tool.executions) == 3
    assert len(scripted.calls) == calls  # ReactAgent asks once more for a "best final answer"
    assert outcome.text is None and outcome.usage is None and outcome.messages == []


def test_a_final_attempt_answer_is_still_a_breach():
    adapter = TinyAgentAdapter(ReactAgent, "react")
    scripted = ScriptedModel(Script([Turn.tools(), Turn.tools(), Turn.answer("best guess")]))
    outcome = adapter.run(adapter.build(scripted, [Tool()], {"max_turns": 2}), "Go.")
    assert (outcome.stop, outcome.signal, outcome.text) == ("max_turns", "step_limit_reached", "best guess")


def test_none_leaves_max_steps_out_so_the_default_applies():
    adapter = TinyAgentAdapter(TinyCodeAgent, "code")
    scripted = ScriptedModel(Script.endless_tools())
    outcome = adapter.run(adapter.build(scripted, [Tool()], {"max_turns": None}), "Go.")
    assert outcome.stop == "max_turns" and len(scripted.calls) == 6  # TinyCodeAgent's MAX_STEPS


def test_an_error_is_an_outcome():
    adapter = TinyAgentAdapter(ReactAgent, "react")
    scripted = ScriptedModel(Script([Turn(raises=RuntimeError("provider down"))]))
    outcome = adapter.run(adapter.build(scripted, [Tool()], {}), "Go.")
    assert outcome.stop == "error" and isinstance(outcome.error, RuntimeError)


def test_an_invalid_value_reaches_tinyagent_unvalidated():
    adapter = TinyAgentAdapter(ReactAgent, "react")
    scripted = ScriptedModel(Script.endless_tools())
    outcome = adapter.run(adapter.build(scripted, [Tool()], {"max_turns": "3"}), "Go.")
    assert outcome.stop == "error" and isinstance(outcome.error, TypeError)  # range("3") inside run()
    assert scripted.calls == []


def test_a_limit_tinyagent_lacks_is_refused_not_emulated():
    with pytest.raises(ValueError, match="max_tool_calls"):
        TinyAgentAdapter(ReactAgent, "react").build(ScriptedModel(Script.answer()), [Tool()], {"max_tool_calls": 2})


@pytest.mark.parametrize("turn, protocol, text", [
    (Turn.tools(text="checking"), "react", "checking"),
    (Turn.tools(), "react", None),
    (Turn.answer("found"), "react", "found"),
    (Turn.tools("lookup", "search", text="two lines\nof text"), "code", "two lines\nof text"),
    (Turn.tools(), "code", None),
    (Turn.answer("it's 'found'"), "code", "it's 'found'"),
])
def test_said_reads_back_what_the_model_said_in_each_protocol(turn, protocol, text):
    reply = (react_content if protocol == "react" else code_content)(turn)
    assert said(reply, protocol) == text
    assert said("not the protocol", protocol) == "not the protocol"


def test_received_reads_the_chat_messages_with_what_the_model_said():
    adapter = TinyAgentAdapter(TinyCodeAgent, "code")
    scripted = ScriptedModel(Script([Turn.tools(text="looking"), Turn.answer("done")]), record_messages=True)
    adapter.run(adapter.build(scripted, [Tool()], {}), "Go.")
    sent = adapter.received(scripted.calls[1].messages or ())
    assert [(m.role, m.text) for m in sent][1:3] == [("user", "Go."), ("assistant", "looking")]
    assert sent[0].role == "system" and sent[3].role == "user"


@pytest.mark.parametrize("cls, stop, calls", [(ReactAgent, "completed", 4), (TinyCodeAgent, "max_turns", 3)])
def test_run_default_reads_tinyagents_default_result_without_return_result(cls, stop, calls):
    adapter = TinyAgentAdapter(cls, "react" if cls is ReactAgent else "code")
    scripted = ScriptedModel(Script([Turn.tools(), Turn.tools(), Turn.tools(), Turn.answer("best guess")]))
    outcome = adapter.run_default(adapter.build(scripted, [Tool()], {"max_turns": 3}), "Go.")
    # ReactAgent's "final attempt" answer comes back as a plain string: the breach is invisible;
    # TinyCodeAgent raises StepLimitReached, which is readable without an opt-in.
    assert outcome.stop == stop and len(scripted.calls) == calls
    assert outcome.text == ("best guess" if cls is ReactAgent else None)
