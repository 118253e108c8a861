"""Legacy ``persons/retention/``: the actors of one retention cohort row, behind the legacy
retention rows' ``people_url`` (actors.md §8).

PostHog's shape for the table display: ``{"result": [{"person", "appearances"}], "next"}``,
``appearances`` one 0/1 flag per interval of the row (``total_intervals - row``), actors with
the most appearances first. The row is ``breakdown_values[0]`` (as ``people_url`` sends it) or
``selected_interval``. The people come from the retention actors mode (``InsightActorsQuery``
``interval``), so a row's list has exactly the row's first count and each flag column sums to
its cell. Other displays (PostHog's per-interval line graph lists) are refused.
"""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import JSONRenderer

from analytics.views.legacy_persons import LegacyPersonsView, legacy_person
from insights_api.errors import QueryError
from query_engine.legacy.registry import filters_to_query
from query_engine.legacy.trends import decode

TABLE = "ActionsTable"


def cohort_row(filters: dict[str, Any]) -> int:
    """The cohort row: ``breakdown_values[0]``, else ``selected_interval``."""
    values = decode(filters.get("breakdown_values"), "breakdown_values")
    attr, row = "selected_interval", filters.get("selected_interval")
    if values not in (None, "", []):
        attr, row = "breakdown_values", values[0] if isinstance(values, list) and len(values) == 1 else values
    if row in (None, ""):
        raise QueryError("Must include the cohort row as breakdown_values or selected_interval.", attr=attr)
    try:
        number = int(str(row))
    except ValueError:
        raise QueryError("The cohort row must be a whole number.", attr=attr) from None
    if number < 0:
        raise QueryError("The cohort row must not be negative.", attr=attr)
    return number


class LegacyRetentionPersonsView(LegacyPersonsView):
    route = "retention"
    renderer_classes = [JSONRenderer]
    intervals = 0  # flags per actor: the row's intervals (set from the query)

    def source(self, filters: dict[str, Any]) -> dict[str, Any]:
        display = filters.get("display") or TABLE
        if display != TABLE:
            raise QueryError(f"Only display={TABLE} lists retention persons.", attr="display")
        node = filters_to_query({**filters, "insight": "RETENTION"})["source"]
        if node.get("breakdownFilter"):
            raise QueryError("Retention persons of a breakdown are not supported yet.", attr="breakdown")
        row = cohort_row(filters)
        self.intervals = int((node.get("retentionFilter") or {}).get("totalIntervals") or 0) - row
        return {"kind": "InsightActorsQuery", "source": node, "interval": row}

    def select(self) -> list[str]:
        return ["person", "appearances"]

    def order(self) -> list[str]:
        return ["length(appearances) DESC"]  # then the actor id (the runner's stable last key)

    def people(self, rows: list[list[Any]]) -> list[dict[str, Any]]:
        return [
            {
                "person": legacy_person(person),
                "appearances": [1 if lag in appearances else 0 for lag in range(self.intervals)],
            }
            for person, appearances in rows
        ]

    def envelope(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"result": body["results"][0]["people"], "next": body["next"]}
