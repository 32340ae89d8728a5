"""The pytest plugin: ``pytest --agent-impl=MODULE:ATTR`` runs the conformance suite against it.

Registered under the ``pytest11`` entry point, so pytest loads it in every run of every project
where this package is installed. Hence two rules: it adds nothing to a run unless an
implementation is named, and until then it imports nothing but pytest, the standard library and
its own stdlib-only guards, so that loading it costs nothing and cannot fail anyone's run.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Generator, Iterator

import pytest

from ._guards import DEFAULT_AGENT_TIMEOUT

if TYPE_CHECKING:
    from agent_limits.mocks import Script, ScriptedModel, Tool

    from ._gate import Gate
    from ._resolve import Implementation
    from ._trial import Trial

__all__ = ["IMPL_KEY", "SUITE_PACKAGE", "suite_dir"]

#: The bundled suite, as a package name (what ``--pyargs`` takes).
SUITE_PACKAGE = "agent_limits.conformance.suite"
IMPL_KEY = pytest.StashKey["Implementation"]()
GATE_KEY = pytest.StashKey["Gate"]()
_THREADS_KEY = pytest.StashKey[set[Any]]()
#: The key under which an xdist worker hands a usage error found at collection to the controller.
_USAGE_OUTPUT = "agent_limits_usage_error"
#: Captured agent output kept in a failure report: the tail, this many characters.
OUTPUT_TAIL = 4000


@functools.cache
def suite_dir() -> Path | None:
    """Where the bundled conformance suite lives (found once, without importing it: collection
    asks for every file and folder of every run)."""
    spec = importlib.util.find_spec(SUITE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("agent-limits", "agent execution-limit conformance")
    group.addoption(
        "--agent-impl",
        dest="agent_impl",
        metavar="MODULE:ATTR",
        default=None,
        help="agent class or adapter to run the conformance suite against (overrides the agent_impl ini key); "
        "MODULE is imported with the current directory on sys.path",
    )
    group.addoption(
        "--agent-cmd",
        dest="agent_cmd",
        metavar="COMMAND",
        default=None,
        help="an agent in any language, run as a child process speaking the wire protocol (conformance/WIRE.md), "
        "e.g. --agent-cmd='node my-agent.mjs'; implies --agent-impl=wire",
    )
    group.addoption(
        "--conformance-report",
        dest="conformance_report",
        metavar="PATH",
        action="append",
        default=[],
        help="write the per-clause verdicts to PATH (repeatable): Markdown if PATH ends in .md, else JSON",
    )
    group.addoption(
        "--conformance-expect",
        dest="conformance_expect",
        metavar="FILE",
        default=None,
        help="TOML file of known failures (and unsupported limits): the run fails only on a difference from it "
        "(overrides the conformance_expect ini key)",
    )
    group.addoption(
        "--conformance-expect-update",
        dest="conformance_expect_update",
        action="store_true",
        default=False,
        help="write (or rewrite) the --conformance-expect file from this run, keeping existing reasons and links",
    )
    group.addoption(
        "--conformance-expect-lenient",
        dest="conformance_expect_lenient",
        action="store_true",
        default=False,
        help="an expected failure that now passes only warns (default: it fails the run until the file is updated)",
    )
    group.addoption(
        "--conformance-level",
        dest="conformance_level",
        metavar="LEVEL",
        default=None,
        choices=("must", "should"),
        help="which failures fail the run: must (default; SHOULD failures are reported, not gating) or should",
    )
    group.addoption(
        "--agent-snapshots",
        dest="agent_snapshots",
        action="store_true",
        default=False,
        help="compare each breach scenario's normalized transcript with a golden syrupy snapshot "
        "(update them with --snapshot-update)",
    )
    group.addoption(
        "--agent-snapshot-dir",
        dest="agent_snapshot_dir",
        metavar="DIR",
        default=None,
        help="where the golden transcripts live (default: conformance_snapshots/ next to the expectations file, "
        "else in the directory pytest runs in)",
    )
    group.addoption(
        "--conformance-min-clauses",
        dest="conformance_min_clauses",
        metavar="N",
        type=int,
        default=1,
        help="fail the run unless at least N clauses were checked (passed or failed, not skipped); default 1",
    )
    group.addoption(
        "--agent-timeout",
        dest="agent_timeout",
        metavar="SECONDS",
        default=str(DEFAULT_AGENT_TIMEOUT),
        help=f"real seconds one call into the agent may take before it counts as hung "
        f"(default {DEFAULT_AGENT_TIMEOUT:g}; 0 turns the watchdog off)",
    )
    group.addoption(
        "--clause",
        dest="clauses",
        metavar="ID",
        action="append",
        default=[],
        help="run only the conformance tests of this clause (repeatable), e.g. --clause=TOKENS-1",
    )
    parser.addini("agent_impl", "agent class or adapter (MODULE:ATTR) to run the conformance suite against; "
                  "the suite is added only when no test paths are named", default="")
    parser.addini("conformance_expect", "TOML file of known failures (see --conformance-expect), "
                  "relative to the ini file", default="")
    parser.addini("conformance_level", "must (default) or should: which failures fail the run", default="")


def option(config: pytest.Config, name: str, default: Any = None) -> Any:
    """``config.getoption``, typed as what our options hold (pytest's stub says "maybe None")."""
    return config.getoption(name, default)


def _names_suite(config: pytest.Config, suite: Path | None) -> bool:
    """True if a command-line argument already points into the bundled suite (path or --pyargs name)."""
    for arg in config.args:
        target = arg.split("::")[0]
        if config.option.pyargs and (target == SUITE_PACKAGE or target.startswith(SUITE_PACKAGE + ".")):
            return True
        if suite is not None:
            path = Path(config.invocation_params.dir, target).resolve()
            if path == suite or suite in path.parents:
                return True
    return False


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "clause(id, level='', text=''): the conformance clause a test checks")
    config.addinivalue_line("markers", "watchdog(factor): give a slow clause factor times the --agent-timeout bound")
    from_cli = config.getoption("agent_impl") or ("wire" if config.getoption("agent_cmd") else None)
    spec = from_cli or config.getini("agent_impl")
    suite = suite_dir()
    named = _names_suite(config, suite)
    if not spec:
        if named:
            raise pytest.UsageError(
                "the conformance suite needs an implementation: add --agent-impl=MODULE:ATTR "
                "(e.g. --agent-impl=agent_limits.conformance.reference:ReferenceAgent)"
            )
        return
    # The ini key alone does not drag the suite into a run whose test paths the user named.
    runs_suite = named or bool(from_cli) or config.args_source != pytest.Config.ArgsSource.ARGS
    timeout, minimum, reports = _checked_options(config)
    if option(config, "agent_snapshots", False):
        from ._snapshots import check_snapshot_options

        check_snapshot_options(config)  # a bad directory, or syrupy disabled: one usage error, before any worker
    impl = _resolve(config, spec)
    config.stash[IMPL_KEY] = impl
    if not runs_suite:
        return
    from ._gate import gate_from_config

    gate = config.stash[GATE_KEY] = gate_from_config(config)
    if "x" not in (config.option.reportchars or "") and "a" not in (config.option.reportchars or ""):
        config.option.reportchars = (config.option.reportchars or "") + "x"  # expected failures, with reasons
    worker = hasattr(config, "workerinput")
    if not worker:
        from ._preflight import preflight
        from ._verdicts import Verdicts

        problems = preflight(impl.adapter, spec, timeout)
        if problems:
            raise pytest.UsageError(
                f"--agent-impl={spec}: the pre-flight invocation (one scripted reply, no limits) could not be read, "
                "so no clause could be judged:\n  - " + "\n  - ".join(problems)
            )
        config.pluginmanager.register(
            Verdicts(impl, reports=reports, min_clauses=minimum, gate=gate),
            "agent-limits-verdicts",
        )
    if suite is not None and not named:
        config.args.append(str(suite))


