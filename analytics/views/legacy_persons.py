"""Legacy person lists behind insight data points (actors.md §8):
``persons/trends/``, ``persons/stickiness/``, ``persons/lifecycle/``, ``persons/funnel/`` and
``persons/path/``.

Each route reads the insight's legacy filter dict plus its point selectors, turns them
into an ``ActorsQuery`` (the same actors modes ``/query/`` uses) and answers in the
legacy envelope ``{"results": [{"people", "count"}], "next", "initial", …}`` with
``limit``/``offset`` paging, or as CSV (``?format=csv``).
"""

from __future__ import annotations

import csv
import io
from abc import ABCMeta, abstractmethod
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import orjson
from django.conf import settings
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_control.views import TeamScopedMixin
from analytics.services.team_context import team_context
from analytics.views.legacy_base import request_filters
from insights_api.errors import QueryError
from query_engine.legacy.funnels import correlation_query, funnels_query
from query_engine.legacy.registry import filters_to_query
from query_engine.legacy.trends import decode, truthy
from query_engine.refresh.modes import ExecutionMode
from query_engine.refresh.results import query_results
from query_engine.runners.paths.actors import path_keys

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
PAGING = ("limit", "offset", "format", "refresh", "cache_invalidation_key")
PERSON_SELECT = ["person", "event_count"]
NOT_FILTERS = ("format", "refresh")


def _count(filters: dict[str, Any], name: str, default: int) -> int:
    value = filters.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise QueryError(f"{name} must be a whole number.", attr=name) from None
    if number < 0:
        raise QueryError(f"{name} must not be negative.", attr=name)
    return number


def display_name(person: dict[str, Any]) -> str:
    properties = person.get("properties") or {}
    for key in ("email", "name", "username"):
        if properties.get(key):
            return str(properties[key])
    ids = person.get("distinct_ids") or []
    return str(ids[0]) if ids else str(person.get("id"))


def legacy_person(person: dict[str, Any], value: Any = None) -> dict[str, Any]:
    """A person row as PostHog's legacy actor serializer gives it (actors.md §7)."""
    return {
        "type": "person",
        "id": person["id"],
        "uuid": person["id"],
        "created_at": person.get("created_at"),
        "properties": person.get("properties") or {},
        "is_identified": person.get("is_identified", False),
        "name": display_name(person),
        "distinct_ids": person.get("distinct_ids") or [],
        "matched_recordings": [],
        "value_at_data_point": value,
    }


def encode_filters(filters: dict[str, Any]) -> dict[str, str]:
    """Filter values as query-string text (lists and objects as JSON)."""
    out = {}
    for key, value in filters.items():
        if key in NOT_FILTERS or value is None:
            continue
        out[key] = value if isinstance(value, str) else orjson.dumps(value).decode()
    return out


def persons_url(team_id: int, route: str, filters: dict[str, Any]) -> str:
    return f"{settings.SITE_URL}/api/projects/{team_id}/persons/{route}/?{urlencode(encode_filters(filters))}"


