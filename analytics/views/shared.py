"""Public shared-insight pages: ``/shared/<token>``, ``/embedded/<token>`` and their ``.json``.

No authentication: the unguessable token is the credential, valid only while sharing is on.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.utils.html import escape
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.models import SharingConfiguration
from analytics.serializers.insights import InsightSerializer
from analytics.services.insight_results import insights_result_fields
from analytics.services.insights import record_views
from analytics.services.sharing import config_for_token
from analytics.views.sharing_auth import shared_refresh_mode
from query_engine.refresh.modes import parse_refresh

FLAGS = ("whitelabel", "noHeader", "legend", "detailed", "showInspector")


def _config_or_404(token: str) -> SharingConfiguration:
    config = config_for_token(token)
    if config is None:
        raise Http404("Not found.")
    return config


def shared_payload(*, request: Request, config: SharingConfiguration, kind: str) -> dict[str, Any]:
    """``{type, accessToken, insight, themes}`` plus the display flags given in the query string."""
    mode = shared_refresh_mode(parse_refresh(request.query_params.get("refresh")))
    results = insights_result_fields([config.insight], mode=mode, refresh_requested=True, sharing=True)
    context = {"request": request, "sharing": True, "results": results}
    payload: dict[str, Any] = {
        "type": kind,
        "accessToken": config.access_token,
        "insight": InsightSerializer(config.insight, context=context).data,
        "themes": [],
    }
    for flag in FLAGS:
        if flag in request.query_params:
            payload[flag] = True
    return payload


class SharedInsightView(APIView):
    """GET the shared insight as JSON (``.json``) or as a small HTML page."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    kind = "scene"

    @extend_schema(exclude=True)
    def get(self, request: Request, token: str, as_json: str | None = None) -> Any:
        config = _config_or_404(token)
        record_views(team=config.team, user=None, insight_ids=[config.insight_id])
        payload = shared_payload(request=request, config=config, kind=self.kind)
        if as_json:
            return Response(payload)
        title = escape(payload["insight"]["name"] or payload["insight"]["derived_name"] or "Shared insight")
        return HttpResponse(
            f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><h1>{title}</h1>"
            f"<p><a href='{escape(request.path)}.json'>Data (JSON)</a></p></body></html>",
            content_type="text/html; charset=utf-8",
        )


class EmbeddedInsightView(SharedInsightView):
    kind = "embed"
