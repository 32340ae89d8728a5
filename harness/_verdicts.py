"""The report by clause: tests roll up into one verdict per clause id, and the run is gated on them.

Everything a verdict needs travels on the test reports themselves (``user_properties``: the
clause, its level, the re-runnable case, the one-line reason, the symptoms), so the same
verdicts come out of a serial run and of a pytest-xdist run, where the reports arrive at the
controller from workers that did the collecting.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = ["ClauseVerdict", "Verdicts", "properties"]


@dataclass
class ClauseVerdict:
    clause: str
    level: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    skip_reasons: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    first_failure: str = ""
    reason: str = ""
    info: set[str] = field(default_factory=set)
    symptoms: set[str] = field(default_factory=set)

    @property
    def status(self) -> str:
        """failed if any test failed; passed if any passed; skipped only when every test skipped."""
        if self.failed:
            return "failed"
        if self.passed:
            return "passed"
        return "skipped"


def properties(report: pytest.TestReport, key: str) -> list[str]:
    """The values of ``key`` among the report's user properties, in order."""
    return [str(value) for name, value in report.user_properties if name == key]


class Verdicts:
    """A pytest plugin object collecting per-clause outcomes, printing them, and gating the run.

    ``min_clauses``: fewer clauses than this actually checked (passed or failed, not skipped)
    fails the run, so that an implementation supporting no limit never gives a green CI.
    """

    def __init__(self, header: str, spec: str, report_path: str | None = None, min_clauses: int = 1) -> None:
        self.header = header
        self.spec = spec
        self.report_path = report_path
        self.min_clauses = min_clauses
        self.by_clause: dict[str, ClauseVerdict] = {}
        self.gate = ""

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        clause = properties(report, "clause")
        if not clause:
            return
        level = properties(report, "level")
        v = self.by_clause.setdefault(clause[0], ClauseVerdict(clause[0], level[0] if level else ""))
        v.info.update(properties(report, "agent-info"))
        if report.skipped and report.when in ("setup", "call"):
            v.skipped += 1
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            v.skip_reasons.add(reason.removeprefix("Skipped: "))
        elif report.failed:
            v.failed += 1
            case = properties(report, "case")
            v.failures.append(case[0] if case else report.nodeid)
            for symptoms in properties(report, "agent-symptoms") or ["other"]:
                v.symptoms.update(symptoms.split())
            if not v.first_failure:
                v.first_failure = report.longreprtext
                reasons = properties(report, "agent-reason")
                lines = report.longreprtext.strip().splitlines() or [report.when]
                v.reason = reasons[0] if reasons else lines[-1][:300]
        elif report.passed and report.when == "call":
            v.passed += 1

    def counts(self) -> dict[str, int]:
        tally: dict[str, int] = defaultdict(int)
        for v in self.by_clause.values():
            tally[v.status] += 1
        return dict(tally)

    def rerun(self, case: str) -> str:
        """The command that re-runs one case, from wherever the user ran pytest."""
        return f"pytest --agent-impl={self.spec} --pyargs '{case}'"

    def failed(self) -> dict[str, set[str]]:
        """Each failed clause with its symptoms: what the root-cause summary matches."""
        return {c: v.symptoms for c, v in self.by_clause.items() if v.status == "failed"}

    def likely_causes(self) -> list[dict[str, Any]]:
        """The failed clauses matched against the known bugs' signatures (see ``_causes``)."""
        failed = self.failed()
        if not failed:
            return []
        from ._causes import diagnose  # only a failing run needs the knowledge base

        try:
            return [d.as_dict() for d in diagnose(failed)]
        except (OSError, ValueError, KeyError) as exc:  # a damaged install must not cost the report
            return [{"mutant": None, "error": f"{type(exc).__name__}: {exc}"}]

    def as_dict(self) -> dict[str, Any]:
        return {
            "implementation": self.header,
            "gate": self.gate or "passed",
            "likely_causes": self.likely_causes(),
            "clauses": {
                c: {"status": v.status, "level": v.level, "passed": v.passed, "failed": v.failed,
                    "skipped": v.skipped, "skip_reasons": sorted(v.skip_reasons), "failures": v.failures,
                    "rerun": self.rerun(v.failures[0]) if v.failures else None,
                    "first_failure": v.first_failure, "reason": v.reason, "symptoms": sorted(v.symptoms),
                    "info": sorted(v.info)}
                for c, v in sorted(self.by_clause.items())
            },
        }

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        checked = sum(1 for v in self.by_clause.values() if v.status != "skipped")
        if checked < self.min_clauses and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            skipped = sorted({r for v in self.by_clause.values() for r in v.skip_reasons})
            why = f" (skipped: {'; '.join(skipped)})" if skipped else ""
            self.gate = (f"nothing to vouch for: {checked} clause(s) checked, at least {self.min_clauses} required "
                         f"(--conformance-min-clauses){why}. A run that checks no limit must not pass a CI gate.")
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if self.report_path:
            try:
                Path(self.report_path).write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")
            except OSError as exc:  # checked at start-up; a disk that filled up since must not lose the summary
                session.config.get_terminal_writer().line(f"agent-limits: could not write {self.report_path}: {exc}", red=True)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        tr = terminalreporter
        if not self.by_clause and not self.gate:
            return
        tr.section("agent conformance by clause")
        tr.write_line(self.header)
        for clause, v in sorted(self.by_clause.items()):
            detail = f"{v.passed} passed"
            if v.failed:
                detail += f", {v.failed} failed"
            if v.skipped:
                detail += f", {v.skipped} skipped"
            reasons = f"  ({'; '.join(sorted(v.skip_reasons))})" if v.status == "skipped" else ""
            tr.write_line(f"{v.status.upper():8} {clause:<14} {v.level:<6} {detail}{reasons}",
                          red=v.status == "failed", green=v.status == "passed", yellow=v.status == "skipped")
            for text in sorted(v.info):
                tr.write_line(f"{'':8} {'':<14} {'':<6} - {text}")
        c = self.counts()
        tr.write_line(
            f"clauses: {c.get('passed', 0)} passed, {c.get('failed', 0)} failed, "
            f"{c.get('skipped', 0)} skipped (of {len(self.by_clause)})",
            bold=True,
        )
        failed = self.failed()
        if len(failed) > 1:
            from ._causes import summary

            try:
                lines = summary(failed)
            except (OSError, ValueError, KeyError) as exc:  # a damaged install must not cost the summary
                lines = [f"likely causes: unavailable ({type(exc).__name__}: {exc})"]
            tr.section("likely causes")
            for line in lines:
                tr.write_line(line)
        if self.gate:
            tr.write_line(f"agent-limits: {self.gate}", red=True, bold=True)
