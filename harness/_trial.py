"""A trial: one conformance test's agent, its invocations, and the verdict on them.

Everything here judges by ground truth the harness owns (the model's call log, the tools'
execution logs) and, when a check fails, writes the message a framework author needs: the
clause, the limits, the script, expected against observed, and the command to re-run it.
"""

from __future__ import annotations

import asyncio
import re
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, NoReturn, Sequence

import pytest
from hypothesis import currently_in_test_context, reject

from agent_limits.mocks import CallRecord, Concurrency, FrozenClock, Script, ScriptedModel, Tool, ToolExecution, Usage, frozen_clock

from ._guards import DEFAULT_AGENT_TIMEOUT, watchdog
from .plugin import case_id, option
from ._limits import COMPLETED, ERROR, LIMIT_KINDS, describe_limits
from ._resolve import Implementation
from ._transcript import transcript_problems
from .adapter import Message
from .oracle import Expectation, Tally, expect_run, spent_limits

__all__ = ["Built", "Observed", "Subject", "Trial"]

PROMPT = "Go."


@dataclass
class Observed:
    """One invocation as the harness saw it: the adapter's outcome beside ground truth."""

    subject: Subject
    number: int
    start: int
    outcome: Any
    calls: list[CallRecord]
    executions: list[ToolExecution]
    clock_start: float | None = None
    clock_end: float | None = None

    @property
    def usage(self) -> Usage:
        """Usage the model really reported during this invocation."""
        return self.subject.model.usage_of(self.calls)

    @property
    def truth_text(self) -> str | None:
        """The last text the model returned during this invocation."""
        texts = [c.text for c in self.calls if c.text]
        return texts[-1] if texts else None

    def expectation(self) -> Expectation:
        tools = self.subject.tools
        return expect_run(
            self.subject.script, self.subject.limits, self.start,
            tool_latency=max((t.latency for t in tools), default=0.0),
            known_tools={t.name for t in tools}, model_name=self.subject.model.name,
        )

    def facts(self) -> dict[str, Any]:
        usage = self.usage
        reported = self.outcome.usage
        return {
            "calls": len(self.calls),
            "executions": len(self.executions),
            "tokens": usage.total,
            "output_tokens": usage.output_tokens,
            "stop": self.outcome.stop,
            "text": self.outcome.text,
            "reported_usage": str(reported) if reported is not None else None,
        }


class Subject:
    """An agent under test together with the scripted model and tools it was built on."""

    def __init__(self, trial: Trial, limits: dict[str, Any], model: ScriptedModel, tools: list[Tool],
                 agent: Any) -> None:
        self.trial = trial
        self.limits = limits
        self.model = model
        self.tools = tools
        self.agent = agent
        self.invocations: list[Observed] = []

    @property
    def script(self) -> Script:
        """What the model says: its current script (stateful tests extend it)."""
        return self.model.script

    def executions(self) -> list[ToolExecution]:
        return [e for t in self.tools for e in t.executions]

    def invoke(self, prompt: str = PROMPT, *, defaults: bool = False) -> Observed:
        """Run one invocation on the trial's path (sync or async) and observe it.

        ``defaults``: run it with the framework's default options (``Adapter.run_default``).
        """
        return self.trial.invoke_together([self], prompt, defaults=defaults)[0]

    def _before(self) -> tuple[int, int, float | None]:
        clock = self.trial.clock
        return len(self.model.calls), len(self.executions()), clock.now() if clock is not None else None

    def _observe(self, before: tuple[int, int, float | None], outcome: Any) -> Observed:
        start, done, clock_start = before
        clock = self.trial.clock
        obs = Observed(self, len(self.invocations) + 1, start, outcome,
                       self.model.calls[start:], self.executions()[done:],
                       clock_start, clock.now() if clock is not None else None)
        self.invocations.append(obs)
        return obs


@dataclass
class Built:
    """What building an agent produced: the agent (as a :class:`Subject`) or the exception."""

    model: ScriptedModel
    subject: Subject | None
    error: Exception | None


