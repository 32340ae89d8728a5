"""Context-token ceiling bugs (CONTEXT-1, CONTEXT-2): oversized requests and shared token counters."""

from __future__ import annotations
