"""Known failures: the expectations file a CI gate is judged against (``--conformance-expect``).

A framework that adopts the suite fails some clauses on day one. The expectations file, a small
TOML file in the framework's own repository, names them, so that CI fails exactly when
conformance changes: a new failure, an expected failure that now passes (the file has gone
stale), or an unsupported limit that is now checked. One table per clause::

    ["TOOLS-1"]
    expected = "fail"            # or "skip": the implementation does not support the limit
    reason = "the cap refuses a whole reply that would cross it"
    link = "https://github.com/org/repo/issues/123"     # optional
    cases = ["sync-cap=3"]       # optional; without it, every case of the clause

A case is named by its parameters (``sync-cap=3``), its test name
(``test_at_most_m_executions_per_invocation[sync-cap=3]``) or its test function (every
parameter set): exactly, never as a pattern, so that a typo cannot silently widen the gate. An
unknown key, clause or case is an error for the same reason.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Iterable, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]

__all__ = ["Entry", "Expectations", "ExpectationsError", "Mismatch", "case_keys", "dump", "load", "mismatches",
           "rewrite"]

EXPECTED = ("fail", "skip")
KEYS = {"expected": "str", "reason": "str", "link": "str", "cases": "list of str"}
#: What a test's outcome is called in a mismatch: passed, failed (also when expected), skipped.
Outcome = tuple[str, str, str]  # (clause, case, status)


class ExpectationsError(ValueError):
    """The expectations file cannot be used as written; the message names the file and the entry."""


def case_keys(case: str) -> tuple[str, ...]:
    """The names an entry's ``cases`` may use for a test: ``module::test_x[params]`` (or a node id)
    gives ``params``, ``test_x[params]`` and ``test_x``."""
    name = case.rsplit("::", 1)[-1]
    function, bracket, params = name.partition("[")
    if not bracket:
        return (name,)
    return (params.removesuffix("]"), name, function)


@dataclass(frozen=True)
class Entry:
    """What the file says about one clause."""

    clause: str
    expected: str
    reason: str
    link: str = ""
    cases: tuple[str, ...] = ()

    def covers(self, case: str) -> str | None:
        """The entry's name for ``case`` if the entry covers it (``""`` when the entry covers the
        whole clause), else None."""
        if not self.cases:
            return ""
        keys = case_keys(case)
        return next((pattern for pattern in self.cases if pattern in keys), None)

    def as_table(self) -> dict[str, Any]:
        table: dict[str, Any] = {"expected": self.expected, "reason": self.reason}
        if self.link:
            table["link"] = self.link
        if self.cases:
            table["cases"] = list(self.cases)
        return table


@dataclass
class Expectations:
    """The parsed file: entries by clause id."""

    path: Path
    entries: dict[str, Entry] = field(default_factory=dict)

    def entry_for(self, clause: str, case: str) -> Entry | None:
        """The entry covering this test of ``clause``, if any."""
        entry = self.entries.get(clause)
        return entry if entry is not None and entry.covers(case) is not None else None

    def unknown_cases(self, tests: Iterable[tuple[str, str]]) -> list[str]:
        """Each ``cases`` name that matches no test of its clause among ``tests`` ((clause, case) pairs:
        every collected test, before any deselection)."""
        keys: dict[str, set[str]] = {}
        for clause, case in tests:
            keys.setdefault(clause, set()).update(case_keys(case))
        problems = []
        for entry in self.entries.values():
            if entry.clause not in keys:
                continue  # a clause the suite has no test for here is reported when the file is loaded
            for pattern in entry.cases:
                if pattern not in keys[entry.clause]:
                    known = sorted(k for k in keys[entry.clause] if "[" not in k and not k.startswith("test_"))
                    problems.append(f"[{entry.clause}] cases: no test of {entry.clause} is named {pattern!r}"
                                    + (f" (its cases: {', '.join(known)})" if known else ""))
        return problems


def load(path: Path, clauses: Collection[str]) -> Expectations:
    """Read and check the file; ``clauses`` are the ids the spec defines."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExpectationsError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExpectationsError(f"{path}: not valid TOML: {exc}") from None
    found = Expectations(path)
    problems = []
    for clause, table in data.items():
        if clause not in clauses:
            near = _near(clause, clauses)
            problems.append(f"[{clause}]: no such clause in the spec" + (f" (did you mean {near}?)" if near else ""))
            continue
        if not isinstance(table, dict):
            problems.append(f"{clause} = ...: each clause is a table, e.g. [\"{clause}\"] with expected and reason keys")
            continue
        try:
            found.entries[clause] = _entry(clause, table)
        except ExpectationsError as exc:
            problems.append(str(exc))
    if problems:
        raise ExpectationsError(f"{path}:\n  - " + "\n  - ".join(problems))
    return found


