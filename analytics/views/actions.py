"""``/api/projects/:team_id/actions/`` (and ``/api/environments/``): CRUD with soft delete.

The list holds the project's live actions by name, 1000 a page unless ``limit`` says
otherwise (PostHog answers them all at once), filtered and ordered as
``services/action_filters.py`` reads the query string. Deleted actions
stay retrievable by id; DELETE is 405 (``PATCH {"deleted": true}`` instead).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.models import Action
from analytics.pagination import LimitOffsetPagination
from analytics.serializers.actions import ActionReferenceSerializer, ActionSerializer
from analytics.services.action_filters import filter_actions
from analytics.services.action_references import action_references
from analytics.views.team_resources import SoftDeleteMixin, TeamSerializerContextMixin


class ActionPagination(LimitOffsetPagination):
    default_limit = 1000
    max_limit = 1000  # type: ignore[assignment]  # the base leaves it unbounded (None)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Text in the name."),
            OpenApiParameter("created_by", str, description="Comma-separated ids of the creators."),
            OpenApiParameter("tags", str, description="A JSON list of tag names: actions with any of them."),
            OpenApiParameter(
                "ordering", str, description="name, created_at, pinned_at or created_by; - reverses."
            ),
        ]
    ),
    destroy=extend_schema(description="Always 405: delete with PATCH deleted=true.", responses={405: None}),
)
class ActionViewSet(
    SoftDeleteMixin,
    TeamSerializerContextMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    scope_object = "action"
    serializer_class = ActionSerializer
    pagination_class = ActionPagination
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Action]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no team
            return Action.objects.none()
        queryset = Action.objects.filter(team=self.team).select_related("created_by").prefetch_related("tags")
        if self.action == "list":
            return filter_actions(queryset.filter(deleted=False), self.request.query_params)
        return queryset.order_by("name", "id")

    @extend_schema(responses={200: ActionReferenceSerializer(many=True)})
    @action(
        methods=["GET"],
        detail=True,
        required_scopes=["action:read"],
        pagination_class=None,
        renderer_classes=[JSONRenderer, BrowsableAPIRenderer],  # a bare list: no CSV form
    )
    def references(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The project's insights that use the action (up to 50)."""
        return Response(ActionReferenceSerializer(action_references(self.get_object()), many=True).data)
