"""Conformance harness for AI-agent execution limits: adapter contract, oracle, pytest plugin.

Run the bundled suite against an agent with ``pytest --agent-impl=mypkg:Agent``; write an
adapter for a framework by subclassing :class:`Adapter`.

The names below load on first use: pytest imports this package in every run of every project
where it is installed (the plugin lives here), so importing it must cost nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._limits import COMPLETED, ERROR, LIMIT_KINDS, STOP_KINDS, describe_limits, invalid_values
    from ._native import NATIVE_STOP_REASONS, NativeAdapter
    from ._resolve import Implementation, ImplementationError, adapter_for, resolve
    from ._transcript import transcript_problems
    from ._trial import Built, Observed, Subject, Trial
    from .adapter import Adapter, Message, Outcome
    from .oracle import Expectation, expect_run

__all__ = [
    "COMPLETED",
    "ERROR",
    "LIMIT_KINDS",
    "NATIVE_STOP_REASONS",
    "STOP_KINDS",
    "Adapter",
    "Built",
    "Expectation",
    "Implementation",
    "ImplementationError",
    "Message",
    "NativeAdapter",
    "Observed",
    "Outcome",
    "Subject",
    "Trial",
    "adapter_for",
    "describe_limits",
    "expect_run",
    "invalid_values",
    "resolve",
    "transcript_problems",
]

#: The private module each public name lives in.
_HOME = {
    **dict.fromkeys(["COMPLETED", "ERROR", "LIMIT_KINDS", "STOP_KINDS", "describe_limits", "invalid_values"], "_limits"),
    **dict.fromkeys(["NATIVE_STOP_REASONS", "NativeAdapter"], "_native"),
    **dict.fromkeys(["Implementation", "ImplementationError", "adapter_for", "resolve"], "_resolve"),
    "transcript_problems": "_transcript",
    **dict.fromkeys(["Built", "Observed", "Subject", "Trial"], "_trial"),
    **dict.fromkeys(["Adapter", "Message", "Outcome"], "adapter"),
    **dict.fromkeys(["Expectation", "expect_run"], "oracle"),
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
