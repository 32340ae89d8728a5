"""Provider errors the scripted model can raise: what an agent must handle besides replies.

A script says when the provider fails (``Turn(raises=...)``, or :meth:`Turn.throttled`); the
model logs the attempt (never replied, no usage) and raises. Each framework dialect
(``agent_limits.mocks.strands``, ...) translates :class:`ModelThrottled` into that framework's
own throttling error, so the framework's own retry logic, if any, decides what happens next.
"""

from __future__ import annotations

__all__ = ["ModelThrottled"]


class ModelThrottled(Exception):
    """The provider asks to retry later (an HTTP 429, a throttling exception): a transient error.

    The request was refused, not answered: an agent may send it again. An attempt that failed
    this way is not a model reply, so it is not a turn (SPEC.md, RETRY-1).
    """

    def __init__(self, message: str = "the provider is throttling requests: retry later") -> None:
        super().__init__(message)
