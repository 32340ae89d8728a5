"""Hypothesis strategies for agent-limit tests: usage, turns, scripts, valid and invalid limits.

Use them to write property tests of your own agent against :func:`agent_limits.harness.expect_run`:

    from hypothesis import given
    from agent_limits.harness import expect_run
    from agent_limits.mocks import ScriptedModel, Tool
    from agent_limits.mocks.strategies import limits, scripts

    @given(script=scripts(), chosen=limits(["max_turns", "max_token_budget"]))
    def test_agent_matches_the_oracle(script, chosen):
        model = ScriptedModel(script)
        MyAgent(model, [Tool()], **chosen).invoke("go")
        assert len(model.calls) == expect_run(script, chosen).calls

Values are chosen so that boundaries are exact: costs are whole multiples of 1/1024 of a
dollar (so sums never round), latencies are whole seconds and timeouts end in .5 (so a
deadline never ties with a reply). A context-token ceiling is drawn out of reach (with the
:func:`words` counter): an agent may trim or compact instead of stopping, so the oracle models
only a ceiling that never binds. Profiles: ``settings.load_profile("agent-limits-ci")``
(derandomized, bounded, no deadline) or ``"agent-limits-dev"``.
"""

from __future__ import annotations

import math
import zlib
from typing import Any, Mapping, Sequence

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from ._script import DEFAULT_TOOL, Script, ToolCall, Turn
from ._usage import Usage

__all__ = [
    "COUNTING_LIMITS",
    "PRICE_STEP",
    "TOOL_NAMES",
    "SizedOutputs",
    "invalid_limit_values",
    "limits",
    "outputs",
    "price",
    "scripts",
    "segments",
    "turns",
    "usages",
    "words",
]

#: Limits that count things: valid values are positive ints.
COUNTING_LIMITS = ("max_turns", "max_token_budget", "max_output_tokens", "max_tool_calls",
                   "max_parallel_tools", "max_output_bytes", "max_context_tokens")
#: The unit of every drawn cost: 1/1024 of a dollar, exact in binary floating point.
PRICE_STEP = 1 / 1024
#: Two real tools for scripts that mix them (``scripts(tools=TOOL_NAMES)``): caps count every
#: tool together, and an agent that keeps one counter per name shows only when names mix.
TOOL_NAMES = (DEFAULT_TOOL, "search")
#: What a drawn output is made of: 1-, 2-, 3- and 4-byte characters (10 bytes per repeat), so a
#: cut at any byte count may fall inside a character.
_OUTPUT_CHARS = "aé€😀"

