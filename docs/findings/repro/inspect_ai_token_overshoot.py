"""TOKENS-1 / OUTPUT-1 / COST-1 / TURNS-3-like / KEPT-1: the reply that takes a budget past its limit
is paid for and then dropped with its tool calls.

record_and_check_model_usage() (inspect_ai/model/_model.py) records the reply's usage and calls
check_token_limit() (raise when total > limit) inside Model._generate, before generate() returns,
so react never appends the reply nor runs its tool calls; the sample ends with the limit. At
exactly the limit the reply is kept, and the next request is refused before dispatch
(_check_limits_before_dispatch, raise_for_equal=True).
"""

from inspect_ai.util import token_limit
from inspect_ai_model import run, show

print("token_limit(45), 15 tokens a reply:", show(run([token_limit(45)])))
print("token_limit(40), 15 tokens a reply:", show(run([token_limit(40)])))
print("token_limit(13, type='output'), 5 output a reply:", show(run([token_limit(13, type="output")])))
sample = run([token_limit(40)], final_at=2)
print("token_limit(40), final answer on reply 2:", show(sample), f"completion={sample.output.completion!r}")
