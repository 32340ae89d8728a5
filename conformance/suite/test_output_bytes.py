"""BYTES-*: tool outputs cut at max_output_bytes, by UTF-8 bytes, marker included, flagged."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from agent_limits.conformance import clause
from agent_limits.mocks import Script, Turn

if TYPE_CHECKING:
    from agent_limits.harness import Message, Observed

#: 2 one-byte, 20 two-byte, 20 three-byte and 5 four-byte characters: 122 bytes.
OUTPUT = "ab" + "é" * 20 + "€" * 20 + "😀" * 5
SIZE = len(OUTPUT.encode())
#: A short output (9 bytes) from a second tool, for the mixed cases: always within their cap.
SHORT = "ok é😀"
#: The cap of the mixed cases: the long output is cut, the short one fits.
MIXED_CAP = 60
#: Long and short outputs in one batch (long, short, long) and in sequence (one reply each): an
#: agent that caps only the first result of a reply, or keeps flagging after its first cut, passes
#: the one-output cases and fails these.
_MIXED: dict[str, list[Turn]] = {
    "batch": [Turn.tools("lookup", "search", "lookup")],
    "sequence": [Turn.tools("lookup"), Turn.tools("search"), Turn.tools("lookup"), Turn.tools("search")],
}


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


def _mixed(trial, case: str) -> Observed:
    """The ``case`` script against a long-output tool (``lookup``) and a short-output one (``search``)."""
    tools = [*trial.tools("lookup", output=OUTPUT), *trial.tools("search", output=SHORT)]
    obs: Observed = trial.agent(Script([*_MIXED[case], Turn.answer()]), tools, max_output_bytes=MIXED_CAP).invoke()
    return obs


def _results_of(obs: Observed, tool: str) -> list[tuple[str, Message | None]]:
    """Each call of ``tool`` (by id) with its first result in the transcript, or None."""
    stored = {}
    for m in obs.outcome.messages:
        if m.role == "tool" and m.tool_call_id not in stored:
            stored[m.tool_call_id] = m
    return [(c.id, stored.get(c.id)) for rec in obs.calls for c in rec.tool_calls if c.name == tool]


@clause("BYTES-1")
@pytest.mark.parametrize("case", list(_MIXED))
def test_every_long_output_is_cut_whatever_comes_before_it(trial, case):
    obs = _mixed(trial, case)
    trial.check(obs, stop="completed", executions=len(_results_of(obs, "lookup")) + len(_results_of(obs, "search")))
    problems = []
    for number, (call, stored) in enumerate(_results_of(obs, "lookup"), 1):
        if stored is None or stored.text is None:
            problems.append(f"long output #{number} ({call}): no result text in the transcript")
        elif len(stored.text.encode()) > MIXED_CAP or "\ufffd" in stored.text or (
                not stored.truncated and OUTPUT.startswith(stored.text)):
            problems.append(f"long output #{number} ({call}) stored as {len(stored.text.encode())} bytes "
                            f"{stored.text!r} (truncated={stored.truncated}): not cut within the cap and flagged")
    if problems:
        trial.fail(obs, {}, [], f"{case}: outputs of {SIZE} bytes (lookup) and {len(SHORT.encode())} bytes (search), "
                               f"max_output_bytes={MIXED_CAP}: every long output is cut, not only the first of a "
                               "reply or of an invocation; " + "; ".join(problems))


@clause("BYTES-2")
@pytest.mark.parametrize("case", list(_MIXED))
def test_a_short_output_after_a_cut_one_is_stored_unchanged(trial, case):
    obs = _mixed(trial, case)
    problems = [f"short output #{number} ({call}) stored as "
                f"{stored.text if stored else None!r} (truncated={stored.truncated if stored else None})"
                for number, (call, stored) in enumerate(_results_of(obs, "search"), 1)
                if stored is None or stored.text != SHORT or stored.truncated]
    if not _results_of(obs, "search"):
        problems.append("the short tool was never called")
    if problems:
        trial.fail(obs, {}, [], f"{case}: a {len(SHORT.encode())}-byte output within max_output_bytes={MIXED_CAP} "
                               f"is stored unchanged and unflagged, also after a {SIZE}-byte output was cut; "
                               + "; ".join(problems))
