"""BYTES-1: max_tool_output=K cuts a long tool output to K bytes of content, then wraps it in a
marker, so the stored result is far longer than K; max_tool_output=0 turns truncation off.

truncate_tool_output() (inspect_ai/model/_call_tools.py) formats the cut text into a template
("The output of your call to {tool_name} was too long ... <START_TOOL_OUTPUT>...") after
truncate_string_to_bytes() (inspect_ai/_util/text.py) cut it, and returns None for max_bytes <= 0.
"""

from inspect_ai.util import turn_limit
from inspect_ai_model import run

for cap in (10, 60, 0):
    sample = run([turn_limit(1)], final_at=1, max_tool_output=cap)
    [result] = [m.text for m in sample.messages if m.role == "tool"]
    print(f"max_tool_output={cap}: a 100-byte output is stored as {len(result.encode())} bytes: {result[:60]!r}...")
