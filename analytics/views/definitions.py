"""``/event_definitions/`` and ``/property_definitions/`` (both prefixes): names clients autocomplete.

Computed from stored data on each request (``analytics.services.definitions``): read-only,
limit/offset paged ``{count, next, previous, results}``. Filters PostHog offers and this
API does not are refused (400), never ignored.
"""

from __future__ import annotations

import abc
from typing import Any

import orjson
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from access_control.views import TeamScopedMixin
from analytics.pagination import LimitOffsetPagination
from analytics.services import definitions as service
from analytics.views.insight_filters import truthy

PROPERTY_KINDS = ("event", "person", "group", "session")
MAX_GROUP_TYPES = 5  # PostHog's group type indexes are 0..4
PROPERTY_TYPES = ("String", "Numeric", "DateTime", "Boolean", "Duration")
EVENT_TYPES = ("all", "custom", "posthog")
EVENT_ORDERINGS = {
    "name": (lambda d: d["name"], False),
    "-name": (lambda d: d["name"], True),
    "last_seen_at": (lambda d: d["last_seen_at"] or "", False),
    "-last_seen_at": (lambda d: d["last_seen_at"] or "", True),
}


def _invalid(detail: str, attr: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({attr: [detail]})


def _json_names(request: Request, name: str) -> list[str] | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _invalid(f"{name} must be a JSON list of names.", name) from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _invalid(f"{name} must be a JSON list of names.", name)
    return value


def _searched(items: list[dict[str, Any]], search: str | None) -> list[dict[str, Any]]:
    if not search:
        return items
    needle = search.lower()
    return [item for item in items if needle in item["name"].lower()]


class _DefinitionViewSet(TeamScopedMixin, viewsets.ViewSet, abc.ABC):
    pagination_class = LimitOffsetPagination
    lookup_value_regex = r"[^/]+"

    def _page(self, request: Request, items: list[dict[str, Any]]) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(page)

    @abc.abstractmethod
    def _items(self, request: Request) -> list[dict[str, Any]]:
        """Every definition of this kind, before search, filters and paging."""

    def retrieve(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        for item in self._items(request):
            if item["id"] == pk:
                return Response(item)
        raise exceptions.NotFound()


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Name containing this (any case)."),
            OpenApiParameter("event_type", str, enum=list(EVENT_TYPES)),
            OpenApiParameter("ordering", str, enum=list(EVENT_ORDERINGS)),
        ]
    )
)
class EventDefinitionViewSet(_DefinitionViewSet):
    scope_object = "event_definition"

    def _items(self, request: Request) -> list[dict[str, Any]]:
        return service.event_definitions(self.team.id)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = request.query_params
        event_type = params.get("event_type") or "all"
        if event_type not in EVENT_TYPES:
            raise _invalid(f"event_type must be one of {', '.join(EVENT_TYPES)}.", "event_type")
        ordering = params.get("ordering") or "name"
        if ordering not in EVENT_ORDERINGS:
            raise _invalid(f"ordering must be one of {', '.join(EVENT_ORDERINGS)}.", "ordering")
        items = _searched(self._items(request), params.get("search"))
        if event_type != "all":
            posthog = event_type == "posthog"
            items = [item for item in items if item["name"].startswith("$") == posthog]
        key, reverse = EVENT_ORDERINGS[ordering]
        items.sort(key=lambda d: d["name"])  # ties by name, whatever the order
        items.sort(key=key, reverse=reverse)
        return self._page(request, items)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("type", str, enum=list(PROPERTY_KINDS)),
            OpenApiParameter("group_type_index", int, description="Required with type=group (0-4)."),
            OpenApiParameter("search", str),
            OpenApiParameter("properties", str, description="Comma-separated names: only these."),
            OpenApiParameter("is_numerical", bool),
            OpenApiParameter("property_type", str, enum=list(PROPERTY_TYPES)),
            OpenApiParameter("is_feature_flag", bool),
            OpenApiParameter("event_names", str, description="JSON list of event names."),
            OpenApiParameter("filter_by_event_names", bool),
            OpenApiParameter("excluded_properties", str, description="JSON list of names to leave out."),
        ]
    )
)
class PropertyDefinitionViewSet(_DefinitionViewSet):
    scope_object = "property_definition"

    def _kind(self, request: Request) -> tuple[str, int | None]:
        """The property kind, and the group type index (required iff ``type=group``)."""
        kind = request.query_params.get("type") or "event"
        if kind not in PROPERTY_KINDS:
            raise _invalid(f"type must be one of {', '.join(PROPERTY_KINDS)}.", "type")
        raw_index = request.query_params.get("group_type_index")
        if kind != "group":
            if raw_index not in (None, ""):
                raise _invalid("group_type_index applies to type=group only.", "group_type_index")
            return kind, None
        if raw_index is None or not raw_index.isdigit() or not 0 <= int(raw_index) < MAX_GROUP_TYPES:
            raise _invalid(
                f"type=group needs group_type_index between 0 and {MAX_GROUP_TYPES - 1}.", "group_type_index"
            )
        return kind, int(raw_index)

    def _items(self, request: Request) -> list[dict[str, Any]]:
        kind, group_type_index = self._kind(request)
        event_names = _json_names(request, "event_names")
        by_event_names = truthy(request.query_params.get("filter_by_event_names"))
        if kind != "event" and (event_names is not None or by_event_names):
            raise _invalid("event_names applies to event properties only.", "event_names")
        wanted = set(event_names or ())
        items = []
        for name, stats in service.property_stats(self.team.id, kind, group_type_index).items():
            seen = bool(stats.events & wanted) if event_names is not None else None
            items.append(service.property_definition(self.team.id, kind, name, stats, seen, group_type_index))
        return items

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = request.query_params
        items = _searched(self._items(request), params.get("search"))
        if params.get("properties"):
            names = {name.strip() for name in params["properties"].split(",")}
            items = [item for item in items if item["name"] in names]
        if truthy(request.query_params.get("is_numerical")):
            items = [item for item in items if item["is_numerical"]]
        if property_type := params.get("property_type"):
            if property_type not in PROPERTY_TYPES:
                raise _invalid(f"property_type must be one of {', '.join(PROPERTY_TYPES)}.", "property_type")
            items = [item for item in items if item["property_type"] == property_type]
        if (flags := params.get("is_feature_flag")) not in (None, ""):
            want_flags = flags.lower() in ("true", "1")
            items = [item for item in items if item["name"].startswith("$feature/") == want_flags]
        excluded = set(_json_names(request, "excluded_properties") or ())
        items = [item for item in items if item["name"] not in excluded]
        if truthy(request.query_params.get("filter_by_event_names")):
            items = [item for item in items if item["is_seen_on_filtered_events"]]
        # Seen on the given events first, then by name (PostHog's order).
        items.sort(key=lambda d: (not d["is_seen_on_filtered_events"], d["name"]))
        return self._page(request, items)
