"""Legacy compute endpoint ``insights/trend/`` (trends, stickiness, lifecycle), as JSON or CSV."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from analytics.serializers.compute_schemas import TREND_PARAMS, TrendResponseSerializer
from analytics.serializers.request_schemas import LegacyTrendRequestSerializer
from analytics.views.legacy_base import LegacyComputeView
from analytics.views.legacy_persons import trend_persons_urls
from insights_api.errors import QueryError
from query_engine.legacy.registry import filters_to_query

# Query-node field names → the legacy field a client sent.
LEGACY_ATTRS = (
    (r"^dateRange__(date_from|date_to)$", r"\1"),
    (r"^trendsFilter__display$", "display"),
    (r"^trendsFilter__formula.*$", "formula"),
    (r"^trendsFilter__smoothingIntervals$", "smoothing_intervals"),
    (r"^breakdownFilter__(.*)$", r"\1"),
    (r"^series(__\d+)?(__.*)?$", "events"),
)


def legacy_attr(attr: str | None) -> str | None:
    for pattern, replacement in LEGACY_ATTRS:
        if attr and re.match(pattern, attr):
            return re.sub(pattern, replacement, attr)
    return attr


class TrendCSVRenderer(BaseRenderer):
    """``series,<label>…`` then one row per series (api.md §10)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if isinstance(data, dict) and "result" in data:
            rows = data.get("result") or []
            if data.get("export_url"):
                writer.writerow([data["export_url"]])
            labels = rows[0].get("labels") or [] if rows else []
            writer.writerow(["series", *labels])
            for row in rows:
                values = row.get("data") or ([row["aggregated_value"]] if "aggregated_value" in row else [])
                writer.writerow([row.get("custom_name") or row.get("label"), *[float(v) for v in values]])
        else:  # errors
            for key, value in (data or {}).items():
                writer.writerow([key, value])
        return out.getvalue().encode()


@extend_schema_view(
    get=extend_schema(parameters=TREND_PARAMS, request=None, responses=TrendResponseSerializer),
    post=extend_schema(request=LegacyTrendRequestSerializer, responses=TrendResponseSerializer),
)
class LegacyTrendView(LegacyComputeView):
    renderer_classes = [JSONRenderer, TrendCSVRenderer]

    def query(self, filters: dict[str, Any]) -> dict[str, Any]:
        insight = str(filters.get("insight") or "TRENDS").upper()
        if insight not in ("TRENDS", "STICKINESS", "LIFECYCLE"):
            raise QueryError(f"insight {insight!r} is not computed by this endpoint.", attr="insight")
        return filters_to_query(filters)["source"]

    def legacy_attr(self, attr: str | None) -> str | None:
        return legacy_attr(attr)

    def shape(self, results: Any, filters: dict[str, Any]) -> Any:
        """Trend entries gain ``persons_urls`` (or ``persons`` for a total value)."""
        if self.query(filters).get("kind") == "TrendsQuery" and isinstance(results, list):
            for entry in results:
                if isinstance(entry, dict) and entry.get("action"):
                    trend_persons_urls(self.team.id, filters, entry)
        return results

    def respond(self, body: dict[str, Any], filters: dict[str, Any]) -> Response:
        accepted = getattr(self.request, "accepted_renderer", None)
        if accepted is not None and accepted.format == "csv":
            return self._csv(body, filters)
        return Response(body)

    def _csv(self, body: dict[str, Any], filters: dict[str, Any]) -> Response:
        from django.conf import settings
        from django.utils.text import slugify

        export_id = filters.get("export_insight_id")
        if export_id:
            body["export_url"] = f"{getattr(settings, 'SITE_URL', '').rstrip('/')}/insights/{export_id}/"
        name = slugify(str(filters.get("export_name") or "trends")) or "trends"
        span = f"{filters.get('date_from') or '-7d'} - {filters.get('date_to') or 'now'}"
        response = Response(body)
        response["Content-Disposition"] = f'attachment; filename="{name} ({span}) from PostHog.csv"'
        return response
