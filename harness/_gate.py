"""The CI gate's policy: which clause failures fail the run.

Two things make a failed conformance test not fail the run: the expectations file lists it
(``--conformance-expect``), or its clause is a SHOULD and the run gates at MUST
(``--conformance-level=must``, the default). Either way the test is reported as an expected
failure (``xfail``, with the reason in pytest's summary), never as passed, and its clause still
shows as failed in the per-clause report. The judgement is made where the report is made, so
pytest-xdist workers and a serial run agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ._expectations import Expectations, ExpectationsError, load

__all__ = ["LEVELS", "Gate", "gate_from_config"]

LEVELS = ("must", "should")


@dataclass
class Gate:
    """What fails the run. ``path``: the expectations file (absent before its first update)."""

    level: str = "must"
    expectations: Expectations | None = None
    path: Path | None = None
    update: bool = False
    lenient: bool = False

    def tolerated(self, clause: str, level: str, case: str) -> tuple[str, str] | None:
        """``(kind, reason)`` if a failure of this test does not fail the run, else None.
        kind: ``expected`` (listed in the file), ``update`` (being written into it), ``should``."""
        entry = self.expectations.entry_for(clause, case) if self.expectations is not None else None
        if entry is not None and entry.expected == "fail":
            link = f" ({entry.link})" if entry.link else ""
            return "expected", f"expected to fail by {self.path}: {entry.reason}{link}"
        if self.update:
            return "update", f"written into {self.path} as an expected failure (--conformance-expect-update)"
        if not self.gates(level):
            return "should", "a SHOULD clause: reported, not gating at --conformance-level=must"
        return None

    def gates(self, level: str) -> bool:
        """Whether a clause of ``level`` gates the run at all: not a SHOULD clause at level must."""
        return not (level == "SHOULD" and self.level == "must")

    def only_warns(self, kind: str, level: str | None) -> bool:
        """Whether an expectations mismatch of ``kind`` for a clause of ``level`` is reported without
        failing the run: an unexpected pass with --conformance-expect-lenient, or of a clause that
        does not gate (its outcome gates neither way: LONG-2 measures CPU time, and a framework
        whose growth sits at the bound passes on one run and fails on the next)."""
        return kind == "passing" and (self.lenient or level is not None and not self.gates(level))

    def judge(self, report: pytest.TestReport, clause: str, level: str, case: str) -> str | None:
        """Turn a tolerated failure into an expected failure; the kind, if it was one."""
        if report.when != "call" or not report.failed:
            return None
        tolerated = self.tolerated(clause, level, case)
        if tolerated is None:
            return None
        kind, reason = tolerated
        report.outcome = "skipped"
        report.wasxfail = f"[{clause}] {reason}"  # pytest's own expected-failure attribute
        return kind


def gate_from_config(config: pytest.Config) -> Gate:
    """The gate the options and ini keys ask for; a usage error names anything wrong with them."""
    level = config.getoption("conformance_level") or str(config.getini("conformance_level") or "must").strip().lower()
    if level not in LEVELS:
        raise pytest.UsageError(f"conformance_level = {level!r} in {config.inipath}: must be must or should")
    update = bool(config.getoption("conformance_expect_update"))
    path = _expectations_path(config)
    if path is None:
        if update:
            raise pytest.UsageError("--conformance-expect-update needs the file to write: add --conformance-expect=FILE "
                                    "(e.g. --conformance-expect=conformance-expectations.toml)")
        return Gate(level=level, lenient=bool(config.getoption("conformance_expect_lenient")))
    expectations = None
    if path.is_dir():
        raise pytest.UsageError(f"--conformance-expect={path}: is a directory; name a TOML file")
    if path.exists():
        from agent_limits.conformance import clauses

        try:
            expectations = load(path, clauses())
        except ExpectationsError as exc:
            raise pytest.UsageError(f"--conformance-expect: {exc}") from None
    elif not update:
        raise pytest.UsageError(f"--conformance-expect={path}: no such file; write it from a run with "
                                "--conformance-expect-update")
    elif not path.parent.is_dir():
        raise pytest.UsageError(f"--conformance-expect={path}: directory {str(path.parent)!r} does not exist")
    return Gate(level, expectations, path, update, bool(config.getoption("conformance_expect_lenient")))


def _expectations_path(config: pytest.Config) -> Path | None:
    """The option (relative to where pytest runs) or the ini key (relative to the ini file)."""
    given = config.getoption("conformance_expect")
    if given:
        return Path(config.invocation_params.dir, given).resolve()
    ini = str(config.getini("conformance_expect") or "").strip()
    if ini:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        return Path(base, ini).resolve()
    return None
