"""Light validation of query nodes stored on insights: a clear 400 naming the bad field."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError

from query_engine.nodes import WRAPPER_KINDS
from query_engine.runners.registry import insight_query_kinds

# Kinds and wrappers come from the engine's registry; only data kinds are listed here.
INSIGHT_QUERY_KINDS = insight_query_kinds()
DATA_KINDS = frozenset({"HogQLQuery", "HogQuery", "EventsQuery", "ActorsQuery", "SavedInsightNode"})
TOP_LEVEL_KINDS = INSIGHT_QUERY_KINDS | WRAPPER_KINDS | DATA_KINDS


def _fail(path: tuple[str, ...], message: str) -> None:
    error: Any = [message]
    for key in reversed(path):
        error = {key: error}
    raise ValidationError(error)


def _check_kind(node: Any, path: tuple[str, ...], allowed: frozenset[str]) -> str:
    if not isinstance(node, dict):
        _fail(path, "Query must be a valid JSON object.")
    kind = node.get("kind")
    if not isinstance(kind, str) or kind not in allowed:
        _fail((*path, "kind"), f"Unknown query kind {kind!r}; expected one of {', '.join(sorted(allowed))}.")
    return kind


def _check_series(node: dict[str, Any], path: tuple[str, ...]) -> None:
    series = node.get("series")
    if series is None:
        return
    if not isinstance(series, list):
        _fail((*path, "series"), "series must be a list of EventsNode/ActionsNode objects.")
    for index, item in enumerate(series):
        if not isinstance(item, dict) or item.get("kind") not in (
            "EventsNode",
            "ActionsNode",
            "DataWarehouseNode",
            "GroupNode",
        ):
            _fail(
                (*path, "series", str(index), "kind"),
                "Each series needs kind EventsNode, ActionsNode or GroupNode.",
            )


def validate_query_node(node: Any) -> None:
    """Raise a ValidationError whose first error names the offending field under ``query``."""
    path: tuple[str, ...] = ("query",)
    kind = _check_kind(node, path, TOP_LEVEL_KINDS)
    if kind in WRAPPER_KINDS:
        allowed = INSIGHT_QUERY_KINDS if kind == "InsightVizNode" else DATA_KINDS | INSIGHT_QUERY_KINDS
        path = (*path, "source")
        if not isinstance(node.get("source"), dict):
            _fail(path, f"{kind} needs a source query object.")
        kind = _check_kind(node["source"], path, allowed)
        node = node["source"]
    if kind in INSIGHT_QUERY_KINDS:
        _check_series(node, path)
