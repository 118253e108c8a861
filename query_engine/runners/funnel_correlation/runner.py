"""``FunnelCorrelationQuery`` runner: counts in ClickHouse, odds ratios here (engine.md §4).

Odds ratios use a prior of one on each cell:
``((s + 1) · (F − f + 1)) / ((S − s + 1) · (f + 1))``; rows seen by fewer
than ``min(25, 2% of all actors)`` actors are dropped as not significant.
"""

from __future__ import annotations

from typing import Any

from query_engine.errors import QueryError
from query_engine.nodes import unwrap
from query_engine.runners.base import Staleness
from query_engine.runners.common import run_sql
from query_engine.runners.funnel_correlation.sql import (
    event_properties_query,
    events_query,
    person_properties_query,
    totals_query,
)
from query_engine.runners.funnels.runner import prepare
from query_engine.team import TeamContext

TYPES = ("events", "properties", "event_with_properties")
DATETIME = "DateTime64(6, 'UTC')"
TOP = 10


def odds_ratio(success: int, failure: int, success_total: int, failure_total: int) -> float:
    return ((success + 1) * (failure_total - failure + 1)) / ((success_total - success + 1) * (failure + 1))


def rank(rows: list[tuple[str, int, int]], success_total: int, failure_total: int) -> list[dict[str, Any]]:
    """The 10 strongest success rows (desc) then the 10 strongest failure rows (asc)."""
    threshold = min(25, 0.02 * (success_total + failure_total))
    scored: list[dict[str, Any]] = []
    for name, s, f in rows:
        if s + f < threshold:
            continue
        ratio = odds_ratio(s, f, success_total, failure_total)
        scored.append(
            {
                "event": {"event": name, "properties": {}, "elements": []},
                "success_count": s,
                "failure_count": f,
                "odds_ratio": ratio,
                "correlation_type": "success" if ratio > 1 else "failure",
            }
        )
    successes = sorted(
        (r for r in scored if r["correlation_type"] == "success"), key=lambda r: -r["odds_ratio"]
    )
    failures = sorted(
        (r for r in scored if r["correlation_type"] == "failure"), key=lambda r: r["odds_ratio"]
    )
    return successes[:TOP] + failures[:TOP]


def _names(value: Any, attr: str) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise QueryError(f"{attr} must be a list of names.", attr=attr)
    return [str(v) for v in value]


def funnel_source(query: dict[str, Any]) -> dict[str, Any]:
    """The ``FunnelsQuery`` inside ``source`` (directly or via a ``FunnelsActorsQuery``)."""
    source = query.get("source")
    if isinstance(source, dict) and source.get("kind") == "FunnelsActorsQuery":
        source = source.get("source")
    if isinstance(source, dict):
        source = unwrap(source)
    if not isinstance(source, dict) or source.get("kind") != "FunnelsQuery":
        raise QueryError("FunnelCorrelationQuery needs a FunnelsQuery source.", attr="source")
    # Correlation looks at whole funnels: one result per actor, steps view, no breakdown.
    funnels = {**(source.get("funnelsFilter") or {}), "funnelVizType": "steps"}
    return {**{k: v for k, v in source.items() if k != "breakdownFilter"}, "funnelsFilter": funnels}


class FunnelCorrelationRunner:
    """Events, person properties or event properties that go with converting or dropping off."""

    kind = "FunnelCorrelationQuery"
    timeout_key = "default"
    # Judged as before: the node has no dateRange of its own (its funnel source does).
    staleness = Staleness.QUERY
    legacy_insight: str | None = None
    insight_node = True

    def __init__(self, *, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> None:
        self.team = team
        self.query = query

    def calculate(self) -> dict[str, Any]:
        kind = self.query.get("funnelCorrelationType") or "events"
        if kind not in TYPES:
            raise QueryError(
                f"funnelCorrelationType must be one of {', '.join(TYPES)}.", attr="funnelCorrelationType"
            )
        p = prepare(self.team, funnel_source(self.query), timeout_key=self.timeout_key)
        params, funnel = p.params, p.funnel
        date_to = params.add(p.window.date_to, DATETIME)
        totals = run_sql(totals_query(funnel, date_to), params.values, timeout_key=self.timeout_key).dicts()[
            0
        ]
        s_total, f_total = int(totals["success_total"]), int(totals["failure_total"])
        if s_total == 0 or f_total == 0:
            return self._response([], skewed=True)
        rows = self._rows(kind, p, date_to)
        skewed = s_total / f_total > 10 or f_total / s_total > 10
        return self._response(rank(rows, s_total, f_total), skewed=skewed)

    def _rows(self, kind: str, p: Any, date_to: str) -> list[tuple[str, int, int]]:
        params, funnel = p.params, p.funnel
        if kind == "events":
            step_events = [s.event for s in p.spec.series if s.kind == "events" and s.event]
            excluded = step_events + _names(
                self.query.get("funnelCorrelationExcludeEventNames"), "funnelCorrelationExcludeEventNames"
            )
            sql = events_query(funnel, date_to, params.add(excluded, "Array(String)"))
            return [
                (r["name"], int(r["success_count"]), int(r["failure_count"])) for r in self._run(sql, params)
            ]
        if kind == "properties":
            names = _names(self.query.get("funnelCorrelationNames"), "funnelCorrelationNames")
            if not names:
                raise QueryError(
                    "Property correlation needs funnelCorrelationNames.", attr="funnelCorrelationNames"
                )
            excluded = _names(
                self.query.get("funnelCorrelationExcludeNames"), "funnelCorrelationExcludeNames"
            )
            sql = person_properties_query(
                funnel,
                date_to,
                params.add(names, "Array(String)"),
                "$all" in names,
                params.add(excluded, "Array(String)"),
            )
            return [
                (f"{r['key']}::{r['value']}", int(r["success_count"]), int(r["failure_count"]))
                for r in self._run(sql, params)
            ]
        events = _names(self.query.get("funnelCorrelationEventNames"), "funnelCorrelationEventNames")
        excluded = _names(
            self.query.get("funnelCorrelationEventExcludePropertyNames"),
            "funnelCorrelationEventExcludePropertyNames",
        )
        sql = event_properties_query(
            funnel, date_to, params.add(events, "Array(String)"), params.add(excluded, "Array(String)")
        )
        rows = [
            (f"{r['name']}::{r['key']}::{r['value']}", int(r["success_count"]), int(r["failure_count"]))
            for r in self._run(sql, params)
        ]
        # Rare (event, property, value) rows are noise: PostHog drops those seen by two actors or fewer.
        return [row for row in rows if row[1] + row[2] > 2]

    def _run(self, sql: str, params: Any) -> list[dict[str, Any]]:
        return run_sql(sql, params.values, timeout_key=self.timeout_key).dicts()

    @staticmethod
    def _response(events: list[dict[str, Any]], *, skewed: bool) -> dict[str, Any]:
        return {"results": {"events": events, "skewed": skewed}, "timings": []}
