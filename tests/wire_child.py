"""A minimal wire-protocol child (conformance/WIRE.md) that misbehaves on request, for tests/test_wire.py.

    python tests/wire_child.py MODE PIDFILE

It answers the pre-flight invocation properly (so the run starts), then, on every other
invocation, does what MODE says: ``ok`` (answer at once), ``hang`` (never answer), ``exit``
(die with status 3), ``garbage`` (print a line that is not a protocol message), ``violate``
(a model request with an impossible ``base``), ``fatal`` (give up with a message). MODE
``v2`` says hello in protocol version 2, ``silent`` never says hello. Each process appends its
pid to PIDFILE, so the test can check that none outlives the run.
"""

from __future__ import annotations

import json
import sys
import time

PREFLIGHT = "Pre-flight: answer at once."


def send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main(mode: str, pidfile: str) -> None:
    with open(pidfile, "a") as out:
        out.write(f"{__import__('os').getpid()}\n")
    if mode == "silent":
        time.sleep(3600)
    send({"type": "hello", "protocol": 2 if mode == "v2" else 1, "agent": {"name": "fake", "version": mode},
          "limits": ["max_turns"], "paths": ["async"]})
    prompts: dict[str, str] = {}
    for line in sys.stdin:
        message = json.loads(line)
        kind = message["type"]
        if kind == "build":
            send({"type": "built", "agent": message["agent"]})
        elif kind == "invoke":
            agent, prompts[message["agent"]] = message["agent"], message["prompt"]
            if message["prompt"] != PREFLIGHT and mode != "ok":
                sys.stderr.write(f"fake child: misbehaving ({mode}) on purpose\n")
                sys.stderr.flush()
                if mode == "hang":
                    time.sleep(3600)
                if mode == "exit":
                    sys.exit(3)
                if mode == "garbage":
                    print("hello from console.log")
                    sys.stdout.flush()
                    continue
                if mode == "violate":
                    send({"type": "model_request", "id": 1, "agent": agent, "base": 99, "messages": []})
                    continue
                if mode == "fatal":
                    send({"type": "fatal", "message": "cannot go on"})
                    continue
            send({"type": "model_request", "id": agent, "agent": agent, "base": 0,
                  "messages": [{"role": "user", "content": message["prompt"]}]})
        elif kind == "model_reply":
            agent = message["id"]
            reply = message["reply"]
            send({"type": "result", "agent": agent, "stop_reason": "end_turn", "text": reply["text"],
                  "messages": [{"role": "user", "content": prompts[agent]},
                               {"role": "assistant", "content": reply["text"], "tool_calls": []}],
                  "usage": {"input_tokens": reply["usage"]["input_tokens"],
                            "output_tokens": reply["usage"]["output_tokens"]}})
        send({"type": "idle", "seq": message["seq"]})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
