"""The pytest plugin: ``pytest --agent-impl=MODULE:ATTR`` runs the conformance suite against it.

Registered under the ``pytest11`` entry point, so it is active wherever the package is
installed; it adds nothing to a run unless an implementation is named.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from mocks import Script, ScriptedModel, Tool

from ._guards import DEFAULT_AGENT_TIMEOUT, AgentHung, exit_past_stray_threads, network_blocked
from ._resolve import Implementation, ImplementationError, resolve
from ._trial import Trial
from ._verdicts import Verdicts

__all__ = ["IMPL_KEY", "suite_dir"]

IMPL_KEY = pytest.StashKey[Implementation]()
HUNG_KEY = pytest.StashKey[bool]()


def suite_dir() -> Path | None:
    """Where the bundled conformance suite lives (found without importing it)."""
    spec = importlib.util.find_spec("conformance.suite")
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
        help="agent class or adapter to run the conformance suite against (overrides the agent_impl ini key)",
    )
    group.addoption(
        "--conformance-report",
        dest="conformance_report",
        metavar="PATH",
        default=None,
        help="write the per-clause verdicts as JSON to PATH",
    )
    group.addoption(
        "--agent-timeout",
        dest="agent_timeout",
        metavar="SECONDS",
        type=float,
        default=DEFAULT_AGENT_TIMEOUT,
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
    parser.addini("agent_impl", "agent class or adapter (MODULE:ATTR) to run the conformance suite against", default="")


def _inside(arg: str, root: Path) -> bool:
    path = Path(arg.split("::")[0]).resolve()
    return path == root or root in path.parents


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "clause(id, level='', text=''): the conformance clause a test checks")
    config.addinivalue_line("markers", "watchdog(factor): give a slow clause factor times the --agent-timeout bound")
    spec = config.getoption("agent_impl") or config.getini("agent_impl")
    suite = suite_dir()
    if not spec:
        if suite is not None and config.args and any(_inside(a, suite) for a in config.args):
            raise pytest.UsageError(
                "the conformance suite needs an implementation: add --agent-impl=MODULE:ATTR "
                "(e.g. --agent-impl=conformance.reference:ReferenceAgent)"
            )
        return
    try:
        impl = resolve(spec)
    except ImplementationError as exc:
        raise pytest.UsageError(str(exc)) from exc
    config.stash[IMPL_KEY] = impl
    config.pluginmanager.register(
        Verdicts(impl.header(), report_path=config.getoption("conformance_report")), "agent-limits-verdicts"
    )
    if suite is not None and not any(_inside(a, suite) for a in config.args):
        config.args.append(str(suite))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--clause ID``: keep only the conformance tests of those clauses."""
    wanted = set(config.getoption("clauses"))
    if not wanted:
        return
    keep, drop, known = [], [], set()
    for item in items:
        marker = item.get_closest_marker("clause")
        if marker is not None:
            known.add(marker.args[0])
        (keep if marker is None or marker.args[0] in wanted else drop).append(item)
    unknown = sorted(wanted - known)
    if unknown:
        raise pytest.UsageError(f"--clause: no test for {', '.join(unknown)}; clauses: {', '.join(sorted(known))}")
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Without an implementation the bundled suite is invisible, wherever it is installed."""
    if IMPL_KEY in config.stash:
        return None
    suite = suite_dir()
    if suite is not None and (collection_path == suite or suite in collection_path.parents):
        return True
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Guard a conformance test with a wall against the network (the watchdog guards each call
    into the agent: see :meth:`harness.Trial.guarded`)."""
    if item.get_closest_marker("clause") is None or IMPL_KEY not in item.config.stash:
        return (yield)
    attempts: list[str] = []
    try:
        with network_blocked(attempts):
            result = yield
    except AgentHung as hung:
        item.config.stash[HUNG_KEY] = True
        if attempts:
            pytest.fail(_network_message(attempts), pytrace=False)
        pytest.fail(str(hung), pytrace=False)
    except BaseException:
        if attempts:
            pytest.fail(_network_message(attempts), pytrace=False)
        raise
    if attempts:
        pytest.fail(_network_message(attempts), pytrace=False)
    return result


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.stash.get(HUNG_KEY, False) and exit_past_stray_threads(int(exitstatus)):
        session.config.get_terminal_writer().line(
            "agent-limits: a hung agent left threads running; the process will exit without waiting for them"
        )


def _network_message(attempts: list[str]) -> str:
    shown = "; ".join(dict.fromkeys(attempts))
    return (
        f"the adapter tried to reach the network ({shown}). An agent under test must talk only to the "
        "scripted model it is given: one wired to a real model would spend money in a test run."
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
    mode = request.param
    supported = agent_impl.adapter.supports_sync if mode == "sync" else agent_impl.adapter.supports_async
    if not supported:
        pytest.skip(f"implementation has no {mode} path")
    return mode


@pytest.fixture
def trial(request: pytest.FixtureRequest, agent_impl: Implementation, agent_mode: str) -> Iterator[Trial]:
    """Builds agents on scripted models and judges their invocations against ground truth."""
    t = Trial(agent_impl, agent_mode, request.node)
    yield t
    t.close()


@pytest.fixture
def scripted_model() -> Callable[..., ScriptedModel]:
    """Factory: ``scripted_model(script, **options)`` -> a fresh :class:`mocks.ScriptedModel`."""

    def make(script: Script, **options: Any) -> ScriptedModel:
        return ScriptedModel(script, **options)

    return make


@pytest.fixture
def instrumented_tools() -> Callable[..., list[Tool]]:
    """Factory: ``instrumented_tools("lookup", "search", latency=0.5)`` -> fresh recording tools."""

    def make(*names: str, **options: Any) -> list[Tool]:
        return [Tool(name, **options) for name in (names or ("lookup",))]

    return make
