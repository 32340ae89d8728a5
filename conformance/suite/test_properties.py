"""PROP-*, STATE-1: random scripts and limits against the oracle, and many invocations in a row.

The strategies live in ``agent_limits.mocks.strategies``. Under ``CI`` the examples are derandomized and
bounded (profile ``agent-limits-ci``), so a CI run is reproducible.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from agent_limits.conformance import clause
from agent_limits.harness import Message, Observed, transcript_problems
from agent_limits.harness.oracle import EXHAUSTED, Expectation
from agent_limits.mocks import Script
from agent_limits.mocks.strategies import (
    TOOL_NAMES, invalid_limit_values, limits, outputs, price, scripts, segments, words,
)

PROFILE = settings.get_profile("agent-limits-ci" if os.environ.get("CI") else "agent-limits-dev")
#: The limits these properties draw; parallel and output-byte caps never change the counts, nor
#: does a context-token ceiling, which is drawn out of every script's reach (see the strategies).
KINDS = ("max_turns", "max_token_budget", "max_output_tokens", "max_tool_calls", "max_parallel_tools",
         "max_cost_usd", "timeout_seconds", "max_output_bytes", "max_context_tokens")
#: The callable that comes with a limit, passed beside it so a rejection is for the value.
COMPANIONS = {"max_cost_usd": ("cost_estimator", price), "max_context_tokens": ("token_counter", words)}


def supported(trial) -> list[str]:
    kinds = [k for k in KINDS if k in trial.adapter.capabilities]
    if not kinds:
        pytest.skip("implementation supports none of the limits these properties draw")
    return kinds


@clause("PROP-1")
@pytest.mark.parametrize("focus", [*KINDS, "mixed"])
@settings(PROFILE)
@given(data=st.data())
def test_any_script_and_any_valid_limits_match_the_oracle(trial, focus, data):
    """``focus``: one limit kind alone, on and around its boundaries; ``mixed``: up to three at once."""
    if focus != "mixed":
        trial.require(focus)
    kinds = supported(trial) if focus == "mixed" else [focus]
    timed = "timeout_seconds" in kinds and data.draw(st.booleans(), label="timed")
    script = data.draw(scripts(timed=timed, tools=TOOL_NAMES), label="script")
    chosen = data.draw(limits([k for k in kinds if timed or k != "timeout_seconds"] or kinds, script, at_most=3),
                       label="limits")
    if timed or "timeout_seconds" in chosen:
        trial.freeze()  # before the tools are made, so that they log times on the frozen clock
    tools = trial.tools(*TOOL_NAMES)
    sized = data.draw(outputs(), label="outputs")
    for tool in tools:
        tool.fn = sized
    subject = trial.agent(script, tools, record_messages="max_context_tokens" in chosen, **chosen)
    assume(EXHAUSTED not in Observed(subject, 1, 0, None, [], []).expectation().stops)
    obs = subject.invoke()
    exp = trial.check_oracle(obs, why="the number of model calls, tool executions and the stop follow from script "
                                      "and limits")
    trial.check_transcript(obs)
    check_requests_fit(trial, obs)
    check_tools_and_outputs(trial, obs, exp)


def check_tools_and_outputs(trial, obs: Observed, exp: Expectation) -> None:
    """Executions per tool name equal the oracle's (the cap admits a reply's calls in order, whatever
    their names), and with max_output_bytes every output is judged on its own: stored cut within
    the cap and flagged when longer, unchanged and unflagged otherwise. Not judged with a deadline,
    where which calls start, and whether a finished one is answered, depend on how the agent runs them."""
    chosen = obs.subject.limits
    if chosen.get("timeout_seconds") is not None:
        return
    ran = Counter(e.tool for e in obs.executions)
    if ran != Counter(exp.by_tool):
        trial.fail(obs, {}, [], f"executions per tool {dict(sorted(ran.items()))}, expected "
                                f"{dict(sorted(exp.by_tool.items()))}: a reply's calls are admitted in order, the "
                                "cap counting every tool together")
    cap = chosen.get("max_output_bytes")
    if cap is None:
        return
    ids = {(c.name, repr(sorted(c.arguments.items()))): c.id for rec in obs.calls for c in rec.tool_calls}
    stored: dict[str | None, Message] = {}
    for m in obs.outcome.messages:
        if m.role == "tool":
            stored.setdefault(m.tool_call_id, m)
    problems = []
    for e in obs.executions:
        if e.error is not None or not isinstance(e.output, str):
            continue
        call = ids.get((e.tool, repr(sorted(dict(e.arguments).items()))))
        m = stored.get(call)
        if m is None:
            continue  # a call without a result is the transcript check's failure
        size, text = len(e.output.encode()), m.text or ""
        if size > cap and (len(text.encode()) > cap or "\ufffd" in text or (
                not m.truncated and e.output.startswith(text))):
            problems.append(f"{call}: a {size}-byte output stored as {len(text.encode())} bytes {text!r} "
                            f"(truncated={m.truncated}): not cut within the cap and flagged")
        elif size <= cap and (m.text != e.output or m.truncated):
            problems.append(f"{call}: a {size}-byte output stored as {m.text!r} (truncated={m.truncated}): "
                            "not unchanged and unflagged")
    if problems:
        trial.fail(obs, {}, [], f"max_output_bytes={cap}, outputs drawn per call ({obs.subject.tools[0].fn!r} "
                                "characters): " + "; ".join(problems[:3]))


def check_requests_fit(trial, obs: Observed) -> None:
    """With a context-token ceiling, no request the model received exceeds it (words counted)."""
    ceiling = obs.subject.limits.get("max_context_tokens")
    if ceiling is None:
        return
    sizes = [sum(words(m.text) for m in trial.received(call) if m.text is not None) for call in obs.calls]
    over = [(i, size) for i, size in enumerate(sizes, 1) if size > ceiling]
    if over:
        trial.fail(obs, {}, [], symptoms=["context:over"],
                   why=f"request #{over[0][0]} had {over[0][1]} words, over max_context_tokens={ceiling}")


@clause("PROP-2")
@settings(PROFILE)
@given(data=st.data())
def test_any_invalid_value_is_rejected_before_any_model_call(trial, data):
    kind = data.draw(st.sampled_from(supported(trial)), label="kind")
    value = data.draw(invalid_limit_values(kind), label="value")
    extra = dict([COMPANIONS[kind]]) if kind in COMPANIONS else {}
    built = trial.attempt(Script.endless_tools(cap=20), **{kind: value}, **extra)
    if built.error is not None and isinstance(built.error, (ValueError, TypeError)) and not built.model.calls:
        return
    if built.error is not None:
        trial.fail_text([f"{kind}={value!r} raised {type(built.error).__name__}: {built.error}; "
                         "expected ValueError or TypeError"], limits={kind: value}, script=built.model.script)
    obs = built.subject.invoke()
    if obs.calls or not isinstance(obs.outcome.error, (ValueError, TypeError)):
        trial.fail(obs, {"calls": 0, "stop": "error"}, ["stop"], why=f"{kind}={value!r} was accepted")


@clause("STATE-1")
def test_one_agent_invoked_many_times_matches_the_oracle_every_time(trial):
    kinds = supported(trial)

    class ManyInvocations(RuleBasedStateMachine):
        """One agent, one growing script, invoked again and again."""

        @initialize(data=st.data())
        def build(self, data):
            # one or two limits, drawn on the first segment's running totals (exactly on them, and
            # one step either side, as often as anywhere else), so that boundaries are reached often
            # and not hidden behind another limit stopping first
            self.first = data.draw(segments(), label="first")
            chosen = data.draw(limits(kinds, script=Script(self.first), at_most=2), label="limits")
            self.subject = trial.agent(Script(self.first), record_messages="max_context_tokens" in chosen, **chosen)
            self.seen: list[Observed] = []

        @rule(more=segments())
        def invoke(self, more):
            self.subject.model.extend(more)
            self._invoke()

        @rule()
        def invoke_on_the_first_segment_again(self):
            """The segment the limits were drawn on, once more: its boundaries again, from zero."""
            self.subject.model.extend(self.first)
            self._invoke()

        def _invoke(self):
            obs = self.subject.invoke()
            self.seen.append(obs)
            trial.check_oracle(obs, why=f"invocation #{obs.number}: counters start from zero every time")
            trial.check(obs, reported_usage=str(obs.usage), text=obs.outcome.text if obs.outcome.stop != "completed"
                        else obs.truth_text, why="usage and text are this invocation's own")
            check_requests_fit(trial, obs)

        @invariant()
        def history_stays_consistent(self):
            if getattr(self, "seen", None):
                messages = [m for obs in self.seen for m in obs.outcome.messages]
                calls = [c for obs in self.seen for c in obs.calls]
                problems = transcript_problems(messages, calls)
                if problems:
                    trial.fail(self.seen[-1], {}, [], "history across invocations: " + "; ".join(problems))

    run_state_machine_as_test(
        ManyInvocations, settings=settings(PROFILE, max_examples=min(PROFILE.max_examples, 25), stateful_step_count=8)
    )
