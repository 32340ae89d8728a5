"""The scripted model provider and instrumented tools."""

from __future__ import annotations

import asyncio

import pytest

from agent_limits.mocks import ManualClock, Script, ScriptedModel, ScriptExhausted, Tool, ToolCall, Turn, Usage


def test_usage_totals_and_validation():
    assert Usage(3, 4).total == 7
    assert Usage(1, 2) + Usage(3, 4, 1) == Usage(4, 6, 1)
    with pytest.raises(ValueError):
        Usage(-1, 0)
    with pytest.raises(ValueError):
        Usage(True, 0)


def test_builders_make_the_common_shapes():
    script = Script.tool_calls(2, usage=Usage(1, 1), final="ok")
    assert [t.is_final for t in script.turns] == [False, False, True]
    assert script.turns[-1].text == "ok" and len(script) == 3
    endless = Script.endless_tools(parallel=3, cap=7)
    assert endless.endless and len(endless) == 7 and len(endless.turn(6).tool_calls) == 3
    with pytest.raises(IndexError):
        endless.turn(7)


def test_tool_call_ids_are_unique_within_a_script():
    script = Script([Turn.tools("a", "b"), Turn.tools("a")], then=Turn.tools("c"), cap=50)
    ids = [c.id for i in range(50) for c in script.turn(i).tool_calls]
    assert len(ids) == len(set(ids))
    with pytest.raises(ValueError, match="appears twice"):
        Script([Turn.tools(ToolCall("a", id="x")), Turn.tools(ToolCall("a", id="x"))])


def test_describe_folds_runs_into_one_line():
    assert Script.tool_calls(3, usage=Usage(1, 2)).describe() == (
        "3x [tool lookup; 1in+2out] -> [answer 'done'; 1in+2out]"
    )


def test_model_replays_the_script_and_logs_each_call():
    clock = ManualClock()
    model = ScriptedModel(Script([Turn.tools(usage=Usage(5, 1), latency=2.0), Turn.answer("x")]), clock=clock)
    messages = [{"role": "user", "content": "hi"}]
    first = model.complete(messages, ["t"])
    assert first.tool_calls and clock.now() == 2.0
    second = asyncio.run(model.acomplete(messages + [{}], ["t"]))
    assert second.text == "x"
    assert [(c.index, c.n_messages, c.n_tools) for c in model.calls] == [(0, 1, 1), (1, 2, 1)]
    assert (model.calls[0].started_at, model.calls[0].ended_at) == (0.0, 2.0)
    assert model.usage == Usage(5, 1) + Usage(10, 5)


def test_log_keeps_no_copy_of_the_conversation():
    model = ScriptedModel(Script.endless_tools())
    messages: list = []
    model.complete(messages)
    messages.extend([{}] * 5)
    assert model.calls[0].n_messages == 0  # a count taken at call time, not a reference or a copy


def test_scripted_error_is_raised_and_logged():
    model = ScriptedModel(Script([Turn(raises=RuntimeError("provider down"))]))
    with pytest.raises(RuntimeError, match="provider down"):
        model.complete([])
    assert len(model.calls) == 1


def test_runaway_agent_gets_script_exhausted_naming_the_limit():
    model = ScriptedModel(Script.endless_tools(cap=3), limits={"max_turns": 2})
    for _ in range(3):
        model.complete([])
    with pytest.raises(ScriptExhausted, match=r"call #4 is past the script's hard cap of 3 calls.*max_turns=2 \(3 calls"):
        model.complete([])
    assert model.exhausted is not None and model.exhausted.calls == 4


def test_calling_after_the_final_answer_is_named():
    model = ScriptedModel(Script.answer())
    model.complete([])
    with pytest.raises(ScriptExhausted, match="did not stop on a reply without tool calls"):
        model.complete([])


def test_exhaustion_without_limits_says_the_script_is_too_short():
    model = ScriptedModel(Script([Turn.tools()]))
    model.complete([])
    with pytest.raises(ScriptExhausted, match="no limit was set"):
        model.complete([])


def test_tool_records_executions_sync_and_async():
    clock = ManualClock()
    tool = Tool(latency=1.5, clock=clock)
    assert tool(query="a") == "lookup: query='a'"
    assert asyncio.run(tool.acall(query="b")) == "lookup: query='b'"
    assert [e.arguments for e in tool.executions] == [{"query": "a"}, {"query": "b"}]
    assert tool.executions[1].started_at == 1.5 and tool.executions[1].ended_at == 3.0


@pytest.mark.asyncio
async def test_tool_measures_peak_concurrency():
    tool = Tool()
    await asyncio.gather(*(tool.acall(query=str(i)) for i in range(4)))
    assert tool.peak_concurrency == 4 and tool.running == 0


def test_tool_failure_is_recorded_and_raised():
    def boom(**_):
        raise ValueError("bad")

    tool = Tool(fn=boom)
    with pytest.raises(ValueError):
        tool(query="x")
    assert isinstance(tool.executions[0].error, ValueError)


def test_sized_outputs_give_each_call_its_own_size_the_same_every_time():
    from agent_limits.mocks.strategies import SizedOutputs

    sized = SizedOutputs([2, 30])
    outputs = [sized(query=f"q{i}.0") for i in range(8)]
    assert {len(o) for o in outputs} == {2, 30}  # long and short mix across calls
    assert outputs == [sized(query=f"q{i}.0") for i in range(8)]  # a rerun repeats them
    assert len(outputs[0].encode()) > len(outputs[0])  # multi-byte characters, so a cut may split one


def test_scripts_draw_calls_from_the_tools_named():
    from hypothesis import given, settings

    from agent_limits.mocks.strategies import TOOL_NAMES, scripts

    seen: set[str] = set()

    @settings(max_examples=30, derandomize=True, deadline=None)
    @given(scripts(tools=TOOL_NAMES))
    def draw(script):
        seen.update(c.name for i in range(min(len(script), 12)) for c in script.turn(i).tool_calls)

    draw()
    assert seen == set(TOOL_NAMES)
