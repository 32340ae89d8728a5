"""The wire protocol (conformance/WIRE.md): the suite catches bugs through it, and a broken child
never hangs or litters the run.

- The JavaScript reference agent (bridges/js/reference-agent.mjs) passes the clauses its mutants
  are about, and each mutant (``--mutant=NAME``, one known bug) fails its clause(s).
- A child that hangs, exits, prints garbage, breaks the protocol or gives up fails its test with
  a message saying so and the child's stderr tail; the run goes on; no process outlives it.
- A missing ``node`` and a child speaking another protocol version are usage errors.

Runs are in-process (``pytester.runpytest_inprocess``; a fresh interpreter costs seconds here),
each on the suite files that hold the clauses it needs.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from functools import cache
from pathlib import Path

import pytest

import agent_limits.harness._trial  # noqa: F401  (with Hypothesis: imported once here, not again by each run below)
from agent_limits.harness._child import Child
from agent_limits.harness.adapters import wire
from agent_limits.harness.adapters.wire import encode_value

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "conformance" / "suite"
AGENT = ROOT / "bridges" / "js" / "reference-agent.mjs"
CHILD = Path(__file__).resolve().parent / "wire_child.py"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="needs node (Node.js 18 or later)")


@cache
def mutants() -> dict[str, dict]:
    """The JS reference agent's mutants: name -> {"clauses": [...], "bug": "..."}."""
    if NODE is None:
        return {}
    listed = subprocess.run([NODE, str(AGENT), "--list-mutants"], capture_output=True, text=True, check=True)
    return dict(json.loads(listed.stdout))


@cache
def clause_files() -> dict[str, Path]:
    """Clause id -> the suite file that tests it (one file per clause, as the suite is laid out)."""
    found: dict[str, Path] = {}
    for path in sorted(SUITE.glob("test_*.py")):
        for clause in re.findall(r'@clause\("([A-Z]+-\d+)"\)', path.read_text()):
            found.setdefault(clause, path)
    return found


#: Options of every in-process run: the inner run has no config file, and pytest-asyncio warns
#: (in the outer run's summary) when its fixture loop scope is unset.
INLINE = ("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function")


def run(pytester: pytest.Pytester, command: str, clauses: list[str], *options: str) -> tuple[pytest.RunResult, dict]:
    """The suite files of ``clauses`` against the wire agent ``command``: the result and the verdicts."""
    report = pytester.path / f"verdicts-{uuid.uuid4().hex}.json"
    files = sorted({str(clause_files()[c]) for c in clauses})
    result = pytester.runpytest_inprocess(
        *INLINE, f"--agent-cmd={command}",
        f"--conformance-report={report}", *(f"--clause={c}" for c in clauses), *options, *files)
    verdicts = json.loads(report.read_text())["clauses"] if report.exists() else {}
    return result, verdicts


def node_agent(*args: str) -> str:
    return shlex.join([NODE or "node", str(AGENT), *args])


# -- the JavaScript reference agent and its mutants ------------------------------------------------
#: VALID-2 has 79 cases (every limit times every invalid value): these runs keep the ones a mutant
#: of the value checks fails (the full clause runs with the rest of the suite).
VALID_CASES = "not test_invalid_limit_is_rejected_before_any_model_call or integral-float or nan or bool-true"


@needs_node
def test_js_reference_passes_every_clause_its_mutants_fail(pytester):
    clauses = sorted({c for m in mutants().values() for c in m["clauses"]})
    result, verdicts = run(pytester, node_agent(), clauses, "-k", VALID_CASES)
    failed = {c: v["status"] for c, v in verdicts.items() if v["status"] != "passed"}
    assert set(verdicts) == set(clauses) and not failed, result.stdout.str()[-3000:]


@needs_node
@pytest.mark.parametrize("name", list(mutants()) or ["(node missing)"])
def test_js_mutant_is_killed_by_its_clauses(pytester, name):
    mutant = mutants()[name]
    result, verdicts = run(pytester, node_agent(f"--mutant={name}"), mutant["clauses"], "-k", VALID_CASES)
    survived = [c for c in mutant["clauses"] if verdicts.get(c, {}).get("status") != "failed"]
    assert not survived, f"JS mutant {name} ({mutant['bug']}) survived {survived}:\n{result.stdout.str()[-3000:]}"


def test_there_are_at_least_five_js_mutants_on_distinct_clauses():
    if NODE is None:
        pytest.skip("needs node")
    assert len({c for m in mutants().values() for c in m["clauses"]}) >= 5


@needs_node
def test_the_sync_path_runs_when_the_child_offers_it(pytester):
    """Both harness paths drive one child the same way; on sync, agents are invoked one at a time."""
    result, verdicts = run(pytester, node_agent("--paths=sync,async"), ["ISOLATION-1"])
    result.stdout.fnmatch_lines(["*| paths: sync+async"])
    assert {c: v["status"] for c, v in verdicts.items()} == {"ISOLATION-1": "passed"}
    assert "skipped" not in result.parseoutcomes()


# -- a child that breaks ---------------------------------------------------------------------------
def fake(mode: str, pids: Path) -> str:
    return shlex.join([sys.executable, str(CHILD), mode, str(pids)])


