"""``/groups_types/`` and ``/groups/`` under both project prefixes (scope ``group``).

Group types and groups are written by ingestion (``$groups`` on events, ``$groupidentify``)
and read from ClickHouse, where the types' display names are kept too.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from access_control.views import TeamScopedMixin
from analytics.services import groups as group_store

PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
TYPE_PARAM = OpenApiParameter(
    "group_type_index", OpenApiTypes.INT, required=True, description="Group type (0-4)."
)


def _index(request: Request, name: str = "group_type_index") -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        raise ValidationError(
            {
                name: "You must pass ?group_type_index= in this URL. To get a list of valid group types, "
                "call /api/projects/:project_id/groups_types/."
            }
        )
    try:
        index = int(raw)
    except ValueError:
        raise ValidationError({name: "group_type_index must be an integer from 0 to 4."}) from None
    if not 0 <= index <= 4:
        raise ValidationError({name: "group_type_index must be an integer from 0 to 4."})
    return index


def _required(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if value in (None, ""):
        raise ValidationError({name: "This query parameter is required."})
    return str(value)


class GroupTypeMetadataSerializer(serializers.Serializer):
    group_type_index = serializers.IntegerField(min_value=0, max_value=4)
    name_singular = serializers.CharField(max_length=400, allow_null=True, allow_blank=True, required=False)
    name_plural = serializers.CharField(max_length=400, allow_null=True, allow_blank=True, required=False)


class GroupsTypesViewSet(TeamScopedMixin, viewsets.ViewSet):
    """The project's group types by index; ``update_metadata`` names them."""

    scope_object = "group"

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response([t.as_json() for t in group_store.group_types(self.team.id)])

    @extend_schema(request=GroupTypeMetadataSerializer(many=True))
    @action(detail=False, methods=["patch"], required_scopes=["group:write"])
    def update_metadata(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = GroupTypeMetadataSerializer(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        known = {t.group_type_index for t in group_store.group_types(self.team.id)}
        rows: list[dict[str, Any]] = list(serializer.validated_data)
        for row in rows:
            if row["group_type_index"] not in known:
                raise NotFound(f"Group type {row['group_type_index']} does not exist in this project.")
        group_store.set_group_type_names(self.team.id, rows)
        return self.list(request)


class GroupsViewSet(TeamScopedMixin, viewsets.ViewSet):
    """Groups of one type (cursor-paged, newest first), one group by key, and autocomplete."""

    scope_object = "group"

    @extend_schema(
        parameters=[
            TYPE_PARAM,
            OpenApiParameter("search", str, description="Text in the properties, or the exact key."),
            OpenApiParameter("group_key", str, description="Text in the key."),
            OpenApiParameter("cursor", str, description="Opaque page cursor from next/previous."),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        index = _index(request)
        offset = _cursor_offset(request.query_params.get("cursor"))
        limit = _page_size(request.query_params.get("limit"))
        rows = group_store.list_groups(
            self.team.id,
            index,
            search=request.query_params.get("search") or None,
            key_contains=request.query_params.get("group_key") or None,
            limit=limit + 1,
            offset=offset,
        )
        url = request.build_absolute_uri()
        next_url = replace_query_param(url, "cursor", _cursor(offset + limit)) if len(rows) > limit else None
        previous_url = None
        if offset > 0:
            before = max(offset - limit, 0)
            previous_url = (
                replace_query_param(url, "cursor", _cursor(before))
                if before
                else remove_query_param(url, "cursor")
            )
        return Response({"next": next_url, "previous": previous_url, "results": rows[:limit]})

    @extend_schema(parameters=[TYPE_PARAM, OpenApiParameter("group_key", str, required=True)])
    @action(detail=False, methods=["get"], required_scopes=["group:read"])
    def find(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        index = _index(request)
        key = _required(request, "group_key")
        rows = group_store.list_groups(self.team.id, index, group_key=key, limit=1)
        if not rows:
            raise NotFound()
        return Response(rows[0])

    @action(detail=False, methods=["get"], required_scopes=["group:read"])
    def property_definitions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(group_store.property_definitions(self.team.id))

    @extend_schema(
        parameters=[
            TYPE_PARAM,
            OpenApiParameter("key", str, required=True, description="Property name."),
            OpenApiParameter("value", str, description="Text the values contain."),
        ]
    )
    @action(detail=False, methods=["get"], required_scopes=["group:read"])
    def property_values(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        index = _index(request)
        key = _required(request, "key")
        value = request.query_params.get("value") or None
        return Response(group_store.property_values(self.team.id, index, key, value))


def _page_size(raw: str | None) -> int:
    if raw in (None, ""):
        return PAGE_SIZE
    try:
        size = int(str(raw))
    except ValueError:
        raise ValidationError({"limit": "limit must be an integer."}) from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationError({"limit": f"limit must be between 1 and {MAX_PAGE_SIZE}."})
    return size


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o={offset}".encode()).decode()


def _cursor_offset(raw: str | None) -> int:
    if raw in (None, ""):
        return 0
    try:
        text = base64.urlsafe_b64decode(str(raw).encode()).decode()
        offset = int(text.removeprefix("o=")) if text.startswith("o=") else -1
    except (binascii.Error, UnicodeDecodeError, ValueError):
        offset = -1
    if offset < 0:
        raise ValidationError({"cursor": "Invalid cursor."})
    return offset
