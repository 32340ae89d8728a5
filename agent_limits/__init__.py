"""agent-limit-conformance: a conformance harness for AI-agent execution limits.

The import root of everything this project installs, so that none of its generic names
(``mocks``, ``harness``, ``conformance``) is ever claimed in a user's environment:

- :mod:`agent_limits.mocks`: the scripted model provider and instrumented tools;
- :mod:`agent_limits.harness`: the pytest plugin, the adapter contract and the adapters;
- :mod:`agent_limits.conformance`: the spec, the bundled suite and the reference agent.

In the repository they are the top-level folders ``mocks/``, ``harness/`` and ``conformance/``.
A regular package (not a namespace one) on purpose: pytest then imports the bundled suite as
``agent_limits.conformance.suite.*`` and puts nothing of ours on ``sys.path``.
"""

__all__: list[str] = []
