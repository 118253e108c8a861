"""Public shared-insight pages: ``/shared/<token>``, ``/embedded/<token>`` and their ``.json``.

No authentication: the unguessable token is the credential, valid only while sharing is on.
The page draws the insight with ECharts (served from the static files, see
``bin/install-assets``); ``.json`` is always JSON, also when a browser opens it.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.models import SharingConfiguration
from analytics.serializers.insights import InsightSerializer
from analytics.services.insight_results import insights_result_fields
from analytics.services.insights import record_views
from analytics.services.shared_page import chart_kind, date_range_text
from analytics.services.sharing import config_for_token
from analytics.views.sharing_auth import shared_refresh_mode
from query_engine.refresh.modes import parse_refresh

FLAGS = ("whitelabel", "noHeader", "legend", "detailed", "showInspector")
ROUTES = {"scene": "shared", "embed": "embedded"}


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
    saved = config.settings or {}
    for flag in FLAGS:  # the link's saved settings, and what the query string adds
        if flag in request.query_params or saved.get(flag) is True:
            payload[flag] = True
    return payload


def _page(request: Request, payload: dict[str, Any], kind: str) -> HttpResponse:
    insight = payload["insight"]
    token = payload["accessToken"]
    chart = chart_kind(insight)
    # Several series need a legend to be told apart; ?legend forces one.
    result = insight.get("result")
    many = (
        isinstance(result, list) and len(result) > 1 and chart not in ("funnel-steps", "retention", "paths")
    )
    page_data = {
        "chart": chart,
        "insight": {key: insight.get(key) for key in ("result", "last_refresh", "query", "filters")},
        "jsonUrl": f"/{ROUTES[kind]}/{token}.json",
        "legend": bool(payload.get("legend")) or many or chart in ("lifecycle", "pie"),
        "detailed": bool(payload.get("detailed")),
    }
    context = {
        "title": insight.get("name") or insight.get("derived_name") or "Shared insight",
        "description": insight.get("description") or "",
        "date_range": date_range_text(insight),
        "last_refresh": insight.get("last_refresh"),
        "embedded": kind == "embed",
        "no_header": bool(payload.get("noHeader")),
        "whitelabel": bool(payload.get("whitelabel")),
        "chart": chart,
        "page_data": page_data,
    }
    return render(request, "analytics/shared_insight.html", context)


class SharedInsightView(APIView):
    """GET the shared insight as JSON (``.json``) or as a page that draws it."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    # .json is for programs and browsers alike: never DRF's browsable page.
    renderer_classes = [JSONRenderer]
    kind = "scene"

    @extend_schema(exclude=True)
    def get(self, request: Request, token: str, as_json: str | None = None) -> Any:
        config = _config_or_404(token) if as_json else config_for_token(token)
        if config is None:  # the page (``.json`` answered its 404 already)
            return render(request, "analytics/shared_not_found.html", status=404)
        record_views(team=config.team, user=None, insight_ids=[config.insight_id])
        payload = shared_payload(request=request, config=config, kind=self.kind)
        if as_json:
            return Response(payload)
        return _page(request, payload, self.kind)


class EmbeddedInsightView(SharedInsightView):
    kind = "embed"
