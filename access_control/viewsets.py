"""``/api/personal_api_keys/``: a user's keys. Only a browser session may create or delete them."""

from __future__ import annotations

from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from access_control.authentication import personal_api_key, signed_in_user
from access_control.models import PersonalAPIKey
from access_control.serializers import PersonalAPIKeySerializer
from access_control.services import create_personal_api_key, revoke_personal_api_key
from access_control.throttles import BurstRateThrottle, SustainedRateThrottle


class KeySelfAccessPermission(BasePermission):
    """As in PostHog: a personal API key may only read itself; everything else needs a session."""

    message = "This action does not support Personal API Key access"

    def has_permission(self, request: Request, view) -> bool:
        return personal_api_key(request) is None or view.action == "retrieve"

    def has_object_permission(self, request: Request, view, obj: PersonalAPIKey) -> bool:
        key = personal_api_key(request)
        return key is None or key.pk == obj.pk


class PersonalAPIKeyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PersonalAPIKeySerializer
    permission_classes = [IsAuthenticated, KeySelfAccessPermission]
    throttle_classes = [BurstRateThrottle, SustainedRateThrottle]
    pagination_class = None
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PersonalAPIKey.objects.none()
        return PersonalAPIKey.objects.filter(
            user=signed_in_user(self.request), revoked_at__isnull=True
        ).order_by("-created_at")

    def get_object(self) -> PersonalAPIKey:
        if self.kwargs["pk"] == "@current":
            key = personal_api_key(self.request)
            if key is None:
                raise NotFound("No personal API key was used for this request.")
            self.check_object_permissions(self.request, key)
            return key
        return super().get_object()

    def _require_session(self) -> None:
        if personal_api_key(self.request) is not None:
            raise PermissionDenied("Personal API keys cannot create or delete personal API keys.")

    def create(self, request: Request, *args, **kwargs) -> Response:
        self._require_session()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, value = create_personal_api_key(user=request.user, **serializer.validated_data)
        body = PersonalAPIKeySerializer(key, context={"plaintext": value}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        self._require_session()
        revoke_personal_api_key(key=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
