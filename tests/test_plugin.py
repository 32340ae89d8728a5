"""The pytest plugin, driven through pytester: options, errors, collection, skips, reports."""

from __future__ import annotations

import json
import sys

import pytest

REFERENCE = "agent_limits.conformance.reference:ReferenceAgent"

TURNS_ONLY = '''
from agent_limits.conformance.reference import ReferenceAgent

class TurnsOnly(ReferenceAgent):
    """Supports max_turns only: every token clause must be skipped, not passed."""
    def __init__(self, model, tools, max_turns=None):
        super().__init__(model, tools, max_turns=max_turns)

class SyncOnly:
    def __init__(self, model, tools, max_turns=None):
        self.agent = ReferenceAgent(model, tools, max_turns=max_turns)
    def invoke(self, prompt):
        return self.agent.invoke(prompt)

def make_agent():
    return None

class NotAnAgent:
    pass

broken = 42
'''


@pytest.fixture
def agents(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(myagents=TURNS_ONLY)
    pytester.syspathinsert()
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function", *args)


def test_option_runs_the_bundled_suite_and_reports_by_clause(pytester):
    # the reference agent passes every clause SPEC.md lists, each of which has tests
    from agent_limits.conformance import clauses

    every = len(clauses())
    result = run(pytester, f"--agent-impl={REFERENCE}")
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] > 100 and "failed" not in outcomes and "errors" not in outcomes
    assert result.ret == 0
    result.stdout.fnmatch_lines([
        "agent-impl: agent_limits.conformance.reference:ReferenceAgent | adapter: native protocol*limits: max_context_tokens, max_cost_usd, *, max_turns, timeout_seconds | paths: sync+async",
        "*agent conformance by clause*",
        "PASSED   TURNS-1 *MUST*",
        f"clauses: {every} passed, 0 failed, 0 skipped (of {every})",
    ])


def test_ini_key_selects_the_implementation(pytester):
    pytester.makeini(f"[pytest]\nagent_impl = {REFERENCE}\n")
    result = run(pytester, "--clause=TURNS-1")
    result.stdout.fnmatch_lines(["agent-impl: agent_limits.conformance.reference:ReferenceAgent*", "clauses: * passed, 0 failed*"])
    assert result.ret == 0


def test_command_line_wins_over_the_ini_key(agents):
    agents.makeini("[pytest]\nagent_impl = myagents:DoesNotExist\n")
    result = run(agents, "--agent-impl=myagents:TurnsOnly", "--clause=TURNS-1")
    result.stdout.fnmatch_lines(["agent-impl: myagents:TurnsOnly*"])
    assert result.ret == 0


def test_without_an_implementation_nothing_extra_is_collected(pytester):
    pytester.makepyfile(test_own="def test_mine():\n    pass\n")
    result = run(pytester)
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*agent conformance*")


def test_the_suite_named_without_an_implementation_is_a_usage_error(pytester):
    from agent_limits.harness.plugin import suite_dir

    result = run(pytester, str(suite_dir()))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*the conformance suite needs an implementation: add --agent-impl=MODULE:ATTR*"])


