"""Per-turn cost bugs (LONG-2): work per turn that grows with the length of the conversation."""

from __future__ import annotations
