"""The oracle: what a conforming agent does, computed from script and limits alone."""

from __future__ import annotations

from agent_limits.harness import expect_run
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
