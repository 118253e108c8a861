"""Runners by query kind: ``TrendsQuery`` → the trends runner, and so on.

Each runner module registers itself with ``@register("TrendsQuery")``; the
registry imports the runner modules listed in RUNNER_MODULES on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Protocol

from query_engine.errors import QueryError
from query_engine.team import TeamContext


class Runner(Protocol):
    """Computes one query node for one team; no caching here."""

    def __init__(self, *, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> None: ...

    def calculate(self) -> dict[str, Any]:
        """The response body for this kind: at least ``results``."""
        ...


RUNNERS: dict[str, type[Runner]] = {}
# Modules that register runners; each insight kind adds its own line.
RUNNER_MODULES: list[str] = [
    "query_engine.runners.trends.runner",
    "query_engine.runners.stickiness.runner",
    "query_engine.runners.lifecycle.runner",
    "query_engine.runners.funnels.runner",
    "query_engine.runners.funnel_correlation.runner",
    "query_engine.runners.retention.runner",
    "query_engine.runners.paths.runner",
]
_loaded = False


def register(kind: str) -> Callable[[type[Runner]], type[Runner]]:
    def decorator(cls: type[Runner]) -> type[Runner]:
        RUNNERS[kind] = cls
        return cls

    return decorator


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in RUNNER_MODULES:
            importlib.import_module(module)
        _loaded = True


def runner_for(*, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> Runner:
    _load()
    if not isinstance(query, dict):
        raise QueryError("Query must be a JSON object.", attr="query")
    kind = query.get("kind")
    if kind == "InsightVizNode":
        source = query.get("source")
        if not isinstance(source, dict):
            raise QueryError("InsightVizNode needs a source query.", attr="query__source")
        return runner_for(team=team, query=source, user_id=user_id)
    cls = RUNNERS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        known = ", ".join(sorted(RUNNERS)) or "none yet"
        raise QueryError(f"Unsupported query kind {kind!r}; supported: {known}.", attr="query__kind")
    return cls(team=team, query=query, user_id=user_id)
