"""Token usage as a model reports it for one call.

Kept tiny and immutable so the call log can hold a reference instead of a copy.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Usage"]


@dataclass(frozen=True)
class Usage:
    """Tokens one model call consumed.

    ``total`` is input + output, the quantity a token budget is measured in.
    ``cached_input_tokens`` is informational (providers disagree on whether it is part
    of ``input_tokens``); it never enters ``total``.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0

    def __post_init__(self) -> None:
        for name in ("input_tokens", "output_tokens", "cached_input_tokens"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Usage.{name} must be a non-negative int, got {value!r}")

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        if not isinstance(other, Usage):
            return NotImplemented
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cached_input_tokens + other.cached_input_tokens,
        )

    def __str__(self) -> str:
        """``7in+3out``, or ``7in(+5 cached)+3out`` when some input was cached: in failure
        messages, so that a bug about cached tokens (counted twice, not passed on) shows."""
        cached = f"(+{self.cached_input_tokens} cached)" if self.cached_input_tokens else ""
        return f"{self.input_tokens}in{cached}+{self.output_tokens}out"