class Trial:
    """The harness side of one conformance test: builds subjects and judges what they did."""

    def __init__(self, impl: Implementation, mode: str, node: pytest.Item) -> None:
        self.impl = impl
        self.adapter = impl.adapter
        self.mode = mode
        self.node = node
        marker = node.get_closest_marker("clause")
        self.clause: str = marker.args[0] if marker and marker.args else node.name
        self.level: str = marker.kwargs.get("level", "") if marker else ""
        self.text: str = marker.kwargs.get("text", "") if marker else ""
        self.clock: FrozenClock | None = None
        #: Every agent built in this test, in order (the golden transcript covers their invocations).
        self.subjects: list[Subject] = []
        #: The syrupy snapshot to compare the transcript with (``--agent-snapshots``), else None.
        self.snapshot: Any = None
        self._stack = ExitStack()
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- building -----------------------------------------------------------------------------
    def require(self, *kinds: str) -> None:
        """Skip (never pass) unless the implementation supports every limit in ``kinds``."""
        missing = [k for k in kinds if k in LIMIT_KINDS and k not in self.adapter.capabilities]
        if missing:
            pytest.skip(f"implementation does not support {', '.join(missing)}")

    def freeze(self) -> FrozenClock:
        """Freeze time for the rest of this test (idempotent); models and tools advance it."""
        if self.clock is None:
            self.clock = self._stack.enter_context(frozen_clock())
        return self.clock

    def tools(self, *names: str, latency: float = 0.0, output: Any = None, hold_until: int = 0) -> list[Tool]:
        """Instrumented tools sharing one concurrency gauge (and the frozen clock, if any).

        ``hold_until``: each execution waits briefly for that many to overlap, so that a
        parallel cap one too loose is seen even with tools that return at once.
        """
        if latency:
            self.freeze()
        gauge = Concurrency(hold_until=hold_until, hold_seconds=0.05)
        return [Tool(name, latency=latency, output=output, clock=self.clock, concurrency=gauge)
                for name in (names or ("lookup",))]

    def agent(self, script: Script, tools: Sequence[Tool] | None = None, *, record_messages: bool = False,
              **limits: Any) -> Subject:
        """Build an agent on a fresh scripted model; the adapter's exceptions propagate.

        ``record_messages``: the model keeps what it received on each call (``CallRecord.messages``).
        """
        built = self.attempt(script, tools, record_messages=record_messages, **limits)
        if built.subject is None:
            self.fail_text(
                [f"building the agent raised {type(built.error).__name__}: {built.error}"],
                limits=limits, script=script,
            )
        return built.subject

    def attempt(self, script: Script, tools: Sequence[Tool] | None = None, *, record_messages: bool = False,
                **limits: Any) -> Built:
        """Build an agent, keeping the exception instead of raising it (for validation clauses)."""
        self.require(*limits)
        if limits.get("timeout_seconds") is not None or any(t.latency for t in script.turns) or (
            script.then is not None and script.then.latency
        ):
            self.freeze()
        model = ScriptedModel(script, limits=limits, clock=self.clock, record_messages=record_messages)
        tool_list = list(tools) if tools is not None else self.tools()
        try:
            with self.guarded("building the agent"):
                agent = self.adapter.build(model, tool_list, dict(limits))
        except Exception as exc:
            return Built(model, None, exc)
        subject = Subject(self, dict(limits), model, tool_list, agent)
        self.subjects.append(subject)
        described = ("limits", describe_limits(limits))
        if described not in self.node.user_properties:
            self.node.user_properties.append(described)
        return Built(model, subject, None)

    def invoke_together(self, subjects: Sequence[Subject], prompt: str = PROMPT, *,
                        defaults: bool = False) -> list[Observed]:
        """Invoke several agents at once: concurrently on one event loop on the async path,
        one after another on the sync path (threads would share the frozen clock's ticks).

        ``defaults``: through ``Adapter.run_default``/``arun_default`` (the framework's default
        options), not ``run``/``arun``.
        """
        run = self.adapter.run_default if defaults else self.adapter.run
        arun = self.adapter.arun_default if defaults else self.adapter.arun
        if self.mode == "sync":
            observed = []
            for s in subjects:
                before = s._before()
                with self.guarded(f"invocation #{len(s.invocations) + 1}"):
                    outcome = run(s.agent, prompt)
                observed.append(s._observe(before, outcome))
            return self._expressed(observed)
        if self._loop is None:
            self._loop = self.clock.new_event_loop() if self.clock is not None else asyncio.new_event_loop()
        befores = [s._before() for s in subjects]

        async def together() -> list[Any]:
            return list(await asyncio.gather(*(arun(s.agent, prompt) for s in subjects)))

        with self.guarded(f"invocation #{len(subjects[0].invocations) + 1}"):
            outcomes = self._loop.run_until_complete(together())
        return self._expressed([s._observe(b, o) for s, b, o in zip(subjects, befores, outcomes)])

    def _expressed(self, observed: list[Observed]) -> list[Observed]:
        """``observed``, unless a dialect could not say a scripted turn: then the case is not
        expressible in this framework. It is skipped with the dialect's reason (in a Hypothesis
        example, the example is discarded), never judged as a limit failure."""
        for obs in observed:
            reason = obs.subject.model.inexpressible
            if reason is None:
                continue
            if currently_in_test_context():
                reject()
            pytest.skip(f"not expressible in {self.adapter.describe()}: {reason}")
        return observed

    def received(self, call: CallRecord) -> list[Message]:
        """The messages the model received on ``call``, read by the adapter (needs ``record_messages``)."""
        if call.messages is None:
            raise RuntimeError("the model did not record messages: build the agent with record_messages=True")
        return self.adapter.received(call.messages)

    def guarded(self, what: str) -> Any:
        """A watchdog for one call into the agent: ``--agent-timeout`` real seconds (times the
        test's ``watchdog(factor=...)`` marker), so a hung agent fails this test, not the run."""
        marker = self.node.get_closest_marker("watchdog")
        factor = marker.kwargs.get("factor", 1) if marker else 1
        seconds = float(option(self.node.config, "agent_timeout", DEFAULT_AGENT_TIMEOUT)) * factor
        return watchdog(seconds, f"{what} of the agent ({self.mode} path) in {self.node.nodeid}")

    def close(self) -> None:
        if self._loop is not None:
            self._loop.close()
        self._stack.close()
        release = getattr(self.adapter, "release", None)
        if callable(release):  # an adapter holding something per test (the wire adapter: a child process)
            release()

    # -- judging ------------------------------------------------------------------------------
    def check(self, obs: Observed, *, why: str = "", **expected: Any) -> None:
        """Fail unless every ``name=value`` in ``expected`` matches the observed fact.

        ``stop`` may be a set of acceptable kinds. Known names: calls, executions, tokens,
        output_tokens, stop, text, reported_usage.
        """
        facts = obs.facts()
        wrong = [k for k, v in expected.items() if not _matches(k, v, facts[k])]
        if wrong:
            self.fail(obs, expected, wrong, why)

    def check_oracle(self, obs: Observed, *, why: str = "", executions: bool = True) -> Expectation:
        """Fail unless calls, tokens, stop (and executions) equal the oracle's for this script and limits."""
        exp = obs.expectation()
        expected: dict[str, Any] = {"calls": exp.calls, "stop": set(exp.stops)}
        if "timeout_seconds" not in exp.stops:  # a pre-emptive stop may cut the last reply's usage
            expected["tokens"] = exp.usage.total
        if executions:
            expected["executions"] = exp.executions
        self.check(obs, why=why, **expected)
        return exp

    def check_transcript(self, obs: Observed) -> None:
        """Fail unless the transcript has one reply per model call and every tool call one result."""
        problems = transcript_problems(obs.outcome.messages, obs.calls)
        if problems:
            self.fail(obs, {}, [], "inconsistent transcript:\n      - " + "\n      - ".join(problems),
                      symptoms=["transcript:wrong"])

    def check_partial(self, obs: Observed) -> None:
        """Fail unless the text and usage the agent reports equal ground truth, and the transcript is consistent."""
        self.check(obs, text=obs.truth_text, reported_usage=str(obs.usage),
                   why="the partial results the agent exposes must equal what the model really returned")
        self.check_transcript(obs)

    def check_unchanged(self, obs: Observed, later: Observed) -> None:
        """Fail if ``obs``'s result, read again after ``later`` (a later invocation of the same
        agent), no longer says what it said when it was returned: a result is the caller's to
        keep, not a view of the agent's state (a live list the next invocation clears or refills).
        Nothing is checked where the adapter cannot read a result again (``Adapter.reread``)."""
        again = self.adapter.reread(obs.outcome)
        if again is None:
            return
        first, now = _kept(obs.outcome), _kept(again)
        changed = [k for k in {**first, **now} if first.get(k) != now.get(k)][:4]
        if not changed:
            return
        lines = [f"invocation #{obs.number}'s result changed after invocation #{later.number} of the same agent ran",
                 f"    {'':<11}{'when returned':<40}after invocation #{later.number}"]
        lines += [f"    {k:<11}{_cut(first.get(k, '-')):<40}{_cut(now.get(k, '-'))}   <-- changed" for k in changed]
        lines.append("  why: a result must not share state with the agent (return copies: e.g. list(messages), "
                     "not the agent's own list)")
        self.fail_text(lines, limits=obs.subject.limits, script=obs.subject.script, model=obs.subject.model,
                       reason=f"invocation #{obs.number}'s result changed after invocation #{later.number}: "
                              + ", ".join(f"{k} {_cut(first.get(k, '-'))} -> {_cut(now.get(k, '-'))}" for k in changed),
                       symptoms=["result:changed"])

    def check_deadline(self, obs: Observed, timeout: float) -> None:
        """Fail unless nothing started at or after start + ``timeout`` and the stop is a timeout,
        not before the deadline. Notes whether the agent stopped cooperatively or pre-emptively.

        A final answer the model completed (started before the deadline, as every call must)
        completes the invocation: then ``completed`` is accepted too, at any time, as the oracle
        accepts it (a call in flight at the deadline finishes, and its answer is an answer)."""
        start, end = obs.clock_start, obs.clock_end
        if start is None or end is None:
            raise RuntimeError("check_deadline needs the frozen clock (trial.freeze())")
        deadline = start + timeout
        late = [f"model call #{c.index - obs.start + 1} started at +{c.started_at - start:g} s"
                for c in obs.calls if c.started_at is not None and c.started_at >= deadline]
        late += [f"tool execution {dict(e.arguments)} started at +{e.started_at - start:g} s"
                 for e in obs.executions if e.started_at is not None and e.started_at >= deadline]
        cut = any(not c.completed and c.turn.raises is None for c in obs.calls) or any(
            isinstance(e.error, asyncio.CancelledError) for e in obs.executions)
        self.note(f"timeout behaviour seen: {'pre-emptive' if cut else 'cooperative'}")
        problems = [f"{what}, at or after the deadline (+{timeout:g} s)" for what in late]
        symptoms = ["deadline:over"] if late else []
        answered = bool(obs.calls) and obs.calls[-1].completed and obs.calls[-1].turn.is_final
        stops = {"timeout_seconds", COMPLETED} if answered else {"timeout_seconds"}
        if end < deadline and not (answered and obs.outcome.stop == COMPLETED):
            problems.append(f"the invocation ended at +{end - start:g} s, before the deadline (+{timeout:g} s)")
            symptoms.append("deadline:under")
        if obs.outcome.stop not in stops:
            problems.append("the stop is not reported as a timeout" + (" (nor as the completion its last reply, a final "
                                                                       "answer, would make it)" if answered else ""))
        if problems:
            self.fail(obs, {"stop": stops if answered else "timeout_seconds"},
                      ["stop"] if obs.outcome.stop not in stops else [], "; ".join(problems), symptoms=symptoms)

    def note(self, text: str) -> None:
        """Report ``text`` under this clause in the summary: information, never a verdict."""
        self.node.user_properties.append(("agent-info", f"{self.mode}: {text}"))

    # -- messages -----------------------------------------------------------------------------
    def fail(self, obs: Observed, expected: Mapping[str, Any], wrong: Iterable[str], why: str = "",
             symptoms: Sequence[str] = ()) -> NoReturn:
        facts = obs.facts()
        wrong = list(wrong)
        rows = ["calls", "tokens", "stop", *[k for k in expected if k not in ("calls", "tokens", "stop")]]
        width = max(len(r) for r in rows) + 2
        column = max([24, *(len(_show(expected[r])) + 2 for r in rows if r in expected)])
        table = [f"    {'':{width}}{'expected':<{column}}observed"]
        for r in rows:
            exp = _show(expected[r]) if r in expected else "-"
            mark = "   <-- differs" if r in wrong else ""
            table.append(f"    {r:<{width}}{exp:<{column}}{_show(facts[r])}{mark}")
        lines = [f"invocation #{obs.number} of this agent (first model call answered by script turn {obs.start})",
                 *table]
        mismatch = "; ".join(f"{k}: expected {_show(expected[k])}, observed {_show(facts[k])}" for k in wrong)
        if why:
            lines.append(f"  why: {why}")
        lines.extend(self._hints(obs, expected, facts))
        self.fail_text(lines, limits=obs.subject.limits, script=obs.subject.script, model=obs.subject.model,
                       outcome=obs.outcome, reason="; ".join(part for part in (mismatch, why) if part),
                       symptoms=[*symptoms, *(symptom(k, expected[k], facts[k]) for k in wrong)] or ["other"])

    def fail_text(self, lines: list[str], *, limits: Mapping[str, Any], script: Script,
                  model: ScriptedModel | None = None, outcome: Any = None, reason: str = "",
                  symptoms: Sequence[str] = ("other",)) -> NoReturn:
        """Fail the test with the full report; ``reason`` (default: the first line) is its one-line
        summary, kept for the per-clause report and the conformance matrix. ``symptoms`` says which
        way the agent was wrong (see :func:`symptom`), for the root-cause summary."""
        reason = reason or lines[0].strip()
        self.node.user_properties.append(
            ("agent-reason", f"{self.mode}: {reason} (limits: {describe_limits(limits)}; script: {script.describe()})")
        )
        self.node.user_properties.append(("agent-symptoms", " ".join(sorted(set(symptoms)))))
        head = f"[{self.clause}]" + (f" ({self.level})" if self.level else "")
        out = [f"{head} {self.text}".rstrip(),
               f"  implementation: {self.impl.spec} via {self.adapter.describe()}, {self.mode} path",
               f"  limits: {describe_limits(limits)}",
               f"  script: {script.describe()}"]
        out.extend(f"  {line}" if not line.startswith("  ") else line for line in lines)
        if outcome is not None and outcome.stop == ERROR and outcome.error is not None:
            out.append(f"  agent error: {type(outcome.error).__name__}: {outcome.error}")
        if outcome is not None and isinstance(outcome.stop, str) and outcome.stop.startswith("unrecognised"):
            out.append(f"  stop: {outcome.stop}")  # the adapter's explanation: which values it reads
        if model is not None and model.exhausted is not None:
            out.append(f"  model: {model.exhausted}")
        out.append(f"  re-run: {self.rerun_command()}")
        pytest.fail("\n".join(out), pytrace=False)

    def rerun_command(self) -> str:
        """The command that re-runs exactly this case, from the directory pytest was run in."""
        options = "".join(f" {o}" for o in self.impl.options)
        return f"pytest --agent-impl={self.impl.spec}{options} --pyargs '{case_id(self.node)}'"

    def _hints(self, obs: Observed, expected: Mapping[str, Any], facts: Mapping[str, Any]) -> list[str]:
        """Say which way a call count is wrong, in terms of the limits at the boundary."""
        if "calls" not in expected or not isinstance(expected["calls"], int) or facts["calls"] == expected["calls"]:
            return []
        want, got = expected["calls"], facts["calls"]
        if want == 0:  # a rejection, not a limit, was expected to prevent the first call
            return []
        at = min(want, got)
        tally = _tally(obs, at)
        cached = f", {tally.usage.cached_input_tokens} cached input" if tally.usage.cached_input_tokens else ""
        state = (f"after {at} call(s) this invocation had spent {tally.usage.total} tokens "
                 f"({tally.usage.output_tokens} output{cached})")
        if got > want:
            limits = obs.subject.limits
            hit = ", ".join(f"{k}={limits[k]!r}" for k in sorted(spent_limits(limits, tally))) or "a limit"
            return [f"  the agent made {got - want} model call(s) more than allowed: {state}, "
                    f"so {hit} forbade call #{at + 1}"]
        return [f"  the agent stopped early: {state}, and no limit forbade call #{at + 1} yet"]


