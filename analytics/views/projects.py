from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from access_control.authentication import personal_api_key, signed_in_user
from access_control.permissions import APIScopePermission
from access_control.teams import check_key_scoped_to, resolve_team
from access_control.throttles import BurstRateThrottle, SustainedRateThrottle
from analytics.serializers.projects import ProjectSerializer
from analytics.serializers.users import UserBasicSerializer
from tenancy.models import Team


class ProjectViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """Projects the caller can see (one team per project here); PATCH/PUT change its settings.

    A saved team changes the response-cache generation and the auth cache entry
    (signals), and its answer-changing settings are in every result cache key, so
    the next computation uses the new settings.
    """

    scope_object = "project"
    serializer_class = ProjectSerializer
    permission_classes = [IsAuthenticated, APIScopePermission]
    throttle_classes = [BurstRateThrottle, SustainedRateThrottle]
    lookup_value_regex = r"[^/]+"

    def get_queryset(self) -> QuerySet[Team]:
        if getattr(self, "swagger_fake_view", False):
            return Team.objects.none()
        teams = signed_in_user(self.request).teams().select_related("organization").order_by("id")
        key = personal_api_key(self.request)
        if key and key.scoped_teams:
            teams = teams.filter(id__in=key.scoped_teams)
        if key and key.scoped_organizations:
            teams = teams.filter(organization_id__in=key.scoped_organizations)
        return teams

    def get_object(self) -> Team:
        team = resolve_team(user=self.request.user, raw_id=str(self.kwargs["pk"]))
        check_key_scoped_to(key=personal_api_key(self.request), team=team)
        return team


class CurrentUserViewSet(viewsets.ViewSet):
    """``/api/users/@me/``: who the credentials belong to (a key needs ``user:read``, as in PostHog)."""

    scope_object = "user"
    required_scopes = ["user:read"]
    permission_classes = [IsAuthenticated, APIScopePermission]
    throttle_classes = [BurstRateThrottle, SustainedRateThrottle]

    @extend_schema(responses=UserBasicSerializer)
    @action(detail=False, methods=["get"], url_path="@me")
    def me(self, request: Request) -> Response:
        data = UserBasicSerializer(request.user).data
        data["team"] = signed_in_user(request).current_team_id
        return Response(data)
