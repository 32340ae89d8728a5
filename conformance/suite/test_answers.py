"""KEPT-1, NOTICE-1: the answer an invocation reports is what the model said, and only that.

KEPT-1: a final answer that crosses a budget was paid for, so it is the invocation's result: what
the invocation returns, not a text left in the partial state of a raised breach (partial results
after any stop are PARTIAL-1's).
NOTICE-1: a stop notice the framework writes is not a model reply: not the result text, and not
sent back to the model as one of its replies when the agent is invoked again (the requests the
model received are the ground truth there, read with ``record_messages``).
"""

from __future__ import annotations

from typing import Sequence

import pytest

from agent_limits.conformance import clause
from agent_limits.harness import Message
from agent_limits.mocks import Script, Turn

from ._scenarios import BREACH_KINDS, BREACHES, USAGE, price

ANSWER = "the answer, paid for"

#: Budgets the final answer (the third reply, 15 tokens of them 5 output, like every reply)
#: reaches exactly ("at") or overshoots ("over"); after two replies every one still has room.
_CROSSED: dict[str, dict[str, dict[str, object]]] = {
    "max_token_budget": {"at": {"max_token_budget": 45}, "over": {"max_token_budget": 40}},
    "max_output_tokens": {"at": {"max_output_tokens": 15}, "over": {"max_output_tokens": 12}},
    "max_cost_usd": {"at": {"max_cost_usd": 3 * price("", 10, 5, 0), "cost_estimator": price},
                     "over": {"max_cost_usd": 2.5 * price("", 10, 5, 0), "cost_estimator": price}},
}


@clause("KEPT-1")
@pytest.mark.parametrize("crossing", ["at", "over"])
@pytest.mark.parametrize("kind", list(_CROSSED))
def test_a_final_answer_that_crosses_a_budget_is_kept(trial, kind, crossing):
    script = Script([Turn.tools(text="looking it up", usage=USAGE), Turn.tools(text="one more look", usage=USAGE),
                     Turn.answer(ANSWER, USAGE)])
    obs = trial.agent(script, **_CROSSED[kind][crossing]).invoke()
    trial.check(obs, calls=3, why=f"{kind} had room before the third call, so the model was asked for its final answer")
    error = obs.outcome.error
    if error is not None:
        trial.fail(obs, {}, [], f"the final answer spent the budget ({crossing} it) and the invocation raised "
                   f"{type(error).__name__}: {error}; the answer (the text above) is left only in the partial state "
                   "of that exception: discarded, not the invocation's result", symptoms=["answer:discarded"])
    trial.check(obs, text=ANSWER, stop={"completed", kind},
                why=f"the third reply is the final answer and spends the budget ({crossing} it): that answer was "
                    "paid for and is the invocation's result, not discarded")
    if obs.outcome.stop == kind:  # the stop itself is TOKENS-1 / OUTPUT-1 / COST-1's to judge
        trial.note(f"{kind}: the final answer was kept, and the invocation reported as stopped by {kind}")


def _replies_script(kind: str) -> Script:
    """The breach scenario of ``kind`` with a distinct text on every reply, so that a reply the
    model never gave (a notice) is told from the ones it gave, by text as well as by tool calls."""
    b = BREACHES[kind]
    return Script([b.tools(text=f"looking it up, step {i}") for i in range(1, 5)], then=b.tools())


def _foreign(received: Sequence[Message], replies: Sequence[Turn]) -> list[Message]:
    """The assistant messages in ``received`` that are none of the model's ``replies``.

    Matched in order, each reply at most once, by text and by tool-call ids (ids only where the
    message carries them: a protocol without ids is matched by text). An agent may send fewer
    replies than it got (history trimmed, or not kept at all), never one the model did not give.
    """
    foreign: list[Message] = []
    at = 0
    for m in received:
        if m.role != "assistant":
            continue
        found = next((i for i in range(at, len(replies)) if _same(m, replies[i])), None)
        if found is None:
            foreign.append(m)
        else:
            at = found + 1
    return foreign


def _same(message: Message, reply: Turn) -> bool:
    ids = tuple(c.id for c in reply.tool_calls)
    return (message.text or None) == (reply.text or None) and (not message.tool_calls or message.tool_calls == ids)


@clause("NOTICE-1")
@pytest.mark.parametrize("kind", BREACH_KINDS)
def test_a_stop_notice_is_never_a_reply_nor_the_result(trial, kind):
    trial.require(kind)
    agent = trial.agent(_replies_script(kind), record_messages=True, **BREACHES[kind].limits)
    first = agent.invoke()
    second = agent.invoke()
    said = {c.text for c in agent.model.calls if c.text}
    for obs in (first, second):
        if obs.outcome.text is not None and obs.outcome.text not in said:
            trial.fail(obs, {}, [], f"the result text {obs.outcome.text!r} is no text the model returned "
                       f"(the stop was {obs.outcome.describe_stop()}): a notice the framework wrote is "
                       "never the result", symptoms=["notice:text"])
    if not second.calls:  # TRANSCRIPT-1 and RESET-1 judge an agent that cannot go on; nothing to see here
        pytest.skip(f"the second invocation made no model call ({second.outcome.describe_stop()}), so what it would "
                    "send back cannot be seen: TRANSCRIPT-1 / RESET-1 judge an agent that cannot go on")
    earlier = [c.reply for c in agent.model.calls[:second.start] if c.reply is not None]
    received = trial.received(second.calls[0])
    foreign = _foreign(received, earlier)
    if foreign:
        shown = "; ".join(f"assistant {m.text!r}" + (f" with tool calls {list(m.tool_calls)}" if m.tool_calls else "")
                          for m in foreign)
        trial.fail(second, {}, [], f"after the first invocation stopped ({first.outcome.describe_stop()}), the "
                   f"second one sent the model {len(foreign)} assistant message(s) it never replied: {shown}; a stop "
                   "notice is never fed back to the model as one of its replies", symptoms=["notice:replayed"])
    sent = sum(1 for m in received if m.role == "assistant")
    if sent < len(earlier):
        trial.note(f"{kind}: the second invocation sent {sent} of the model's {len(earlier)} earlier replies back")