def symptom(fact: str, expected: Any, observed: Any) -> str:
    """``fact:direction`` for one wrong fact: ``calls:over`` (more than allowed), ``calls:under``
    (stopped early), ``stop:<observed kind>``, or ``<fact>:wrong`` when there is no direction."""
    if fact == "stop":
        return f"stop:{observed}" if isinstance(observed, str) and not observed.startswith("unrecognised") else "stop:unreadable"
    if isinstance(expected, int) and isinstance(observed, int) and not isinstance(expected, bool):
        return f"{fact}:{'over' if observed > expected else 'under'}"
    return f"{fact}:wrong"


def _tally(obs: Observed, calls: int) -> Tally:
    """Ground truth after the first ``calls`` calls of ``obs``: usage, cost and clock time."""
    done = obs.calls[:calls]
    usage = obs.subject.model.usage_of(done)
    estimator = obs.subject.limits.get("cost_estimator")
    cost = sum(estimator(obs.subject.model.name, c.usage.input_tokens, c.usage.output_tokens,
                         c.usage.cached_input_tokens) for c in done) if estimator else 0.0
    elapsed = 0.0
    if done and obs.clock_start is not None and done[-1].ended_at is not None:
        elapsed = done[-1].ended_at - obs.clock_start
    return Tally(calls=calls, usage=usage, cost=cost, elapsed=elapsed)


