"""The ``cohort`` property filter on events: ``{"type": "cohort", "key": "id", "value": 7,
"operator": "in" | "not_in"}`` (``negation: true`` reads as ``not_in``)."""

from __future__ import annotations

from query_engine.cohorts.membership import event_in_cohort
from query_engine.cohorts.source import cohort_ref
from query_engine.errors import QueryError
from query_engine.model import PropertyFilter
from query_engine.sql.params import Params

IN_OPERATORS = ("in", "exact")
NOT_IN_OPERATORS = ("not_in", "is_not")


def cohort_filter(f: PropertyFilter, params: Params, *, team_id: int | None) -> str:
    if team_id is None:
        # Only the insight paths pass their team; elsewhere the filter is refused, not dropped.
        raise QueryError("Cohort filters are not supported here.", attr="properties")
    if f.operator not in IN_OPERATORS + NOT_IN_OPERATORS:
        raise QueryError(f"Cohort filters take operator in or not_in, not {f.operator!r}.", attr="properties")
    ref = cohort_ref(team_id, f.value, "properties")
    return event_in_cohort(team_id, ref, params, negate=f.operator in NOT_IN_OPERATORS)
