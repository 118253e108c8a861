"""Funnels broken down by cohort: one funnel per cohort (``all``: everyone), as PostHog
computes them. Each step of a cohort's funnel carries ``breakdown`` (the cohort's name,
``all users`` for all) and ``breakdown_value`` (the cohort id, 0 for all); funnel trends
entries carry the name as ``breakdown_value``. Cohort breakdowns are not limited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from query_engine.cohorts.source import cohort_ref
from query_engine.model import PropertyFilter, PropertyGroup
from query_engine.nodes import ALL_USERS
from query_engine.runners.funnels.queries import steps_query, trends_query
from query_engine.runners.funnels.results import steps_result, trends_result
from query_engine.runners.funnels.spec import FunnelSpec
from query_engine.sql.params import Params

ALL_USERS_LABEL = "all users"
ALL_USERS_ID = 0


def restrict_to_cohort(spec: FunnelSpec, value: str | None) -> FunnelSpec:
    """The funnel of one cohort breakdown value (``None`` or ``all``: everyone), unbroken."""
    if value is None or value == ALL_USERS:
        return replace(spec, breakdown=None)
    condition = PropertyFilter(key="id", value=int(value), operator="in", type="cohort")
    return replace(spec, breakdown=None, properties=PropertyGroup("AND", (spec.properties, condition)))


def cohort_results(
    *,
    team_id: int,
    values: tuple[str, ...],
    prepare: Callable[[str], Any],
    rows: Callable[[str, Params], list[dict[str, Any]]],
) -> dict[str, Any]:
    """``prepare(value)`` gives one value's prepared funnel (``runner.Prepared``); ``rows`` runs SQL."""
    results: list[Any] = []
    window = None
    for value in values:
        name = (
            ALL_USERS_LABEL
            if value == ALL_USERS
            else cohort_ref(team_id, value, "breakdownFilter__breakdown").name
        )
        p = prepare(value)
        window = p.window
        if p.spec.viz_type == "trends":
            to_step = p.spec.last_step if p.spec.to_step is None else p.spec.to_step
            found = rows(trends_query(p.funnel, p.spec.from_step, to_step), p.params)
            results += [
                {**entry, "breakdown_value": name} for entry in trends_result(found, p.spec, p.window)
            ]
            continue
        steps = steps_result(rows(steps_query(p.funnel, None), p.params), p.spec, p.actions)
        if steps:
            raw = ALL_USERS_ID if value == ALL_USERS else int(value)
            results.append([{**step, "breakdown": name, "breakdown_value": raw} for step in steps])
    if results and isinstance(results[0], list):
        # Largest last-step count first, then earlier steps, as for property breakdowns.
        results.sort(key=lambda steps: [-step["count"] for step in reversed(steps)])
    assert window is not None
    return {
        "results": results,
        "timings": [],
        "resolved_date_range": {
            "date_from": window.date_from.isoformat(),
            "date_to": window.date_to.isoformat(),
        },
    }
