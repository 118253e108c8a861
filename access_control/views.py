"""Base classes for views that live under a team."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from rest_framework.exceptions import Throttled
from rest_framework.permissions import IsAuthenticated

from access_control.permissions import APIScopePermission, TeamMemberPermission
from access_control.teams import resolve_team
from access_control.throttles import THROTTLE_CLASSES, THROTTLE_WAITS_ATTR
from tenancy.models import Team

if TYPE_CHECKING:
    from rest_framework.views import APIView as _ViewBase  # what the mixin is mixed into
else:
    _ViewBase = object


class TeamScopedMixin(_ViewBase):
    """For views under ``/api/projects/:team_id/`` and ``/api/environments/:team_id/``.

    Subclasses set ``scope_object``; extra actions declare ``required_scopes``.
    """

    scope_object: str | None = None
    # Per action (``@action(required_scopes=...)``): a list, or a dict by HTTP method.
    required_scopes: list[str] | dict[str, list[str]] | None = None
    permission_classes = [IsAuthenticated, TeamMemberPermission, APIScopePermission]
    throttle_classes = list(THROTTLE_CLASSES)

    def check_throttles(self, request) -> None:
        waits = getattr(request._request, THROTTLE_WAITS_ATTR, None)
        if waits is None:
            super().check_throttles(request)
        elif waits:
            # What APIView.throttled does; its stubs forbid the None (unknown wait) DRF accepts.
            raise Throttled(max((wait for wait in waits if wait is not None), default=None))

    @cached_property
    def team(self) -> Team:
        return resolve_team(user=self.request.user, raw_id=str(self.kwargs["project_id"]))

    @property
    def team_id(self) -> int:
        return self.team.id
