"""The per-clause verdicts as Markdown: for a CI job summary (``GITHUB_STEP_SUMMARY``) or a
``--conformance-report=verdicts.md`` artifact a person reads in the browser.

Rendered from the same data as the JSON report, so the two cannot disagree.
"""

from __future__ import annotations

from typing import Any

__all__ = ["render"]

_MARK = {"passed": "✅ passed", "failed": "❌ **failed**", "skipped": "➖ skipped"}


def _cell(text: Any) -> str:
    """Text safe inside a table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def render(report: dict[str, Any]) -> str:
    """The Markdown summary of a report as built by ``Verdicts.as_dict``."""
    clauses: dict[str, dict[str, Any]] = report.get("clauses", {})
    counts = {status: sum(1 for v in clauses.values() if v["status"] == status) for status in _MARK}
    gate = report.get("gate", "passed")
    verdict = "conforms" if report.get("conforms") else "does not conform"
    lines = [
        f"## Agent limits conformance: {verdict}",
        "",
        f"`{' '.join(str(report.get('implementation', '')).split())}`",
        "",
        "Versions: " + ", ".join(f"{name} {value}" for name, value in report.get("versions", {}).items()),
        "",
        f"Gate: {str(report.get('level', 'must')).upper()} clauses"
        + (f", expectations `{report['expectations']}`" if report.get("expectations") else "")
        + f". Clauses: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped "
        f"(of {len(clauses)}).",
        "",
    ]
    if gate != "passed":
        lines += [f"> **{_cell(gate)}**", ""]
    lines += ["| clause | level | verdict | cases | note |", "|---|---|---|---|---|"]
    for clause, v in clauses.items():
        cases = f"{v['passed']} passed" + (f", {v['failed']} failed" if v["failed"] else "") + (
            f", {v['skipped']} skipped" if v["skipped"] else "")
        note = ""
        if v["status"] == "failed" and not v.get("gating", True):
            expected = v.get("expected") or {}
            note = f"expected: {expected['reason']}" if expected.get("reason") else "not gating (" + ", ".join(
                v.get("tolerated", {})) + ")"
        elif v["status"] == "skipped":
            note = "; ".join(v["skip_reasons"])
        lines.append(f"| {clause} | {v['level']} | {_MARK[v['status']]} | {cases} | {_cell(note)} |")
    failed = {c: v for c, v in clauses.items() if v["status"] == "failed"}
    if failed:
        lines += ["", "### Failures", ""]
        for clause, v in failed.items():
            tag = "" if v.get("gating", True) else " (not gating)"
            lines += [f"- **{clause}**{tag}: {_cell(v['reason'])}", f"  - re-run: `{v['rerun']}`"]
    if report.get("mismatches"):
        lines += ["", "### Outcomes that differ from the expectations file", ""]
        lines += [f"- {_cell(m['message'])}" for m in report["mismatches"]]
    causes = [c for c in report.get("likely_causes", []) if c.get("mutant")]
    if causes:
        lines += ["", "### Likely causes", ""]
        lines += [f"- {_cell(c.get('bug') or c['mutant'])} (explains {', '.join(c.get('clauses', []))})" for c in causes]
    return "\n".join(lines) + "\n"
