"""Golden transcripts (``--agent-snapshots``) and the mocks' snapshot extension, through pytester.

What they must show (issue 9): the golden transcripts of the reference agent land in the chosen
directory and nowhere else, and are stable across runs and under ``CI``; a partial run
(``--clause``) neither fails on nor deletes the other clauses' snapshots, serially or with
pytest-xdist; an agent that changes only its transcript passes the plain suite but shows a
snapshot diff that says how to update; the directory is never inside the installed package;
installed from the wheel, nothing is written into site-packages. Runs that read snapshot files
written by an earlier run are subprocesses: syrupy caches what it read per session.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from agent_limits.harness._snapshots import SNAPSHOT_DIRNAME, check_snapshot_options, snapshot_dir
from agent_limits.harness.plugin import suite_dir
from tests.userland import UserVenv, run

REFERENCE = "agent_limits.conformance.reference:ReferenceAgent"
DOC = Path(__file__).resolve().parents[1] / "docs" / "snapshots.md"
#: Two small clauses in two suite modules: 12 breach scenarios, each a golden transcript.
CLAUSES = ("--clause=TOOLS-1", "--clause=TURNS-1")
FILES = {"golden/test_tools.ambr", "golden/test_turns.ambr"}

AGENTS = '''
from agent_limits.conformance.reference import ReferenceAgent

class RefusalElsewhere(ReferenceAgent):
    """Enforces every limit exactly, but answers a refused tool call with a bare "not run" and puts
    the refusal's reason in a system message after it: every clause passes, only the transcript differs."""

    def _answer(self, call, output):
        if str(output).startswith("refused:"):
            super()._answer(call, "not run")
            self.messages.append({"role": "system", "content": str(output)})
            return
        super()._answer(call, output)

class OneTurnTooMany(ReferenceAgent):
    """max_turns=N lets N+1 model calls through: TURNS-1 fails."""

    def _limit_hit(self, run):
        stop = super()._limit_hit(run)
        return None if stop == "max_turns" and run.calls == self.max_turns else stop
