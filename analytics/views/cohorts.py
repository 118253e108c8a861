"""``/api/projects/:team_id/cohorts/`` (and ``/api/environments/``): CRUD with soft delete,
CSV uploads to static cohorts, and ``/cohorts/:id/persons/``.

Creating a cohort, changing a dynamic cohort's definition and uploading to a static one
queue a calculation (``is_calculating`` until it is done); membership is computed and
stored in ClickHouse (``analytics/services/cohorts.py``).
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from analytics.models import Cohort
from analytics.serializers.cohorts import CohortSerializer
from analytics.services.cohort_csv import read_csv
from analytics.services.cohort_persons import cohort_persons_page
from analytics.services.cohorts import count_matching_persons
from analytics.tasks import queue_calculation
from analytics.views.team_resources import SoftDeleteMixin, TeamSerializerContextMixin
from query_engine.errors import QueryError
from tenancy.models import User

MAX_ADDED_PERSONS = 1000
SUCCESS = inline_serializer("CohortChangeSuccess", {"success": serializers.BooleanField()})
PERSONS_PAGE = inline_serializer(
    "CohortPersonsPage",
    {
        "results": serializers.ListField(child=serializers.DictField()),
        "next": serializers.CharField(allow_null=True),
        "previous": serializers.CharField(allow_null=True),
    },
)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Text in the name."),
            OpenApiParameter("type", str, description="static or dynamic."),
            OpenApiParameter("created_by_id", int, description="Creator's user id."),
        ]
    ),
    destroy=extend_schema(description="Always 405: delete with PATCH deleted=true.", responses={405: None}),
)
class CohortViewSet(
    SoftDeleteMixin,
    TeamSerializerContextMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    scope_object = "cohort"
    serializer_class = CohortSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Cohort]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no team
            return Cohort.objects.none()
        queryset = Cohort.objects.filter(team=self.team).select_related("created_by")
        if self.action == "list":
            params = self.request.query_params
            queryset = queryset.filter(deleted=False)
            if params.get("search"):
                queryset = queryset.filter(name__icontains=params["search"])
            kind = params.get("type")
            if kind not in (None, "", "static", "dynamic"):
                raise QueryError("type must be static or dynamic.", attr="type")
            if kind:
                queryset = queryset.filter(is_static=kind == "static")
            if creator := params.get("created_by_id", ""):
                if not (creator.isascii() and creator.isdigit() and int(creator) < 2**63):
                    raise QueryError("created_by_id must be a user id.", attr="created_by_id")
                queryset = queryset.filter(created_by_id=int(creator))
        return queryset.order_by("-created_at", "-id")

    def _upload(self, *, is_static: bool) -> tuple[str, list[str]] | None:
        upload = self.request.FILES.get("csv")
        if upload is None:
            return None
        if not is_static:
            raise QueryError("Only static cohorts take a CSV upload.", attr="csv")
        return read_csv(upload)

    def perform_create(self, serializer: BaseSerializer[Cohort]) -> None:
        data = cast(dict[str, Any], serializer.validated_data)
        person_ids = data.pop("_create_static_person_ids", None)
        upload = self._upload(is_static=bool(data.get("is_static")))
        cohort = serializer.save(team=self.team, created_by=cast(User, self.request.user))
        if not cohort.is_static:
            queue_calculation(cohort)
        elif upload is not None:
            queue_calculation(cohort, static=upload)
        elif person_ids:
            queue_calculation(cohort, static=("person_id", person_ids))
        else:
            Cohort.objects.filter(pk=cohort.pk).update(count=0)
            cohort.count = 0

    def perform_update(self, serializer: BaseSerializer[Cohort]) -> None:
        instance = cast(Cohort, serializer.instance)
        upload = self._upload(is_static=instance.is_static)
        cohort = serializer.save()
        if cohort.deleted:
            return
        if upload is not None:
            queue_calculation(cohort, static=upload)
        elif not cohort.is_static:
            # As PostHog: every update of a dynamic cohort recalculates it (a PATCH is also
            # how a client asks for fresh members after persons changed).
            queue_calculation(cohort)

    @extend_schema(
        parameters=[
            OpenApiParameter("limit", int, description="Page size (default 100)."),
            OpenApiParameter("offset", int),
            OpenApiParameter("search", str, description="Text in a property value, or a distinct id."),
        ],
        responses={200: PERSONS_PAGE},
    )
    @action(detail=True, methods=["get"], required_scopes=["cohort:read", "person:read"])
    def persons(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cohort = self.get_object()
        page = cohort_persons_page(request=request, cohort=cohort)
        if getattr(request.accepted_renderer, "format", None) == "csv":
            return Response(page["results"])  # one row per person, properties flattened
        return Response(page)

    @extend_schema(request=None, responses={200: CohortSerializer})
    @action(detail=True, methods=["get"], required_scopes=["cohort:write"])
    def duplicate_as_static_cohort(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A new static cohort holding this cohort's current members (PostHog's "(static copy)")."""
        source = self.get_object()
        if source.deleted:
            raise QueryError("A deleted cohort cannot be copied.", attr="id")
        copy = Cohort.objects.create(
            team=self.team,
            name=f"{source.name or ''} (static copy)",
            description=source.description,
            is_static=True,
            created_by=cast(User, request.user),
        )
        queue_calculation(copy, copy_from=source.pk)
        return Response(self.get_serializer(copy).data)

    def _static(self, attr: str) -> Cohort:
        cohort = self.get_object()
        if not cohort.is_static:
            raise QueryError("Can only add users to static cohorts", attr=attr)
        return cohort

    @extend_schema(
        request=inline_serializer(
            "CohortAddPersons", {"person_ids": serializers.ListField(child=serializers.CharField())}
        ),
        responses={200: SUCCESS},
    )
    @action(detail=True, methods=["patch"], required_scopes=["cohort:write"])
    def add_persons_to_static_cohort(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cohort = self._static("person_ids")
        person_ids = _body(request).get("person_ids")
        if not isinstance(person_ids, list):
            raise QueryError("person_ids must be a list", attr="person_ids")
        if len(person_ids) > MAX_ADDED_PERSONS:
            raise QueryError(f"At most {MAX_ADDED_PERSONS} person_ids at a time.", attr="person_ids")
        values = [str(value) for value in person_ids if isinstance(value, str | int)]
        if not values or not count_matching_persons(team_id=cohort.team_id, person_ids=values):
            raise QueryError("No valid users to add to cohort", attr="person_ids")
        queue_calculation(cohort, static=("person_id", values))
        return Response({"success": True})

    @extend_schema(
        request=inline_serializer("CohortRemovePerson", {"person_id": serializers.CharField()}),
        responses={200: SUCCESS},
    )
    @action(detail=True, methods=["patch"], required_scopes=["cohort:write"])
    def remove_person_from_static_cohort(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        cohort = self._static("person_id")
        person_id = _body(request).get("person_id")
        if not isinstance(person_id, str) or not person_id:
            raise QueryError("person_id must be a person's id.", attr="person_id")
        queue_calculation(cohort, remove=person_id)
        return Response({"success": True})


def _body(request: Request) -> dict[str, Any]:
    return request.data if isinstance(request.data, dict) else {}
