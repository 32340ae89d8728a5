"""smolagents 1.26.0 (huggingface_hub 2.4.0): freezing time after `import smolagents` reaches huggingface.co.

Run offline: python docs/findings/repro/smolagents_hub_network.py
Every connection is refused and recorded here (nothing leaves the machine). freezegun's
`freeze_time` reads every attribute of every loaded module; on the `huggingface_hub` module
(imported by smolagents) that loads lazy submodules, among them `huggingface_hub.cli`, whose
import calls `is_agent()`, which fetches an "agent harnesses" registry from the Hub unless
HF_HUB_OFFLINE is set or a fresh copy is cached. The same script runs a second time in a child
process with HF_HUB_OFFLINE=1.
"""

import os
import socket
import subprocess
import sys
import tempfile

attempts = []


def refuse(*args, **kwargs):
    attempts.append(args[1] if len(args) > 1 else args[0])
    raise OSError("network refused by this reproduction")


socket.create_connection = lambda address, *a, **k: refuse(None, address)
socket.socket.connect = lambda self, address: refuse(self, address)
socket.getaddrinfo = lambda host, port, *a, **k: refuse(None, (host, port))

os.environ.setdefault("HF_HOME", tempfile.mkdtemp())  # no cached registry from an earlier run

import smolagents  # noqa: E402,F401
from freezegun import freeze_time  # noqa: E402

print(f"HF_HUB_OFFLINE={os.environ.get('HF_HUB_OFFLINE')!r}: after import smolagents: {len(attempts)} attempt(s)")
with freeze_time("1970-01-02"):
    pass
print(f"HF_HUB_OFFLINE={os.environ.get('HF_HUB_OFFLINE')!r}: after one freeze_time: {attempts or 'no attempt'}")

if "HF_HUB_OFFLINE" not in os.environ:
    subprocess.run([sys.executable, __file__], env={**os.environ, "HF_HUB_OFFLINE": "1"}, check=True)
