"""CONTEXT-*: the context-token ceiling, judged on what the model received, under the harness's counter.

A request's size is the counter summed over the text of each message the model received on
that call (``trial.received``). No request over the ceiling may be sent; how the agent keeps
under it (trimming, compacting, summarizing, or stopping with ``max_context_tokens``) is its
choice, so these tests judge every request and the stop kind, never the number of calls, except
with a ceiling no request comes near.
"""

from __future__ import annotations

from typing import Any, Collection, Iterator

import pytest

from agent_limits.conformance import clause
from agent_limits.harness import Observed
from agent_limits.mocks import Script, Turn, Usage

from ._tokens import TokenCounter, next_request, request_size, tokens

PROMPT = tokens(3, "Find")
OUTPUT = tokens(10, "result")  # what every tool returns
THINKING = tokens(2, "thinking")  # the text beside each tool reply
TOOL_REPLIES = 10
STOPS = frozenset({"max_context_tokens", "completed"})
#: Replies report no input tokens: the scripted model makes its usage up, and a framework that also
#: checks the input tokens a reply reports (Pydantic AI does) must be judged on the counter alone.
USAGE = Usage(0, 5)


def _script(parallel: int, replies: int = TOOL_REPLIES, tag: str = "thinking") -> Script:
    """``replies`` replies of ``parallel`` tool calls, each with two tokens of text, then an answer."""
    return Script([Turn.tools(*["lookup"] * parallel, text=tokens(2, tag), usage=USAGE) for _ in range(replies)]
                  + [Turn.answer(f"{tag} done", USAGE)])


def _sizes(parallel: int, replies: int = TOOL_REPLIES) -> list[int]:
    """The size of each request of the script, sent in full: the prompt, then two tokens of text
    and ``parallel`` tool outputs more per reply."""
    count = TokenCounter().count
    step = count(THINKING) + parallel * count(OUTPUT)
    return [count(PROMPT) + k * step for k in range(replies + 1)]


def judge(trial: Any, obs: Observed, *, ceiling: int, counter: TokenCounter, prompt: str = PROMPT,
          output: str = OUTPUT, stops: Collection[str] = STOPS) -> None:
    """Fail on a request over ``ceiling``, a stop not in ``stops``, or a stop with
    max_context_tokens while the next request, trimmed no further, would still have fit."""
    sizes = [request_size(trial, call, counter) for call in obs.calls]
    shown = ", ".join(map(str, sizes)) or "none"
    over = [f"#{i} ({size} tokens)" for i, size in enumerate(sizes, 1) if size > ceiling]
    if over:
        trial.fail(obs, {}, [], symptoms=["context:over"],
                   why=f"request(s) {', '.join(over)} exceed max_context_tokens={ceiling} as counted by "
                       f"{counter.__name__}: trim, compact or stop before sending (request sizes: {shown})")
    trial.check(obs, stop=set(stops), why="the ceiling is kept by trimming, compacting or stopping with "
                                          "max_context_tokens, not by failing")
    if obs.outcome.stop == "max_context_tokens":
        following = next_request(trial, obs.calls, prompt, output, counter)
        if following <= ceiling:
            trial.fail(obs, {}, [], symptoms=["context:under"],
                       why=f"stopped with max_context_tokens, but the next request would have had {following} "
                           f"tokens, within max_context_tokens={ceiling} (a request of exactly the ceiling fits; "
                           f"request sizes: {shown})")


def _tight() -> Iterator[Any]:
    for parallel in (1, 2):
        for ceiling in (5, 30):
            yield pytest.param(parallel, ceiling, id=f"parallel={parallel}-ceiling={ceiling}")


@clause("CONTEXT-1")
@pytest.mark.parametrize("parallel, ceiling", list(_tight()))
def test_no_request_over_a_tight_ceiling_is_sent(trial, parallel, ceiling):
    """Long tool outputs grow the conversation past the ceiling within a few replies."""
    counter = TokenCounter()
    agent = trial.agent(_script(parallel), trial.tools(output=OUTPUT), record_messages=True,
                        max_context_tokens=ceiling, token_counter=counter)
    judge(trial, agent.invoke(PROMPT), ceiling=ceiling, counter=counter)


