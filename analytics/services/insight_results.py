"""Glue between a saved insight and the query engine: the insight's result fields.

All result fields come from ``query_engine.results.query_results``. A filters-based
insight is first turned into a query node. Under ``force_cache`` a query the engine
cannot handle is simply a cache miss, so listing and retrieving never fail on it;
under a computing mode its 400 reaches the caller.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from analytics.services.team_context import team_context
from insights_api.errors import QueryError
from query_engine.legacy.registry import filters_to_query
from query_engine.node_fields import NODE_FIELDS
from query_engine.nodes import unwrap
from query_engine.refresh.cache import query_cache_key
from query_engine.refresh.modes import ExecutionMode
from query_engine.refresh.results import query_results

RESULT_FIELDS = (
    "last_refresh",
    "cache_target_age",
    "next_allowed_client_refresh",
    "result",
    "hasMore",
    "columns",
    "timezone",
    "is_cached",
    "query_status",
    "hogql",
    "types",
    "filters_hash",
)


def insight_query(*, filters: dict[str, Any] | None, query: dict[str, Any] | None) -> dict[str, Any]:
    """The query node an insight computes: its ``query``, else its converted ``filters``."""
    if query:
        return query
    return filters_to_query(filters or {})


def with_dashboard_filters(query: dict[str, Any], dashboard_filters: dict[str, Any]) -> dict[str, Any]:
    """Apply a dashboard's date range and properties to an insight's query node."""
    if not dashboard_filters:
        return query
    merged = copy.deepcopy(query)
    source = unwrap(merged)
    if not isinstance(source, dict):
        return merged
    date_from, date_to = dashboard_filters.get("date_from"), dashboard_filters.get("date_to")
    if date_from or date_to:
        # The range is one unit, as PostHog applies it: both bounds are replaced (a missing
        # date_to means "now"), and explicitDate is the override's when it gives one.
        date_range = dict(source.get("dateRange") or {})
        date_range["date_from"] = date_from
        date_range["date_to"] = date_to
        if dashboard_filters.get("explicitDate") is not None:
            date_range["explicitDate"] = bool(dashboard_filters["explicitDate"])
        source["dateRange"] = {key: value for key, value in date_range.items() if value is not None}
    extra = dashboard_filters.get("properties") or []
    if extra:
        source["properties"] = [*(source.get("properties") or []), *extra]
    breakdown = dashboard_filters.get("breakdown_filter")
    if breakdown and "breakdownFilter" in NODE_FIELDS.get(str(source.get("kind")), ()):
        source["breakdownFilter"] = breakdown
    return merged


OVERRIDE_FIELDS = ("date_from", "date_to", "explicitDate", "properties", "breakdown_filter")


def parse_filters_override(raw: Any, attr: str = "filters_override") -> dict[str, Any]:
    """A ``filters_override`` (PostHog's DashboardFilter): a JSON object (or its text) whose
    fields are applied like a dashboard's filters; an unknown field is a 400."""
    if raw in (None, ""):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise QueryError("filters_override must be a JSON object.", attr=attr) from None
    if not isinstance(raw, dict):
        raise QueryError("filters_override must be a JSON object.", attr=attr)
    for name in raw:
        if name not in OVERRIDE_FIELDS:
            raise QueryError(
                f"Unknown filters_override field {str(name)[:60]!r}.", attr=f"{attr}__{str(name)[:60]}"
            )
    for name in ("date_from", "date_to"):
        if raw.get(name) is not None and not isinstance(raw[name], str):
            raise QueryError(f"{name} must be a date string.", attr=f"{attr}__{name}")
    if raw.get("properties") is not None and not isinstance(raw["properties"], list):
        raise QueryError("properties must be a list of property filters.", attr=f"{attr}__properties")
    if raw.get("explicitDate") is not None and not isinstance(raw["explicitDate"], bool):
        raise QueryError("explicitDate must be true or false.", attr=f"{attr}__explicitDate")
    if raw.get("explicitDate") is not None and not (raw.get("date_from") or raw.get("date_to")):
        # PostHog applies explicitDate only with the bounds it qualifies.
        raise QueryError(
            "explicitDate applies with date_from or date_to; give the range too.",
            attr=f"{attr}__explicitDate",
        )
    if raw.get("breakdown_filter") is not None and not isinstance(raw["breakdown_filter"], dict):
        raise QueryError("breakdown_filter must be an object.", attr=f"{attr}__breakdown_filter")
    return raw


def refuse_variables_override(raw: Any) -> None:
    """HogQL variables are not built, so overriding them cannot be honoured."""
    if raw not in (None, "", {}, "{}"):
        raise QueryError(
            "variables_override is not supported: HogQL variables are not built.", attr="variables_override"
        )


def with_dashboard_legacy_filters(
    filters: dict[str, Any], dashboard_filters: dict[str, Any]
) -> dict[str, Any]:
    """The same merge for a legacy ``filters`` dict."""
    merged = dict(filters)
    for key in ("date_from", "date_to"):
        if dashboard_filters.get(key):
            merged[key] = dashboard_filters[key]
    extra = dashboard_filters.get("properties") or []
    if extra and isinstance(merged.get("properties") or [], list):
        merged["properties"] = [*(merged.get("properties") or []), *extra]
    return merged


def _fallback_key(*, team: Any, filters: dict[str, Any] | None) -> str:
    return query_cache_key(team=team_context(team), query={"kind": "LegacyFilters", "filters": filters or {}})


def _empty(*, key: str) -> dict[str, Any]:
    return {field: None for field in RESULT_FIELDS} | {"is_cached": False, "filters_hash": key}


def result_fields(
    *,
    team: Any,
    filters: dict[str, Any] | None,
    query: dict[str, Any] | None,
    mode: ExecutionMode,
    dashboard_filters: dict[str, Any] | None = None,
    refresh_requested: bool = False,
    tolerate_errors: bool = False,
) -> dict[str, Any]:
    """``result``, cache timestamps, ``filters_hash`` … for one insight in one context.

    ``tolerate_errors`` turns a query the engine refuses into a miss (shared pages
    compute implicitly and must still show the insight).
    """
    try:
        node = with_dashboard_filters(insight_query(filters=filters, query=query), dashboard_filters or {})
        response = query_results(team=team_context(team), query=node, mode=mode)
    except QueryError:
        if mode != ExecutionMode.FORCE_CACHE and not tolerate_errors:
            raise
        return _empty(key=_fallback_key(team=team, filters=filters)) | {
            "timezone": team.timezone if refresh_requested else None
        }
    cached = response.get("last_refresh") is not None
    return {
        "last_refresh": response.get("last_refresh"),
        "cache_target_age": response.get("cache_target_age"),
        "next_allowed_client_refresh": response.get("next_allowed_client_refresh"),
        "result": response.get("results", response.get("result")),
        "hasMore": response.get("hasMore"),
        "columns": response.get("columns"),
        # The team's zone when a refresh was asked for, else the stored result's (none on a miss).
        "timezone": team.timezone if refresh_requested else (response.get("timezone") if cached else None),
        "is_cached": bool(response.get("is_cached")) and cached,
        "query_status": response.get("query_status"),
        "hogql": response.get("hogql"),
        "types": response.get("types"),
        "filters_hash": response.get("cache_key") or query_cache_key(team=team_context(team), query=node),
    }


def insights_result_fields(
    insights: Iterable[Any],
    *,
    mode: ExecutionMode,
    refresh_requested: bool = False,
    dashboard: Any = None,
    sharing: bool = False,
    filters_override: dict[str, Any] | None = None,
    errors: dict[int, dict[str, Any]] | None = None,
) -> dict[int, dict[str, Any]]:
    """The selector views call: each insight's result fields by id, for ``InsightSerializer``'s
    ``results`` context (the serializer renders them and never asks the engine itself).

    With ``errors`` (a dashboard's tiles), an insight the engine refuses gets empty result
    fields and its error in ``errors`` instead of failing the whole request."""
    dashboard_filters = dashboard.filters if dashboard is not None else None
    if filters_override:
        dashboard_filters = {**(dashboard_filters or {}), **filters_override}
    results: dict[int, dict[str, Any]] = {}
    for insight in insights:
        try:
            results[insight.pk] = result_fields(
                team=insight.team,
                filters=insight.filters,
                query=insight.query,
                mode=mode,
                dashboard_filters=dashboard_filters,
                refresh_requested=refresh_requested,
                tolerate_errors=sharing,
            )
        except QueryError as exc:
            if errors is None:
                raise
            # One refused tile must not hide the others: it shows no result and says why.
            errors[insight.pk] = tile_error(exc)
            results[insight.pk] = _empty(key=_fallback_key(team=insight.team, filters=insight.filters)) | {
                "timezone": insight.team.timezone if refresh_requested else None
            }
    return results


def tile_error(exc: QueryError) -> dict[str, Any]:
    """A dashboard tile's ``error`` (PostHog's ``{type, message}``), with our envelope's code
    and field so a script can tell what to change."""
    return {"type": "ValidationError", "message": exc.detail, "code": exc.code, "attr": exc.attr}
