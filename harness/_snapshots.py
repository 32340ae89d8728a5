"""Golden transcripts (``--agent-snapshots``): being written (issue 9)."""

from __future__ import annotations

from typing import Any

import pytest

__all__ = ["check_snapshot", "snapshot_for"]


def snapshot_for(request: pytest.FixtureRequest) -> Any:
    raise NotImplementedError("golden transcripts are being written")


def check_snapshot(trial: Any) -> None:
    raise NotImplementedError("golden transcripts are being written")
