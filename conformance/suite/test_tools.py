"""TOOLS-*, PAR-*: the tool-call cap, calls to unknown tools and the parallel-tool cap, counted by the instrumented tools."""

from __future__ import annotations

from typing import Any

import pytest

from agent_limits.conformance import clause
from agent_limits.harness.oracle import Expectation, expect_runs
from agent_limits.mocks import Script, Turn

from ._scenarios import USAGE

#: The second real tool of the mixed scenarios: caps count every tool together, never per name.
OTHER = "search"


@clause("TOOLS-1")
@pytest.mark.parametrize("cap", [1, 3, 4], ids=lambda v: f"cap={v}")
def test_at_most_m_executions_per_invocation(trial, cap):
    obs = trial.agent(Script.endless_tools(usage=USAGE, parallel=2, cap=100), max_tool_calls=cap).invoke()
    why = f"max_tool_calls={cap}: at most {cap} executions, and a refusal ends the invocation"
    fitted = _refused_whole_reply(obs, cap)
    if fitted:
        why += (f"; the whole reply was refused although {fitted} of its calls fit under the cap (an atomic cap: "
                "the spec requires the calls in order up to M, so this is a TOOLS-1 failure)")
    trial.check_oracle(obs, why=why)


#: Two real tools within a reply (endless), and one tool per reply alternating across replies: an
#: agent that keeps one counter per tool name passes the one-tool scenarios and fails these.
_MIXED: dict[str, Script] = {
    "within": Script(then=Turn.tools("lookup", OTHER, usage=USAGE), cap=100),
    "across": Script([Turn.tools(("lookup", OTHER)[i % 2], usage=USAGE) for i in range(8)]),
}


@clause("TOOLS-1")
@pytest.mark.parametrize(("mix", "cap"), [("within", 1), ("within", 3), ("across", 2)],
                         ids=lambda v: str(v) if isinstance(v, str) else f"cap={v}")
def test_the_cap_counts_every_tool_together(trial, mix, cap):
    obs = trial.agent(_MIXED[mix], trial.tools("lookup", OTHER), max_tool_calls=cap).invoke()
    trial.check_oracle(obs, why=f"max_tool_calls={cap} counts the executions of every tool together ({mix} a reply): "
                                f"at most {cap} in all, not {cap} per tool name")


def _refused_whole_reply(obs: Any, cap: int) -> int:
    """How many calls of the reply that crossed the cap would have fit, if none of them ran (the
    atomic-cap pattern: the agent refused the reply as a whole); 0 if that is not what happened."""
    executed = [dict(e.arguments) for e in obs.executions]
    done = 0
    for record in obs.calls:
        asked = [dict(c.arguments) for c in record.tool_calls]
        ran = sum(1 for arguments in asked if arguments in executed)
        if asked and ran == 0 and done < cap < done + len(asked):
            return cap - done
        done += ran
    return 0


@clause("TOOLS-2")
@pytest.mark.parametrize("cap", [1, 3], ids=lambda v: f"cap={v}")
def test_calls_past_the_cap_are_not_executed_but_answered(trial, cap):
    obs = trial.agent(Script.endless_tools(usage=USAGE, parallel=2, cap=100), max_tool_calls=cap).invoke()
    _check_first_calls_ran(trial, obs, cap)
    trial.check_transcript(obs)


def _check_first_calls_ran(trial, obs: Any, cap: int) -> None:
    """Exactly the first ``cap`` calls requested ran, in whatever order they ran (tools of a reply
    may run at once, and each tool keeps its own log)."""
    requested = [(c.name, dict(c.arguments)) for rec in obs.calls for c in rec.tool_calls]
    executed = [(e.tool, dict(e.arguments)) for e in obs.executions]
    trial.check(obs, executions=cap, why="the first calls up to the cap run; the ones past it do not")
    if sorted(map(repr, executed)) != sorted(map(repr, requested[:cap])):
        trial.fail(obs, {}, [], f"executed {executed}, expected the first {cap} requested: {requested[:cap]}")


@clause("TOOLS-2")
@pytest.mark.parametrize("cap", [1, 3], ids=lambda v: f"mixed-cap={v}")
def test_calls_of_either_tool_past_the_cap_are_not_executed_but_answered(trial, cap):
    obs = trial.agent(_MIXED["within"], trial.tools("lookup", OTHER), max_tool_calls=cap).invoke()
    _check_first_calls_ran(trial, obs, cap)
    trial.check_transcript(obs)


#: A call to an unknown tool once the cap is spent, with no call of a real tool past the cap in
#: that reply: refused as over the cap (the invocation stops after this reply) or answered as
#: unknown (it goes on, and the next reply's call is refused); SPEC accepts both.
_UNKNOWN_PAST_CAP = Script([Turn.tools("lookup", "no_such_tool", usage=USAGE), Turn.tools("lookup", usage=USAGE),
                            Turn.answer("done", USAGE)])


@clause("TOOLS-2")
def test_a_call_to_an_unknown_tool_past_the_cap_gets_one_result(trial):
    obs = trial.agent(_UNKNOWN_PAST_CAP, max_tool_calls=1).invoke()
    _check_one_of(trial, obs, expect_runs(_UNKNOWN_PAST_CAP, {"max_tool_calls": 1}, known_tools={"lookup"}),
                  why="max_tool_calls=1: one execution; the call to the unknown tool after it is refused as over the "
                      "cap (the invocation stops after that reply) or answered as unknown (the next reply's call is "
                      "refused); either way it runs nothing and gets exactly one result")
    trial.check_transcript(obs)


