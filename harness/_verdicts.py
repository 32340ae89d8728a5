"""The report by clause: tests roll up into one verdict per clause id, and the run is gated on them.

Everything a verdict needs travels on the test reports themselves (``user_properties``: the
clause, its level, the re-runnable case, the one-line reason, the symptoms), so the same
verdicts come out of a serial run and of a pytest-xdist run, where the reports arrive at the
controller from workers that did the collecting.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import pytest

from ._gate import Gate

if TYPE_CHECKING:
    from ._expectations import Mismatch
    from ._resolve import Implementation

__all__ = ["ClauseVerdict", "Verdicts", "properties"]

_TOLERATED = {"expected": "expected", "update": "being recorded", "should": "SHOULD, not gating"}


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
    #: Failures that do not fail the run, by why: expected (the file), update, should (the level).
    tolerated: dict[str, int] = field(default_factory=dict)

    @property
    def gating(self) -> bool:
        """True if this clause's failures fail the run (some failure was not tolerated)."""
        return self.failed > sum(self.tolerated.values())

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

    def __init__(self, impl: Implementation, reports: Sequence[Path] = (), min_clauses: int = 1,
                 gate: Gate | None = None) -> None:
        from ._versions import versions

        self.impl = impl
        self.header = impl.header()
        self.spec = impl.spec
        self.versions = versions(impl.target)
        self.reports = list(reports)
        self.min_clauses = min_clauses
        self.policy = gate or Gate()
        self.by_clause: dict[str, ClauseVerdict] = {}
        #: (clause, case, passed|failed|skipped) per test: what the expectations are judged on.
        self.outcomes: list[tuple[str, str, str]] = []
        self.gate = ""
        self.mismatches: list[Mismatch] = []
        self.usage_error = ""
        self.written = ""

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        clause = properties(report, "clause")
        if not clause:
            return
        level = properties(report, "level")
        case = properties(report, "case")
        name = case[0] if case else report.nodeid
        v = self.by_clause.setdefault(clause[0], ClauseVerdict(clause[0], level[0] if level else ""))
        v.info.update(properties(report, "agent-info"))
        tolerated = properties(report, "tolerated") if hasattr(report, "wasxfail") else []
        if report.skipped and report.when in ("setup", "call") and not hasattr(report, "wasxfail"):
            v.skipped += 1
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            v.skip_reasons.add(reason.removeprefix("Skipped: "))
            self.outcomes.append((clause[0], name, "skipped"))
        elif report.failed or tolerated:
            v.failed += 1
            self.outcomes.append((clause[0], name, "failed"))
            for kind in tolerated:
                v.tolerated[kind] = v.tolerated.get(kind, 0) + 1
            v.failures.append(name)
            # every example a Hypothesis test tried adds its symptoms (causes.json records them so);
            # the reason is the last example's (below): the shrunk one pytest reports
            for symptoms in properties(report, "agent-symptoms") or ["other"]:
                v.symptoms.update(symptoms.split())
            if not v.first_failure:
                v.first_failure = report.longreprtext
                reasons = properties(report, "agent-reason")
                lines = report.longreprtext.strip().splitlines() or [report.when]
                v.reason = reasons[-1] if reasons else lines[-1][:300]
        elif report.passed and report.when == "call":
            v.passed += 1
            self.outcomes.append((clause[0], name, "passed"))

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """A pytest-xdist worker found a usage error at collection (e.g. an unknown case in the
        expectations file): the run ends with it, as a serial run would."""
        from .plugin import _USAGE_OUTPUT

        message = getattr(node, "workeroutput", {}).get(_USAGE_OUTPUT)
        if message:
            self.usage_error = str(message)

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
        gate = self.policy
        return {
            "implementation": self.header,
            "versions": self.versions,
            "conforms": self.conforms(),
            "gate": self.gate or "passed",
            "level": gate.level,
            "expectations": str(gate.path) if gate.path else None,
            "mismatches": [{"kind": m.kind, "clause": m.clause, "cases": m.pattern, "detail": m.detail,
                            "message": m.describe(gate.path or "")} for m in self.mismatches],
            "likely_causes": self.likely_causes(),
            "clauses": {
                c: {"status": v.status, "level": v.level, "passed": v.passed, "failed": v.failed,
                    "skipped": v.skipped, "skip_reasons": sorted(v.skip_reasons), "failures": v.failures,
                    "gating": v.status == "failed" and v.gating, "tolerated": dict(sorted(v.tolerated.items())),
                    "expected": self._expected(c),
                    "rerun": self.rerun(v.failures[0]) if v.failures else None,
                    "first_failure": v.first_failure, "reason": v.reason, "symptoms": sorted(v.symptoms),
                    "info": sorted(v.info)}
                for c, v in sorted(self.by_clause.items())
            },
        }

    def conforms(self) -> bool:
        """The verdict at the gate's level and expectations; failures being written into the
        file by --conformance-expect-update still count (the update does not make them conform)."""
        if self.gate:
            return False
        return not any(v.failed > v.tolerated.get("expected", 0) + v.tolerated.get("should", 0)
                       for v in self.by_clause.values())

    def _expected(self, clause: str) -> dict[str, Any] | None:
        expectations = self.policy.expectations
        entry = expectations.entries.get(clause) if expectations is not None else None
        return entry.as_table() if entry is not None else None

    @pytest.hookimpl(trylast=True)  # after syrupy, which ORs the exit status it was called with back in
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        writer = session.config.get_terminal_writer()
        if self.usage_error:
            self.gate = f"usage error: {self.usage_error}"
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
            return
        checked = sum(1 for v in self.by_clause.values() if v.status != "skipped")
        if checked < self.min_clauses and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            skipped = sorted({r for v in self.by_clause.values() for r in v.skip_reasons})
            why = f" (skipped: {'; '.join(skipped)})" if skipped else ""
            self.gate = (f"nothing to vouch for: {checked} clause(s) checked, at least {self.min_clauses} required "
                         f"(--conformance-min-clauses){why}. A run that checks no limit must not pass a CI gate.")
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        self._judge_expectations(session)
        data = self.as_dict()
        for path in self.reports:
            try:
                path.write_text(self._render(path, data), encoding="utf-8")
            except OSError as exc:  # checked at start-up; a disk that filled up since must not lose the summary
                writer.line(f"agent-limits: could not write {path}: {exc}", red=True)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            from ._markdown import render

            try:
                with open(summary, "a", encoding="utf-8") as out:
                    out.write(render(data) + "\n")
            except OSError as exc:
                writer.line(f"agent-limits: could not append to GITHUB_STEP_SUMMARY ({summary}): {exc}", red=True)

    def _render(self, path: Path, data: dict[str, Any]) -> str:
        if path.suffix.lower() in (".md", ".markdown"):
            from ._markdown import render

            return render(data)
        return json.dumps(data, indent=2) + "\n"

    def _judge_expectations(self, session: pytest.Session) -> None:
        """Update the expectations file, or hold the run to it."""
        from ._expectations import dump, mismatches, rewrite

        gate = self.policy
        skips = {c: v.skip_reasons for c, v in self.by_clause.items()}
        if gate.update and gate.path is not None:
            from agent_limits.conformance import clauses

            entries = rewrite(gate.expectations, self.outcomes, {c: v.reason for c, v in self.by_clause.items()},
                              skips, clauses())
            tested = ", ".join(f"{n} {v}" for n, v in self.versions.items() if n != "python")
            header = [f"Expected conformance outcomes for {self.spec}: {tested}.",
                      "Written by pytest --conformance-expect-update; edit the reasons and links freely,",
                      "they are kept when the file is rewritten. See docs/ci.md of agent-limit-conformance."]
            try:
                gate.path.write_text(dump(entries, header), encoding="utf-8")
            except OSError as exc:
                self.gate = f"could not write {gate.path}: {exc}"
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
                return
            old = gate.expectations.entries if gate.expectations is not None else {}
            self.written = (f"wrote {gate.path}: {len(entries)} entr{'y' if len(entries) == 1 else 'ies'} "
                            f"({len(set(entries) - set(old))} added, {len(set(old) - set(entries))} removed)")
            return
        if gate.expectations is None:
            return
        self.mismatches = mismatches(gate.expectations, self.outcomes, skips)
        failing = [m for m in self.mismatches if not self.only_warns(m)]
        if failing and session.exitstatus == pytest.ExitCode.OK:
            self.gate = (f"{len(failing)} outcome(s) differ from {gate.path}"
                         + (" (unexpected passes are only warnings: --conformance-expect-lenient)" if gate.lenient else ""))
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def only_warns(self, mismatch: Mismatch) -> bool:
        """The gate's rule (:meth:`Gate.only_warns`) for a mismatch of a clause of this run."""
        verdict = self.by_clause.get(mismatch.clause)
        return self.policy.only_warns(mismatch.kind, verdict.level if verdict is not None else None)

    def versions_line(self) -> str:
        return ", ".join(f"{name} {value}" for name, value in self.versions.items())

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        tr = terminalreporter
        if not self.by_clause and not self.gate:
            return
        tr.section("agent conformance by clause")
        tr.write_line(self.header)
        tr.write_line(f"versions: {self.versions_line()} | gate: {self.policy.level.upper()} clauses"
                      + (f", expectations {self.policy.path}" if self.policy.path else ""))
        for clause, v in sorted(self.by_clause.items()):
            detail = f"{v.passed} passed"
            if v.failed:
                detail += f", {v.failed} failed"
                if v.tolerated:
                    detail += " (" + ", ".join(f"{n} {_TOLERATED[k]}" for k, n in sorted(v.tolerated.items())) + ")"
            if v.skipped:
                detail += f", {v.skipped} skipped"
            reasons = f"  ({'; '.join(sorted(v.skip_reasons))})" if v.status == "skipped" else ""
            tr.write_line(f"{v.status.upper():8} {clause:<14} {v.level:<6} {detail}{reasons}",
                          red=v.status == "failed" and v.gating, green=v.status == "passed",
                          yellow=v.status == "skipped" or v.status == "failed" and not v.gating)
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
        if self.mismatches:
            tr.section("expectations")
            for m in self.mismatches:
                warn = self.only_warns(m)
                tr.write_line(("warning: " if warn else "") + m.describe(self.policy.path or ""), red=not warn, yellow=warn)
        if self.written:
            tr.write_line(f"agent-limits: {self.written}", bold=True)
        if self.gate:
            tr.write_line(f"agent-limits: {self.gate}", red=True, bold=True)
