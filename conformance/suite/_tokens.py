"""The token counters the context clauses hand to agents, and request sizes recomputed from them.

The harness supplies ``token_counter``, so "as counted by that counter" is ground truth it can
recompute from what the model received on each call (``trial.received``). The counters count
whole-word occurrences of one word (``tok``), nothing else: whatever more an agent passes to the
counter (roles, tool-call arguments, a system prompt, a whole serialized message) adds nothing,
so every agent that sizes a request with the counter gets the harness's size, and the exact
boundary (a request of exactly the ceiling fits) is fair to all of them.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Sequence

from agent_limits.mocks import CallRecord

__all__ = ["TOKEN", "TokenCounter", "next_request", "request_size", "tokens"]

#: The one word the counters count.
TOKEN = "tok"


def tokens(n: int, tag: str = "") -> str:
    """A text of ``n`` tokens, led by ``tag`` (a word that names a conversation, counted as nothing)."""
    return " ".join([*([tag] if tag else []), *[TOKEN] * n])


class TokenCounter:
    """``token_counter(text) -> int``: ``weight`` per whole word ``tok`` in ``text``, every call recorded.

    :meth:`count` is the same count without recording, for the harness's own recomputation.
    A non-string argument is counted as its ``str()`` (an agent may pass a whole message).
    """

    def __init__(self, weight: int = 1) -> None:
        self.weight = weight
        self.__name__ = "tokens" if weight == 1 else f"tokens_x{weight}"
        self.texts: list[str] = []
        self._lock = threading.Lock()
        self._pattern = re.compile(rf"\b{TOKEN}\b")

    def count(self, text: Any) -> int:
        return self.weight * len(self._pattern.findall(str(text)))

    def __call__(self, text: Any) -> int:
        with self._lock:
            self.texts.append(str(text))
        return self.count(text)

    def seen_with(self, word: str) -> list[str]:
        """The texts this counter was called with that contain ``word``."""
        pattern = re.compile(rf"\b{re.escape(word)}\b")
        with self._lock:
            return [t for t in self.texts if pattern.search(t)]

    def __repr__(self) -> str:
        return self.__name__


def request_size(trial: Any, call: CallRecord, counter: TokenCounter) -> int:
    """The size of the request of ``call``: ``counter`` summed over the text of each message the
    model received (a message without text counts 0). A lower bound on anything an agent counts."""
    return sum(counter.count(m.text) for m in trial.received(call) if m.text is not None)


def next_request(trial: Any, calls: Sequence[CallRecord], prompt: str, output: str, counter: TokenCounter) -> int:
    """The size of the request an agent sends after ``calls`` if it trims nothing more: the last
    request as sent, plus the last reply's text and one ``output`` per tool call it asked for
    (every tool of the context scenarios returns ``output``); before the first call, the prompt.
    If that fits the ceiling, a stop with max_context_tokens was premature."""
    if not calls:
        return counter.count(prompt)
    last = calls[-1]
    return (request_size(trial, last, counter) + counter.count(last.text or "")
            + len(last.tool_calls) * counter.count(output))
