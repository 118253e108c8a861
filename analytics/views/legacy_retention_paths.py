"""Legacy compute routes ``insights/retention/`` and ``insights/path/`` (api.md §10).

Errors name the legacy field (``period``, ``step_limit`` …), not the node's.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view

from analytics.serializers.legacy_retention_paths import (
    PATHS_PARAMS,
    RETENTION_PARAMS,
    PathsResponseSerializer,
    RetentionResponseSerializer,
)
from analytics.serializers.request_schemas import (
    LegacyPathsRequestSerializer,
    LegacyRetentionRequestSerializer,
)
from analytics.views.legacy_base import LegacyComputeView
from analytics.views.legacy_persons import persons_url
from query_engine.legacy.registry import filters_to_query
from query_engine.legacy.trends import decode
from query_engine.runners.retention.results import triangular

NODE_FILTERS = re.compile(r"^(?:retentionFilter|pathsFilter|dateRange)__([A-Za-z]+)(.*)$")


def legacy_attr(attr: str | None) -> str | None:
    """``retentionFilter__totalIntervals`` → ``total_intervals`` (the key the client sent)."""
    match = NODE_FILTERS.match(attr or "")
    if not match:
        return attr
    snake = re.sub(r"(?<!^)([A-Z])", r"_\1", match.group(1)).lower()
    return snake + match.group(2)


class _NamedInsightView(LegacyComputeView):
    """The route names the insight kind; errors name the legacy field."""

    insight = ""

    def query(self, filters: dict[str, Any]) -> dict[str, Any]:
        return filters_to_query({**filters, "insight": self.insight})["source"]

    def legacy_attr(self, attr: str | None) -> str | None:
        return legacy_attr(attr)

    def shape(self, results: Any, filters: dict[str, Any]) -> Any:
        return results or []


@extend_schema_view(
    get=extend_schema(parameters=RETENTION_PARAMS, request=None, responses=RetentionResponseSerializer),
    post=extend_schema(request=LegacyRetentionRequestSerializer, responses=RetentionResponseSerializer),
)
class LegacyRetentionView(_NamedInsightView):
    """Seed-era retention: triangular rows, ``total_intervals`` 11 by default."""

    insight = "RETENTION"

    def shape(self, results: Any, filters: dict[str, Any]) -> Any:
        rows = triangular(results or [])
        if decode(filters.get("breakdown"), "breakdown") in (None, "", []):
            # Each row's cohort behind persons/retention/ (with a breakdown rows restart per value: none).
            for index, row in enumerate(rows):
                point = {**filters, "display": "ActionsTable", "breakdown_values": [index]}
                row["people_url"] = persons_url(self.team.id, "retention", point)
        return rows


@extend_schema_view(
    get=extend_schema(parameters=PATHS_PARAMS, request=None, responses=PathsResponseSerializer),
    post=extend_schema(request=LegacyPathsRequestSerializer, responses=PathsResponseSerializer),
)
class LegacyPathsView(_NamedInsightView):
    """Seed-era paths: the list of edges."""

    insight = "PATHS"
