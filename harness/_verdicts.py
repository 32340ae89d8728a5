"""The report by clause: tests roll up into one verdict per clause id."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = ["ClauseVerdict", "Verdicts"]


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

    @property
    def status(self) -> str:
        """failed if any test failed; passed if any passed; skipped only when every test skipped."""
        if self.failed:
            return "failed"
        if self.passed:
            return "passed"
        return "skipped"


class Verdicts:
    """A pytest plugin object collecting per-clause outcomes and printing them at the end."""

    def __init__(self, header: str, report_path: str | None = None) -> None:
        self.header = header
        self.report_path = report_path
        self.by_clause: dict[str, ClauseVerdict] = {}
        self._clause_of: dict[str, tuple[str, str]] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            marker = item.get_closest_marker("clause")
            if marker and marker.args:
                self._clause_of[item.nodeid] = (marker.args[0], marker.kwargs.get("level", ""))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        found = self._clause_of.get(report.nodeid)
        if found is None:
            return
        clause, level = found
        v = self.by_clause.setdefault(clause, ClauseVerdict(clause, level))
        v.info.update(text for key, text in report.user_properties if key == "agent-info")
        if report.skipped and report.when in ("setup", "call"):
            v.skipped += 1
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            v.skip_reasons.add(reason.removeprefix("Skipped: "))
        elif report.failed:
            v.failed += 1
            v.failures.append(report.nodeid)
            if not v.first_failure:
                v.first_failure = report.longreprtext
                reasons = [text for key, text in report.user_properties if key == "agent-reason"]
                v.reason = reasons[0] if reasons else report.longreprtext.strip().splitlines()[-1][:300]
        elif report.passed and report.when == "call":
            v.passed += 1

    def counts(self) -> dict[str, int]:
        tally: dict[str, int] = defaultdict(int)
        for v in self.by_clause.values():
            tally[v.status] += 1
        return dict(tally)

    def as_dict(self) -> dict[str, Any]:
        return {
            "implementation": self.header,
            "clauses": {
                c: {"status": v.status, "level": v.level, "passed": v.passed, "failed": v.failed,
                    "skipped": v.skipped, "skip_reasons": sorted(v.skip_reasons), "failures": v.failures, "first_failure": v.first_failure, "reason": v.reason,
                    "info": sorted(v.info)}
                for c, v in sorted(self.by_clause.items())
            },
        }

    def pytest_sessionfinish(self) -> None:
        if self.report_path:
            Path(self.report_path).write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.by_clause:
            return
        tr = terminalreporter
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
        total = len(self.by_clause)
        tr.write_line(
            f"clauses: {c.get('passed', 0)} passed, {c.get('failed', 0)} failed, "
            f"{c.get('skipped', 0)} skipped (of {total})",
            bold=True,
        )
