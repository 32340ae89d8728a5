"""The CI gate: expectations file, level policy, JUnit properties, Markdown report.

Each test runs pytest in a scratch project (pytester) against small agents with known bugs, and
checks what a framework maintainer's CI would see: the exit code, pytest's own summary, the
files written.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import pytest

REFERENCE = "agent_limits.conformance.reference:ReferenceAgent"

AGENTS = '''
from agent_limits.conformance.reference import ReferenceAgent
# the catalogue's token-budget mutant: > where >= belongs, one model call too many at the boundary
from tests.mutants.budgets import BudgetGreaterThan as OverBudget


class Shallow(ReferenceAgent):
    """Recurses per turn: a thousand turns crash it (LONG-1, a SHOULD clause)."""

    def invoke(self, prompt):
        if self.max_turns == 1000:
            raise RecursionError("maximum recursion depth exceeded")
        return super().invoke(prompt)

    async def ainvoke(self, prompt):
        if self.max_turns == 1000:
            raise RecursionError("maximum recursion depth exceeded")
        return await super().ainvoke(prompt)


class TurnsOnly:
    """Supports max_turns and nothing else: every other limit's clauses are skipped."""

    def __init__(self, model, tools, max_turns=None):
        self.agent = ReferenceAgent(model, tools, max_turns=max_turns)

    def invoke(self, prompt):
        return self.agent.invoke(prompt)
