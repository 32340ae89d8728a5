"""The generated evidence of docs/findings/*.md (harness/_findings.py): written from verdicts, hand-written
text kept, and a failed cell without evidence reported. Fabricated results: no suite run."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from agent_limits.conformance import clauses
from agent_limits.harness import matrix
from agent_limits.harness._findings import BEGIN, END, check_findings, evidence, findings_file, update_findings

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = [c.name for c in matrix.IMPLEMENTATIONS]

FIRST_FAILURE = """\
[TURNS-1] (MUST) With max_turns=N, the agent makes at most N model calls per invocation.
  implementation: tinyagent:ReactAgent via tinyagent.ReactAgent, sync path
  limits: max_turns=1
  script: then [tool lookup; 10in+5out] forever (cap 1000 calls)
  invocation #1 of this agent (first model call answered by script turn 0)
            expected                observed
    calls   1                       2   <-- differs
  why: at most N model calls
  re-run: pytest --agent-impl=tinyagent:ReactAgent --pyargs 'suite.test_turns::test_n[sync-max_turns=1]'
"""


def verdict(status: str, level: str = "MUST", **fields: Any) -> dict[str, Any]:
    return {"status": status, "level": level, "passed": 1 if status == "passed" else 0, "failed": 0, "skipped": 0,
            "failures": [], "first_failure": "", "reason": "", "rerun": None, "skip_reasons": [], **fields}


def failed(*cases: str, message: str = FIRST_FAILURE) -> dict[str, Any]:
    return verdict("failed", failed=len(cases), passed=1, failures=list(cases), first_failure=message,
                   rerun=f"pytest --agent-impl=tinyagent:ReactAgent --pyargs '{cases[0]}'",
                   reason="sync: calls: expected 1, observed 2")


def results() -> dict[str, dict[str, Any]]:
    """Four columns: one failing, one passing that shares its findings file, the reference, one not installed."""
    react = {"installed": True, "spec": "tinyagent:ReactAgent", "version": "tiny-agent-os 0.73.5",
             "versions": {"tiny-agent-os": "0.73.5", "spec": "0.9", "agent-limit-conformance": "0.1.0"},
             "clauses": {"TURNS-1": failed("suite.test_turns::test_n[sync-max_turns=1]",
                                           "suite.test_turns::test_n[sync-max_turns=2]"),
                         "TURNS-2": verdict("passed"),
                         "TOKENS-1": verdict("skipped", skip_reasons=["implementation does not support "
                                                                       "max_token_budget"])}}
    code = {**copy.deepcopy(react), "spec": "tinyagent:TinyCodeAgent"}
    code["clauses"]["TURNS-1"] = verdict("passed")
    reference = {"installed": True, "spec": "ref:Agent", "version": "", "clauses": {"TURNS-1": verdict("passed")}}
    return {"reference": reference, "tinyagent-react": react, "tinyagent-code": code,
            "strands": {"installed": False, "note": "not installed (pip install '.[strands]')"}}


HAND_WRITTEN = "# Findings: tinyAgent\n\nHand-written: ReactAgent makes one call more than max_steps.\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "tinyagent.md").write_text(HAND_WRITTEN)
    return tmp_path


def test_a_failed_cell_gets_its_evidence_and_the_column_its_result_line(folder: Path) -> None:
    assert update_findings(results(), folder, COLUMNS) == [folder / "tinyagent.md"]
    text = (folder / "tinyagent.md").read_text()
    assert text.startswith(HAND_WRITTEN + "\n" + BEGIN)
    assert text.endswith(END + "\n")
    react = text[text.index("### `tinyagent-react`"):text.index("### `tinyagent-code`")]
    assert "Result: 1 failed, 1 passed, 1 skipped of 3 clauses; `tinyagent:ReactAgent`, tiny-agent-os 0.73.5." in react
    assert "- Failed: TURNS-1." in react
    assert "  - Skipped TOKENS-1: implementation does not support max_token_budget." in react
    assert "#### `tinyagent-react` / TURNS-1 (MUST)" in react
    assert "- Limits (first failing case): `max_turns=1`" in react
    assert "- Script (first failing case): `then [tool lookup; 10in+5out] forever (cap 1000 calls)`" in react
    assert "  - `suite.test_turns::test_n[sync-max_turns=2]`" in react
    rerun = "pytest --agent-impl=tinyagent:ReactAgent --pyargs 'suite.test_turns::test_n[sync-max_turns=1]'"
    assert f"- Re-run: `{rerun}`" in react
    assert "    calls   1                       2   <-- differs" in react  # expected vs observed, verbatim
    code = text[text.index("### `tinyagent-code`"):]
    assert "Result: 0 failed, 2 passed, 1 skipped of 3 clauses" in code and "####" not in code
    assert evidence(text) == {("tinyagent-react", "TURNS-1")}
    assert not (folder / "reference.md").exists() and not (folder / "strands.md").exists()


def test_the_evidence_is_the_same_from_a_run_and_from_its_matrix_json(tmp_path: Path) -> None:
    """make matrix writes from the run's results; the committed-files test below reads matrix.json,
    whose keys are sorted. Both must give the same text."""
    run, read = tmp_path / "run", tmp_path / "read"
    order = ["TURNS-1", "TURNS-2", "TOKENS-1"]
    update_findings(results(), run, COLUMNS, order)
    update_findings(json.loads(json.dumps(results(), sort_keys=True)), read, COLUMNS, order)
    assert (run / "tinyagent.md").read_text() == (read / "tinyagent.md").read_text()
    assert "- Skipped: TOKENS-1." in (run / "tinyagent.md").read_text()  # after TURNS-2: the order given, not the name


def test_rewriting_keeps_the_hand_written_text_and_changes_nothing_twice(folder: Path) -> None:
    update_findings(results(), folder, COLUMNS)
    text = (folder / "tinyagent.md").read_text()
    edited = text.replace(HAND_WRITTEN, HAND_WRITTEN + "\nMore analysis.\n") + "\n## Notes after the evidence\n"
    (folder / "tinyagent.md").write_text(edited)
    assert update_findings(results(), folder, COLUMNS) == []
    fixed = results()
    fixed["tinyagent-react"]["clauses"]["TURNS-1"] = verdict("passed")
    assert update_findings(fixed, folder, COLUMNS) == [folder / "tinyagent.md"]
    now = (folder / "tinyagent.md").read_text()
    assert now.startswith(HAND_WRITTEN + "\nMore analysis.\n")
    assert now.endswith(END + "\n\n## Notes after the evidence\n")
    assert evidence(now) == set() and check_findings(fixed, folder) == []


def test_the_check_names_missing_evidence_a_missing_file_and_stale_evidence(folder: Path) -> None:
    empty = folder / "empty"
    assert check_findings(results(), empty) == [
        f"tinyagent-react: 1 failed clause(s) (TURNS-1) and no {empty / 'tinyagent.md'}"]
    assert check_findings(results(), folder) == [
        f"tinyagent-react / TURNS-1: failed, and {folder / 'tinyagent.md'} has no evidence for it"]
    update_findings(results(), folder, COLUMNS)
    assert check_findings(results(), folder) == []
    moved = results()
    moved["tinyagent-react"]["clauses"]["TURNS-1"] = verdict("passed")
    moved["tinyagent-react"]["clauses"]["TURNS-2"] = failed("suite.test_turns::test_m[sync]")
    assert check_findings(moved, folder) == [
        f"tinyagent-react / TURNS-2: failed, and {folder / 'tinyagent.md'} has no evidence for it",
        f"tinyagent-react / TURNS-1: {folder / 'tinyagent.md'} has evidence for it, but its verdict is now passed"]
    # a column the run did not cover (--only) is not judged
    assert check_findings({"tinyagent-code": moved["tinyagent-code"]}, folder) == []


def test_a_run_of_some_columns_keeps_the_other_columns_evidence(folder: Path) -> None:
    update_findings(results(), folder, COLUMNS)
    before = (folder / "tinyagent.md").read_text()
    code = results()["tinyagent-code"]
    code["clauses"]["TURNS-2"] = failed("suite.test_turns::test_m[sync]")
    update_findings({"tinyagent-code": code}, folder, COLUMNS)
    after = (folder / "tinyagent.md").read_text()
    react = before[before.index("### `tinyagent-react`"):before.index("### `tinyagent-code`")]
    assert react in after and after.index("### `tinyagent-react`") < after.index("### `tinyagent-code`")
    assert evidence(after) == {("tinyagent-react", "TURNS-1"), ("tinyagent-code", "TURNS-2")}


def test_a_failure_message_is_fenced_so_it_never_reads_as_evidence_or_breaks_the_file(folder: Path) -> None:
    tricky = results()
    message = FIRST_FAILURE + "### `tinyagent-code`\n#### `tinyagent-react` / FAKE-1 (MUST)\n```\n"
    tricky["tinyagent-react"]["clauses"]["TURNS-1"] = failed("suite.t::many[%d]" % 0, message=message)
    tricky["tinyagent-react"]["clauses"]["TURNS-2"] = failed(*(f"suite.t::many[{i}]" for i in range(7)))
    update_findings(tricky, folder, COLUMNS)
    text = (folder / "tinyagent.md").read_text()
    assert evidence(text) == {("tinyagent-react", "TURNS-1"), ("tinyagent-react", "TURNS-2")}
    assert "````text" in text and "<details><summary>The 7 failing cases</summary>" in text
    assert update_findings(tricky, folder, COLUMNS) == []  # the sections read back as written
    assert not any(line != line.rstrip() for line in text.splitlines())


def test_a_file_is_created_for_a_failing_column_only_and_half_markers_are_an_error(tmp_path: Path) -> None:
    broken = results()
    broken["reference"]["clauses"]["TURNS-1"] = failed("suite.test_turns::test_n[sync-max_turns=1]")
    assert findings_file("reference") == "reference.md" and findings_file("openai-agents") == "openai_agents.md"
    assert set(update_findings(broken, tmp_path, COLUMNS)) == {tmp_path / "reference.md", tmp_path / "tinyagent.md"}
    assert (tmp_path / "reference.md").read_text().startswith("# Findings: reference\n")
    (tmp_path / "tinyagent.md").write_text(HAND_WRITTEN + BEGIN + "\n")
    with pytest.raises(ValueError, match="one .* pair"):
        update_findings(results(), tmp_path, COLUMNS)
    assert check_findings(results(), tmp_path)[0].startswith(f"{tmp_path / 'tinyagent.md'}: expected one")


def test_the_matrix_rewrites_the_evidence_and_its_check_fails_without_it(tmp_path: Path, monkeypatch, capsys) -> None:
    """harness.matrix main with the suite run replaced by fabricated verdicts: --findings writes, --check judges."""
    monkeypatch.setattr(matrix, "run_column", lambda column, *args, **kwargs: results()[column.name])
    out, findings = tmp_path / "out", tmp_path / "findings"
    assert matrix.main(["--out", str(out), "--only", "tinyagent-react", "--findings", str(findings)]) == 0
    assert evidence((findings / "tinyagent.md").read_text()) == {("tinyagent-react", "TURNS-1")}
    check = ["--out", str(tmp_path / "again"), "--only", "tinyagent-react", "--check", str(out)]
    assert matrix.main([*check, "--findings", str(findings)]) == 0
    capsys.readouterr()
    assert matrix.main([*check, "--findings", str(tmp_path / "none")]) == 1
    assert "findings out of date (make matrix rewrites their evidence): tinyagent-react: 1 failed clause(s) (TURNS-1)" \
        in capsys.readouterr().out


# -- the committed files ------------------------------------------------------------------------------------------
def test_every_failed_cell_of_the_committed_matrix_has_its_evidence_in_the_committed_findings() -> None:
    committed = json.loads((ROOT / "docs" / "matrix.json").read_text())
    assert check_findings(committed, ROOT / "docs" / "findings") == []


def test_the_committed_evidence_is_what_make_matrix_writes_from_the_committed_matrix(tmp_path: Path) -> None:
    """Nobody edited between the markers, and matrix.json was not regenerated without the findings."""
    committed = json.loads((ROOT / "docs" / "matrix.json").read_text())
    shutil.copytree(ROOT / "docs" / "findings", tmp_path, dirs_exist_ok=True)
    assert update_findings(committed, tmp_path, COLUMNS, list(clauses())) == []


def test_matrix_json_keeps_nothing_that_differs_from_run_to_run():
    """The exit code, the output tail and measured times (LONG-2's cost of a turn, in its notes and
    in its failure message) stay out of matrix.json; the information that is a function of the code
    (e.g. the timeout behaviour seen) stays."""
    from agent_limits.conformance.suite.test_long_runs import MEASURED
    from agent_limits.harness.matrix import reproducible

    measured = f"median cost of a turn 5.10 ms over turns 1-100 and 68.2 ms over turns 900-999{MEASURED}x13.4"
    failure = f"[LONG-2] (SHOULD) ...\n  measured: {measured}\n  expected: ...\n  re-run: pytest ..."
    result = {"exit": 0, "output_tail": "...", "installed": True,
              "clauses": {"LONG-2": {"status": "failed", "info": [f"sync: {measured}"], "first_failure": failure},
                          "TIMEOUT-1": {"status": "passed", "info": ["sync: timeout behaviour seen: cooperative"]}}}
    kept = reproducible(result)
    assert set(kept) == {"installed", "clauses"}
    assert kept["clauses"]["LONG-2"]["info"] == []
    assert kept["clauses"]["LONG-2"]["first_failure"] == "[LONG-2] (SHOULD) ...\n  expected: ...\n  re-run: pytest ..."
    assert kept["clauses"]["TIMEOUT-1"]["info"] == ["sync: timeout behaviour seen: cooperative"]


def test_drift_names_what_a_run_did_not_reproduce_beyond_the_statuses():
    committed = {"a": {"version": "1", "clauses": {"X-1": {"status": "failed", "symptoms": ["calls:over"]}}}}
    fresh = {"a": {"version": "2", "clauses": {"X-1": {"status": "failed", "symptoms": ["calls:under"]}}}}
    assert matrix.drift(committed, committed) == []
    assert matrix.drift(committed, fresh) == ['/a/clauses/X-1/symptoms: committed ["calls:over"], now ["calls:under"]']