#: No "explain" phase: it traces every line the agent runs, which inside a real framework turns
#: a few seconds of shrinking into many minutes, for a report the failure message already gives.
_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
settings.register_profile(
    "agent-limits-ci", max_examples=40, derandomize=True, deadline=None, print_blob=True, phases=_PHASES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "agent-limits-dev", max_examples=100, deadline=None, phases=_PHASES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def price(model: str, input_tokens: int, output_tokens: int, cached_input_tokens: int) -> float:
    """The cost estimator drawn limits use: exact multiples of :data:`PRICE_STEP`."""
    return (2 * (input_tokens - cached_input_tokens) + cached_input_tokens + 4 * output_tokens) * PRICE_STEP


def words(text: str) -> int:
    """The token counter drawn limits use: one token a word."""
    return len(text.split())


@st.composite
def usages(draw: Any, max_input: int = 60, max_output: int = 30) -> Usage:
    """Usage of one call, cached tokens a part of input."""
    input_tokens = draw(st.integers(0, max_input))
    return Usage(input_tokens, draw(st.integers(0, max_output)), draw(st.integers(0, input_tokens)))


def _latency(timed: bool) -> st.SearchStrategy[float]:
    return st.integers(0, 30).map(float) if timed else st.just(0.0)


@st.composite
def turns(
    draw: Any, tools: Sequence[str] = (DEFAULT_TOOL,), final: bool = False, timed: bool = False, unknown: bool = False
) -> Turn:
    """One reply: a final answer, or 1-3 tool calls, maybe with text. With ``unknown``, some
    calls may name a tool that does not exist (``no_such_tool``)."""
    usage, latency = draw(usages()), draw(_latency(timed))
    if final:
        return Turn.answer(draw(st.sampled_from(["done", "the answer", "ok"])), usage, latency=latency)
    names = draw(st.lists(st.sampled_from([*tools, *(["no_such_tool"] if unknown else [])]), min_size=1, max_size=3))
    text = draw(st.none() | st.sampled_from(["thinking", "looking it up"]))
    return Turn(text=text, tool_calls=tuple(ToolCall(n) for n in names), usage=usage, latency=latency)


@st.composite
def segments(draw: Any, max_tools: int = 8, timed: bool = False, tools: Sequence[str] = (DEFAULT_TOOL,)) -> list[Turn]:
    """0..max_tools tool replies, then a final answer: what one invocation's model may say."""
    body = draw(st.lists(turns(tools, timed=timed), max_size=max_tools))
    return [*body, draw(turns(final=True, timed=timed))]


@st.composite
def scripts(draw: Any, max_tools: int = 12, timed: bool = False, tools: Sequence[str] = (DEFAULT_TOOL,)) -> Script:
    """A script that either ends in a final answer or asks for tools forever (capped at 200).

    ``tools``: the names each call draws from (e.g. :data:`TOOL_NAMES`, for an agent given a
    tool of each name)."""
    if draw(st.booleans()):
        return Script(draw(segments(max_tools, timed, tools)))
    body = draw(st.lists(turns(tools, timed=timed), max_size=max_tools))
    return Script(body, then=draw(turns(tools, timed=timed)), cap=len(body) + 200)


class SizedOutputs:
    """A tool function (``Tool(fn=...)``) whose output size is drawn per call: each call's
    arguments pick one of ``sizes`` (in characters of 1 to 4 bytes), the same one every time, so
    long and short outputs mix within a reply and across replies, and a rerun repeats them."""

    def __init__(self, sizes: Sequence[int]) -> None:
        if not sizes:
            raise ValueError("SizedOutputs needs at least one size")
        self.sizes = tuple(sizes)

    def size_of(self, arguments: Mapping[str, Any]) -> int:
        """The output size (characters) for a call with ``arguments``."""
        key = repr(sorted(arguments.items())).encode()
        return self.sizes[zlib.crc32(key) % len(self.sizes)]

    def __call__(self, **arguments: Any) -> str:
        n = self.size_of(arguments)
        return (_OUTPUT_CHARS * (n // len(_OUTPUT_CHARS) + 1))[:n]

    def __repr__(self) -> str:
        return f"SizedOutputs({list(self.sizes)})"


@st.composite
def outputs(draw: Any, max_chars: int = 80) -> SizedOutputs:
    """Output sizes per call, 1..``max_chars`` characters (up to 4 bytes each): with a drawn
    ``max_output_bytes`` (1..200), some outputs of a script are cut and others are not."""
    return SizedOutputs(draw(st.lists(st.integers(1, max_chars), min_size=1, max_size=5)))


_VALID: dict[str, st.SearchStrategy[Any]] = {
    "max_turns": st.integers(1, 15),
    "max_token_budget": st.integers(1, 800),
    "max_output_tokens": st.integers(1, 300),
    "max_tool_calls": st.integers(1, 25),
    "max_parallel_tools": st.integers(1, 4),
    "max_cost_usd": st.integers(1, 1500).map(lambda n: n * PRICE_STEP),
    "timeout_seconds": st.integers(0, 300).map(lambda n: n + 0.5),
    "max_output_bytes": st.integers(1, 200),
    # Out of reach of every drawn script (a few thousand words at most, history included): an
    # agent may trim or compact instead of stopping, so no oracle predicts a ceiling that binds.
    "max_context_tokens": st.integers(10**5, 10**9),
}


def _boundaries(script: Script, kind: str, horizon: int = 12, steps: tuple[int, ...] = (-1, 0, 1)) -> list[Any]:
    """Values of ``kind`` that the script's running totals reach exactly (step 0), or miss by a step."""
    turns_ = [script.turn(i) for i in range(min(len(script), horizon))]
    totals, running = [], 0.0
    for t in turns_:
        if kind == "max_token_budget":
            running += t.usage.total
        elif kind == "max_output_tokens":
            running += t.usage.output_tokens
        elif kind == "max_cost_usd":
            u = t.usage
            running += price("", u.input_tokens, u.output_tokens, u.cached_input_tokens) / PRICE_STEP
        elif kind == "max_tool_calls":
            running += len(t.tool_calls)
        elif kind == "max_turns":
            running += 1
        else:
            return []
        totals.append(int(running))
    values = sorted({v + d for v in totals for d in steps if v + d >= 1})
    return [v * PRICE_STEP for v in values] if kind == "max_cost_usd" else values


@st.composite
def limits(draw: Any, kinds: Sequence[str], script: Script | None = None, at_most: int | None = None) -> dict[str, Any]:
    """A valid value (or None) for each of ``kinds``; the cost cap comes with :func:`price`, the
    context-token ceiling (always out of the drawn scripts' reach) with :func:`words`.

    With ``script``, values where the script's running totals cross a limit exactly (and one
    step either side) are drawn as often as any other: the boundaries are where agents get
    limits wrong. With ``at_most``, only that many kinds (at least one) get a value, so that a
    boundary is not hidden behind another limit stopping first.
    """
    chosen: dict[str, Any] = {}
    if at_most is not None:
        kinds = draw(st.lists(st.sampled_from(list(kinds)), min_size=1, max_size=at_most, unique=True))
    for kind in kinds:
        exact = _boundaries(script, kind, steps=(0,)) if script is not None else []
        near = _boundaries(script, kind, steps=(-1, 1)) if script is not None else []
        options = [_VALID[kind], *([st.sampled_from(exact)] * 2 if exact else []),
                   *([st.sampled_from(near)] if near else [])]
        value = draw(st.one_of(*options) if at_most is not None else st.none() | st.one_of(*options))
        if value is not None:
            chosen[kind] = value
    if "max_cost_usd" in chosen:
        chosen["cost_estimator"] = price
    if "max_context_tokens" in chosen:
        chosen["token_counter"] = words
    return chosen


def invalid_limit_values(kind: str) -> st.SearchStrategy[Any]:
    """Values an agent must reject for ``kind``: zero, negatives, bools, strings, NaN, infinity,
    and for counting limits any float."""
    common = (
        st.just(0) | st.integers(max_value=-1) | st.booleans() | st.text(max_size=4)
        | st.just(math.nan) | st.sampled_from([math.inf, -math.inf])
    )
    if kind in COUNTING_LIMITS:
        return common | st.floats(allow_nan=False, allow_infinity=False)
    return common | st.floats(max_value=0, allow_nan=False, allow_infinity=False)
