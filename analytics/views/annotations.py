"""``/api/projects/:team_id/annotations/`` (and ``/api/environments/``): CRUD with soft delete.

The list holds the project's annotations and its organization's organization-scoped ones,
newest ``date_marker`` first, 1000 a page by default, ``search`` on the content.
"""

from __future__ import annotations

from typing import cast

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.serializers import BaseSerializer

from analytics.models.annotations import Annotation
from analytics.pagination import LimitOffsetPagination
from analytics.serializers.annotations import AnnotationSerializer
from analytics.views.team_resources import SoftDeleteMixin, TeamSerializerContextMixin
from tenancy.models import User


class AnnotationPagination(LimitOffsetPagination):
    default_limit = 1000


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("search", str, description="Text in the content.")]),
    destroy=extend_schema(description="Always 405: delete with PATCH deleted=true.", responses={405: None}),
)
class AnnotationViewSet(
    SoftDeleteMixin,
    TeamSerializerContextMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    scope_object = "annotation"
    serializer_class = AnnotationSerializer
    pagination_class = AnnotationPagination
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Annotation]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no team
            return Annotation.objects.none()
        team = self.team
        queryset = Annotation.objects.filter(
            Q(team=team) | Q(scope=Annotation.Scope.ORGANIZATION, organization_id=team.organization_id)
        ).select_related("created_by", "dashboard", "dashboard_item")
        if self.action == "list":
            queryset = queryset.filter(deleted=False)
            search = self.request.query_params.get("search")
            if search:
                queryset = queryset.filter(content__icontains=search)
        return queryset.order_by("-date_marker", "-id")

    def perform_create(self, serializer: BaseSerializer[Annotation]) -> None:
        serializer.save(
            team=self.team,
            organization_id=self.team.organization_id,
            created_by=cast(User, self.request.user),
        )
