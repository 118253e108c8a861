"""Legacy compute endpoints ``insights/funnel/`` and ``insights/funnel/correlation/``.

The filter becomes a ``FunnelsQuery`` (or a ``FunnelCorrelationQuery`` around
one); steps gain the legacy engine's people URLs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_view

from analytics.serializers.compute_schemas import (
    FUNNEL_PARAMS,
    CorrelationResponseSerializer,
    FunnelResponseSerializer,
)
from analytics.serializers.request_schemas import (
    LegacyCorrelationRequestSerializer,
    LegacyFunnelRequestSerializer,
)
from analytics.views.legacy_base import LegacyComputeView
from query_engine.legacy.funnels import correlation_query, funnels_query

NOT_FILTERS = ("format", "refresh")


def people_url(team_id: int, filters: dict[str, Any], step: int, breakdown: Any = None) -> str:
    """The project's ``persons/funnel/`` route for the actors of one step."""
    params = {k: v for k, v in filters.items() if k not in NOT_FILTERS}
    params = {k: v if isinstance(v, str) else _json(v) for k, v in params.items()}
    params["funnel_step"] = str(step)
    if breakdown is not None:
        params["funnel_step_breakdown"] = _json(breakdown)
    return f"{settings.SITE_URL}/api/projects/{team_id}/persons/funnel/?{urlencode(params)}"


def _json(value: Any) -> str:
    import orjson

    return orjson.dumps(value).decode()


def with_people_urls(result: Any, filters: dict[str, Any], team_id: int) -> Any:
    """Steps results gain ``converted_people_url``/``dropped_people_url`` as the legacy engine gave."""
    if not isinstance(result, list) or not result:
        return result
    funnels = result if isinstance(result[0], list) else [result]
    for steps in funnels:
        for step in steps:
            if not isinstance(step, dict) or "order" not in step:
                return result
            number, breakdown = step["order"] + 1, step.get("breakdown_value")
            step["converted_people_url"] = people_url(team_id, filters, number, breakdown)
            step["dropped_people_url"] = (
                people_url(team_id, filters, -number, breakdown) if number > 1 else None
            )
    return result


def correlation_people_url(team_id: int, filters: dict[str, Any], event: str, success: bool) -> str:
    """The project's ``persons/funnel/correlation/`` route for one row's success or failure actors.

    The row's ``event`` text says which: ``name`` (events), ``name::key::value`` (event with
    properties) or ``key::value`` (person properties), as the legacy engine built them."""
    params = {k: v for k, v in filters.items() if k not in NOT_FILTERS}
    params = {k: v if isinstance(v, str) else _json(v) for k, v in params.items()}
    params["funnel_correlation_person_converted"] = "true" if success else "false"
    kind = filters.get("funnel_correlation_type") or "events"
    if kind == "properties":
        key, _, value = event.partition("::")
        values = [{"key": key, "value": value, "type": "person", "operator": "exact"}]
        params["funnel_correlation_property_values"] = _json(values)
    elif kind == "event_with_properties":
        name, key, value = (event.split("::", 2) + ["", ""])[:3]
        entity = {
            "id": name,
            "type": "events",
            "properties": [{"key": key, "value": value, "type": "event", "operator": "exact"}],
        }
        params["funnel_correlation_person_entity"] = _json(entity)
    else:
        params["funnel_correlation_person_entity"] = _json({"id": event, "type": "events"})
    return f"{settings.SITE_URL}/api/projects/{team_id}/persons/funnel/correlation/?{urlencode(params)}"


def with_correlation_people_urls(results: Any, filters: dict[str, Any], team_id: int) -> Any:
    """Correlation rows gain ``success_people_url``/``failure_people_url``."""
    if not isinstance(results, dict):
        return results
    for row in results.get("events") or []:
        event = (row.get("event") or {}).get("event")
        if isinstance(event, str):
            row["success_people_url"] = correlation_people_url(team_id, filters, event, True)
            row["failure_people_url"] = correlation_people_url(team_id, filters, event, False)
    return results


@extend_schema_view(
    get=extend_schema(parameters=FUNNEL_PARAMS, request=None, responses=FunnelResponseSerializer),
    post=extend_schema(request=LegacyFunnelRequestSerializer, responses=FunnelResponseSerializer),
)
class LegacyFunnelView(LegacyComputeView):
    def query(self, filters: dict[str, Any]) -> dict[str, Any]:
        return funnels_query(filters)

    def shape(self, result: Any, filters: dict[str, Any]) -> Any:
        return with_people_urls(result, filters, self.team.id)


@extend_schema_view(
    get=extend_schema(parameters=FUNNEL_PARAMS, request=None, responses=CorrelationResponseSerializer),
    post=extend_schema(request=LegacyCorrelationRequestSerializer, responses=CorrelationResponseSerializer),
)
class LegacyFunnelCorrelationView(LegacyFunnelView):
    """Same filter dict plus the ``funnel_correlation_*`` keys."""

    def query(self, filters: dict[str, Any]) -> dict[str, Any]:
        return correlation_query(filters)

    def shape(self, results: Any, filters: dict[str, Any]) -> Any:
        return with_correlation_people_urls(results, filters, self.team.id)
