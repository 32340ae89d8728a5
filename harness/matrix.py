"""The conformance matrix: the bundled suite against every installed framework, clause by clause.

    python -m agent_limits.harness.matrix [--out docs] [--only strands,reference] [--check docs]
                                          [--expectations docs/expectations [--update-expectations]]
                                          [--findings docs/findings]

Writes ``MATRIX.md`` (clause x implementation: passed / FAILED with a one-line reason and the
observed numbers / not supported) and its JSON twin ``matrix.json``. A framework that is not
installed gets a column saying so, never a guess. Runs at the Hypothesis CI profile so that the
matrix is reproducible.

With ``--expectations DIR`` each column runs as a framework's own CI would, against
``DIR/<column>.toml`` (``--conformance-expect``): ``--update-expectations`` rewrites those files
from the run (``make matrix``), and ``--check`` also requires every column to exit 0 with its
file (``make test`` does the same per column: :func:`check_column`), so the committed files are
proven to gate exactly what the matrix shows.

With ``--findings DIR`` the run rewrites the generated evidence section of each framework's
``DIR/<framework>.md`` (``make matrix``); with ``--check`` it instead requires that every failed
cell has its evidence there (so does :func:`check_column`). See ``_findings``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_limits.harness._findings import check_findings, update_findings

__all__ = ["IMPLEMENTATIONS", "Column", "check_column", "compare", "gate_failures", "render", "run_column", "statuses"]


@dataclass(frozen=True)
class Column:
    """One implementation in the matrix.

    ``module``: the Python module whose presence means the framework is installed; empty for an
    agent driven over the wire protocol, whose ``spec`` is then a name registered in
    :data:`agent_limits.harness.adapters.wire.REGISTERED` (its command and files decide).
    """

    name: str
    spec: str
    module: str
    extra: str = ""
    #: Seconds one run of the column takes on a two-core machine beside another column (measured
    #: by ``make matrix``, which prints each column's time): the longest start first (here and in
    #: ``make test``'s pool), so that the run's length is close to the longest column's and not
    #: to the sum of the last two.
    seconds: int = 60
    #: The distributions whose versions the matrix names; by default every distribution that
    #: provides ``module``'s top-level package (too many for a namespace such as ``google``).
    dists: tuple[str, ...] = ()


#: What the matrix covers: the reference agent, then each framework with an adapter.
IMPLEMENTATIONS: tuple[Column, ...] = (
    Column("reference", "agent_limits.conformance.reference:ReferenceAgent", "agent_limits.conformance.reference",
           seconds=17),
    Column("strands", "strands:Agent", "strands", "strands", seconds=37),
    Column("openai-agents", "agents:Agent", "agents", "openai-agents", seconds=138),
    Column("pydantic-ai", "pydantic_ai:Agent", "pydantic_ai", "pydantic-ai", seconds=93),
    Column("langchain", "langchain.agents:create_agent", "langchain.agents", "langchain", seconds=80),
    Column("tinyagent-react", "tinyagent:ReactAgent", "tinyagent", "tinyagent", seconds=9),
    Column("tinyagent-code", "tinyagent:TinyCodeAgent", "tinyagent", "tinyagent", seconds=9),
    Column("inspect-ai", "inspect_ai.agent:react", "inspect_ai", "inspect-ai", seconds=112),
    Column("smolagents", "smolagents:ToolCallingAgent", "smolagents", "smolagents", seconds=40),
    Column("google-adk", "google.adk.agents:LlmAgent", "google.adk", "google-adk", dists=("google-adk",),
           seconds=220),
    Column("autogen", "autogen_agentchat.agents:AssistantAgent", "autogen_agentchat", "autogen", seconds=18),
    Column("llama-index", "llama_index.core.agent.workflow:FunctionAgent", "llama_index.core", "llama-index",
           dists=("llama-index-core",), seconds=67),
    Column("agno", "agno.agent:Agent", "agno", "agno", seconds=9),
    Column("crewai", "crewai:Agent", "crewai", "crewai", seconds=176),
    Column("js-reference", "js-reference", "", seconds=45),
    Column("cognipeer", "cognipeer", "", seconds=66),
)


#: pytest plugins that frameworks' packages install and the suite never uses, switched off in the
#: runs the matrix makes: langsmith's (installed with LangChain) imports its client and testing
#: module in every pytest process, about a second each time, and judges nothing.
UNRELATED_PLUGINS: tuple[str, ...] = ("-p", "no:langsmith_plugin")
#: The watchdog's bound in the matrix's runs (``--agent-timeout``; 5 s by default). The matrix
#: runs two columns at a time, and in ``make test`` beside other tests and the type check: on two
#: cores a CPU-heavy framework's honest invocation can then take several times its unloaded
#: time (CrewAI's 25 iterations of KIND-1's timeout case: under 1 s alone, past 5 s beside
#: three busy processes), and a cell would flip to a watchdog failure that says nothing about
#: the framework's limits. A hang still fails, after this many seconds.
AGENT_TIMEOUT = 60.0


def installed(column: Column) -> bool:
    if not column.module:
        return _wire_problem(column) is None
    try:
        return importlib.util.find_spec(column.module) is not None
    except ModuleNotFoundError:
        return False


def _wire_problem(column: Column) -> str | None:
    """Why a wire column cannot run here (its command or its files are missing), or None."""
    from agent_limits.harness.adapters.wire import REGISTERED

    known = REGISTERED[column.spec]
    if shutil.which(known.needs) is None:
        return f"not installed (needs {known.install})"
    if known.file is not None and not known.file.is_file():
        return f"not installed ({known.missing or 'runs from a clone of the project only'})"
    return None


def _missing(column: Column) -> str:
    if not column.module:
        return _wire_problem(column) or ""
    return f"not installed (pip install '.[{column.extra}]')"


def run_column(column: Column, suite: Path, timeout: float = 1800, expectations: Path | None = None,
               update: bool = False, shrink: bool = True) -> dict[str, Any]:
    """Run the suite against one implementation; its report, or why there is none.

    ``expectations``: the folder of expectations files; the column runs against its own
    (``<name>.toml``), rewriting it first if ``update``. The exit code is kept in ``exit``.
    ``shrink=False``: failing Hypothesis examples are not shrunk (same statuses, sooner; the first
    failures it reports are then not minimal: for a check, not for evidence).
    """
    if not installed(column):
        return {"installed": False, "note": _missing(column)}
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "verdicts.json"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *UNRELATED_PLUGINS,
                   *(() if shrink else ("-p", "agent_limits.harness._first_failure")),
                   f"--agent-timeout={AGENT_TIMEOUT:g}", f"--agent-impl={column.spec}",
                   f"--conformance-report={report}", str(suite)]
        if expectations is not None:
            path = expectations / f"{column.name}.toml"
            if update:
                command.append("--conformance-expect-update")
            if update or path.exists():
                command.append(f"--conformance-expect={path}")
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "CI": "true"})
        if not report.exists():
            tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
            return {"installed": True, "note": "the suite did not run: " + " | ".join(tail)}
        found: dict[str, Any] = json.loads(report.read_text())
        found["installed"] = True
        found["exit"] = done.returncode
        if done.returncode:
            found["output_tail"] = "\n".join((done.stdout + done.stderr).strip().splitlines()[-30:])
        return found


def _cell(verdict: dict[str, Any] | None, notes: list[str], name: str, clause: str) -> str:
    if verdict is None:
        return "-"
    status = verdict["status"]
    if status == "passed":
        return "passed" + (f" ({verdict['skipped']} cases skipped)" if verdict["skipped"] else "")
    if status == "skipped":
        reasons = "; ".join(verdict["skip_reasons"])
        return "not supported" if "does not support" in reasons else f"skipped ({reasons})"
    notes.append(f"{name} / {clause}: {verdict.get('reason') or 'see the JSON report'}")
    return f"**FAILED** [{len(notes)}]"


def render(results: dict[str, dict[str, Any]], clauses: list[tuple[str, str]]) -> str:
    """The Markdown matrix: one row per clause, one column per implementation, then the reasons."""
    names = list(results)
    lines = [
        "# Conformance matrix",
        "",
        "Generated by `make matrix` (`python -m agent_limits.harness.matrix`): the bundled suite against each",
        "implementation, at the Hypothesis CI profile. Do not edit by hand.",
        "",
        "| implementation | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
        "| version | " + " | ".join(results[n].get("version", "") or "" for n in names) + " |",
    ]
    notes: list[str] = []
    for clause, level in clauses:
        cells = []
        for name in names:
            result = results[name]
            if not result.get("installed") or "clauses" not in result:
                cells.append(result.get("note", "-") if clause == clauses[0][0] else "")
            else:
                cells.append(_cell(result["clauses"].get(clause), notes, name, clause))
        lines.append(f"| {clause} ({level}) | " + " | ".join(cells) + " |")
    if notes:
        lines += ["", "## Failures", ""]
        lines += [f"{i}. {note}" for i, note in enumerate(notes, 1)]
    return "\n".join(lines) + "\n"


def _version(column: Column) -> str:
    if column.name == "reference" or not installed(column):
        return ""
    if not column.module:
        return _wire_version(column)
    from importlib.metadata import PackageNotFoundError, packages_distributions, version

    dists = list(column.dists) or packages_distributions().get(column.module.split(".")[0], [])
    try:
        return ", ".join(f"{d} {version(d)}" for d in sorted(set(dists)))
    except PackageNotFoundError:
        return ""


def _wire_version(column: Column) -> str:
    """``node vX`` and, for an SDK, its installed package's name and version."""
    from agent_limits.harness.adapters.wire import REGISTERED

    known = REGISTERED[column.spec]
    found = subprocess.run([known.needs, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    parts = [f"{known.needs} {found}".strip()]
    if known.file is not None and known.file.name == "package.json":
        package = json.loads(known.file.read_text(encoding="utf-8"))
        parts.insert(0, f"{package.get('name', '?')} {package.get('version', '?')}")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", default="docs", help="folder for MATRIX.md and matrix.json")
    parser.add_argument("--only", default="", help="comma-separated column names")
    parser.add_argument("--jobs", type=int, default=2, help="implementations run at once (default 2)")
    parser.add_argument("--check", metavar="DIR", help="also compare with the matrix.json in DIR; exit 1 on a difference")
    parser.add_argument("--expectations", metavar="DIR", help="run each column against DIR/<column>.toml "
                        "(--conformance-expect); with --check, each column must then exit 0")
    parser.add_argument("--update-expectations", action="store_true",
                        help="rewrite DIR/<column>.toml from the run (--conformance-expect-update)")
    parser.add_argument("--findings", metavar="DIR", help="rewrite the generated evidence section of each "
                        "DIR/<framework>.md from the run; with --check, require instead that every failed cell "
                        "has its evidence there")
    args = parser.parse_args(argv)
    if args.update_expectations and not args.expectations:
        parser.error("--update-expectations needs --expectations DIR")
    from agent_limits.conformance import clauses

    suite = suite_path()
    wanted = {n for n in args.only.split(",") if n}
    columns = [c for c in IMPLEMENTATIONS if not wanted or c.name in wanted]
    print(f"matrix: {', '.join(c.name for c in columns)} ({args.jobs} at a time) ...", flush=True)
    folder = Path(args.expectations) if args.expectations else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    def timed(column: Column) -> dict[str, Any]:
        began = time.monotonic()
        result = run_column(column, suite, expectations=folder, update=args.update_expectations)
        print(f"matrix: {column.name} took {time.monotonic() - began:.0f} s", flush=True)
        return _named(column, result)

    longest_first = sorted(columns, key=lambda c: -c.seconds)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        done = dict(zip(longest_first, pool.map(timed, longest_first)))
    results = {c.name: done[c] for c in columns}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = [(c.id, c.level) for c in clauses().values()]
    (out / "MATRIX.md").write_text(render(results, table), encoding="utf-8")
    kept = {name: reproducible(result) for name, result in results.items()}
    (out / "matrix.json").write_text(json.dumps(kept, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"matrix: wrote {out / 'MATRIX.md'} and {out / 'matrix.json'}")
    if args.findings and not args.check:
        order = [c.name for c in IMPLEMENTATIONS]
        for path in update_findings(kept, Path(args.findings), order, [clause for clause, _ in table]):
            print(f"matrix: rewrote the evidence in {path}")
    if args.check:
        committed = json.loads((Path(args.check) / "matrix.json").read_text())
        for line in drift(committed, kept):  # information: the gate is the statuses (compare)
            print(f"matrix.json not reproduced byte for byte (not gating): {line}")
        for line in compare(committed, results, measured=True):
            print(f"a measured SHOULD cell changed (not gating): {line}")
        problems = _problems(committed, results, args.check, folder, Path(args.findings) if args.findings else None)
        for line in problems:
            print(line)
        return 1 if problems else 0
    return 0


def check_column(column: Column, docs: Path, expectations: Path | None = None,
                 findings: Path | None = None) -> list[str]:
    """Run one column and say how it differs from ``docs/matrix.json``; empty if it reproduces it.

    What ``--check`` does for every column, for one: the statuses of its cells, its run against
    ``expectations/<column>.toml`` (exit 0), and its evidence in ``findings``. Columns are
    independent, so a test runner can spread them over its workers beside other tests
    (``tests/test_matrix.py`` in ``make test``). Only statuses are compared, so failing examples
    are not shrunk (``_first_failure``).
    """
    committed = json.loads((docs / "matrix.json").read_text(encoding="utf-8"))
    result = run_column(column, suite_path(), expectations=expectations, shrink=False)
    fresh = {column.name: _named(column, result)}
    return _problems({column.name: committed.get(column.name, {})}, fresh, docs, expectations, findings)


def _named(column: Column, result: dict[str, Any]) -> dict[str, Any]:
    """A column's result as the matrix keeps it: with the framework's version and the spec run."""
    return {**result, "version": _version(column), "spec": column.spec}


def suite_path() -> Path:
    """The installed conformance suite's folder."""
    from agent_limits.harness.plugin import suite_dir

    suite = suite_dir()
    if suite is None:
        raise SystemExit("the conformance suite is not installed")
    return suite


def _problems(committed: dict[str, dict[str, Any]], fresh: dict[str, dict[str, Any]], docs: str | Path,
              expectations: Path | None, findings: Path | None) -> list[str]:
    """Every way ``fresh`` fails the check against ``committed``: one message each."""
    differences = compare(committed, fresh)
    if expectations is not None:
        differences += gate_failures(fresh, expectations)
    differences = [f"matrix differs from {docs}: {line}" for line in differences]
    if findings is not None:
        differences += [f"findings out of date (make matrix rewrites their evidence): {line}"
                        for line in check_findings(fresh, findings, unjudged=_measured_cells(fresh))]
    return differences


#: Per-run facts kept out of matrix.json, so that a run under ``CI`` reproduces it byte for byte:
#: the exit code and output of this run; how the run met its expectations file (the gate: ``make
#: matrix`` rewrites the file while ``make test`` checks against it, so the two runs' gate facts
#: differ by design, and the file's path is the clone's); and measured times (LONG-2's cost of a
#: turn: the notes, and the lines of a failure message, that carry the suite's ``MEASURED`` marker).
_RUN_ONLY = ("exit", "output_tail", "conforms", "gate", "mismatches", "expectations")
#: The same, per clause: the expectations file's entry as read before the run.
_CLAUSE_RUN_ONLY = ("expected",)
_MEASURED = " (CPU time): "


def reproducible(result: dict[str, Any]) -> dict[str, Any]:
    """A column's behaviour without what differs from run to run (see :data:`_RUN_ONLY`).

    A failure tolerated because the run was recording it (``update``) is recorded as
    ``expected``: that is what it is once the file is written.
    """
    kept = {k: v for k, v in result.items() if k not in _RUN_ONLY}
    if "clauses" in kept:
        kept["clauses"] = {clause: _unmeasured(v) for clause, v in kept["clauses"].items()}
    return kept


def _tolerated(counts: dict[str, int]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for kind, n in counts.items():
        kind = "expected" if kind == "update" else kind
        merged[kind] = merged.get(kind, 0) + n
    return dict(sorted(merged.items()))


def _unmeasured(verdict: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in verdict.items() if k not in _CLAUSE_RUN_ONLY}
    kept["info"] = [i for i in verdict.get("info", []) if _MEASURED not in i]
    if "tolerated" in kept:
        kept["tolerated"] = _tolerated(kept["tolerated"])
    if _MEASURED in str(verdict.get("first_failure", "")):
        kept["first_failure"] = "\n".join(line for line in verdict["first_failure"].splitlines() if _MEASURED not in line)
    return kept


def gate_failures(results: dict[str, dict[str, Any]], folder: Path) -> list[str]:
    """Each column whose run did not exit 0 against its expectations file, with the output's tail."""
    return [f"{name} exited {result['exit']} with {folder / (name + '.toml')} (expected 0):\n{result.get('output_tail', '')}"
            for name, result in results.items() if result.get("exit")]


def statuses(results: dict[str, dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(implementation, clause) -> status; an implementation not installed counts as such."""
    found = {}
    for name, result in results.items():
        if "clauses" not in result:
            found[(name, "*")] = result.get("note", "no report")
            continue
        for clause, verdict in result["clauses"].items():
            found[(name, clause)] = verdict["status"]
    return found


def drift(committed: Any, fresh: Any, path: str = "", limit: int = 20) -> list[str]:
    """Where two matrix.json documents differ, as ``a/b/c: committed X, now Y`` (at most ``limit``).

    Statuses decide the check (:func:`compare`); this says what else a run did not reproduce
    (a shrunk example, a symptom set), so that CI's log is the evidence of byte reproducibility.
    """
    if committed == fresh:
        return []
    if isinstance(committed, dict) and isinstance(fresh, dict):
        found: list[str] = []
        for key in sorted(set(committed) | set(fresh)):
            if key == "version":
                continue
            found += drift(committed.get(key), fresh.get(key), f"{path}/{key}", limit - len(found))
            if len(found) >= limit:
                break
        return found[:limit]
    return [f"{path or '/'}: committed {json.dumps(committed)[:160]}, now {json.dumps(fresh)[:160]}"]


def compare(committed: dict[str, dict[str, Any]], fresh: dict[str, dict[str, Any]],
            measured: bool = False) -> list[str]:
    """How a fresh matrix differs from the committed one, cell by cell (versions aside).

    A SHOULD cell whose fresh verdict rests on a measurement (its figures carry the suite's
    ``MEASURED`` marker: LONG-2's CPU time per turn) is machine- and load-dependent: a framework
    whose growth sits at the bound passes on one run and fails on the next (Pydantic AI: 29-33 ms
    more per turn against a 30 ms bound, four runs of one afternoon). Such cells are left out,
    or, with ``measured``, are the only ones compared: information, never the gate.
    """
    old, new = statuses(committed), statuses(fresh)
    shaky = _measured_cells(fresh)
    return [f"{name} {clause}: committed {old.get((name, clause), '-')!r}, now {new.get((name, clause), '-')!r}"
            + _first_failure(fresh, name, clause)
            for name, clause in sorted(set(old) | set(new))
            if old.get((name, clause)) != new.get((name, clause)) and ((name, clause) in shaky) == measured]


def _first_failure(results: dict[str, dict[str, Any]], name: str, clause: str, limit: int = 1500) -> str:
    """A cell's first failure, indented under the line that reports it (empty if it did not fail):
    a cell that newly fails says why where the check reports it, not only in a later make matrix."""
    text = str(results.get(name, {}).get("clauses", {}).get(clause, {}).get("first_failure") or "")
    if not text:
        return ""
    text = text if len(text) <= limit else text[:limit] + " ..."
    return "; its first failure:\n" + "\n".join("    " + line for line in text.splitlines())


def _measured_cells(results: dict[str, dict[str, Any]]) -> set[tuple[str, str]]:
    return {(name, clause) for name, result in results.items() for clause, verdict in result.get("clauses", {}).items()
            if verdict.get("level") == "SHOULD"
            and any(_MEASURED in line for line in [*verdict.get("info", []), str(verdict.get("first_failure", ""))])}


if __name__ == "__main__":
    sys.exit(main())
