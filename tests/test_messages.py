"""Failure messages that explain themselves (issue 13): cached tokens shown, stop reasons read
in either spelling, and an unreadable stop reason answered with the values that are read."""

from __future__ import annotations

import pytest

from agent_limits.harness._native import NATIVE_VALUES, NativeAdapter, native_stop, to_usage
from agent_limits.harness._trial import _matches, _show
from agent_limits.mocks import Script, Turn, Usage
from agent_limits.mocks._snapshot import render_usage

AGENTS = '''
from dataclasses import replace

from agent_limits.conformance.reference import ReferenceAgent


class Spelled(ReferenceAgent):
    """Reports every stop reason in its own spelling (SPELLING maps the native value to it)."""
    SPELLING = {}

    def _finish(self, run, stop_reason):
        result = super()._finish(run, stop_reason)
        return replace(result, stop_reason=self.SPELLING.get(stop_reason, stop_reason))


class StopKinds(Spelled):
    SPELLING = {"timeout": "timeout_seconds", "end_turn": "completed"}


class Capitalised(Spelled):
    SPELLING = {"timeout": "Timeout"}
'''


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function", *args)


def case(module: str, test: str) -> str:
    from agent_limits.harness.plugin import suite_dir

    return f"{suite_dir()}/{module}::{test}"


# -- cached input tokens --------------------------------------------------------------------------
def test_usage_shows_cached_input_tokens_only_when_there_are_some():
    assert str(Usage(1, 0, 1)) == "1in(+1 cached)+0out"
    assert str(Usage(7, 3)) == "7in+3out"


def test_a_script_shows_the_cached_tokens_of_each_turn():
    script = Script([Turn.tools(usage=Usage(7, 3, 5)), Turn.answer("done", Usage(2, 1))])
    assert script.describe() == "[tool lookup; 7in(+5 cached)+3out] -> [answer 'done'; 2in+1out]"


def test_golden_transcripts_keep_their_own_usage_form():
    """Snapshots in users' directories must not change because failure messages did."""
    assert render_usage(Usage(10, 5, 2)) == "10in+5out+2cached"
    assert render_usage(Usage(10, 5)) == "10in+5out"


def test_a_reported_usage_is_judged_on_input_and_output_tokens_only():
    """Cached tokens are informational (SPEC, Terms): shown beside the expectation, never judged."""
    assert _matches("reported_usage", str(Usage(7, 3, 5)), str(Usage(7, 3)))
    assert _matches("reported_usage", str(Usage(7, 3)), str(Usage(7, 3, 5)))
    assert not _matches("reported_usage", str(Usage(7, 3, 5)), str(Usage(12, 3, 5)))


def test_native_usage_keeps_the_cached_tokens_it_reports():
    assert to_usage({"input_tokens": 7, "output_tokens": 3, "cached_input_tokens": 5}) == Usage(7, 3, 5)
    assert to_usage({"input_tokens": 7, "output_tokens": 3, "cached_input_tokens": "five"}) == Usage(7, 3)


def test_a_cached_token_bug_shows_the_cached_tokens_in_its_failure(pytester):
    result = run(pytester, "--agent-impl=tests.mutants.budgets:BudgetCountsCachedTwice",
                 case("test_tokens.py", "test_cached_input_tokens_are_not_counted_twice[sync-cached-budget=30]"))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "  script: 4x [[]tool lookup; 7in(+5 cached)+3out[]] -> then [[]tool lookup; 7in(+5 cached)+3out[]] *",
        "  the agent stopped early: after 2 call(s) this invocation had spent 20 tokens (6 output, 10 cached input)*",
    ])


# -- stop reasons -----------------------------------------------------------------------------
@pytest.mark.parametrize("native, kind", [("timeout", "timeout_seconds"), ("timeout_seconds", "timeout_seconds"),
                                          ("end_turn", "completed"), ("completed", "completed"),
                                          ("max_turns", "max_turns")])
def test_a_stop_reason_is_read_in_its_native_spelling_and_as_its_stop_kind(native, kind):
    assert native_stop(native) == kind


@pytest.mark.parametrize("reason", ["Timeout", "stopped", None, 3, "error"])
def test_an_unrecognised_stop_reason_names_the_values_that_are_read(reason):
    stop = native_stop(reason)
    assert stop.startswith(f"unrecognised stop_reason {reason!r}; ")
    assert all(repr(v) in stop for v in NATIVE_VALUES)
    assert _show(stop) == f"unrecognised stop_reason {reason!r}"  # the table keeps the short form


