"""Legacy ``filters`` dicts → query nodes: one converter per ``filters.insight`` name, in one literal dict.

Its keys are the runners' ``legacy_insight`` names (a test keeps them equal);
``filters_to_query`` returns an ``InsightVizNode``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from query_engine.errors import QueryError
from query_engine.legacy.funnels import funnels_query
from query_engine.legacy.retention_paths import paths_query, retention_query
from query_engine.legacy.trends import convert_trends, lifecycle_query, stickiness_query

Converter = Callable[[dict[str, Any]], dict[str, Any]]

CONVERTERS: dict[str, Converter] = {
    "TRENDS": convert_trends,
    "STICKINESS": stickiness_query,
    "LIFECYCLE": lifecycle_query,
    "FUNNELS": funnels_query,
    "RETENTION": retention_query,
    "PATHS": paths_query,
}


def insight_kind(filters: dict[str, Any]) -> str:
    return str(filters.get("insight") or "TRENDS").upper()


def filters_to_query(filters: dict[str, Any]) -> dict[str, Any]:
    """The ``InsightVizNode`` equivalent of a legacy filter dict; 400 if it has none."""
    kind = insight_kind(filters)
    converter = CONVERTERS.get(kind)
    if converter is None:
        raise QueryError(f"Insight type {kind!r} is not supported.", attr="insight")
    return {"kind": "InsightVizNode", "source": converter(filters)}