def _checked_options(config: pytest.Config) -> tuple[float, int, list[Path]]:
    """Validate the options at start-up, so a typo costs nothing but a usage error."""
    from ._guards import agent_timeout

    try:
        timeout = agent_timeout(str(config.getoption("agent_timeout")))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.option.agent_timeout = timeout
    minimum = int(option(config, "conformance_min_clauses"))
    if minimum < 0:
        raise pytest.UsageError(f"--conformance-min-clauses must be >= 0, got {minimum}")
    reports = []
    for report in option(config, "conformance_report", []):
        path = Path(config.invocation_params.dir, report)
        parent = path.parent
        if path.is_dir():
            raise pytest.UsageError(f"--conformance-report={report} is a directory; name a file, e.g. {report}/verdicts.json")
        if not parent.is_dir():
            raise pytest.UsageError(f"--conformance-report={report}: directory {str(parent)!r} does not exist")
        if not os.access(parent, os.W_OK):
            raise pytest.UsageError(f"--conformance-report={report}: directory {str(parent)!r} is not writable")
        reports.append(path)
    wanted = set(option(config, "clauses", ()))
    if wanted:
        from agent_limits.conformance import clauses

        unknown = sorted(wanted - set(clauses()))
        if unknown:
            raise pytest.UsageError(f"--clause: no clause {', '.join(unknown)} in the spec; clauses: {', '.join(clauses())}")
    return timeout, minimum, reports