def test_a_near_miss_is_named():
    assert "did you mean 'timeout'?" in native_stop("Timeout")


def test_the_native_adapter_reads_a_plain_object_result():
    class Plain:
        stop_reason = "timeout_seconds"
        messages = ({"role": "assistant", "content": "hi"},)
        text = "hi"

        class usage:  # noqa: N801 - an object with attributes, not a Usage
            input_tokens, output_tokens = 4, 2

    outcome = NativeAdapter(object).outcome(Plain())
    assert (outcome.stop, outcome.text, outcome.usage) == ("timeout_seconds", "hi", Usage(4, 2))
    assert [m.role for m in outcome.messages] == ["assistant"]


def test_stop_kind_spellings_pass_and_a_misspelling_fails_with_the_native_values(pytester):
    pytester.makepyfile(spelled=AGENTS)
    pytester.syspathinsert()
    timeout = case("test_isolation.py", "test_two_agents_invoked_together_never_share_counters[sync-timeout_seconds]")
    passed = run(pytester, "--agent-impl=spelled:StopKinds", timeout,
                 case("test_validation.py", "test_none_means_unlimited[sync-max_turns]"))
    assert passed.ret == 0, passed.stdout.str()
    failed = run(pytester, "--agent-impl=spelled:Capitalised", timeout)
    assert failed.ret == pytest.ExitCode.TESTS_FAILED
    failed.stdout.fnmatch_lines([
        "    stop *timeout_seconds *unrecognised stop_reason 'Timeout'   <-- differs",
        "  stop: unrecognised stop_reason 'Timeout'; did you mean 'timeout'? stop_reason must be one of 'end_turn', *",
    ])


def test_a_role_enum_is_read_as_its_value():
    from enum import Enum

    from agent_limits.harness._native import to_message

    class Role(str, Enum):
        ASSISTANT = "assistant"

    assert to_message({"role": Role.ASSISTANT, "content": "hi"}).role == "assistant"


def test_spec_and_readme_name_exactly_the_stop_reasons_that_are_read():
    """The native protocol's code block lists every accepted spelling, and no other."""
    import re
    from pathlib import Path

    from agent_limits.harness._native import NATIVE_STOP_REASONS

    root = Path(__file__).resolve().parents[1]
    for doc in (root / "conformance" / "SPEC.md", root / "README.md"):
        lines = doc.read_text(encoding="utf-8").splitlines()
        first = next(i for i, line in enumerate(lines) if "stop_reason" in line and '"end_turn"' in line)
        last = next(i for i in range(first, len(lines)) if "result.messages" in lines[i])
        listing = "\n".join(lines[first:last])
        assert set(re.findall(r'"(\w+)"', listing)) == set(NATIVE_STOP_REASONS), doc.name
    wire = (root / "conformance" / "WIRE.md").read_text(encoding="utf-8")
    bullet = wire[wire.index("- `stop_reason`:"):].split("\n- ")[0]
    assert set(re.findall(r"`(\w+)`", bullet)) - {"stop_reason"} == set(NATIVE_STOP_REASONS), "WIRE.md"


# -- the deadline check and final answers ------------------------------------------------------
DEADLINE = '''
import pytest

from agent_limits.conformance import clause
from agent_limits.mocks import Script, Turn


@clause("TIMEOUT-1")
@pytest.mark.parametrize("ends", [600.0, 1000.0, 1400.0])
def test_final_answer(trial, ends):
    """A final answer that started before the deadline completes the invocation, whenever it ends."""
    script = Script([Turn.tools(latency=400.0), Turn.answer("done", latency=ends - 400.0)])
    obs = trial.agent(script, timeout_seconds=1000.0).invoke()
    trial.check_deadline(obs, 1000.0)
'''


def test_a_final_answer_in_flight_at_the_deadline_may_complete_the_invocation(pytester):
    """check_deadline accepts what the oracle accepts: a completion by a final answer (started
    before the deadline), also one that ends at or after it; a cooperative agent completes."""
    pytester.makepyfile(test_deadline=DEADLINE)
    result = run(pytester, "--agent-impl=agent_limits.conformance.reference:ReferenceAgent", "--clause=TIMEOUT-1",
                 "test_deadline.py", "-k", "test_final_answer")
    result.assert_outcomes(passed=6)  # sync and async (there pre-emptive: the late answer is cut)
