"""What the project's own REST resources (actions, cohorts, annotations, dashboards, exports,
insights) share beyond ``TeamScopedMixin``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from access_control.views import TeamScopedMixin

if TYPE_CHECKING:
    from rest_framework.generics import GenericAPIView as _GenericBase
else:
    _GenericBase = object


class TeamSerializerContextMixin(TeamScopedMixin, _GenericBase):
    """Serializers get the team, so ids they accept (actions, cohorts, insights, dashboards)
    are checked against this project's own."""

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if not getattr(self, "swagger_fake_view", False):  # schema generation has no team
            context["team"] = self.team
        return context


class SoftDeleteMixin(_GenericBase):
    """As in PostHog, these objects are never hard-deleted: PATCH ``{"deleted": true}``."""

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(status=status.HTTP_405_METHOD_NOT_ALLOWED)