def _entry(clause: str, table: Mapping[str, Any]) -> Entry:
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ExpectationsError(f"[{clause}]: unknown key(s) {', '.join(unknown)}; the keys are {', '.join(KEYS)}")
    expected = table.get("expected")
    if expected not in EXPECTED:
        raise ExpectationsError(f"[{clause}] expected = {expected!r}: must be \"fail\" or \"skip\"")
    reason = table.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ExpectationsError(f"[{clause}]: reason is required (a string saying why the outcome is expected)")
    link = table.get("link", "")
    if not isinstance(link, str):
        raise ExpectationsError(f"[{clause}] link: must be a string")
    cases = table.get("cases", [])
    if not isinstance(cases, list) or not cases and "cases" in table or not all(isinstance(c, str) and c for c in cases):
        raise ExpectationsError(f"[{clause}] cases: must be a non-empty list of case names, e.g. [\"sync-cap=3\"]")
    return Entry(clause, expected, reason.strip(), link, tuple(cases))


def _near(name: str, clauses: Collection[str]) -> str:
    import difflib

    return ", ".join(difflib.get_close_matches(name.upper(), list(clauses), n=2, cutoff=0.6))


# -- judging a run --------------------------------------------------------------------------
@dataclass(frozen=True)
class Mismatch:
    """An outcome the file did not predict, other than a new failure (which fails its own test).

    ``kind``: ``passing`` (an expected failure or skip whose cases all ran and passed: the entry is
    stale), ``skipped`` (an expected failure whose cases were all skipped), ``unlisted-skip`` (a
    clause skipped in full that the file does not list).
    """

    kind: str
    clause: str
    pattern: str
    detail: str

    def describe(self, path: Path | str) -> str:
        where = f"{self.clause}" + (f" (cases: {self.pattern})" if self.pattern else "")
        if self.kind == "passing":
            return f"unexpectedly passing: {where}: {self.detail}; remove it from {path}"
        if self.kind == "skipped":
            return f"expected to fail but skipped: {where}: {self.detail}; update {path}"
        return (f"skipped, and not listed: {where}: {self.detail}; if the limit is meant to be unsupported, "
                f"add it to {path} with expected = \"skip\"")


def mismatches(expectations: Expectations, outcomes: Iterable[Outcome],
               skip_reasons: Mapping[str, Collection[str]] | None = None) -> list[Mismatch]:
    """Every entry the run contradicted. Entries for clauses that did not run (deselected) are
    not judged: a partial run says nothing about them."""
    by_clause: dict[str, list[tuple[str, str]]] = {}
    for clause, case, status in outcomes:
        by_clause.setdefault(clause, []).append((case, status))
    reasons = skip_reasons or {}
    found = []
    for entry in expectations.entries.values():
        ran = by_clause.get(entry.clause, [])
        for pattern in entry.cases or ("",):
            group = {status for case, status in ran
                     if not pattern or pattern in case_keys(case)}
            if not group or "failed" in group or group == {"skipped"} and entry.expected == "skip":
                continue
            if group == {"skipped"}:
                why = "; ".join(sorted(reasons.get(entry.clause, ()))) or "every case skipped"
                found.append(Mismatch("skipped", entry.clause, pattern, why))
            else:
                what = "every case that ran passed" if entry.expected == "fail" else "the clause is now checked and passes"
                found.append(Mismatch("passing", entry.clause, pattern, what))
    found = _merged(found)
    for clause, ran in sorted(by_clause.items()):
        if clause not in expectations.entries and ran and all(status == "skipped" for _, status in ran):
            why = "; ".join(sorted(reasons.get(clause, ()))) or "every case skipped"
            found.append(Mismatch("unlisted-skip", clause, "", why))
    return found