def _resolve(config: pytest.Config, spec: str) -> Implementation:
    """Import ``spec`` the way ``python -m pytest`` would: the invocation directory importable."""
    from ._resolve import ImplementationError, resolve

    here = str(config.invocation_params.dir)
    if here not in sys.path and os.path.realpath(here) not in map(os.path.realpath, sys.path):
        sys.path.insert(0, here)
    try:
        return resolve(spec, command=option(config, "agent_cmd"))
    except ImplementationError as exc:
        raise pytest.UsageError(str(exc)) from exc


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--clause ID`` keeps only the tests of those clauses; every conformance test carries its
    clause, level, re-runnable case, implementation and path (sync/async) as user properties
    (they travel to the xdist controller and into JUnit XML)."""
    wanted: set[str] = set(option(config, "clauses", ()))
    impl = config.stash.get(IMPL_KEY, None)
    keep, drop, known, tests = [], [], set(), []
    for item in items:
        marker = item.get_closest_marker("clause")
        if marker is None:
            keep.append(item)
            continue
        known.add(marker.args[0])
        case = case_id(item)
        tests.append((marker.args[0], case))
        if wanted and marker.args[0] not in wanted:
            drop.append(item)
            continue
        keep.append(item)
        item.user_properties.extend([("clause", marker.args[0]), ("level", marker.kwargs.get("level", "")),
                                     ("case", case)])
        if impl is not None:
            item.user_properties.append(("implementation", impl.spec))
        path = getattr(item, "callspec", None) and item.callspec.params.get("agent_mode")  # type: ignore[attr-defined]
        if path:
            item.user_properties.append(("path", path))
    unknown = sorted(wanted - known)
    if wanted and unknown:
        raise pytest.UsageError(f"--clause: no test for {', '.join(unknown)}; clauses: {', '.join(sorted(known))}")
    gate = config.stash.get(GATE_KEY, None)
    problems = gate.expectations.unknown_cases(tests) if gate is not None and gate.expectations is not None else []
    if problems:
        message = f"--conformance-expect: {gate.path if gate else ''}:\n  - " + "\n  - ".join(problems)
        if not hasattr(config, "workerinput"):
            raise pytest.UsageError(message)
        config.workeroutput[_USAGE_OUTPUT] = message  # type: ignore[attr-defined]  # the controller ends the run
        drop, keep = items[:], []
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def case_id(item: pytest.Item) -> str:
    """The test as ``package.module::name[params]``: what ``pytest --pyargs`` takes back, from any
    directory, whatever name pytest imported the module under."""
    tail = item.nodeid.split("::", 1)[1] if "::" in item.nodeid else item.name
    suite = suite_dir()
    path = Path(item.path).resolve()
    if suite is not None and suite in path.parents:
        module = ".".join([SUITE_PACKAGE, *path.relative_to(suite).with_suffix("").parts])
    else:
        module = getattr(getattr(item, "module", None), "__name__", "")
    return f"{module}::{tail}" if module else item.nodeid


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Without an implementation the bundled suite is invisible, wherever it is installed."""
    if IMPL_KEY in config.stash:
        return None
    suite = suite_dir()
    if suite is not None and (collection_path == suite or suite in collection_path.parents):
        return True
    return None


