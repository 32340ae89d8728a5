"""Safe in any project, honest in any CI: each test reproduces a problem a new user hit.

Import-name clashes, green runs that checked nothing, agents that exit the interpreter or leave
threads behind, bad options, unreadable results, floods of output, xdist, the ini key.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REFERENCE = "agent_limits.conformance.reference:ReferenceAgent"
PYTEST = str(Path(sys.executable).with_name("pytest"))  # the console script a user types, not python -m

AGENTS = '''
import os, sys, threading
from types import SimpleNamespace
from agent_limits.conformance.reference import ReferenceAgent

class NoLimits:
    """Follows the protocol but supports no limit at all."""
    def __init__(self, model, tools):
        self.agent = ReferenceAgent(model, tools)
    def invoke(self, prompt):
        return self.agent.invoke(prompt)

class HardExit(ReferenceAgent):
    def invoke(self, prompt):
        if self.max_turns is not None:
            os._exit(0)
        return super().invoke(prompt)

class SysExit(ReferenceAgent):
    def invoke(self, prompt):
        if self.max_turns is not None:
            sys.exit(3)
        return super().invoke(prompt)

class ReturnsNone(ReferenceAgent):
    def invoke(self, prompt):
        super().invoke(prompt)
        return None

class NoStopReason(ReferenceAgent):
    def invoke(self, prompt):
        result = super().invoke(prompt)
        return SimpleNamespace(messages=result.messages, text=result.text, usage=result.usage)

class NoModel:
    def __init__(self, max_turns=None):
        pass
    def invoke(self, prompt):
        return None

class LeavesThread(ReferenceAgent):
    """Starts a non-daemon thread that never ends, once per invocation."""
    def invoke(self, prompt):
        threading.Thread(target=threading.Event().wait).start()
        return super().invoke(prompt)

class Chatty(ReferenceAgent):
    """Prints a lot, then breaks the turn cap by one."""
    def invoke(self, prompt):
        print("x" * 200_000)
        if self.max_turns is not None:
            self.max_turns += 1
        return super().invoke(prompt)
'''


@pytest.fixture
def agents(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(myagents=AGENTS)
    pytester.syspathinsert()
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function", *args)


def run_plain(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Plain ``pytest`` in a subprocess, from ``cwd``: nothing of ours on sys.path but the install."""
    return subprocess.run([PYTEST, "-p", "no:cacheprovider", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


# -- 1. import names --------------------------------------------------------------------------
def test_a_project_with_its_own_mocks_harness_and_conformance_packages_is_unaffected(pytester):
    for name in ("mocks", "harness", "conformance"):
        pytester.mkpydir(name).joinpath("__init__.py").write_text(f"OWN = {name!r}\n")
    pytester.makepyfile(test_own='''
import mocks, harness, conformance

def test_mine():
    assert (mocks.OWN, harness.OWN, conformance.OWN) == ("mocks", "harness", "conformance")
''')
    result = run_plain(pytester.path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    result = run_plain(pytester.path, f"--agent-impl={REFERENCE}", "--clause=TURNS-1", "test_own.py", ".")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "clauses: 1 passed, 0 failed, 0 skipped (of 1)" in result.stdout


# -- 2. gate honestly ---------------------------------------------------------------------------
def test_an_implementation_that_supports_no_limit_fails_the_gate(agents, tmp_path):
    report = tmp_path / "v.json"
    result = run(agents, "--agent-impl=myagents:NoLimits", "--clause=TURNS-1", "--clause=TOKENS-1",
                 f"--conformance-report={report}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*nothing to vouch for: 0 clause(s) checked, at least 1 required "
                                 "(--conformance-min-clauses)*implementation does not support max_turns*"])
    assert json.loads(report.read_text())["gate"].startswith("nothing to vouch for")


def test_min_clauses_lets_ci_demand_more(agents):
    result = run(agents, f"--agent-impl={REFERENCE}", "--clause=TURNS-1", "--conformance-min-clauses=2")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*1 clause(s) checked, at least 2 required*"])
    assert run(agents, f"--agent-impl={REFERENCE}", "--clause=TURNS-1", "--clause=TURNS-2",
               "--conformance-min-clauses=2").ret == pytest.ExitCode.OK


@pytest.mark.parametrize("agent, shown", [("HardExit", "os._exit(0)"), ("SysExit", "sys.exit(3)")])
def test_an_agent_that_exits_fails_its_tests_and_the_reports_are_written(agents, tmp_path, agent, shown):
    report, junit = tmp_path / "v.json", tmp_path / "junit.xml"
    result = agents.runpytest_subprocess("-p", "no:cacheprovider", f"--agent-impl=myagents:{agent}", "--clause=TURNS-1",
                                         f"--conformance-report={report}", f"--junitxml={junit}", timeout=120)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"*the agent tried to end the interpreter: {shown}. An agent must report a stop*",
                                 "FAILED   TURNS-1 *", "clauses: 0 passed, 1 failed*"])
    result.stdout.no_fnmatch_line("*Traceback*")
    assert json.loads(report.read_text())["clauses"]["TURNS-1"]["status"] == "failed"
    assert "TURNS-1" in junit.read_text()