'''

TOKENS_ENTRY = '''
["TOKENS-1"]
expected = "fail"
reason = "the budget check uses > instead of >="
link = "https://example.org/issues/7"
'''


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    pytester.makepyfile(myagents=AGENTS)
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function",
                                        *args)


def expect(pytester: pytest.Pytester, text: str, name: str = "expectations.toml") -> str:
    pytester.path.joinpath(name).write_text(text)
    return f"--conformance-expect={name}"


# -- expectations ---------------------------------------------------------------------------
def test_an_expected_failure_is_an_xfail_with_its_reason_and_the_run_passes(project):
    result = run(project, "--agent-impl=myagents:OverBudget", "--clause=TOKENS-1", expect(project, TOKENS_ENTRY))
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.assert_outcomes(passed=8, xfailed=4)
    result.stdout.fnmatch_lines(["FAILED   TOKENS-1 * 8 passed, 4 failed (4 expected)"])  # the clause, honestly
    result.stdout.fnmatch_lines([  # pytest's own summary: expected failures, with the reason and the link
        "XFAIL *test_total_token_budget_stops_at_the_exact_boundary[[]sync-even-boundary=30] - [[]TOKENS-1] expected "
        "to fail by *expectations.toml: the budget check uses > instead of >= (https://example.org/issues/7)",
    ])


def test_a_new_failure_fails_the_run(project):
    limited = TOKENS_ENTRY.replace('link = ', 'cases = ["sync-even-boundary=30"]\nlink = ')
    result = run(project, "--agent-impl=myagents:OverBudget", "--clause=TOKENS-1", expect(project, limited))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=8, failed=3, xfailed=1)


def test_an_expected_failure_that_passes_fails_the_run_until_the_file_is_updated(project):
    result = run(project, f"--agent-impl={REFERENCE}", "--clause=TOKENS-1", expect(project, TOKENS_ENTRY))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=12)
    result.stdout.fnmatch_lines([
        "unexpectedly passing: TOKENS-1: every case that ran passed; remove it from *expectations.toml",
        "agent-limits: 1 outcome(s) differ from *expectations.toml",
    ])


def test_lenient_only_warns_about_an_unexpected_pass(project):
    result = run(project, f"--agent-impl={REFERENCE}", "--clause=TOKENS-1", expect(project, TOKENS_ENTRY),
                 "--conformance-expect-lenient")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["warning: unexpectedly passing: TOKENS-1: *remove it from *expectations.toml"])


def test_a_should_entry_that_passes_only_warns_at_level_must_and_fails_at_should(project):
    """At level must a SHOULD clause's outcome gates neither way: its stale entry is a warning (a
    measured clause such as LONG-2 flips at its bound); at level should it fails the run as any."""
    entry = expect(project, '[TOOLS-4]\nexpected = "fail"\nreason = "ids are reused"\n')
    result = run(project, f"--agent-impl={REFERENCE}", "--clause=TOOLS-4", entry)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["warning: unexpectedly passing: TOOLS-4: *remove it from *expectations.toml"])
    strict = run(project, f"--agent-impl={REFERENCE}", "--clause=TOOLS-4", entry, "--conformance-level=should")
    assert strict.ret == pytest.ExitCode.TESTS_FAILED
    strict.stdout.fnmatch_lines(["unexpectedly passing: TOOLS-4: *", "agent-limits: 1 outcome(s) differ from *"])


def test_an_entry_for_a_deselected_clause_is_not_judged(project):
    result = run(project, f"--agent-impl={REFERENCE}", "--clause=TURNS-1", expect(project, TOKENS_ENTRY))
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()


@pytest.mark.parametrize("text, message", [
    ('["TOKEN-1"]\nexpected = "fail"\nreason = "x"\n', "*[[]TOKEN-1]: no such clause in the spec (did you mean TOKENS-1*"),
    ('["TOKENS-1"]\nexpected = "fail"\nreason = "x"\ncase = ["sync-cap=1"]\n',
     "*[[]TOKENS-1]: unknown key(s) case; the keys are expected, reason, link, cases*"),
    ('["TOKENS-1"]\nexpected = "failing"\nreason = "x"\n', '*[[]TOKENS-1] expected = *failing*: must be "fail" or "skip"*'),
    ('["TOKENS-1"]\nexpected = "fail"\n', "*[[]TOKENS-1]: reason is required*"),
    ('["TOKENS-1"\nexpected = "fail"\n', "*not valid TOML*"),
])
def test_a_wrong_entry_is_a_usage_error_naming_it(project, text, message):
    result = run(project, f"--agent-impl={REFERENCE}", expect(project, text))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_case_no_test_has_is_a_usage_error_naming_it(project, workers):
    typo = TOKENS_ENTRY.replace('link = ', 'cases = ["sync-even-boundry=30"]\nlink = ')
    result = run(project, f"--agent-impl={REFERENCE}", "--clause=TOKENS-1", expect(project, typo), *workers)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stdout.str() + result.stderr.str()
    assert "no test of TOKENS-1 is named 'sync-even-boundry=30'" in output and "sync-even-boundary=30" in output


def test_a_missing_file_is_a_usage_error_unless_updating(project):
    result = run(project, f"--agent-impl={REFERENCE}", "--conformance-expect=nope.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--conformance-expect=*nope.toml: no such file; write it from a run with "
                                 "--conformance-expect-update*"])
    result = run(project, f"--agent-impl={REFERENCE}", "--conformance-expect-update")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--conformance-expect-update needs the file to write*"])


def test_update_writes_the_file_round_trips_and_keeps_reasons_and_links(project):
    path = project.path / "expectations.toml"
    args = ("--agent-impl=myagents:OverBudget", "--clause=TOKENS-1", "--clause=TURNS-1",
            "--conformance-expect=expectations.toml")
    written = run(project, *args, "--conformance-expect-update")
    assert written.ret == pytest.ExitCode.OK  # what it recorded is expected from now on
    written.stdout.fnmatch_lines(["agent-limits: wrote *expectations.toml: 1 entry (1 added, 0 removed)"])
    entry = tomllib.loads(path.read_text())["TOKENS-1"]
    assert entry["expected"] == "fail" and entry["reason"]
    assert set(entry["cases"]) == {"sync-even-boundary=30", "sync-uneven-boundary=57", "async-even-boundary=30",
                                   "async-uneven-boundary=57"}
    # a maintainer writes the reason and the link; a second update keeps them
    data = path.read_text().replace(f'reason = {json.dumps(entry["reason"])}',
                                    'reason = "our own words"\nlink = "https://example.org/9"')
    path.write_text(data)
    assert run(project, *args, "--conformance-expect-update").ret == pytest.ExitCode.OK
    again = tomllib.loads(path.read_text())["TOKENS-1"]
    assert again == {**entry, "reason": "our own words", "link": "https://example.org/9"}
    assert run(project, *args).ret == pytest.ExitCode.OK  # the file now describes the agent
    # fixed: the entry goes on the next update
    fixed = run(project, f"--agent-impl={REFERENCE}", *args[1:], "--conformance-expect-update")
    fixed.stdout.fnmatch_lines(["agent-limits: wrote *expectations.toml: 0 entries (0 added, 1 removed)"])
    assert "TOKENS-1" not in tomllib.loads(path.read_text())


def test_update_keeps_entries_of_clauses_that_did_not_run(project):
    path = project.path / "expectations.toml"
    path.write_text(TOKENS_ENTRY)
    result = run(project, f"--agent-impl={REFERENCE}", "--clause=TURNS-1", "--conformance-expect=expectations.toml",
                 "--conformance-expect-update")
    assert result.ret == pytest.ExitCode.OK
    assert tomllib.loads(path.read_text())["TOKENS-1"]["link"] == "https://example.org/issues/7"


def test_the_ini_key_names_the_file_relative_to_the_ini_file(project):
    project.makeini("[pytest]\nconformance_expect = gate/expectations.toml\n")
    (project.path / "gate").mkdir()
    (project.path / "gate" / "expectations.toml").write_text(TOKENS_ENTRY)
    result = run(project, "--agent-impl=myagents:OverBudget", "--clause=TOKENS-1")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.assert_outcomes(passed=8, xfailed=4)


# -- skips ------------------------------------------------------------------------------------
SKIP_ENTRY = '["COST-1"]\nexpected = "skip"\nreason = "no cost cap"\n'


def test_an_unsupported_limit_listed_as_skip_passes_and_unlisted_fails(project):
    args = ("--agent-impl=myagents:TurnsOnly", "--clause=TURNS-1", "--clause=COST-1")
    assert run(project, *args, expect(project, SKIP_ENTRY)).ret == pytest.ExitCode.OK
    result = run(project, *args, expect(project, '["TURNS-2"]\nexpected = "skip"\nreason = "x"\n'))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(['skipped, and not listed: COST-1: implementation does not support max_cost_usd*'
                                 'add it to *expectations.toml with expected = "skip"'])


def test_an_expected_skip_that_now_passes_is_stale(project):
    result = run(project, f"--agent-impl={REFERENCE}", "--clause=COST-1", expect(project, SKIP_ENTRY))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["unexpectedly passing: COST-1: the clause is now checked and passes; remove it from *"])


# -- level --------------------------------------------------------------------------------------
def test_a_should_failure_is_reported_but_gates_only_at_level_should(project):
    at_must = run(project, "--agent-impl=myagents:Shallow", "--clause=LONG-1", "--clause=TURNS-1")
    assert at_must.ret == pytest.ExitCode.OK
    at_must.assert_outcomes(passed=6, xfailed=2)
    at_must.stdout.fnmatch_lines(["FAILED   LONG-1 * SHOULD 0 passed, 2 failed (2 SHOULD, not gating)"])
    at_must.stdout.fnmatch_lines(["XFAIL * - [[]LONG-1] a SHOULD clause: reported, not gating at --conformance-level=must"])
    at_should = run(project, "--agent-impl=myagents:Shallow", "--clause=LONG-1", "--conformance-level=should")
    assert at_should.ret == pytest.ExitCode.TESTS_FAILED
    at_should.assert_outcomes(failed=2)
    project.makeini("[pytest]\nconformance_level = should\n")
    assert run(project, "--agent-impl=myagents:Shallow", "--clause=LONG-1").ret == pytest.ExitCode.TESTS_FAILED


def test_a_bad_level_is_a_usage_error(project):
    result = run(project, f"--agent-impl={REFERENCE}", "--conformance-level=may")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    project.makeini("[pytest]\nconformance_level = sometimes\n")
    result = run(project, f"--agent-impl={REFERENCE}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*conformance_level = 'sometimes'*must be must or should*"])


# -- reports ------------------------------------------------------------------------------------
def test_junit_testcases_carry_clause_level_implementation_path_and_limits(project):
    result = run(project, "--agent-impl=myagents:OverBudget", "--clause=TOKENS-1", "--clause=TOOLS-1",
                 "--junitxml=junit.xml")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    cases = list(ET.parse(project.path / "junit.xml").iter("testcase"))
    assert len(cases) == 12 + 12  # TOKENS-1 and TOOLS-1 (with its mixed-tool cases), both paths
    for case in cases:
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        assert props["clause"] in ("TOKENS-1", "TOOLS-1") and props["level"] == "MUST", props
        assert props["implementation"] == "myagents:OverBudget" and props["path"] in ("sync", "async"), props
        assert props["limits"].startswith(("max_token_budget=", "max_tool_calls=")), props
        assert props["path"] in case.get("name", "") and "[" in case.get("name", ""), case.attrib
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == 4 and all("TOKENS-1" in (c.find("failure").get("message") or "") for c in failed)


def test_markdown_report_by_suffix_and_appended_to_the_github_step_summary(project, monkeypatch):
    summary = project.path / "step_summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run(project, "--agent-impl=myagents:OverBudget", "--clause=TOKENS-1", "--clause=TURNS-1",
                 "--conformance-report=verdicts.md", "--conformance-report=verdicts.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    markdown = (project.path / "verdicts.md").read_text()
    assert markdown.startswith("## Agent limits conformance: does not conform")
    assert "| TOKENS-1 | MUST | ❌ **failed** | 8 passed, 4 failed |" in markdown
    assert "| TURNS-1 | MUST | ✅ passed | 6 passed |" in markdown
    assert "re-run: `pytest --agent-impl=myagents:OverBudget --pyargs 'agent_limits.conformance.suite.test_tokens::" in markdown
    assert "agent-limit-conformance 0.1.0" in markdown and "spec 0.10" in markdown and "python 3." in markdown
    report = json.loads((project.path / "verdicts.json").read_text())
    assert report["clauses"]["TOKENS-1"]["gating"] is True and report["versions"]["spec"] == "0.10"
    assert summary.read_text() == "earlier step\n" + markdown + "\n"


# -- the committed expectations of the matrix -------------------------------------------------
def test_a_matrix_expectations_file_gates_its_framework_and_fails_without_an_entry(project):
    """docs/expectations/tinyagent-react.toml, written by make matrix: with it the framework's run
    exits 0 (make test checks every column in full); with one expected failure deleted, it fails."""
    pytest.importorskip("tinyagent")
    import tomli_w

    source = Path(__file__).resolve().parents[1] / "docs" / "expectations" / "tinyagent-react.toml"
    entries = tomllib.loads(source.read_text())
    clause = "TURNS-1"
    assert entries[clause]["expected"] == "fail", entries.get(clause)
    args = ("--agent-impl=tinyagent:ReactAgent", f"--clause={clause}")
    result = run(project, *args, expect(project, source.read_text()))
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    assert result.parseoutcomes().get("xfailed", 0) > 0
    without = tomli_w.dumps({name: entry for name, entry in entries.items() if name != clause})
    result = run(project, *args, expect(project, without, "without.toml"))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert result.parseoutcomes().get("failed", 0) > 0