def alive(pids: Path) -> list[int]:
    """The processes in ``pids`` that still exist (a zombie counts: nobody reaped it)."""
    left = []
    for pid in map(int, pids.read_text().split()):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        left.append(pid)
    return left


BROKEN = {
    "hang": ["did not finish within 1 s of real time", "the harness was invoking agent a1",
             "(pid *, still running)"],
    "exit": ["the agent's process ended its output (exit status 3)", "*(pid *, exit status 3)"],
    "garbage": ["the agent's process wrote a line to stdout that is not a protocol message: 'hello from console.log'*"],
    "violate": ['model_request: "base" must be an int from 0 to 0*got 99'],
    "fatal": ["the agent's process gave up: 'cannot go on'"],
}


@pytest.mark.parametrize("mode", list(BROKEN))
def test_a_broken_child_fails_its_test_clearly_and_the_run_goes_on(pytester, tmp_path, mode):
    pids = tmp_path / "pids"
    result, verdicts = run(pytester, fake(mode, pids), ["TURNS-2"], "--agent-timeout=1")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 2 and "passed" not in outcomes, "both cases run, and each fails on its own"
    result.stdout.fnmatch_lines([f"*{line}*" for line in BROKEN[mode]])
    if mode != "violate":  # it breaks the protocol before writing anything to stderr
        result.stdout.fnmatch_lines(["*its stderr (last lines):", f"*| fake child: misbehaving ({mode}) on purpose"])
    assert "During handling of the above exception" not in result.stdout.str(), "the message is shown once"
    assert verdicts["TURNS-2"]["status"] == "failed"
    assert len(pids.read_text().split()) == 4, "a child to read the hello, one for the pre-flight, one per test"
    assert alive(pids) == [], "every child was killed and reaped"


@needs_node
def test_no_process_outlives_a_run(pytester):
    """In an interpreter of its own: the hello probe, the pre-flight's child and each test's are all
    gone once pytest has exited."""
    marker = f"--run-id={uuid.uuid4().hex}"  # the agent ignores it; ps finds it
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--agent-cmd={node_agent(marker)}",
                                           "--clause=TURNS-2", str(clause_files()["TURNS-2"]))
    assert result.ret == 0, result.stdout.str()
    listed = subprocess.run(["ps", "-eo", "pid,stat,args"], capture_output=True, text=True).stdout
    assert [line for line in listed.splitlines() if marker in line] == []


def test_the_childs_cpu_time_is_read_for_the_pace_of_a_long_run():
    """LONG-2 measures a turn in CPU time: over the wire the agent's work is the child's, so the call
    log's CPU stamps add the child's CPU time (read from /proc on Linux)."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("no /proc: the child's CPU time cannot be read here")
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\ntime.sleep(60)"
    child = Child([sys.executable, "-c", burn], on_message=lambda m: None, on_end=lambda why: None, isolate=False)
    try:
        deadline = time.monotonic() + 20
        while child.cpu_time() < 0.25 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert 0.25 <= child.cpu_time() < 5
    finally:
        child.kill()


# -- usage errors ----------------------------------------------------------------------------------
def test_a_missing_node_is_a_usage_error_naming_what_to_install(pytester, monkeypatch):
    monkeypatch.setenv("PATH", str(pytester.path))  # no node there
    result = pytester.runpytest_inprocess(*INLINE, "--agent-impl=js-reference")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--agent-impl=js-reference: js-reference runs `node *`, but `node` is not on PATH. "
                                 "Install Node.js 18 or later*"])


def test_another_protocol_version_is_a_usage_error(pytester, tmp_path):
    result = pytester.runpytest_inprocess(*INLINE, f"--agent-cmd={fake('v2', tmp_path / 'pids')}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*the agent speaks wire protocol 2; this harness speaks version 1*"])


def test_a_child_that_never_says_hello_is_a_usage_error(pytester, tmp_path, monkeypatch):
    monkeypatch.setattr(wire, "HELLO_SECONDS", 0.5)
    pids = tmp_path / "pids"
    result = pytester.runpytest_inprocess(*INLINE, f"--agent-cmd={fake('silent', pids)}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*did not say hello within 0.5 s of real time*"])
    assert alive(pids) == []


def test_a_command_that_cannot_start_is_a_usage_error(pytester):
    result = pytester.runpytest_inprocess(*INLINE, "--agent-cmd=/no/such/agent --flag")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*cannot start the agent's process '/no/such/agent --flag': no such command*"])


def test_agent_cmd_does_not_go_with_another_implementation(pytester):
    result = pytester.runpytest_inprocess(*INLINE, "--agent-impl=mypkg:Agent", "--agent-cmd=node x.mjs")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--agent-cmd runs an agent over the wire protocol; it goes alone*"])


# -- values ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, wired", [
    (None, None), (True, True), (3, 3), ("3", "3"), (2.0, {"float": 2.0}), (1.5, {"float": 1.5}),
    (float("nan"), {"float": "NaN"}), (float("inf"), {"float": "Infinity"}), (-float("inf"), {"float": "-Infinity"}),
    (object, {"repr": "<class 'object'>", "type": "type"}),
])
def test_limit_values_keep_their_python_type_on_the_wire(value, wired):
    assert encode_value(value) == wired
    json.dumps(encode_value(value), allow_nan=False)
