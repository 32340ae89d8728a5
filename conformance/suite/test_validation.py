"""VALID-*: None is unlimited; every other non-positive-int value is rejected before any call."""

from __future__ import annotations

import pytest

from agent_limits.conformance import clause
from agent_limits.harness import LIMIT_KINDS, invalid_values
from agent_limits.mocks import Script

from ._scenarios import companions


def _with_companion(kind: str, value: object) -> dict[str, object]:
    """The limit, plus the estimator or counter it comes with (so a rejection is for the value)."""
    return companions({kind: value})


@clause("VALID-1")
@pytest.mark.parametrize("kind", LIMIT_KINDS)
def test_none_means_unlimited(trial, kind):
    # 25 calls: longer than any default a framework might fall back to (tinyAgent: 10, OpenAI Agents: 10)
    obs = trial.agent(Script.tool_calls(24), **_with_companion(kind, None)).invoke()
    trial.check(obs, calls=25, executions=24, stop="completed",
                why=f"{kind}=None must mean unlimited, not zero and not a hidden default")


@clause("VALID-2")
@pytest.mark.parametrize(
    "kind, value",
    [pytest.param(k, v, id=f"{k}-{label}") for k in LIMIT_KINDS for label, v in invalid_values(k)],
)
def test_invalid_limit_is_rejected_before_any_model_call(trial, kind, value):
    built = trial.attempt(Script.endless_tools(cap=20), **_with_companion(kind, value))  # accepted: fails fast
    if built.error is not None:
        if not isinstance(built.error, (ValueError, TypeError)):
            trial.fail_text(
                [f"building with {kind}={value!r} raised {type(built.error).__name__}: {built.error};"
                 " expected ValueError or TypeError"],
                limits={kind: value}, script=built.model.script,
            )
        return
    obs = built.subject.invoke()
    error = obs.outcome.error
    if obs.calls or not isinstance(error, (ValueError, TypeError)):
        trial.fail(obs, {"calls": 0, "stop": "error"}, ["stop"] + (["calls"] if obs.calls else []),
                   why=f"{kind}={value!r} was accepted: it must be rejected with ValueError or TypeError "
                       "before any model call, never clamped or ignored")