@clause("CONTEXT-1")
@pytest.mark.parametrize("parallel", [1, 2])
def test_a_ceiling_no_request_reaches_changes_nothing(trial, parallel):
    counter = TokenCounter()
    ceiling = 10 * _sizes(parallel)[-1]
    agent = trial.agent(_script(parallel), trial.tools(output=OUTPUT), record_messages=True,
                        max_context_tokens=ceiling, token_counter=counter)
    obs = agent.invoke(PROMPT)
    judge(trial, obs, ceiling=ceiling, counter=counter, stops={"completed"})
    trial.check_oracle(obs, why=f"no request comes near max_context_tokens={ceiling}: every reply is taken")


def _boundaries() -> Iterator[Any]:
    for parallel in (1, 2):
        third = _sizes(parallel)[2]  # the third request, sent in full
        for label, ceiling in (("size-1", third - 1), ("size", third), ("size+1", third + 1)):
            yield pytest.param(parallel, ceiling, id=f"parallel={parallel}-{label}={ceiling}")


@clause("CONTEXT-1")
@pytest.mark.parametrize("parallel, ceiling", list(_boundaries()))
def test_a_request_of_exactly_the_ceiling_fits(trial, parallel, ceiling):
    """The ceiling at the size of the third request, and one token either side."""
    counter = TokenCounter()
    agent = trial.agent(_script(parallel), trial.tools(output=OUTPUT), record_messages=True,
                        max_context_tokens=ceiling, token_counter=counter)
    judge(trial, agent.invoke(PROMPT), ceiling=ceiling, counter=counter)


@clause("CONTEXT-1")
def test_a_prompt_over_the_ceiling_is_never_sent_whole(trial):
    counter = TokenCounter()
    prompt = tokens(20, "Summarize")
    agent = trial.agent(_script(1, replies=1), trial.tools(output=OUTPUT), record_messages=True,
                        max_context_tokens=10, token_counter=counter)
    judge(trial, agent.invoke(prompt), ceiling=10, counter=counter, prompt=prompt)


# -- CONTEXT-2 ----------------------------------------------------------------------------------
CEILING = 40
TAGS = ("alpha", "bravo")


def _pair(trial: Any) -> list[tuple[Any, TokenCounter, str]]:
    """Two agents with the same ceiling, their own counters (one token each; two each) and their
    own words: every text of agent ``alpha``'s conversation carries the word alpha, and so on."""
    built = []
    for weight, tag in enumerate(TAGS, 1):
        counter = TokenCounter(weight)
        agent = trial.agent(_script(1, replies=8, tag=tag), trial.tools(output=tokens(6, tag)),
                            record_messages=True, max_context_tokens=CEILING, token_counter=counter)
        built.append((agent, counter, tag))
    return built


def judge_pair(trial: Any, observed: list[Observed], pair: list[tuple[Any, TokenCounter, str]]) -> None:
    """Fail if either counter saw the other conversation's words (checked first: it names the
    cause), or an agent's requests do not keep the ceiling under its own counter."""
    for obs, (_, counter, tag) in zip(observed, pair):
        other = next(t for t in TAGS if t != tag)
        leaked = counter.seen_with(other)
        if leaked:
            trial.fail(obs, {}, [], symptoms=["context:shared"],
                       why=f"the token counter given to agent {tag} ({counter.__name__}) was called with "
                           f"{len(leaked)} text(s) of agent {other}'s conversation, e.g. {leaked[0][:60]!r}: "
                           "a counter counts its own agent's requests only")
    for obs, (_, counter, tag) in zip(observed, pair):
        judge(trial, obs, ceiling=CEILING, counter=counter, prompt="Go.", output=tokens(6, tag))


@clause("CONTEXT-2")
def test_two_agents_invoked_together_keep_their_own_counters(trial):
    """Concurrently on one event loop on the async path, one after the other on the sync path."""
    pair = _pair(trial)
    judge_pair(trial, trial.invoke_together([agent for agent, _, _ in pair]), pair)


@clause("CONTEXT-2")
def test_an_agent_built_later_does_not_take_over_the_counter(trial):
    """Agent bravo is built after agent alpha, and alpha is invoked only then."""
    pair = _pair(trial)
    judge_pair(trial, [agent.invoke("Go.") for agent, _, _ in pair], pair)
