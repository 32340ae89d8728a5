"""VALID-2 / PROP-2: Inspect's limits reject negatives only; 0, True, NaN, 1.5 and inf are accepted.

_TurnLimit/_TokenLimit/_CostLimit/_TimeLimit validate with `value < 0` only
(inspect_ai/util/_limit.py); a string fails that comparison with TypeError. GenerateConfig's
max_tool_output is a pydantic int (lax: True -> 1, 2.0 -> 2, "3" -> 3), and 0 disables truncation.
"""

import math

from inspect_ai.model import GenerateConfig
from inspect_ai.util import cost_limit, time_limit, token_limit, turn_limit
from inspect_ai_model import run, show

for name, make in (("turn_limit", turn_limit), ("token_limit", token_limit), ("cost_limit", cost_limit),
                   ("time_limit", time_limit)):
    for value in (0, -1, True, math.nan, 1.5, "3", math.inf):
        try:
            limit = make(value)
        except (TypeError, ValueError) as exc:
            print(f"{name}({value!r}): rejected, {type(exc).__name__}")
            continue
        print(f"{name}({value!r}): accepted;", show(run([limit]) if name != "turn_limit" or value != math.inf
                                                      else run([limit], final_at=4)))
for value in (0, True, 2.0, "3", -1):
    try:
        print(f"GenerateConfig(max_tool_output={value!r}) -> {GenerateConfig(max_tool_output=value).max_tool_output!r}")
    except Exception as exc:
        print(f"GenerateConfig(max_tool_output={value!r}): rejected, {type(exc).__name__}")
