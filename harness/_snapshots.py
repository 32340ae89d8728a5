"""Golden transcripts (``--agent-snapshots``): each breach scenario's normalized transcript,
compared with a syrupy snapshot stored in the user's repository.

Pass/fail hides drift: an agent can keep stopping at exactly the right call while it starts
answering a refused tool call with an empty result, or moves the refusal into another message.
With ``--agent-snapshots`` every conformance test that saw a limit stop (a *breach scenario*)
compares what happened with a golden copy, and ``--snapshot-update`` (syrupy's option) rewrites
the copies.

What is compared, per agent built in the test and per invocation: the limits, the stop kind, the
usage the agent reports, each model call's reply with the fate of every tool call it asked for
(executed or refused, from the tools' own logs, not from what the agent says), and the
transcript the agent reports (roles, tool-call ids, texts). Nothing that changes from run to
run is in it: no clock readings, no object addresses, no tool-call ids a framework invented
(they are numbered), and results of parallel tool calls in the order the model asked for them.

Where: ``--agent-snapshot-dir`` (relative to the directory pytest runs in), by default
``conformance_snapshots/`` next to the expectations file (``--conformance-expect`` or the
``conformance_expect`` ini key), else in the directory pytest runs in. One amber file per suite
module (``test_tools.ambr``), one entry per test (``test_...[sync-cap=3]``). The suite is installed in
site-packages, so syrupy's default (``__snapshots__/`` next to the test file) is never used, and
a directory inside the installed package or site-packages is refused.

Not snapshotted (they pass or fail as usual): tests that saw no limit stop; Hypothesis tests
(PROP-*, STATE-*: one ``trial`` serves many random examples, so there is no single transcript);
and tests with an invocation of more than :data:`MAX_CALLS` model calls (LONG-1's thousand
turns), so that the files stay small enough to review.

What syrupy may call unused (fail on, or delete under ``--snapshot-update``) is only the
snapshots of the tests a run selected, and a test that failed its own checks keeps its snapshot:
see :meth:`TranscriptExtension.discover_snapshots` and :func:`_keep_unchecked`. User-facing
documentation: ``docs/snapshots.md``.
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import pytest

from agent_limits.mocks._snapshot import render_run, render_usage, scripted_run
from syrupy.assertion import SnapshotAssertion
from syrupy.data import SnapshotCollection, SnapshotCollections
from syrupy.extensions.amber import AmberSnapshotExtension
from syrupy.location import PyTestLocation

from ._limits import COMPLETED, ERROR, describe_limits
from .plugin import option

if TYPE_CHECKING:
    from ._trial import Observed, Trial

__all__ = ["MAX_CALLS", "SNAPSHOT_DIRNAME", "TranscriptExtension", "check_snapshot", "check_snapshot_options",
           "golden_transcript", "snapshot_dir", "snapshot_for"]

#: The default directory's name (next to the expectations file, else where pytest runs).
SNAPSHOT_DIRNAME = "conformance_snapshots"
#: A test with an invocation of more model calls than this is not snapshotted (LONG-1 makes 1000).
MAX_CALLS = 50
#: Clauses whose tests are Hypothesis tests: many random examples share one ``trial``.
RANDOMIZED = ("PROP-", "STATE-")
_DIR_KEY = pytest.StashKey[Path]()
#: The tests whose own checks passed, so that :func:`check_snapshot` ran (compared or not).
_CHECKED_KEY = pytest.StashKey[set[str]]()


def snapshot_dir(config: pytest.Config) -> Path:
    """Where the golden transcripts of this run live (resolved once per run).

    Raises :class:`pytest.UsageError` for a directory inside the installed package or
    site-packages: a snapshot there would be lost on the next install, and is no one's to commit.
    """
    cached = config.stash.get(_DIR_KEY, None)
    if cached is not None:
        return cached
    here = Path(config.invocation_params.dir)
    chosen = option(config, "agent_snapshot_dir")
    if chosen:
        path = here / str(chosen)
    else:
        expect = _expectations_file(config)
        path = (expect.parent if expect is not None else here) / SNAPSHOT_DIRNAME
    path = path.resolve()
    for root, what in _installed_roots():
        if path == root or root in path.parents:
            raise pytest.UsageError(
                f"--agent-snapshot-dir: {path} is inside {what} ({root}); golden transcripts belong in your "
                f"repository: pass --agent-snapshot-dir=DIR (relative to where pytest runs), e.g. {SNAPSHOT_DIRNAME}"
            )
    config.stash[_DIR_KEY] = path
    return path


def check_snapshot_options(config: pytest.Config) -> Path:
    """Validate ``--agent-snapshots`` for this run: syrupy's plugin loaded, an allowed directory.
    Returns the directory; raises :class:`pytest.UsageError` (exit code 4) otherwise. Cheap and
    idempotent: call it at start-up so a bad directory costs nothing but the error."""
    if getattr(config, "_syrupy", None) is None and config.pluginmanager.get_plugin("syrupy") is None:
        raise pytest.UsageError("--agent-snapshots needs syrupy's pytest plugin, which is not loaded "
                                "(was it disabled with -p no:syrupy?)")
    return snapshot_dir(config)


def snapshot_for(request: pytest.FixtureRequest) -> SnapshotAssertion:
    """The syrupy assertion for this test's golden transcript (one per test, stored in
    :func:`snapshot_dir`). A bad setup (see :func:`check_snapshot_options`) ends the run with
    exit code 4 (every test would fail the same way); in an xdist worker, which cannot end the run,
    it fails the test. Calling :func:`check_snapshot_options` at start-up turns both into one usage
    error before any test runs."""
    config = request.config
    try:
        check_snapshot_options(config)
    except pytest.UsageError as exc:
        if hasattr(config, "workerinput"):  # pytest.exit in an xdist worker is an INTERNALERROR
            pytest.fail(str(exc), pytrace=False)
        pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
    options: dict[str, Any] = {"update_snapshots": bool(getattr(config.option, "update_snapshots", False))}
    if "update_new_snapshots_only" in {f.name for f in fields(SnapshotAssertion)}:  # syrupy 5+; not on Python 3.10
        options["update_new_snapshots_only"] = bool(getattr(config.option, "update_new_snapshots_only", False))
    snapshot = SnapshotAssertion(extension_class=TranscriptExtension, test_location=PyTestLocation(request.node),
                                 session=getattr(config, "_syrupy"), **options)
    node = request.node
    request.addfinalizer(lambda: _keep_unchecked(node, snapshot))
    return snapshot


def _keep_unchecked(node: pytest.Item, snapshot: SnapshotAssertion) -> None:
    """A test whose own checks failed (so :func:`check_snapshot` never ran) keeps its golden
    transcript: without this, syrupy would count it unused and delete it under
    ``--snapshot-update``, and the reference would be gone by the time the agent is fixed. It is
    "compared" with itself (syrupy then lists it among the passed snapshots)."""
    if node.nodeid in node.config.stash.get(_CHECKED_KEY, set()) or snapshot.num_executions:
        return
    try:
        stored = snapshot.session.recall_snapshot(snapshot.extension, snapshot.test_location, 0)
    except Exception:  # none stored (SnapshotDoesNotExist), or unreadable: nothing to keep
        return
    if stored is not None:
        snapshot.assert_match(_Kept(str(stored)))


def check_snapshot(trial: Trial) -> None:
    """Compare the test's golden transcript with its snapshot (written under ``--snapshot-update``);
    fail with the diff and the command that updates it. Tests that are not breach scenarios, or
    are randomized or too long to keep (see the module docstring), are left alone."""
    snapshot = trial.snapshot
    trial.node.config.stash.setdefault(_CHECKED_KEY, set()).add(trial.node.nodeid)
    text = golden_transcript(trial)
    if snapshot is None or text is None:
        return
    if snapshot == text:
        return
    config = trial.node.config
    location = _shown(config, snapshot.extension.get_location(test_location=snapshot.test_location, index=0))
    name = snapshot.extension.get_snapshot_name(test_location=snapshot.test_location, index=0)
    update = (f"{trial.rerun_command()} --agent-snapshots --snapshot-update "
              f"--agent-snapshot-dir={_shown(config, str(snapshot_dir(config)))}")
    first = next(o for s in trial.subjects for o in s.invocations if _breached(o))
    result = snapshot.executions[snapshot.num_executions - 1]
    if result.recalled_data is None and result.exception is None:
        lines = [f"no golden transcript {name!r} in {location} yet",
                 "  write it (or, without --pyargs ..., every missing one) with:", f"    {update}"]
        reason = "no golden transcript yet"
    else:
        with _colors(config):
            diff = [str(line) for line in snapshot.get_assert_diff()]
        lines = [f"the golden transcript differs from the snapshot {name!r} in {location}",
                 "  (- snapshot, + this run)",
                 *(f"    {line}" for line in diff),
                 "  this test's own checks passed: only the transcript changed. If the change is intended, "
                 "update the snapshot (or, without --pyargs ..., every snapshot):",
                 f"    {update}"]
        reason = "the golden transcript differs from its snapshot"
    trial.fail_text(lines, limits=first.subject.limits, script=first.subject.script,
                    reason=reason, symptoms=("snapshot:differs",))


def golden_transcript(trial: Trial) -> str | None:
    """The normalized transcript of every invocation in the test, or None when the test is not
    snapshotted (not a breach scenario, randomized, or too long)."""
    invocations = [o for s in trial.subjects for o in s.invocations]
    if not any(_breached(o) for o in invocations):
        return None
    if trial.clause.startswith(RANDOMIZED) or getattr(getattr(trial.node, "obj", None), "is_hypothesis_test", False):
        return None
    if any(len(o.calls) > MAX_CALLS for o in invocations):
        return None
    lines: list[str] = []
    for number, subject in enumerate(trial.subjects, 1):
        lines.append(f"agent {number}: {describe_limits(subject.limits)}")
        for obs in subject.invocations:
            lines.append(f"  invocation {obs.number}: stop {_stop(obs)}; reported usage {render_usage(obs.outcome.usage)}")
            lines.extend(_invocation(obs))
    return "\n".join(lines)


class TranscriptExtension(AmberSnapshotExtension):
    """Amber files in :func:`snapshot_dir` (not ``__snapshots__/`` next to the suite in
    site-packages), one per suite module, named after it: ``test_tools.ambr``.

    The directory comes from the test's own config, so two runs in one process (pytester) with
    different directories never mix. A class importable by name with no arguments, as syrupy's
    xdist controller needs to rebuild it.
    """

    def serialize(self, data: Any, **kwargs: Any) -> str:
        if isinstance(data, _Kept):  # a stored transcript, kept as it is (see _keep_unchecked)
            return data.serialized
        return str(super().serialize(data, **kwargs))

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        config = getattr(test_location.item, "config", None)
        if config is None:  # syrupy's xdist controller: it never asks, as it neither reads nor writes
            raise RuntimeError("the golden-transcript directory is known only where the test runs")
        return str(snapshot_dir(config))

    @classmethod
    def matches_test_location(cls, *, test_location: PyTestLocation, snapshot_location: str) -> bool:
        """``test_tools.ambr`` holds the tests of ``test_tools.py`` (syrupy's own rule also wants the
        file under the test's folder or a ``__snapshots__`` folder, which ours is not)."""
        return Path(snapshot_location).stem == test_location.basename

    def discover_snapshots(self, **kwargs: Any) -> SnapshotCollections:
        """The snapshots syrupy may call unused (and delete under ``--snapshot-update``): in our
        ``.ambr`` files only (never a README or anything else kept in the directory), and only
        those of the tests this run selected.

        syrupy decides what a run left unused by matching snapshot files to the test paths and
        node ids it was given, assuming the files sit beside the tests. Ours do not, so a run of
        one case (``--pyargs 'agent_limits.conformance.suite.test_tools::test_x[sync-cap=1]'``, the
        update command a failure prints) looked to it like a full run of ``test_tools`` and would
        delete every other entry of ``test_tools.ambr``; and ``--clause`` deselects in a hook that
        may run before syrupy's, after which it takes the selection for the whole suite. What a run
        did not select, it never sees. The price: entries of tests that no longer exist (after an
        upgrade renamed them) are never reported; delete the directory and write it again.
        """
        found: SnapshotCollections = super().discover_snapshots(**kwargs)
        item = getattr(kwargs.get("test_location"), "item", None)
        session: pytest.Session | None = getattr(item, "session", None)
        selected = _selected_names(session) if session is not None else {}
        kept = SnapshotCollections()
        for collection in found:
            location = Path(collection.location)
            if location.suffix != ".ambr":  # amber files (syrupy 4 names the attribute _file_extension)
                continue
            if not collection.has_snapshots:  # an empty file of ours: syrupy may remove it
                kept.add(collection)
                continue
            names = selected.get(location.stem, set())
            part = SnapshotCollection(location=collection.location, tainted=collection.tainted)
            for snapshot in collection:
                if snapshot.name in names:
                    part.add(snapshot)
            if part.has_snapshots:
                kept.add(part)
        return kept


@dataclass(frozen=True)
class _Kept:
    """A stored snapshot's serialized text, which :class:`TranscriptExtension` serializes to itself."""

    serialized: str


def _selected_names(session: pytest.Session) -> dict[str, set[str]]:
    """The tests this run selected, as snapshot names by module basename."""
    names: dict[str, set[str]] = {}
    for item in session.items:
        names.setdefault(Path(item.path).stem, set()).add(item.name)
    return names


# -- rendering -----------------------------------------------------------------------------------
def _breached(obs: Observed) -> bool:
    return obs.outcome is not None and obs.outcome.stop not in (COMPLETED, ERROR)


def _stop(obs: Observed) -> str:
    outcome = obs.outcome
    if outcome.stop == ERROR and outcome.error is not None:
        return f"error ({type(outcome.error).__name__})"
    return str(outcome.stop)


def _invocation(obs: Observed) -> list[str]:
    """Ground truth (model calls and tool fates) and the agent's transcript, tool results of one
    reply in the order the model asked for them (parallel tools may finish in any order)."""
    run = scripted_run(obs.calls, obs.executions, _ordered(obs.outcome.messages))
    return render_run(run, indent="    ").splitlines()


def _ordered(messages: Iterable[Any]) -> list[Any]:
    """``messages`` with each run of consecutive tool results sorted by the order their calls were asked for."""
    out: list[Any] = []
    asked: dict[str, int] = {}
    block: list[Any] = []

    def flush() -> None:
        out.extend(sorted(block, key=lambda m: asked.get(str(getattr(m, "tool_call_id", "")), len(asked))))
        block.clear()

    for m in messages:
        if getattr(m, "role", None) == "tool":
            block.append(m)
            continue
        flush()
        for call_id in getattr(m, "tool_calls", ()) or ():
            asked.setdefault(str(call_id), len(asked))
        out.append(m)
    flush()
    return out


def _shown(config: pytest.Config, location: str) -> str:
    try:
        return str(Path(location).relative_to(config.invocation_params.dir))
    except ValueError:
        return location


def _colors(config: pytest.Config) -> AbstractContextManager[object]:
    """syrupy's diff colors only where syrupy would color (a terminal, no --snapshot-no-colors)."""
    if not getattr(config.option, "no_colors", True):
        return nullcontext()
    try:
        from syrupy.terminal import disable_color
    except ImportError:  # syrupy < 5 reads an environment variable instead
        return _env("ANSI_COLORS_DISABLED", "true")
    return disable_color()


@contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def _installed_roots() -> list[tuple[Path, str]]:
    """The installed package's folders and the interpreter's site-packages: no place for a user's file."""
    import agent_limits

    roots: list[tuple[Path, str]] = []
    for name in ("agent_limits", "agent_limits.mocks", "agent_limits.harness", "agent_limits.conformance"):
        module = sys.modules.get(name) or (agent_limits if name == "agent_limits" else None)
        for entry in getattr(module, "__path__", ()) or ():
            roots.append((Path(entry).resolve(), f"the installed package {name}"))
    places = {sysconfig.get_paths().get(k) for k in ("purelib", "platlib")}
    try:
        places.update(site.getsitepackages())
    except AttributeError:  # an old virtualenv's site module
        pass
    roots.extend((Path(p).resolve(), "site-packages") for p in places if p)
    return roots


def _expectations_file(config: pytest.Config) -> Path | None:
    """The expectations file the run uses (``--conformance-expect`` relative to where pytest runs,
    else the ``conformance_expect`` ini key relative to the ini file), or None."""
    given = option(config, "conformance_expect")
    if given:
        return Path(config.invocation_params.dir) / str(given)
    try:
        ini = str(config.getini("conformance_expect") or "")
    except ValueError:  # the key is not declared (an older plugin)
        return None
    if not ini:
        return None
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    return base / ini