'''


@pytest.fixture(autouse=True)
def _not_an_xdist_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """When this file runs on a pytest-xdist worker (make test), the runs it starts inherit the
    worker's PYTEST_XDIST_* variables, and syrupy in them would take itself for a worker too and
    print no snapshot summary."""
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)


#: Plugins these runs never need, kept out of each fresh process (langsmith's alone costs a second).
QUIET = ("-p", "no:cacheprovider", "-p", "no:langsmith_plugin", "-p", "no:anyio", "-p", "no:asyncio")


def suite(pytester: pytest.Pytester, *args: str, agent: str = REFERENCE) -> pytest.RunResult:
    """The bundled suite against ``agent`` with golden transcripts, in a fresh process."""
    return pytester.runpytest_subprocess(*QUIET, f"--agent-impl={agent}", "--agent-snapshots", *args)


def listing(root: Path, *, everything: bool = False) -> dict[str, int]:
    """Every file under ``root`` with its modification time, but (unless ``everything``)
    pytester's and Python's own: ``runpytest-N`` base temps, captured ``stdout``/``stderr``, bytecode caches."""
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file() and (
            everything or ("__pycache__" not in p.parts and not _pytesters(p.relative_to(root))))}


def _pytesters(relative: Path) -> bool:
    return relative.parts[0].startswith("runpytest-") or str(relative) in ("stdout", "stderr")


def in_order(output: str, *parts: str) -> None:
    """Every part appears in ``output``, in this order (plain substrings: test ids are full of brackets)."""
    at = 0
    for part in parts:
        found = output.find(part, at)
        assert found >= 0, f"{part!r} not found (in order) in:\n{output}"
        at = found + len(part)


def contents(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.ambr"))}


def test_golden_transcripts_land_in_the_chosen_dir_are_stable_and_survive_partial_runs(pytester, monkeypatch):
    """One set of files, then every run that must leave it alone: the same run again; partial runs
    with ``--snapshot-update`` (by clause, by node id, and by clause under CI with xdist), which
    must not take the other tests' snapshots for unused; and an agent failing its checks. (Without
    the flag, a run fails on exactly the snapshots it would delete with it: none, as shown.)"""
    monkeypatch.delenv("CI", raising=False)
    before, suite_before = listing(pytester.path), listing(suite_dir())
    written = suite(pytester, *CLAUSES, "--agent-snapshot-dir=golden", "--snapshot-update")
    assert written.ret == 0, written.stdout.str()
    written.stdout.fnmatch_lines(["*18 snapshots generated*"])
    assert set(listing(pytester.path)) - set(before) == FILES  # nothing else, anywhere in the project
    assert listing(suite_dir()) == suite_before  # syrupy's default __snapshots__/ beside the suite: never
    golden = contents(pytester.path / "golden")
    tools = golden["test_tools.ambr"].decode()
    in_order(tools, "# name: test_at_most_m_executions_per_invocation[async-", "agent 1: max_tool_calls=1",
             "invocation 1: stop max_tool_calls; reported usage 10in+5out",
             "1. tools call-0-0 lookup {'query': 'q0.0'} executed, call-0-1 lookup {'query': 'q0.1'} refused",
             "tool [call-0-1] 'refused: max_tool_calls=1 reached'")
    assert "0x" not in tools
    entry_sample = next(b for b in doc_blocks("text") if b.startswith("# name:"))
    assert entry_sample in tools  # docs/snapshots.md shows a real entry

    xdist = ["-n", "2"] if importlib.util.find_spec("xdist") else []
    pytester.makepyfile(snapagents=AGENTS)
    runs = [("again", {}, REFERENCE, [*CLAUSES], 0, "18 snapshots passed."),
            ("partial, updating", {}, REFERENCE, ["--clause=TURNS-1", "--snapshot-update"], 0, "6 snapshots passed."),
            # a node id, as in the update command a difference prints: syrupy must not take the
            # run for one of the whole module (its files are not beside the suite's)
            ("one test, updating", {}, REFERENCE, ["--snapshot-update", "--pyargs",
             "agent_limits.conformance.suite.test_turns::test_exactly_n_calls_when_the_model_keeps_asking_for_tools"],
             0, "6 snapshots passed."),
            ("partial, updating, under CI, with xdist", {"CI": "true"}, REFERENCE,
             ["--clause=TURNS-1", "--snapshot-update", *xdist], 0, "6 snapshots passed."),
            # an agent failing TURNS-1 keeps the golden transcripts of the tests it fails
            ("failing, updating", {}, "snapagents:OneTurnTooMany", ["--clause=TURNS-1", "--snapshot-update"], 1,
             "6 failed")]
    for what, env, agent, args, code, summary in runs:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        result = suite(pytester, *args, "--agent-snapshot-dir=golden", agent=agent)
        output = result.stdout.str()
        assert result.ret == code, f"{what}: {output}"
        assert summary in output, f"{what}: {output}"
        assert "unused" not in output and "Deleted" not in output, f"{what}: {output}"
        assert contents(pytester.path / "golden") == golden, what
        monkeypatch.delenv("CI", raising=False)

    # drift the other way: a selected test that passes and no longer breaches leaves its entry unused
    listed = pytester.runpytest_inprocess(*QUIET, f"--agent-impl={REFERENCE}", "--clause=TURNS-2", "--co", "-q")
    completion = listed.stdout.lines[0].split("::")[1]  # TURNS-2: the agent completes, so no transcript
    stale = pytester.path / "golden" / "test_turns.ambr"
    stale.write_text(stale.read_text() + f"# name: {completion}\n  'stale'\n# ---\n")
    flagged = suite(pytester, "--clause=TURNS-2", "--agent-snapshot-dir=golden")
    assert flagged.ret == 1, flagged.stdout.str()
    flagged.stdout.fnmatch_lines(["*1 snapshot unused*"])
    removed = suite(pytester, "--clause=TURNS-2", "--agent-snapshot-dir=golden", "--snapshot-update")
    assert removed.ret == 0, removed.stdout.str()
    assert contents(pytester.path / "golden") == golden


def test_a_mutant_that_changes_only_the_transcript_passes_the_suite_but_shows_a_snapshot_diff(pytester):
    pytester.makepyfile(snapagents=AGENTS)
    written = suite(pytester, "--clause=TOOLS-1", "--snapshot-update")  # the default directory
    assert written.ret == 0, written.stdout.str()
    golden = contents(pytester.path / SNAPSHOT_DIRNAME)
    mutant = "snapagents:RefusalElsewhere"

    plain = pytester.runpytest_inprocess(*QUIET, f"--agent-impl={mutant}", "--clause=TOOLS-1", "--clause=TOOLS-2")
    assert plain.ret == 0, plain.stdout.str()  # every clause it is tested on passes

    snapped = suite(pytester, "--clause=TOOLS-1", agent=mutant)
    assert snapped.ret == 1, snapped.stdout.str()
    in_order(
        snapped.stdout.str(),
        "the golden transcript differs from the snapshot 'test_at_most_m_executions_per_invocation[sync-",
        f"in {SNAPSHOT_DIRNAME}/test_tools.ambr",
        "(- snapshot, + this run)",
        "-     transcript: 4 messages",
        "+     transcript: 5 messages",
        "-       tool [call-0-1] 'refused: max_tool_calls=1 reached'",
        "+       tool [call-0-1] 'not run'",
        "+       system 'refused: max_tool_calls=1 reached'",
        "only the transcript changed",
        "pytest --agent-impl=snapagents:RefusalElsewhere --pyargs "
        "'agent_limits.conformance.suite.test_tools::test_at_most_m_executions_per_invocation[sync-",
        f"]' --agent-snapshots --snapshot-update --agent-snapshot-dir={SNAPSHOT_DIRNAME}",
        "FAILED   TOOLS-1",
    )
    assert contents(pytester.path / SNAPSHOT_DIRNAME) == golden  # compared, never rewritten without the flag


def doc_blocks(language: str) -> list[str]:
    """The fenced code blocks of ``docs/snapshots.md`` in ``language``: its examples are run here."""
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), re.S)


def test_the_mocks_extension_stores_a_scripted_run_as_text_and_diffs_it_line_by_line(pytester):
    """The example of docs/snapshots.md, run as a user's test: stored as the doc shows, then the
    agent changes (the second lookup allowed) and the diff is the doc's, line by line."""
    (example,) = doc_blocks("python")
    stored_sample = next(b for b in doc_blocks("text") if b.startswith("  model calls:"))
    diff_sample = next(b for b in doc_blocks("text") if b.startswith("E "))
    test_file = pytester.makepyfile(test_mine=example)
    written = pytester.runpytest_subprocess(*QUIET, "--snapshot-update")
    assert written.ret == 0, written.stdout.str()
    stored = (pytester.path / "__snapshots__" / "test_mine.ambr").read_text()  # syrupy's usual place, for own tests
    assert stored_sample in stored

    test_file.write_text(example.replace("max_tool_calls=1", "max_tool_calls=2"))
    changed = pytester.runpytest_subprocess(*QUIET, "-vv")  # pytest cuts long explanations
    assert changed.ret == 1
    in_order(changed.stdout.str(), *diff_sample.splitlines())


def test_importing_the_mocks_does_not_import_syrupy():
    code = ("import sys, agent_limits.mocks as m; print('syrupy' in sys.modules); "
            "m.ScriptedRunExtension; print('syrupy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]  # loaded on first use of a snapshot name


# -- where the snapshots live ------------------------------------------------------------------------
def test_the_directory_defaults_to_the_invocation_dir_or_next_to_the_expectations_file(pytester, monkeypatch):
    here = pytester.path
    assert snapshot_dir(pytester.parseconfig()) == here / SNAPSHOT_DIRNAME
    assert snapshot_dir(pytester.parseconfig("--agent-snapshot-dir=out/golden")) == here / "out" / "golden"
    assert snapshot_dir(pytester.parseconfig("--conformance-expect=ci/expect.toml")) == here / "ci" / SNAPSHOT_DIRNAME
    (here / "proj" / "deeper").mkdir(parents=True)
    (here / "proj" / "pytest.ini").write_text("[pytest]\nconformance_expect = ci/expect.toml\n")
    monkeypatch.chdir(here / "proj" / "deeper")  # the ini key is relative to the ini file, not to where pytest runs
    assert snapshot_dir(pytester.parseconfig()) == here / "proj" / "ci" / SNAPSHOT_DIRNAME


def test_a_directory_inside_the_installed_package_is_a_usage_error(pytester):
    inside = suite_dir() / "golden"
    with pytest.raises(pytest.UsageError, match="inside the installed package agent_limits"):
        check_snapshot_options(pytester.parseconfig(f"--agent-snapshot-dir={inside}"))
    result = pytester.runpytest_inprocess(*QUIET, f"--agent-impl={REFERENCE}", "--clause=TOOLS-1",
                                          "--agent-snapshots", "--snapshot-update", f"--agent-snapshot-dir={inside}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "golden transcripts belong in your repository" in result.stdout.str() + result.stderr.str()
    assert not inside.exists()


# -- installed from the wheel ----------------------------------------------------------------------
def test_from_a_wheel_snapshots_land_in_the_projects_dir_and_nothing_in_site_packages(user_venv: UserVenv, tmp_path):
    """A user's own project, our wheel in their venv: nothing but the golden files is written, and nothing
    at all in the venv (bytecode caching is off, so that what pytest itself caches is not counted)."""
    project = tmp_path / "myproject"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "mine"\nversion = "0"\n')
    env = {**user_venv.env, "PYTHONDONTWRITEBYTECODE": "1"}
    venv_before, project_before = listing(user_venv.root, everything=True), listing(project)
    args = [user_venv.pytest, "-p", "no:cacheprovider", f"--agent-impl={REFERENCE}", "--clause=TOOLS-1",
            "--agent-snapshots", "--agent-snapshot-dir=golden"]
    written = run([*args, "--snapshot-update"], cwd=project, env=env)
    assert written.returncode == 0, written.stdout[-6000:]
    assert "12 snapshots generated" in written.stdout
    assert set(listing(project)) - set(project_before) == {"golden/test_tools.ambr"}
    again = run(args, cwd=project, env=env)
    assert again.returncode == 0, again.stdout[-6000:]
    assert "12 snapshots passed" in again.stdout
    assert listing(user_venv.root, everything=True) == venv_before
    assert not [p for p in user_venv.root.rglob("*") if p.name in ("__snapshots__", SNAPSHOT_DIRNAME) or p.suffix == ".ambr"]
    assert os.path.isdir(project / "golden")