class PeopleCSVRenderer(BaseRenderer):
    """One row per person: id, name, distinct ids, created_at, value, then each property."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):  # errors
            for key, value in (data or {}).items():
                writer.writerow([key, value])
            return out.getvalue().encode()
        people = [p for block in results for p in block.get("people", [])]
        keys = sorted({k for p in people for k in (p.get("properties") or {})})
        writer.writerow(
            [
                "id",
                "name",
                "distinct_ids",
                "created_at",
                "value_at_data_point",
                *[f"properties.{k}" for k in keys],
            ]
        )
        for p in people:
            props = p.get("properties") or {}
            row = [
                p["id"],
                p["name"],
                ", ".join(p["distinct_ids"]),
                p["created_at"],
                p["value_at_data_point"],
            ]
            writer.writerow(row + [_cell(props.get(k)) for k in keys])
        return out.getvalue().encode()


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return "" if value is None else value


class LegacyPersonsView(TeamScopedMixin, APIView, metaclass=ABCMeta):
    scope_object = "person"
    required_scopes = ["person:read"]
    throttle_scope = "clickhouse"
    renderer_classes = [JSONRenderer, PeopleCSVRenderer]
    route = ""
    limit_key, offset_key = "limit", "offset"

    @abstractmethod
    def source(self, filters: dict[str, Any]) -> dict[str, Any]:
        """The actors source node (which data point) the filters describe."""

    def envelope(self, body: dict[str, Any]) -> dict[str, Any]:
        return body

    def compute(self, request: Request) -> Response:
        filters = request_filters(request)
        limit = min(_count(filters, self.limit_key, DEFAULT_LIMIT), MAX_LIMIT) or DEFAULT_LIMIT
        offset = _count(filters, self.offset_key, 0)
        search = filters.get("search")
        query: dict[str, Any] = {
            "kind": "ActorsQuery",
            "source": self.source(filters),
            "select": self.select(),
            "limit": limit,
            "offset": offset,
        }
        if self.order():
            query["orderBy"] = self.order()
        if isinstance(search, str) and search.strip():
            query["search"] = search
        mode = ExecutionMode.FORCE_BLOCKING if truthy(filters.get("refresh")) else ExecutionMode.BLOCKING
        response = query_results(team=team_context(self.team), query=query, mode=mode)
        rows = response.get("results") or []
        people = self.people(rows)
        paging = (*PAGING, self.limit_key, self.offset_key)
        base = {k: v for k, v in filters.items() if k not in paging}
        page = {self.limit_key: str(limit)}
        has_more = bool(response.get("hasMore"))
        body = {
            "results": [{"people": people, "count": len(people)}],
            "next": persons_url(
                self.team.id, self.route, {**base, **page, self.offset_key: str(offset + limit)}
            )
            if has_more
            else None,
            "initial": persons_url(self.team.id, self.route, {**base, **page, self.offset_key: "0"}),
            "missing_persons": 0,
            "is_cached": bool(response.get("is_cached")),
            "last_refresh": response.get("last_refresh"),
        }
        return Response(self.envelope(body))

    def select(self) -> list[str]:
        return ["person"]

    def order(self) -> list[str]:
        return []

    def people(self, rows: list[list[Any]]) -> list[dict[str, Any]]:
        """Legacy person rows; a second selected column is the value at the data point."""
        return [legacy_person(row[0], row[1] if len(row) > 1 else None) for row in rows]

    def get(self, request: Request, **kwargs: Any) -> Response:
        return self.compute(request)

    def post(self, request: Request, **kwargs: Any) -> Response:
        return self.compute(request)


def _series_index(filters: dict[str, Any], node: dict[str, Any]) -> int:
    """Which series ``entity_order`` / ``entity_id`` + ``entity_type`` name (the first by default)."""
    if filters.get("entity_order") not in (None, ""):
        return _count(filters, "entity_order", 0)
    entity_id, entity_type = filters.get("entity_id"), filters.get("entity_type") or "events"
    if entity_id in (None, ""):
        return 0
    for index, series in enumerate(node.get("series") or []):
        kind = series.get("kind")
        if entity_type == "actions" and kind == "ActionsNode" and str(series.get("id")) == str(entity_id):
            return index
        event = series.get("event")
        if entity_type == "events" and kind == "EventsNode" and (event or "None") == entity_id:
            return index
    raise QueryError("entity_id names no series of the insight.", attr="entity_id")


class LegacyTrendPersonsView(LegacyPersonsView):
    """``date_from``/``date_to`` narrowed to the bucket; the point is the range's first bucket."""

    route = "trends"

    def select(self) -> list[str]:
        return PERSON_SELECT

    def source(self, filters: dict[str, Any]) -> dict[str, Any]:
        node = filters_to_query({**filters, "insight": "TRENDS"})["source"]
        selector: dict[str, Any] = {"kind": "InsightActorsQuery", "source": node}
        selector["series"] = _series_index(filters, node)
        display = (node.get("trendsFilter") or {}).get("display")
        if display not in ("BoldNumber", "ActionsPie", "ActionsBarValue", "ActionsTable", "WorldMap"):
            if not filters.get("date_from"):
                raise QueryError("Must include the bucket as date_from.", attr="date_from")
            selector["day"] = str(filters["date_from"])
        breakdown = filters.get("breakdown_value")
        if breakdown not in (None, ""):
            selector["breakdown"] = decode(breakdown, "breakdown_value")
        return selector


class LegacyStickinessPersonsView(LegacyPersonsView):
    route = "stickiness"

    def envelope(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"results": body["results"], "next": body["next"]}

    def source(self, filters: dict[str, Any]) -> dict[str, Any]:
        node = filters_to_query({**filters, "insight": "STICKINESS"})["source"]
        days = _count(filters, "stickiness_days", 0)
        if not days:
            raise QueryError("Must include stickiness_days.", attr="stickiness_days")
        return {
            "kind": "InsightActorsQuery",
            "source": node,
            "day": days,
            "series": _series_index(filters, node),
        }


class LegacyLifecyclePersonsView(LegacyPersonsView):
    route = "lifecycle"

    def envelope(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"results": body["results"], "next": body["next"]}

    def source(self, filters: dict[str, Any]) -> dict[str, Any]:
        if not filters.get("target_date"):
            raise QueryError("Must include specified date", attr="target_date")
        if not filters.get("lifecycle_type"):
            raise QueryError("Must include lifecycle type", attr="lifecycle_type")
        node = filters_to_query({**filters, "insight": "LIFECYCLE"})["source"]
        return {
            "kind": "InsightActorsQuery",
            "source": node,
            "day": str(filters["target_date"])[:19].replace(" ", "T"),
            "status": filters["lifecycle_type"],
        }


