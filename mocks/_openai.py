"""Provider errors as the ``openai`` client raises them, for the dialects that stand in for it.

Only the OpenAI-speaking dialects (``agent_limits.mocks.openai_agents``, ``agent_limits.mocks.tinyagent``)
import this module, and with it ``openai``.
"""

from __future__ import annotations

import importlib
from typing import Any

import openai

from ._errors import ModelThrottled

__all__ = ["rate_limit_error"]


def rate_limit_error(error: ModelThrottled, url: str) -> openai.RateLimitError:
    """``error`` as the ``openai.RateLimitError`` (HTTP 429) the client raises once its own retries gave up.

    The response is built locally (no request is ever sent); ``url`` is the endpoint it claims.
    """
    http = _http()
    response = http.Response(429, request=http.Request("POST", url))
    return openai.RateLimitError(str(error), response=response, body=None)


def _http() -> Any:
    """The HTTP library the ``openai`` client builds on: the ``httpx2`` fork now, ``httpx`` before it."""
    try:
        return importlib.import_module("httpx2")
    except ModuleNotFoundError:  # pragma: no cover
        return importlib.import_module("httpx")