@pytest.mark.parametrize(
    "spec, message",
    [
        ("myagents", "*--agent-impl expects MODULE:ATTR, e.g. --agent-impl=mypkg.agents:Agent, or the name of an agent "
                     "run as a child process over the wire protocol (js-reference, cognipeer; or "
                     "--agent-cmd=COMMAND); got 'myagents'*"),
        ("nosuchpkg.agents:Agent",
         "*--agent-impl=nosuchpkg.agents:Agent: cannot import module 'nosuchpkg.agents': "
         "ModuleNotFoundError: No module named 'nosuchpkg'*"),
        ("myagents:Agnet",
         "*module 'myagents' has no attribute 'Agnet'. It has: myagents:NotAnAgent, "
         "myagents:ReferenceAgent, myagents:SyncOnly, myagents:TurnsOnly, myagents:make_agent.*"),
        ("myagents:NotAnAgent", "*myagents:NotAnAgent is a class that is neither an agent nor an adapter.*"),
        ("myagents:broken", "*myagents:broken is a int that is neither an agent nor an adapter.*"),
        ("strands:Agent", "*needs strands-agents, which is not installed. Install it with: "
                          "pip install 'agent-limit-conformance[[]strands[]]'*"),
        ("google.adk.agents:LlmAgent", "*needs google-adk, which is not installed. Install it with: "
                                       "pip install 'agent-limit-conformance[[]google-adk[]]'*"),
    ],
    ids=["no-colon", "not-importable", "attribute-missing", "not-an-agent", "not-a-class", "framework-missing",
         "namespaced-framework-missing"],
)
def test_bad_agent_impl_is_a_clear_usage_error(agents, monkeypatch, spec, message):
    absent = {"strands:Agent": "strands", "google.adk.agents:LlmAgent": "google.adk.agents"}.get(spec)
    if absent:  # absent even where the extra is installed (and whatever this process imported before)
        monkeypatch.setitem(sys.modules, absent, None)
    result = run(agents, f"--agent-impl={spec}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_an_import_error_inside_the_module_is_shown(pytester):
    pytester.makepyfile(badmod="import does_not_exist_anywhere\nclass Agent: pass\n")
    pytester.syspathinsert()
    result = run(pytester, "--agent-impl=badmod:Agent")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*cannot import module 'badmod': ModuleNotFoundError: No module named 'does_not_exist_anywhere'*"])


def test_unsupported_limit_is_skipped_with_its_name_never_passed(agents, tmp_path):
    report = tmp_path / "verdicts.json"
    result = run(agents, "--agent-impl=myagents:TurnsOnly", f"--conformance-report={report}", "-rs",
                 "--clause=TOKENS-1", "--clause=OUTPUT-1", "--clause=TURNS-1")
    assert result.ret == 0
    verdicts = json.loads(report.read_text())["clauses"]
    assert verdicts["TOKENS-1"]["status"] == "skipped"
    assert verdicts["TOKENS-1"]["passed"] == 0
    assert verdicts["TOKENS-1"]["skip_reasons"] == ["implementation does not support max_token_budget"]
    assert verdicts["OUTPUT-1"]["skip_reasons"] == ["implementation does not support max_output_tokens"]
    assert verdicts["TURNS-1"]["status"] == "passed"
    result.stdout.fnmatch_lines([
        "SKIPPED  TOKENS-1 *0 passed, 12 skipped  (implementation does not support max_token_budget)",
        "*SKIPPED*implementation does not support max_token_budget*",
    ])


def test_missing_async_path_is_skipped_not_passed(agents, tmp_path):
    report = tmp_path / "verdicts.json"
    result = run(agents, "--agent-impl=myagents:SyncOnly", f"--conformance-report={report}", "--clause=TURNS-1")
    assert result.ret == 0
    turns = json.loads(report.read_text())["clauses"]["TURNS-1"]
    assert (turns["passed"], turns["skipped"]) == (3, 3)
    assert turns["skip_reasons"] == ["implementation has no async path"]


def test_a_broken_agent_fails_with_clause_limits_script_and_rerun_command(pytester):
    from agent_limits.harness.plugin import suite_dir

    case = f"{suite_dir()}/test_tokens.py::test_total_token_budget_stops_at_the_exact_boundary[sync-even-boundary=30]"
    result = run(pytester, "--agent-impl=tests.mutants.budgets:BudgetGreaterThan", case)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "[[]TOKENS-1[]] (MUST) With max_token_budget=B the agent checks input+output tokens*",
        "  implementation: tests.mutants.budgets:BudgetGreaterThan via native protocol*, sync path",
        "  limits: max_token_budget=30",
        "  script: 4x [[]tool lookup; 7in+3out[]] -> then [[]tool lookup; 7in+3out[]] forever (cap 1000 calls)",
        "*expected*observed",
        "    calls *3 *4   <-- differs",
        "    tokens *30 *40   <-- differs",
        "    stop *max_token_budget *max_token_budget",
        "  the agent made 1 model call(s) more than allowed: after 3 call(s) this invocation had spent 30 tokens*"
        "so max_token_budget=30 forbade call #4",
        "  re-run: pytest --agent-impl=tests.mutants.budgets:BudgetGreaterThan --pyargs "
        "'agent_limits.conformance.suite.test_tokens::test_total_token_budget_stops_at_the_exact_boundary[[]sync-even-boundary=30[]]'",
        "FAILED   TOKENS-1 *",
    ])


def test_fixtures_are_reusable_in_a_users_own_tests(pytester):
    pytester.makepyfile(test_user='''
from agent_limits.mocks import Script, Usage

def test_mine(scripted_model, instrumented_tools):
    model = scripted_model(Script.tool_calls(1, usage=Usage(3, 4)))
    (tool,) = instrumented_tools()
    turn = model.complete([], [tool.spec()])
    tool(**turn.tool_calls[0].arguments)
    assert len(model.calls) == 1 and len(tool.executions) == 1 and model.usage.total == 7

def test_adapter_needs_an_impl(agent_adapter):
    pass
''')
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*this test needs an implementation: run pytest with --agent-impl=MODULE:ATTR*"])


def test_clause_option_selects_and_rejects_unknown_ids(pytester):
    result = run(pytester, f"--agent-impl={REFERENCE}", "--clause=TOKENS-1")
    result.stdout.fnmatch_lines(["PASSED   TOKENS-1 *", "clauses: 1 passed, 0 failed, 0 skipped (of 1)"])
    result = run(pytester, f"--agent-impl={REFERENCE}", "--clause=TOKENS-9")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--clause: no clause TOKENS-9 in the spec; clauses: TURNS-1, *"])
    # checked before any worker starts, so pytest-xdist ends with the same usage error (not an internal error)
    result = run(pytester, f"--agent-impl={REFERENCE}", "--clause=TOKENS-9", "-n", "2")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--clause: no clause TOKENS-9 in the spec*"])