def _merged(found: list[Mismatch]) -> list[Mismatch]:
    """One mismatch per clause and kind, naming all its cases."""
    merged: dict[tuple[str, str, str], list[str]] = {}
    for m in found:
        merged.setdefault((m.kind, m.clause, m.detail), []).append(m.pattern)
    return [Mismatch(kind, clause, ", ".join(p for p in patterns if p), detail)
            for (kind, clause, detail), patterns in merged.items()]


# -- writing --------------------------------------------------------------------------------
def rewrite(old: Expectations | None, outcomes: Iterable[Outcome], reasons: Mapping[str, str],
            skip_reasons: Mapping[str, Collection[str]], order: Iterable[str]) -> dict[str, Entry]:
    """The entries that describe this run, keeping the reasons and links of entries still true.

    A clause that failed gets ``expected = "fail"`` (limited to the failed cases unless every
    case that ran failed); one skipped in full gets ``expected = "skip"``; one that passed gets no
    entry. Clauses that did not run keep their entries as they were.
    """
    by_clause: dict[str, list[tuple[str, str]]] = {}
    for clause, case, status in outcomes:
        by_clause.setdefault(clause, []).append((case, status))
    kept = old.entries if old is not None else {}
    entries: dict[str, Entry] = {}
    for clause in order:
        ran = by_clause.get(clause)
        before = kept.get(clause)
        if not ran:
            if before is not None:
                entries[clause] = before
            continue
        statuses = [status for _, status in ran]
        if "failed" in statuses:
            checked = [(case, status) for case, status in ran if status != "skipped"]
            failed = [case for case, status in checked if status == "failed"]
            cases = () if len(failed) == len(checked) else _short_names(failed, [case for case, _ in ran])
            reason = before.reason if before is not None and before.expected == "fail" else _one_line(reasons.get(clause, ""))
            entries[clause] = Entry(clause, "fail", reason or "fails (written by --conformance-expect-update)",
                                    before.link if before else "", cases)
        elif all(status == "skipped" for status in statuses):
            reason = before.reason if before is not None and before.expected == "skip" else \
                "; ".join(sorted(skip_reasons.get(clause, ()))) or "skipped"
            entries[clause] = Entry(clause, "skip", reason, before.link if before else "")
    return entries


def _short_names(failed: list[str], every: list[str]) -> tuple[str, ...]:
    """The shortest name that picks out each failed case among every case of its clause."""
    names = []
    for case in failed:
        params, name, _ = case_keys(case) if "[" in case else (case, case, case)
        unique = sum(1 for other in every if params in case_keys(other)) == 1
        names.append(params if unique else name)
    return tuple(dict.fromkeys(names))


def _one_line(reason: str, limit: int = 240) -> str:
    line = " ".join(reason.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def dump(entries: Mapping[str, Entry], header: Iterable[str] = ()) -> str:
    """The file's text: comment lines, then one table per clause in the given order."""
    import tomli_w

    head = "".join(f"# {line}\n" if line else "#\n" for line in header)
    body = tomli_w.dumps({clause: entry.as_table() for clause, entry in entries.items()})
    return head + ("\n" if head and body else "") + body
