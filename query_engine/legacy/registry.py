"""Legacy ``filters`` dicts → query nodes, one converter per ``filters.insight`` kind.

Converter modules register with ``@converts("TRENDS")`` and are listed in
CONVERTER_MODULES; ``filters_to_query`` returns an ``InsightVizNode``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from query_engine.errors import QueryError

Converter = Callable[[dict[str, Any]], dict[str, Any]]

CONVERTERS: dict[str, Converter] = {}
# Modules that register converters; each insight kind adds its own line.
CONVERTER_MODULES: list[str] = [
    "query_engine.legacy.trends",
    "query_engine.legacy.funnels",
    "query_engine.legacy.retention_paths",
]
_loaded = False


def converts(insight: str) -> Callable[[Converter], Converter]:
    def decorator(func: Converter) -> Converter:
        CONVERTERS[insight] = func
        return func

    return decorator


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in CONVERTER_MODULES:
            importlib.import_module(module)
        _loaded = True


def insight_kind(filters: dict[str, Any]) -> str:
    return str(filters.get("insight") or "TRENDS").upper()


def filters_to_query(filters: dict[str, Any]) -> dict[str, Any]:
    """The ``InsightVizNode`` equivalent of a legacy filter dict; 400 if it has none."""
    _load()
    kind = insight_kind(filters)
    converter = CONVERTERS.get(kind)
    if converter is None:
        raise QueryError(f"Insight type {kind!r} is not supported.", attr="insight")
    return {"kind": "InsightVizNode", "source": converter(filters)}