# -- the bundled suite is imported under its package name, wherever its files are ----------
def _package_name(path: Path) -> str | None:
    """``agent_limits.conformance[.…]`` for a folder or module file of ours, else None."""
    suite = suite_dir()
    if suite is None:
        return None
    root = suite.parent
    path = path.resolve()
    if path != root and root not in path.parents:
        return None
    parts = [p.removesuffix(".py") for p in path.relative_to(root).parts]
    return ".".join([SUITE_PACKAGE.rpartition(".")[0], *(p for p in parts if p != "__init__")])


class _SuitePackage(pytest.Package):
    """Our package folders: nothing to import by file path (pytest's default would put the
    folder above them on ``sys.path``, and from an editable install import them as a top-level
    ``conformance`` package, shadowing or shadowed by a user's own)."""

    def setup(self) -> None:
        pass


class _SuiteModule(pytest.Module):
    """A suite module, imported by its package name (through the installed distribution)."""

    def _getobj(self) -> Any:  # pytest.Module's import step; by name instead of by path
        module = importlib.import_module(_package_name(self.path) or "")
        self.config.pluginmanager.consider_module(module)
        return module


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if (path / "__init__.py").is_file() and _package_name(path) is not None:
        return _SuitePackage.from_parent(parent, path=path)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    if _package_name(module_path) is not None:
        return _SuiteModule.from_parent(parent, path=module_path)
    return None


def pytest_sessionstart(session: pytest.Session) -> None:
    if IMPL_KEY in session.config.stash:
        from ._guards import non_daemon_threads

        session.config.stash[_THREADS_KEY] = non_daemon_threads()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Guard a conformance test: a wall against the network, and against ending the interpreter
    (the watchdog guards each call into the agent: see :meth:`agent_limits.harness.Trial.guarded`)."""
    if item.get_closest_marker("clause") is None or IMPL_KEY not in item.config.stash:
        return (yield)
    from ._guards import AgentBroken, AgentExited, AgentHung, exit_blocked, network_blocked

    attempts: list[str] = []
    exits: list[str] = []
    failure: str | None = None  # failed outside the except clauses, so the report shows it once, unchained
    try:
        with network_blocked(attempts), exit_blocked(exits):
            result = yield
    except AgentHung as hung:
        failure = _network_message(attempts) if attempts else str(hung)
    except (SystemExit, AgentExited) as exc:
        what = f"sys.exit({exc.code!r})" if isinstance(exc, SystemExit) else exits[-1] if exits else str(exc)
        failure = _exit_message(what)
    except AgentBroken as broken:  # the agent's process broke (wire protocol): its own message says how
        failure = str(broken)
    except BaseException:
        _fail_if_refused(attempts, exits)  # a refusal the agent turned into its own error
        raise
    if failure is not None:
        pytest.fail(failure, pytrace=False)
    _fail_if_refused(attempts, exits)  # a refusal the agent swallowed
    trial = getattr(item, "funcargs", {}).get("trial")
    if trial is not None and trial.snapshot is not None:
        from ._snapshots import check_snapshot

        check_snapshot(trial)  # the golden transcript, once the test's own checks passed
    return result


def _fail_if_refused(attempts: list[str], exits: list[str]) -> None:
    """Fail the test if the walls refused a network connection or an exit during it."""
    if attempts:
        pytest.fail(_network_message(attempts), pytrace=False)
    if exits:
        pytest.fail(_exit_message(exits[-1]), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep only the tail of what a conformance test's agent printed: a chatty agent must not
    bury the failure message (nor fill a CI log)."""
    report = yield
    if item.get_closest_marker("clause") is not None:
        report.sections = [(title, _tail(text)) for title, text in report.sections]
        gate = item.config.stash.get(GATE_KEY, None)
        if gate is not None and report.failed:
            props = dict(item.user_properties)
            kind = gate.judge(report, str(props.get("clause", "")), str(props.get("level", "")), str(props.get("case", "")))
            if kind is not None:  # on the report the verdicts read, and on the item for JUnit's teardown copy
                report.user_properties.append(("tolerated", kind))
                item.user_properties.append(("tolerated", kind))
    return report


