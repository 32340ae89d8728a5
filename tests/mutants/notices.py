"""Bugs in what an invocation reports: stop notices, discarded final answers, unknown tools, hidden breaches."""

from __future__ import annotations
