"""Exact SQL + parameters of every statement shape the runners send, as snapshot files.

Each case is a query node computed by its real runner against a recording
backend (no ClickHouse): the snapshot under ``tests/snapshots/sql/<case>.sql``
holds every statement with its bound parameters and settings. A change to a
builder shows up here as a diff to review; regenerate with
``UPDATE_SQL_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_sql_snapshots.py -n0``.
(Hand-written rather than syrupy: its unused-snapshot check does not work under
pytest-xdist, which ``bin/test`` uses.)
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from query_engine import backends
from query_engine.actions import register_action_source
from query_engine.backends.base import QueryResult
from query_engine.materialized import catalog
from query_engine.model import ActionDef, ActionStep, PropertyFilter, PropertyGroup
from query_engine.runners.registry import runner_for
from query_engine.team import TeamContext

SNAPSHOTS = Path(__file__).parent / "snapshots" / "sql"
NOW = datetime(2024, 1, 10, 12, tzinfo=UTC)
WEEK = {"date_from": "2024-01-01", "date_to": "2024-01-07"}
PAGEVIEW = {"kind": "EventsNode", "event": "$pageview"}
SIGNUP = {"kind": "EventsNode", "event": "signed_up"}
PAID = {"kind": "EventsNode", "event": "paid", "properties": [{"key": "plan", "value": "pro"}]}
TEST_ACCOUNTS = [{"key": "email", "value": "@example.com", "operator": "not_icontains", "type": "person"}]
CLEANING = [{"regex": "/item/\\d+", "alias": "/item/:id"}]
ACTION = ActionDef(
    id=42,
    name="Checked out",
    steps=(
        ActionStep(event="checkout", url="/cart", url_matching="contains"),
        ActionStep(
            event="$autocapture",
            properties=PropertyGroup("AND", (PropertyFilter(key="$el_text", value="Buy"),)),
        ),
    ),
)


def trends(math: str | None = None, **fields: Any) -> dict[str, Any]:
    series = {**PAGEVIEW, **({"math": math} if math else {}), **fields.pop("series_fields", {})}
    return {"kind": "TrendsQuery", "series": [series], "dateRange": WEEK, **fields}


def funnel(**funnels_filter: Any) -> dict[str, Any]:
    return {
        "kind": "FunnelsQuery",
        "series": [PAGEVIEW, SIGNUP, PAID],
        "dateRange": WEEK,
        "funnelsFilter": funnels_filter,
    }


def correlation(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "kind": "FunnelCorrelationQuery",
        "funnelCorrelationType": kind,
        "source": {"kind": "FunnelsActorsQuery", "source": funnel()},
        **fields,
    }


# name → (query node, team settings beyond the defaults)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # Trends, one case per math family and per SQL shape.
    "trends_total": (trends(), {}),
    "trends_dau": (trends("dau"), {}),
    "trends_dau_person_mode_distinct_id": (trends("dau"), {"aggregate_by_distinct_id": True}),
    "trends_unique_session": (trends("unique_session"), {}),
    "trends_unique_group": (trends("unique_group", series_fields={"math_group_type_index": 0}), {}),
    "trends_sum_property": (trends("sum", series_fields={"math_property": "price"}), {}),
    "trends_p90_person_property": (
        trends("p90", series_fields={"math_property": "age", "math_property_type": "person_properties"}),
        {},
    ),
    "trends_avg_count_per_actor": (trends("avg_count_per_actor"), {}),
    "trends_weekly_active_day": (trends("weekly_active"), {}),
    "trends_monthly_active_week": (trends("monthly_active", interval="week"), {}),
    "trends_first_time_for_user": (trends("first_time_for_user"), {}),
    "trends_first_matching_event_for_user": (
        trends("first_matching_event_for_user", series_fields={"properties": PAID["properties"]}),
        {},
    ),
    "trends_cumulative_dau": (trends("dau", trendsFilter={"display": "ActionsLineGraphCumulative"}), {}),
    "trends_total_value": (trends("dau", trendsFilter={"display": "BoldNumber"}), {}),
    "trends_breakdown_filters_test_accounts": (
        trends(
            breakdownFilter={"breakdown": "$browser", "breakdown_normalize_url": True},
            properties=[{"key": "$os", "value": ["Mac OS X", "Linux"], "operator": "exact"}],
            filterTestAccounts=True,
        ),
        {"test_account_filters": TEST_ACCOUNTS},
    ),
    "trends_multi_breakdown": (
        trends(
            breakdownFilter={"breakdowns": [{"property": "$browser"}, {"property": "plan", "type": "person"}]}
        ),
        {},
    ),
    "trends_compare_week_monday_paris": (
        trends(interval="week", compareFilter={"compare": True}),
        {"timezone": "Europe/Paris", "week_start_day": 1},
    ),
    "trends_action_series": ({**trends(), "series": [{"kind": "ActionsNode", "id": 42}]}, {}),
    # Stickiness and lifecycle.
    "stickiness": ({"kind": "StickinessQuery", "series": [PAGEVIEW], "dateRange": WEEK}, {}),
    "stickiness_criteria_cumulative": (
        {
            "kind": "StickinessQuery",
            "series": [PAGEVIEW],
            "dateRange": WEEK,
            "stickinessFilter": {
                "computedAs": "cumulative",
                "stickinessCriteria": {"operator": "exact", "value": 3},
            },
        },
        {},
    ),
    "lifecycle": ({"kind": "LifecycleQuery", "series": [PAGEVIEW], "dateRange": WEEK}, {}),
    # Funnels: each order, each visualisation, breakdown and exclusions.
    "funnel_steps_ordered": (funnel(), {}),
    "funnel_steps_strict": (funnel(funnelOrderType="strict"), {}),
    "funnel_steps_unordered": (funnel(funnelOrderType="unordered"), {}),
    "funnel_trends": (funnel(funnelVizType="trends"), {}),
    "funnel_time_to_convert": (funnel(funnelVizType="time_to_convert", binCount=5), {}),
    "funnel_breakdown_exclusion": (
        {
            **funnel(
                exclusions=[
                    {
                        "kind": "FunnelExclusionEventsNode",
                        "event": "cancel",
                        "funnelFromStep": 0,
                        "funnelToStep": 1,
                    }
                ]
            ),
            "breakdownFilter": {"breakdown": "$browser"},
        },
        {},
    ),
    # Correlation: each type.
    "correlation_events": (correlation("events"), {}),
    "correlation_person_properties": (correlation("properties", funnelCorrelationNames=["plan"]), {}),
    "correlation_event_with_properties": (
        correlation("event_with_properties", funnelCorrelationEventNames=["$pageview"]),
        {},
    ),
    # Retention and paths.
    "retention": (
        {
            "kind": "RetentionQuery",
            "retentionFilter": {"targetEntity": {"id": "signed_up", "type": "events"}},
        },
        {},
    ),
    "retention_breakdown_weekly": (
        {
            "kind": "RetentionQuery",
            "retentionFilter": {
                "period": "Week",
                "totalIntervals": 4,
                "retentionType": "retention_recurring",
            },
            "breakdownFilter": {"breakdown": "$browser"},
        },
        {},
    ),
    "paths": ({"kind": "PathsQuery", "dateRange": WEEK}, {}),
    "paths_start_point_cleaning": (
        {
            "kind": "PathsQuery",
            "dateRange": WEEK,
            "pathsFilter": {
                "startPoint": "/home",
                "includeEventTypes": ["$pageview"],
                "pathReplacements": True,
            },
        },
        {"path_cleaning_filters": CLEANING},
    ),
}


class RecordingBackend:
    """Records each statement and answers with no rows (correlation's totals get one row)."""

    name = "recording"
    single_writer = False

    def __init__(self) -> None:
        self.statements: list[tuple[str, Mapping[str, Any], Mapping[str, Any]]] = []

    def execute(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        settings: Mapping[str, Any] | None = None,
        **_: Any,
    ) -> QueryResult:
        self.statements.append((sql, dict(params or {}), dict(settings or {})))
        if "success_total" in sql:
            return QueryResult(["success_total", "failure_total"], ["UInt64", "UInt64"], [[6, 4]])
        return QueryResult([], [], [])


@pytest.fixture
def recording() -> Iterator[RecordingBackend]:
    recorder = RecordingBackend()
    with backends._lock:
        previous, backends._backend = backends._backend, recorder
    register_action_source(lambda team_id, ids: {ACTION.id: ACTION} if ACTION.id in ids else {})
    try:
        with catalog.pinned({}):  # the SQL of properties read from the JSON
            yield recorder
    finally:
        register_action_source(_app_source())
        with backends._lock:
            backends._backend = previous


def _app_source() -> Any:
    from analytics.services.action_source import saved_actions

    return saved_actions


def render(statements: list[tuple[str, Mapping[str, Any], Mapping[str, Any]]]) -> str:
    parts = []
    for index, (sql, params, settings) in enumerate(statements, start=1):
        bound = orjson.dumps(params, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2).decode()
        parts.append(
            f"-- statement {index}; settings: {orjson.dumps(settings, option=orjson.OPT_SORT_KEYS).decode()}\n"
            f"{sql}\n-- params\n{bound}\n"
        )
    return "\n".join(parts)


@pytest.mark.parametrize("case", sorted(CASES))
def test_sql_snapshot(case, recording, settings):
    settings.QUERY_TIMEOUT_SECONDS = {
        "default": 60,
        "TrendsQuery": 61,
        "StickinessQuery": 62,
        "LifecycleQuery": 63,
    }
    query, team_settings = CASES[case]
    team = TeamContext(id=7, now=NOW, **team_settings)
    runner_for(team=team, query=query).calculate()
    assert recording.statements, "the runner sent nothing"
    text = render(recording.statements)
    path = SNAPSHOTS / f"{case}.sql"
    if os.environ.get("UPDATE_SQL_SNAPSHOTS"):
        path.write_text(text)
    assert path.exists(), f"no snapshot {path.name}: run with UPDATE_SQL_SNAPSHOTS=1 and review it"
    assert text == path.read_text()


def test_every_snapshot_file_belongs_to_a_case():
    assert sorted(p.stem for p in SNAPSHOTS.glob("*.sql")) == sorted(CASES)


def test_no_request_text_reaches_sql_text(recording):
    # Values a client chose (event names, property keys and values) are only ever parameters.
    query, team_settings = CASES["trends_breakdown_filters_test_accounts"]
    runner_for(team=TeamContext(id=7, now=NOW, **team_settings), query=query).calculate()
    for sql, params, _ in recording.statements:
        for text in ("$pageview", "$browser", "Mac OS X", "@example.com", "email"):
            assert text not in sql
        assert "$pageview" in params.values()
