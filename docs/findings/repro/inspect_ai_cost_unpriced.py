"""COST-2: cost_limit(C) on a model Inspect has no prices for is accepted and never fires.

model_usage_cost() (inspect_ai/model/_model.py) returns None for a model missing from the model
database (and reporting no ServedModelUsage cost); record_and_check_model_usage() then records and
checks no cost at all, and nothing warns.
"""

from inspect_ai.util import cost_limit
from inspect_ai_model import CAP, run, show

print(f"cost_limit(0.000001), unpriced model (the model answers by itself after {CAP} requests):",
      show(run([cost_limit(0.000001)])))
