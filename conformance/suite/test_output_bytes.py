"""BYTES-*: tool outputs cut at max_output_bytes, by UTF-8 bytes, marker included, flagged."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from agent_limits.conformance import clause
from agent_limits.mocks import Script

if TYPE_CHECKING:
    from agent_limits.harness import Message, Observed

#: 2 one-byte, 20 two-byte, 20 three-byte and 5 four-byte characters: 122 bytes.
OUTPUT = "ab" + "é" * 20 + "€" * 20 + "😀" * 5
SIZE = len(OUTPUT.encode())


def _stored(obs: Observed) -> Message | None:
    results = [m for m in obs.outcome.messages if m.role == "tool"]
    return results[0] if results else None


@clause("BYTES-1")
@pytest.mark.parametrize("cap", [5, 13, 14, 15, 16, 17, 60, 61, 62, 110, 111, 112, 113, SIZE - 1], ids=lambda v: f"cap={v}")
def test_long_output_is_cut_within_the_cap_on_a_character_boundary_and_flagged(trial, cap):
    obs = trial.agent(Script.tool_calls(1), trial.tools(output=OUTPUT), max_output_bytes=cap).invoke()
    trial.check(obs, stop="completed", executions=1)
    stored = _stored(obs)
    problems = []
    if stored is None or stored.text is None:
        problems.append("no tool result text in the transcript")
    else:
        size = len(stored.text.encode())
        if size > cap:
            problems.append(f"stored result is {size} bytes, over max_output_bytes={cap} (marker included)")
        if "\ufffd" in stored.text:
            problems.append("stored result contains U+FFFD: a multi-byte character was split")
        if not stored.truncated and OUTPUT.startswith(stored.text):
            problems.append("the cut is not flagged (no truncated flag, no marker)")
    if problems:
        trial.fail(obs, {}, [], f"output of {SIZE} bytes, stored {stored.text if stored else None!r}: "
                               + "; ".join(problems))


@clause("BYTES-2")
@pytest.mark.parametrize("cap", [SIZE, SIZE + 1], ids=lambda v: f"cap={v}")
def test_output_within_the_cap_is_stored_unchanged(trial, cap):
    obs = trial.agent(Script.tool_calls(1), trial.tools(output=OUTPUT), max_output_bytes=cap).invoke()
    stored = _stored(obs)
    if stored is None or stored.text != OUTPUT or stored.truncated:
        trial.fail(obs, {}, [], f"an output of {SIZE} bytes within max_output_bytes={cap} must be stored unchanged "
                               f"and unflagged; stored {stored.text if stored else None!r} "
                               f"(truncated={stored.truncated if stored else None})")
