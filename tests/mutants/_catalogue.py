"""Mutants, one bug each, each drawn from a bug a real agent framework shipped or nearly shipped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.reference import ReferenceAgent, Result, _Run
from mocks import Turn, Usage

__all__ = ["CATALOGUE", "Mutant"]


@dataclass(frozen=True)
class Mutant:
    """A broken agent, the bug in one line, and the clauses that must catch it."""

    name: str
    agent: type
    bug: str
    killed_by: frozenset[str]

    @property
    def spec(self) -> str:
        return f"{__name__}:{self.agent.__name__}"


class BudgetGreaterThan(ReferenceAgent):
    """Token budget checked with ``>`` where ``>=`` belongs: one call too many at the boundary."""

    def _limit_hit(self, run: _Run) -> str | None:
        if self.max_turns is not None and run.calls >= self.max_turns:
            return "max_turns"
        if self.max_token_budget is not None and run.usage.total > self.max_token_budget:
            return "max_token_budget"
        if self.max_output_tokens is not None and run.usage.output_tokens >= self.max_output_tokens:
            return "max_output_tokens"
        return None


class BudgetOutputOnly(ReferenceAgent):
    """The total-token budget counts output tokens only (input tokens forgotten)."""

    def _limit_hit(self, run: _Run) -> str | None:
        budget, self.max_token_budget = self.max_token_budget, None
        try:
            hit = super()._limit_hit(run)
        finally:
            self.max_token_budget = budget
        if hit is None and budget is not None and run.usage.output_tokens >= budget:
            return "max_token_budget"
        return hit


class CountersNotReset(ReferenceAgent):
    """Counters live on the agent and are never reset: the second invocation starts spent."""

    def _start(self, prompt: str) -> _Run:
        if not hasattr(self, "_shared_run"):
            self._shared_run = _Run(start=len(self.messages))
        self.messages.append({"role": "user", "content": prompt})
        self._shared_run.start = len(self.messages) - 1
        return self._shared_run


class NegativeTurnsAccepted(ReferenceAgent):
    """A negative max_turns is accepted (and then blocks every call) instead of being rejected."""

    supported_limits = ("max_turns", "max_token_budget", "max_output_tokens")

    def __init__(self, model: Any, tools: Any, max_turns: int | None = None, **limits: Any) -> None:
        if isinstance(max_turns, int) and not isinstance(max_turns, bool) and max_turns < 0:
            super().__init__(model, tools, **limits)
            self.max_turns = max_turns
        else:
            super().__init__(model, tools, max_turns=max_turns, **limits)


class LastToolCallsDropped(ReferenceAgent):
    """The tool calls of the last permitted turn are dropped: dangling calls in the transcript."""

    def invoke(self, prompt: str) -> Result:
        run = self._start(prompt)
        while (stop := self._limit_hit(run)) is None:
            turn = self.model.complete(self.messages, self._specs)
            if self._take(run, turn):
                return self._finish(run, "end_turn")
            if self._limit_hit(run) is not None:
                break
            for call in turn.tool_calls:
                self._answer(call, self._execute(call))
        return self._finish(run, self._limit_hit(run) or "max_turns")

    async def ainvoke(self, prompt: str) -> Result:
        run = self._start(prompt)
        while (stop := self._limit_hit(run)) is None:
            turn = await self.model.acomplete(self.messages, self._specs)
            if self._take(run, turn):
                return self._finish(run, "end_turn")
            if self._limit_hit(run) is not None:
                break
            for call in turn.tool_calls:
                self._answer(call, await self._aexecute(call))
        return self._finish(run, self._limit_hit(run) or "max_turns")


class UsageCumulative(ReferenceAgent):
    """Usage reported as a running total across invocations instead of per invocation."""

    def _finish(self, run: _Run, stop_reason: str) -> Result:
        self._lifetime = getattr(self, "_lifetime", Usage()) + run.usage
        return Result(stop_reason, self.messages[run.start:], run.text, self._lifetime)


class PreviousAnswerLeaks(ReferenceAgent):
    """The last answer is kept on the agent, so an invocation without text reports the previous one."""

    def _take(self, run: _Run, turn: Turn) -> bool:
        if turn.text:
            self._last_text = turn.text
        run.text = getattr(self, "_last_text", None)
        return super()._take(run, turn)


class WrongBreachKind(ReferenceAgent):
    """Every breach is reported as max_turns, whichever limit was hit."""

    def _limit_hit(self, run: _Run) -> str | None:
        return "max_turns" if super()._limit_hit(run) else None


CATALOGUE: tuple[Mutant, ...] = (
    Mutant("budget-greater-than", BudgetGreaterThan, "budget check uses > instead of >=", frozenset({"TOKENS-1"})),
    Mutant("budget-output-only", BudgetOutputOnly, "total budget counts output tokens only", frozenset({"TOKENS-1"})),
    Mutant("counters-not-reset", CountersNotReset, "counters never reset between invocations", frozenset({"RESET-1"})),
    Mutant("negative-turns-accepted", NegativeTurnsAccepted, "negative max_turns accepted", frozenset({"VALID-2"})),
    Mutant("last-tool-calls-dropped", LastToolCallsDropped, "last permitted turn's tool calls dropped",
           frozenset({"TURNS-3", "TRANSCRIPT-1"})),
    Mutant("usage-cumulative", UsageCumulative, "usage reported cumulatively across invocations",
           frozenset({"RESET-2"})),
    Mutant("previous-answer-leaks", PreviousAnswerLeaks, "previous invocation's answer leaks", frozenset({"RESET-3"})),
    Mutant("wrong-breach-kind", WrongBreachKind, "every breach reported as max_turns", frozenset({"KIND-1"})),
)