ATOMIC = '''
from agent_limits.conformance.reference import ReferenceAgent


class AtomicCap(ReferenceAgent):
    """Refuses a whole reply that would cross max_tool_calls (as LangChain and Pydantic AI do)."""

    def _run_tools(self, run, calls):
        if self.max_tool_calls is not None and run.executions + len(calls) > self.max_tool_calls:
            run.executions = self.max_tool_calls  # nothing more may run
        return super()._run_tools(run, calls)

    async def _arun_tools(self, run, calls):
        if self.max_tool_calls is not None and run.executions + len(calls) > self.max_tool_calls:
            run.executions = self.max_tool_calls
        return await super()._arun_tools(run, calls)
'''


def test_an_atomic_tool_cap_fails_tools_1_with_a_message_naming_the_pattern(pytester):
    """SPEC decision 4: refusing a whole reply that would cross M stays a TOOLS-1 failure, and the
    message says which pattern it is (k calls fitted)."""
    pytester.makepyfile(atomic=ATOMIC)
    result = run(pytester, "--agent-impl=atomic:AtomicCap", "--clause=TOOLS-1")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    # cap 3 with two calls a reply: the second reply asks for 2 with 1 left; cap 1: the first asks for 2
    result.stdout.fnmatch_lines(["*the whole reply was refused although 1 of its calls fit under the cap (an atomic cap*"])
    # cap 4 fits whole replies (atomic or not, the same); the mixed cases cross caps 1 and 3 mid-reply too
    result.assert_outcomes(passed=4, failed=8)


def test_a_clause_reports_the_reason_and_symptoms_of_the_failure_pytest_reports():
    """A Hypothesis test records a reason for every failing example it tries while shrinking; the
    clause's one-line reason is the last one's, the shrunk example pytest reports, so that it agrees
    with the failure message. Symptoms stay those of every example (what causes.json records)."""
    from agent_limits.harness import resolve
    from agent_limits.harness._verdicts import Verdicts

    verdicts = Verdicts(resolve(REFERENCE))
    report = pytest.TestReport(
        "suite/test_x.py::test_x[sync]", ("suite/test_x.py", 1, "test_x"), {}, "failed", "the shrunk example",
        "call", user_properties=[("clause", "PROP-1"), ("level", "MUST"), ("case", "m::test_x[sync]"),
                                 ("agent-reason", "sync: first example tried"), ("agent-symptoms", "calls:over tokens:over"),
                                 ("agent-reason", "sync: the shrunk example"), ("agent-symptoms", "calls:over")])
    verdicts.pytest_runtest_logreport(report)
    verdict = verdicts.by_clause["PROP-1"]
    assert verdict.reason == "sync: the shrunk example"
    assert verdict.symptoms == {"calls:over", "tokens:over"}  # every example's, as harness/causes.json records them


ONE_CALL_DIALECT = '''
from agent_limits.conformance.reference import ReferenceAgent
from agent_limits.mocks import Inexpressible


class OneCallPerReply(ReferenceAgent):
    """A dialect that carries one tool call per reply, as tinyAgent's ReAct JSON does."""

    def invoke(self, prompt):
        model = self.model
        complete = model.complete

        def say(messages, tools):
            turn = complete(messages, tools)
            if len(turn.tool_calls) > 1:
                raise model.cannot_express(Inexpressible(f"one tool call per reply, not {len(turn.tool_calls)}"))
            return turn

        model.complete = say
        try:
            return super().invoke(prompt)
        finally:
            del model.complete
'''


def test_a_turn_the_dialect_cannot_say_is_skipped_as_not_expressible_never_failed(pytester):
    """Issue 10: two tool calls in one reply to a protocol that carries one is not a limit failure."""
    pytester.makepyfile(onecall=ONE_CALL_DIALECT)
    result = run(pytester, "--agent-impl=onecall:OneCallPerReply", "--clause=TURNS-3", "--clause=TURNS-1", "-rs", "-p", "no:randomly")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*not expressible in native protocol (onecall.OneCallPerReply): one tool call per reply, not 2*"])
    # only the sync path goes through the one-call dialect: the async cases of TURNS-3 still pass
    result.assert_outcomes(passed=8, skipped=2)


def test_an_inexpressible_hypothesis_example_is_discarded_not_the_whole_property(pytester):
    pytester.makepyfile(onecall=ONE_CALL_DIALECT)
    # a subprocess: Hypothesis' strategies keep the classes of the first in-process run's imports
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--agent-impl=onecall:OneCallPerReply",
                                           "--clause=PROP-1", "-k", "sync-max_turns")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=2)  # sync: the one-call dialect, examples with parallel calls discarded
