"""Context-token ceiling bugs (CONTEXT-1, CONTEXT-2): oversized requests and shared token counters."""

from __future__ import annotations

from typing import Any

from agent_limits.conformance.reference import ReferenceAgent, Result, TokenCounter, _Run
from agent_limits.harness import LIMIT_KINDS

from ._base import mutant


@mutant("CONTEXT-1", bug="the ceiling is checked on the request just sent, not the next one: one oversized request goes out")
class ContextCheckedAfterSending(ReferenceAgent):
    _sent = 0

    def _request_size(self) -> int:
        upcoming = super()._request_size()
        sent, self._sent = self._sent, upcoming
        return sent


@mutant("CONTEXT-1", bug="only the newest message is counted against the ceiling, not the whole request")
class ContextCountsNewestMessageOnly(ReferenceAgent):
    def _request_size(self) -> int:
        content = self.messages[-1].get("content") if self.messages else None
        return self.token_counter(content) if isinstance(content, str) else 0


@mutant("CONTEXT-1", bug="a request of exactly max_context_tokens is refused (>= where > belongs)")
class ContextCeilingOffByOne(ReferenceAgent):
    def _limit_hit(self, run: _Run) -> str | None:
        if self.max_context_tokens is not None and self._request_size() >= self.max_context_tokens:
            return "max_context_tokens"
        return super()._limit_hit(run)


#: Where the two mutants below keep "the" token counter: one for every agent in the process.
_COUNTER: dict[str, TokenCounter] = {}


@mutant("CONTEXT-2", bug="the token counter is kept in a module global at construction: the last agent built counts for all")
class TokenCounterGlobalAtConstruction(ReferenceAgent):
    supported_limits = LIMIT_KINDS

    @property  # type: ignore[override]
    def token_counter(self) -> TokenCounter:
        return _COUNTER["current"]

    @token_counter.setter
    def token_counter(self, counter: TokenCounter) -> None:
        _COUNTER["current"] = counter


@mutant("CONTEXT-2", bug="the token counter is swapped into a module global for each invocation: concurrent invocations count with each other's")
class TokenCounterSwappedPerInvocation(ReferenceAgent):
    supported_limits = LIMIT_KINDS

    @property  # type: ignore[override]
    def token_counter(self) -> TokenCounter:
        return _COUNTER.get("current", self._own)

    @token_counter.setter
    def token_counter(self, counter: TokenCounter) -> None:
        self._own = counter

    def _start(self, prompt: str) -> _Run:
        self._saved = _COUNTER.get("current")
        _COUNTER["current"] = self._own
        return super()._start(prompt)

    def _finish(self, run: _Run, stop_reason: str) -> Result:
        if self._saved is None:
            _COUNTER.pop("current", None)
        else:
            _COUNTER["current"] = self._saved
        return super()._finish(run, stop_reason)