class LegacyFunnelPersonsView(LegacyPersonsView):
    route = "funnel"

    def source(self, filters: dict[str, Any]) -> dict[str, Any]:
        step = filters.get("funnel_step")
        if step in (None, ""):
            raise QueryError("Must include funnel_step.", attr="funnel_step")
        selector: dict[str, Any] = {
            "kind": "FunnelsActorsQuery",
            "source": funnels_query({**filters, "insight": "FUNNELS"}),
            "funnelStep": _count({"funnel_step": str(step).lstrip("-")}, "funnel_step", 0)
            * (-1 if str(step).startswith("-") else 1),
        }
        breakdown = filters.get("funnel_step_breakdown")
        if breakdown not in (None, ""):
            selector["funnelStepBreakdown"] = decode(breakdown, "funnel_step_breakdown")
        return selector


PATH_KEYS = {
    "path_start_key": "pathStartKey",
    "path_end_key": "pathEndKey",
    "path_dropoff_key": "pathDropoffKey",
}


class LegacyPathPersonsView(LegacyPersonsView):
    """``path_start_key``/``path_end_key``/``path_dropoff_key`` over the legacy paths filters."""

    route = "path"

    def select(self) -> list[str]:
        return PERSON_SELECT

    def source(self, filters: dict[str, Any]) -> dict[str, Any]:
        node = filters_to_query({**filters, "insight": "PATHS"})["source"]
        keys = {new: filters[old] for old, new in PATH_KEYS.items() if filters.get(old) not in (None, "")}
        for old, new in PATH_KEYS.items():  # checked here, so a bad key names the legacy field
            try:
                path_keys({new: keys.get(new)})
            except QueryError as error:
                raise QueryError(error.detail, attr=old) from None
        node["pathsFilter"] = {**(node.get("pathsFilter") or {}), **keys}
        return {"kind": "InsightActorsQuery", "source": node}


class LegacyCorrelationPersonsView(LegacyPersonsView):
    """A correlation row's converted (or failed) actors: ``funnel_correlation_person_converted``
    plus ``funnel_correlation_person_entity`` (an event, maybe with one property value) or
    ``funnel_correlation_property_values``; paged by ``funnel_correlation_person_limit/offset``."""

    route = "funnel/correlation"
    limit_key, offset_key = "funnel_correlation_person_limit", "funnel_correlation_person_offset"

    def source(self, filters: dict[str, Any]) -> dict[str, Any]:
        converted = filters.get("funnel_correlation_person_converted")
        if str(converted).lower() not in ("true", "false"):
            raise QueryError(
                "funnel_correlation_person_converted must be true or false.",
                attr="funnel_correlation_person_converted",
            )
        selector: dict[str, Any] = {
            "kind": "FunnelCorrelationActorsQuery",
            "source": correlation_query(filters),
            "funnelCorrelationPersonConverted": str(converted).lower() == "true",
        }
        for old, new in CORRELATION_PERSON_KEYS.items():
            value = decode(filters.get(old), old)
            if value not in (None, ""):
                selector[new] = value
        return selector


CORRELATION_PERSON_KEYS = {
    "funnel_correlation_person_entity": "funnelCorrelationPersonEntity",
    "funnel_correlation_property_values": "funnelCorrelationPropertyValues",
}


def trend_persons_urls(team_id: int, filters: dict[str, Any], entry: dict[str, Any]) -> None:
    """``persons_urls`` (one per day) or ``persons`` (total value) on one legacy trend entry."""
    action = entry.get("action") or {}
    point = {k: v for k, v in filters.items() if k not in NOT_FILTERS}
    point.update(
        {
            "entity_id": action.get("id"),
            "entity_type": action.get("type") or "events",
            "entity_math": action.get("math"),
            "entity_order": action.get("order"),
        }
    )
    if "breakdown_value" in entry:
        point["breakdown_value"] = entry["breakdown_value"]
    days = entry.get("days") or []
    if not days:
        entry["persons"] = {"filter": point, "url": persons_url(team_id, "trends", point)}
        return
    interval = str(filters.get("interval") or "day")
    urls = []
    for day in days:
        bounded = {**point, "date_from": day, "date_to": bucket_end(day, interval)}
        urls.append({"filter": bounded, "url": persons_url(team_id, "trends", bounded)})
    entry["persons_urls"] = urls


def bucket_end(day: str, interval: str) -> str:
    """The last moment of the bucket starting at ``day`` (wall clock, seconds)."""
    start = datetime.fromisoformat(day)
    if interval == "minute":
        end = start + timedelta(minutes=1)
    elif interval == "hour":
        end = start + timedelta(hours=1)
    elif interval == "week":
        end = start + timedelta(days=7)
    elif interval == "month":
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    else:
        end = start + timedelta(days=1)
    return (end - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")