# -- 3. xdist -----------------------------------------------------------------------------------
def test_xdist_gives_the_same_verdicts_and_report_as_a_serial_run(agents, tmp_path, monkeypatch):
    pytest.importorskip("xdist")
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))  # for tests.mutants
    reports = {}
    for label, extra in (("serial", []), ("xdist", ["-n", "2"])):
        reports[label] = tmp_path / f"{label}.json"
        result = agents.runpytest_subprocess(
            "-p", "no:cacheprovider", "--agent-impl=tests.mutants.budgets:BudgetGreaterThan", "--clause=TOKENS-1",
            "--clause=TURNS-1", "--clause=VALID-1", f"--conformance-report={reports[label]}", *extra, timeout=300)
        result.stdout.fnmatch_lines(["*agent conformance by clause*", "FAILED   TOKENS-1 *MUST*", "PASSED   TURNS-1 *",
                                     "clauses: 2 passed, 1 failed, 0 skipped (of 3)"])
    serial, parallel = (json.loads(reports[k].read_text()) for k in ("serial", "xdist"))

    def comparable(report: dict) -> dict:
        return {c: {k: (sorted(v[k]) if k == "failures" else v[k]) for k in
                    ("status", "level", "passed", "failed", "skipped", "skip_reasons", "failures", "symptoms")}
                for c, v in report["clauses"].items()}

    assert comparable(parallel) == comparable(serial)
    assert serial["clauses"]["TOKENS-1"]["symptoms"] == ["calls:over", "executions:over", "tokens:over"]


# -- 4. from one's own project ----------------------------------------------------------------
def test_plain_pytest_imports_an_uninstalled_agent_from_the_invocation_directory(tmp_path):
    (tmp_path / "localagent.py").write_text(
        "from agent_limits.conformance.reference import ReferenceAgent\n\nclass Agent(ReferenceAgent):\n    pass\n")
    result = run_plain(tmp_path, "--agent-impl=localagent:Agent", "--clause=TURNS-1")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "agent-impl: localagent:Agent" in result.stdout


def test_report_node_ids_and_rerun_commands_are_accepted_back(agents, tmp_path):
    report = tmp_path / "v.json"
    spec = "tests.mutants.budgets:BudgetGreaterThan"
    run(agents, f"--agent-impl={spec}", "--clause=TOKENS-1", f"--conformance-report={report}")
    tokens = json.loads(report.read_text())["clauses"]["TOKENS-1"]
    case = tokens["failures"][0]
    assert case.startswith("agent_limits.conformance.suite.test_tokens::")
    assert tokens["rerun"] == f"pytest --agent-impl={spec} --pyargs '{case}'"
    again = run(agents, f"--agent-impl={spec}", "--pyargs", case)
    again.assert_outcomes(failed=1)


# -- 5. guards ----------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["inf", "nan", "-1", "soon"])
def test_a_bad_agent_timeout_is_a_usage_error(pytester, value):
    result = run(pytester, f"--agent-impl={REFERENCE}", f"--agent-timeout={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--agent-timeout *"])


def test_a_report_into_a_missing_directory_is_a_usage_error_before_anything_runs(pytester):
    result = run(pytester, f"--agent-impl={REFERENCE}", "--conformance-report=nowhere/v.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--conformance-report=nowhere/v.json: directory * does not exist*"])
    result.stdout.no_fnmatch_line("*passed*")


def test_threads_the_agent_leaves_behind_do_not_hang_the_run(agents):
    result = agents.runpytest_subprocess("-p", "no:cacheprovider", "--agent-impl=myagents:LeavesThread",
                                         "--clause=TURNS-1", timeout=60)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["clauses: 1 passed, 0 failed, 0 skipped (of 1)"])


# -- 6. protocol mistakes -----------------------------------------------------------------------
@pytest.mark.parametrize("agent, message", [
    ("ReturnsNone", "*sync path: invoke(prompt) returned None; it must return a result object with attributes "
                    "stop_reason, messages, text and usage*"),
    ("NoStopReason", "*sync path: invoke(prompt) returned SimpleNamespace with no stop_reason attribute*"),
    ("NoModel", "*NoModel(model, tools) cannot be called (*). The native protocol builds an agent as "
                "Agent(model, tools, **limits)*"),
])
def test_a_protocol_mistake_is_one_usage_error(agents, agent, message):
    result = run(agents, f"--agent-impl=myagents:{agent}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*pre-flight invocation (one scripted reply, no limits) could not be read*", message])
    result.stdout.no_fnmatch_line("*unrecognised stop_reason*")


def test_captured_agent_output_is_cut_to_a_tail(agents):
    case = "agent_limits.conformance.suite.test_turns::test_exactly_n_calls_when_the_model_keeps_asking_for_tools"
    result = run(agents, "--agent-impl=myagents:Chatty", "--pyargs", f"{case}[sync-max_turns=1]",
                 f"{case}[async-max_turns=1]")
    result.assert_outcomes(failed=1, passed=1)  # the sync path prints and breaks the cap; the async path is sound
    result.stdout.fnmatch_lines(["*agent-limits: 196,00? characters cut; the last 4,000 follow*"])
    assert len(result.stdout.str()) < 20_000


# -- 7. quiet -----------------------------------------------------------------------------------
def test_the_ini_key_does_not_add_the_suite_to_a_focused_run(pytester):
    pytester.makeini(f"[pytest]\nagent_impl = {REFERENCE}\n")
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = run(pytester, "test_one.py")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*agent conformance by clause*")


def test_loading_the_plugin_imports_nothing_heavy():
    code = textwrap.dedent("""
        import sys
        import agent_limits.harness.plugin
        heavy = [m for m in ("agent_limits.mocks", "agent_limits.harness._trial", "agent_limits.conformance",
                             "freezegun", "hypothesis", "asyncio") if m in sys.modules]
        print(heavy)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
