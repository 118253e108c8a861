"""``/api/projects/:team_id/persons/`` (and ``/api/environments/``): persons as PostHog serves them.

Persons live only in ClickHouse (``analytics.services.persons``): list (limit/offset with
``next``/``previous``; ``distinct_id``, ``email``, ``search``, ``properties``), retrieve by
uuid, property updates through ``$set``/``$delete_person_property`` events, deletion
(optionally of the events too) and ``values/`` for autocomplete. There is no integer
primary key here: ``id`` and ``uuid`` are both the person's uuid.

The legacy actor routes (``persons/trends/`` …) are matched before this viewset.
"""

from __future__ import annotations

import uuid as uuid_module
from typing import Any

import orjson
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from access_control.views import TeamScopedMixin
from analytics.services import persons as service
from analytics.views.insight_filters import truthy
from query_engine.errors import QueryError
from query_engine.nodes import parse_properties
from query_engine.sql.person_list import PersonFilters

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# PostHog options this API does not offer: refused (400), never silently ignored.
UNSUPPORTED = ("cohort", "format")
NOT_A_PERSON_ID = (
    "The ID provided does not look like a personID. If you are using a distinctId, "
    "please use /persons?distinct_id=X instead."
)


def _invalid(detail: str, attr: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({attr: [detail]})


def _updatable(person: dict[str, Any]) -> dict[str, Any]:
    # Updates are events of one of the person's distinct ids.
    if not person["distinct_ids"]:
        raise _invalid("This person has no distinct id to send the update for.", "id")
    return person


def _whole(request: Request, name: str, default: int, *, low: int, high: int | None = None) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _invalid(f"{name} must be a whole number.", name) from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise _invalid(f"{name} must be {bound}.", name)
    return value


def _person_properties(raw: str | None) -> Any:
    """``properties``: a JSON list (or group) of ``person`` filters; other types are refused."""
    if not raw:
        return parse_properties(None)
    try:
        decoded = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise QueryError("properties must be JSON.", attr="properties") from None
    group = parse_properties(decoded)
    _only_person(group, "properties")
    return group


def _only_person(node: Any, attr: str) -> None:
    values = getattr(node, "values", None)
    if values is not None:
        for index, child in enumerate(values):
            _only_person(child, f"{attr}__{index}")
        return
    if node.type != "person" or node.key == "distinct_id":
        raise QueryError("Persons can be filtered by person properties only.", attr=f"{attr}__type")


def person_uuid(raw: str) -> str | None:
    """The canonical uuid text; None for an integer (PostHog's pk, which persons here lack)."""
    try:
        return str(uuid_module.UUID(raw))
    except ValueError:
        pass
    if raw.isdigit():
        return None
    raise _invalid(NOT_A_PERSON_ID, "id")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("distinct_id", str, description="Only the person with this distinct id."),
            OpenApiParameter("email", str, description="Persons whose email property is exactly this."),
            OpenApiParameter("search", str, description="Email or name containing it, or this distinct id."),
            OpenApiParameter("properties", str, description="JSON list of person property filters."),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
            OpenApiParameter("include_total", bool, description="Add ``count`` (costs a count query)."),
        ]
    )
)
class PersonViewSet(TeamScopedMixin, viewsets.ViewSet):
    scope_object = "person"
    lookup_value_regex = r"[^/]+"
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[Any, str]:
        # JSON only: ``?format=csv`` must reach ``list`` to be refused there, not fail negotiation.
        return super().perform_content_negotiation(request, force=True)

    # --- reads ------------------------------------------------------------------------

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        for name in UNSUPPORTED:
            if name in request.query_params and not (
                name == "format" and request.query_params[name] == "json"
            ):
                raise _invalid(f"The {name!r} option is not supported on this API.", name)
        limit = _whole(request, "limit", DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
        offset = _whole(request, "offset", 0, low=0)
        params = request.query_params
        filters = PersonFilters(
            distinct_id=params.get("distinct_id") or None,
            email=params.get("email") or None,
            search=(params.get("search") or "").strip() or None,
            properties=_person_properties(params.get("properties")),
        )
        page = service.list_persons(self.team, filters, limit=limit, offset=offset)
        url = request.build_absolute_uri()
        body: dict[str, Any] = {
            "results": page.persons,
            "next": replace_query_param(replace_query_param(url, "limit", limit), "offset", offset + limit)
            if page.has_more
            else None,
            "previous": _previous(url, limit, offset),
        }
        if truthy(request.query_params.get("include_total")):
            body["count"] = service.count_persons(self.team, filters)
        return Response(body)

    def _person(self, raw: str) -> dict[str, Any]:
        person_id = person_uuid(raw)
        person = service.get_person(self.team, person_id) if person_id is not None else None
        if person is None:
            raise exceptions.NotFound()
        return person

    def retrieve(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        return Response(self._person(pk))

    @action(detail=False, methods=["get"], required_scopes=["person:read"])
    def values(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.query_params.get("key")
        if not key:
            raise _invalid("key is required.", "key")
        return Response(service.property_values(self.team, key, request.query_params.get("value") or None))

    # --- changes ----------------------------------------------------------------------

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.MethodNotAllowed(
            "POST",
            detail="Creating persons via this API is not allowed. Please create persons by sending an "
            "$identify event. See https://posthog.com/docs/product-analytics/identify for details.",
        )

    def update(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        """Merge ``properties`` into the person's (a ``$set``): 202, applied by ingestion."""
        properties = request.data.get("properties") if isinstance(request.data, dict) else None
        if properties is None:
            raise _invalid("This field is required.", "properties")
        if not isinstance(properties, dict):
            raise _invalid("properties must be an object.", "properties")
        person = self._person(pk)
        if properties:
            service.set_properties(self.team, _updatable(person), properties)
        return Response(status=status.HTTP_202_ACCEPTED)

    def partial_update(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, pk)

    @action(detail=True, methods=["post"], required_scopes=["person:write"])
    def update_property(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        for name in ("key", "value"):
            if name not in data:
                raise _invalid("This field is required.", name)
        if not isinstance(data["key"], str) or not data["key"]:
            raise _invalid("key must be a non-empty string.", "key")
        service.set_properties(self.team, _updatable(self._person(pk)), {data["key"]: data["value"]})
        return Response(status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["post"], required_scopes=["person:write"])
    def delete_property(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        key = request.data.get("$unset") if isinstance(request.data, dict) else None
        if not isinstance(key, str) or not key:
            raise _invalid("$unset must name the property to delete.", "$unset")
        service.unset_property(self.team, _updatable(self._person(pk)), key)
        return Response({"success": True}, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str, *args: Any, **kwargs: Any) -> Response:
        """202; ``?delete_events=true`` also deletes the person's events (at once)."""
        if truthy(request.query_params.get("delete_recordings")):
            raise _invalid("Recordings are not stored by this API.", "delete_recordings")
        person = self._person(pk)
        if not service.delete_person(
            self.team, person["uuid"], delete_events=truthy(request.query_params.get("delete_events"))
        ):
            raise exceptions.NotFound()
        return Response(status=status.HTTP_202_ACCEPTED)


def _previous(url: str, limit: int, offset: int) -> str | None:
    if offset <= 0:
        return None
    previous = replace_query_param(url, "limit", limit)
    if offset - limit <= 0:
        return remove_query_param(previous, "offset")
    return replace_query_param(previous, "offset", offset - limit)
