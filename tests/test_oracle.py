"""The oracle: what a conforming agent does, computed from script and limits alone."""

from __future__ import annotations

from agent_limits.harness import expect_run
from agent_limits.harness.oracle import expect_runs
from agent_limits.mocks import Script, Turn, Usage


def test_turn_limit_on_an_endless_script():
    exp = expect_run(Script.endless_tools(usage=Usage(1, 1)), {"max_turns": 4})
    assert (exp.calls, exp.executions, exp.stops) == (4, 4, {"max_turns"})


def test_token_budget_boundary_and_either_side():
    script = Script.endless_tools(usage=Usage(7, 3))
    assert expect_run(script, {"max_token_budget": 30}).calls == 3
    assert expect_run(script, {"max_token_budget": 29}).calls == 3
    assert expect_run(script, {"max_token_budget": 31}).calls == 4
    assert expect_run(script, {"max_output_tokens": 9}).calls == 3
    assert expect_run(script, {"max_output_tokens": 10}).calls == 4


def test_final_answer_wins_and_text_is_the_last_text():
    script = Script([Turn.tools(text="a"), Turn.tools(), Turn.answer("b")])
    exp = expect_run(script, {"max_turns": 3})
    assert (exp.calls, exp.stops, exp.text, exp.executions) == (3, {"completed"}, "b", 2)


def test_simultaneous_limits_accept_either_kind():
    exp = expect_run(Script.endless_tools(usage=Usage(10, 5)), {"max_turns": 3, "max_token_budget": 45})
    assert exp.stops == {"max_turns", "max_token_budget"}


def test_start_offset_continues_the_script():
    script = Script([Turn.answer("one"), Turn.tools(), Turn.answer("two")])
    exp = expect_run(script, {}, start=1)
    assert (exp.calls, exp.text) == (2, "two")


def test_a_too_short_script_is_reported_as_exhausted():
    exp = expect_run(Script([Turn.tools()]), {"max_turns": 5})
    assert exp.stops == {"script-exhausted"}


def test_an_unknown_call_once_the_cap_is_spent_may_be_refused_or_answered_as_unknown():
    """SPEC accepts both answers; the execution count is the same, only when the stop comes differs."""
    script = Script([Turn.tools("lookup", "no_such_tool"), Turn.tools("lookup"), Turn.answer("done")])
    unknown, refused = expect_runs(script, {"max_tool_calls": 1}, known_tools={"lookup"})
    assert (unknown.calls, unknown.executions, unknown.stops) == (2, 1, {"max_tool_calls"})
    assert (refused.calls, refused.executions, refused.stops) == (1, 1, {"max_tool_calls"})
    assert expect_run(script, {"max_tool_calls": 1}, known_tools={"lookup"}) == unknown  # the reference's reading


def test_an_unknown_call_before_the_cap_is_spent_has_one_reading():
    script = Script([Turn.tools("no_such_tool", "lookup"), Turn.tools("lookup"), Turn.answer("done")])
    assert len(expect_runs(script, {"max_tool_calls": 2}, known_tools={"lookup"})) == 1


def test_executions_are_counted_per_tool_in_the_order_the_cap_admits_them():
    script = Script([Turn.tools("search", "search", "lookup"), Turn.answer("done")])
    exp = expect_run(script, {"max_tool_calls": 2}, known_tools={"lookup", "search"})
    assert (exp.executions, exp.by_tool, exp.stops) == (2, {"search": 2}, {"max_tool_calls"})
