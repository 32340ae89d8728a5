"""Retry bugs (RETRY-1, and TIMEOUT-2's retry segment): failed attempts counted as turns, deadlines restarted."""

from __future__ import annotations