def _check_one_of(trial, obs: Any, accepted: tuple[Expectation, ...], why: str) -> None:
    """Pass if calls, executions, stop and tokens equal any accepted expectation; else fail
    against the one with the observed number of calls (the first if none has it)."""
    def expected(exp: Expectation) -> dict[str, Any]:
        return {"calls": exp.calls, "executions": exp.executions, "stop": set(exp.stops), "tokens": exp.usage.total}

    facts = obs.facts()
    if any(all(facts[k] == v or (isinstance(v, set) and facts[k] in v) for k, v in expected(exp).items())
           for exp in accepted):
        return
    nearest = next((exp for exp in accepted if exp.calls == facts["calls"]), accepted[0])
    others = "; also accepted: " + ", ".join(f"{e.calls} calls, stop {e.stop}" for e in accepted if e is not nearest)
    trial.check(obs, why=why + (others if len(accepted) > 1 else ""), **expected(nearest))


@clause("TOOLS-3")
def test_calls_that_did_not_run_do_not_count(trial):
    script = Script(then=Turn.tools("no_such_tool", "lookup", usage=USAGE), cap=100)
    obs = trial.agent(script, max_tool_calls=2).invoke()
    trial.check_oracle(obs, why="a call to a tool that does not exist was not executed, so it uses none of the cap")
    trial.check_transcript(obs)


#: A call to a tool that does not exist beside a real one, alone, and both in one invocation
#: (a framework that allows one such call per run is caught by the second); more replies and a
#: final answer follow, so an agent that ends the run at the unknown call is seen.
_UNKNOWN: dict[str, list[Turn]] = {
    "beside": [Turn.tools("no_such_tool", "lookup", usage=USAGE)],
    "alone": [Turn.tools("no_such_tool", usage=USAGE)],
    "twice": [Turn.tools("no_such_tool", "lookup", usage=USAGE), Turn.tools("no_such_tool", usage=USAGE)],
}


@clause("TOOLS-4")
@pytest.mark.parametrize("case", list(_UNKNOWN))
def test_a_call_to_an_unknown_tool_is_answered_and_the_invocation_goes_on(trial, case):
    script = Script([*_UNKNOWN[case], Turn.tools("lookup", usage=USAGE), Turn.answer("done", USAGE)])
    obs = trial.agent(script).invoke()
    trial.check_oracle(obs, why="a call to a tool that does not exist is answered with an error result, and the "
                                "invocation goes on: every reply of the script is asked for, up to the final answer")
    unknown = [c.id for rec in obs.calls for c in rec.tool_calls if c.name == "no_such_tool"]
    answered = {i: sum(1 for m in obs.outcome.messages if m.role == "tool" and m.tool_call_id == i) for i in unknown}
    wrong = {i: n for i, n in answered.items() if n != 1}
    if wrong:
        trial.fail(obs, {}, [], "each call to the unknown tool needs exactly one (error) result in the transcript; "
                   "results found: " + ", ".join(f"{i}: {n}" for i, n in wrong.items()),
                   symptoms=["transcript:wrong"])


def _parallel_script(width: int, names: tuple[str, ...] = ("lookup",)) -> Script:
    calls = [names[i % len(names)] for i in range(width)]
    return Script([Turn.tools(*calls, usage=USAGE)] * 2 + [Turn.answer("done", USAGE)])


@clause("PAR-1")
@pytest.mark.parametrize("cap", [1, 2, 3], ids=lambda v: f"cap={v}")
def test_never_more_than_p_executions_at_once(trial, cap):
    tools = trial.tools(hold_until=cap + 1)
    obs = trial.agent(_parallel_script(5), tools, max_parallel_tools=cap).invoke()
    peak = tools[0].concurrency.peak
    if peak > cap:
        trial.fail(obs, {}, [], f"{peak} tool executions ran at once; max_parallel_tools={cap}")
    trial.check(obs, stop="completed", executions=10)


@clause("PAR-1")
@pytest.mark.parametrize("cap", [1, 2], ids=lambda v: f"mixed-cap={v}")
def test_the_parallel_cap_counts_every_tool_together(trial, cap):
    tools = trial.tools("lookup", OTHER, hold_until=cap + 1)  # one gauge across both tools
    obs = trial.agent(_parallel_script(5, ("lookup", OTHER)), tools, max_parallel_tools=cap).invoke()
    peak = tools[0].concurrency.peak
    if peak > cap:
        trial.fail(obs, {}, [], f"{peak} tool executions ran at once (of two tools, alternating in each reply); "
                                f"max_parallel_tools={cap} counts every tool together, not {cap} per tool name")
    trial.check(obs, stop="completed", executions=10)


@clause("PAR-2")
@pytest.mark.parametrize("cap", [1, 2], ids=lambda v: f"cap={v}")
def test_a_wider_reply_still_gets_every_call_executed(trial, cap):
    obs = trial.agent(_parallel_script(5), trial.tools(), max_parallel_tools=cap).invoke()
    trial.check(obs, calls=3, executions=10, stop="completed",
                why=f"a reply asking for 5 calls with max_parallel_tools={cap} runs them all, {cap} at a time")
    trial.check_transcript(obs)