def _tail(text: str) -> str:
    if len(text) <= OUTPUT_TAIL:
        return text
    return f"[agent-limits: {len(text) - OUTPUT_TAIL:,} characters cut; the last {OUTPUT_TAIL:,} follow]\n" + text[-OUTPUT_TAIL:]


@pytest.hookimpl(trylast=True)  # after the verdicts have set the exit status
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    before = session.config.stash.get(_THREADS_KEY, None)
    if before is None:
        return
    from ._guards import exit_past_stray_threads

    if exit_past_stray_threads(int(session.exitstatus), before):
        session.config.get_terminal_writer().line(
            "agent-limits: the agent left threads running; if they do not end within seconds of the run's end, "
            "the process exits without waiting for them"
        )


def _network_message(attempts: list[str]) -> str:
    shown = "; ".join(dict.fromkeys(attempts))
    return (
        f"the adapter tried to reach the network ({shown}). An agent under test must talk only to the "
        "scripted model it is given: one wired to a real model would spend money in a test run."
    )


def _exit_message(what: str) -> str:
    return (
        f"the agent tried to end the interpreter: {what}. An agent must report a stop through its result "
        "(or raise an exception), never exit the process; the harness refused, and the run goes on."
    )


def pytest_report_header(config: pytest.Config) -> str | None:
    impl = config.stash.get(IMPL_KEY, None)
    return impl.header() if impl is not None else None


# -- fixtures people reuse ------------------------------------------------------------------
@pytest.fixture
def agent_impl(request: pytest.FixtureRequest) -> Implementation:
    """The implementation named by ``--agent-impl`` (fails clearly when none was named)."""
    impl = request.config.stash.get(IMPL_KEY, None)
    if impl is None:
        pytest.fail("this test needs an implementation: run pytest with --agent-impl=MODULE:ATTR", pytrace=False)
    return impl


@pytest.fixture
def agent_adapter(agent_impl: Implementation) -> Any:
    """The loaded adapter for ``--agent-impl``."""
    return agent_impl.adapter


@pytest.fixture(params=["sync", "async"])
def agent_mode(request: pytest.FixtureRequest, agent_impl: Implementation) -> str:
    """``sync`` or ``async``: each conformance test runs on both paths the implementation has."""
    mode: str = request.param
    supported = agent_impl.adapter.supports_sync if mode == "sync" else agent_impl.adapter.supports_async
    if not supported:
        pytest.skip(f"implementation has no {mode} path")
    return mode


@pytest.fixture
def trial(request: pytest.FixtureRequest, agent_impl: Implementation, agent_mode: str) -> Iterator[Trial]:
    """Builds agents on scripted models and judges their invocations against ground truth."""
    from ._trial import Trial

    t = Trial(agent_impl, agent_mode, request.node)
    if option(request.config, "agent_snapshots", False):
        from ._snapshots import snapshot_for

        t.snapshot = snapshot_for(request)
    yield t
    t.close()


@pytest.fixture
def scripted_model() -> Callable[..., ScriptedModel]:
    """Factory: ``scripted_model(script, **options)`` -> a fresh :class:`agent_limits.mocks.ScriptedModel`."""
    from agent_limits.mocks import ScriptedModel

    def make(script: Script, **options: Any) -> ScriptedModel:
        return ScriptedModel(script, **options)

    return make


@pytest.fixture
def instrumented_tools() -> Callable[..., list[Tool]]:
    """Factory: ``instrumented_tools("lookup", "search", latency=0.5)`` -> fresh recording tools."""
    from agent_limits.mocks import Tool

    def make(*names: str, **options: Any) -> list[Tool]:
        return [Tool(name, **options) for name in (names or ("lookup",))]

    return make