#: The cached part of a rendered usage (``7in(+5 cached)+3out``).
_CACHED = re.compile(r"\(\+\d+ cached\)")


def _matches(name: str, expected: Any, observed: Any) -> bool:
    if isinstance(expected, (set, frozenset)):
        return observed in expected
    if name == "reported_usage":  # judged on input and output tokens, the two the protocols require;
        return bool(_counted(expected) == _counted(observed))  # cached tokens are shown, never judged
    return bool(expected == observed)


def _counted(usage: Any) -> Any:
    """A rendered usage without its cached part: what a reported usage is judged on."""
    return _CACHED.sub("", usage) if isinstance(usage, str) else usage


def _kept(outcome: Any) -> dict[str, str]:
    """What a result says, in short: compared before and after a later invocation."""
    messages = [f"{m.role}: {m.text!r}" + (f" calls {','.join(m.tool_calls)}" if m.tool_calls else "")
                + (f" answers {m.tool_call_id}" if m.tool_call_id else "") + (" (truncated)" if m.truncated else "")
                for m in outcome.messages]
    return {"stop": str(outcome.stop), "text": repr(outcome.text), "usage": str(outcome.usage),
            "messages": f"{len(messages)} messages", **{f"message {i + 1}": m for i, m in enumerate(messages)}}


def _cut(text: str, width: int = 36) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


def _show(value: Any) -> str:
    if isinstance(value, (set, frozenset)):
        return " or ".join(sorted(map(str, value)))
    if isinstance(value, str) and value.startswith("unrecognised"):  # its explanation is printed below the table
        return value.split("; ", 1)[0]
    if isinstance(value, str) and value not in ("completed", "error") and not value.startswith(("max_", "timeout")):
        return repr(value) if len(value) < 40 else repr(value[:37] + "...")
    return str(value)
