"""Adapters for agent frameworks. Each lives in its own module and imports its framework lazily,
so the harness core works with none of them installed."""

__all__: list[str] = []
