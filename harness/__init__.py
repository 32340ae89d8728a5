"""Conformance harness for AI-agent execution limits: adapter contract, oracle, pytest plugin.

Run the bundled suite against an agent with ``pytest --agent-impl=mypkg:Agent``; write an
adapter for a framework by subclassing :class:`Adapter`.
"""

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
