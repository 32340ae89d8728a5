"""TURNS-1: turn_limit(N) lets model request N+1 go out, then drops its reply.

record_turn() (inspect_ai/util/_limit.py) runs after a generate() completes (Model._generate,
inspect_ai/model/_model.py) and _TurnLimit._check_self raises only when turns > limit.
"""

from inspect_ai.util import turn_limit
from inspect_ai_model import run, show

for n in (1, 3):
    print(f"turn_limit({n}):", show(run([turn_limit(n)])))
