"""Funnel SQL building is pure: exact SQL text and params, no database."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from insights_api.errors import QueryError
from query_engine.dates import resolve_window
from query_engine.legacy.funnels import funnels_query, window_unit
from query_engine.runners.funnels.compile import compile_funnel
from query_engine.runners.funnels.spec import funnel_spec
from query_engine.runners.funnels.sql import Exclusion, FunnelSQL, events_select, prop_values
from query_engine.runners.funnels.strategies import ordered_fold, strict_fold
from query_engine.team import TeamContext

STEP0, STEP1, CANCEL = (
    "events.event = {p0:String}",
    "events.event = {p1:String}",
    "events.event = {p2:String}",
)


def two_steps(**fields) -> FunnelSQL:
    return FunnelSQL(
        steps=(STEP0, STEP1),
        source="FROM events",
        where="WHERE events.team_id = {team_id:Int64}",
        actor="events.distinct_id",
        window="{w:Float64}",
        **fields,
    )


def test_events_select_tags_steps_and_exclusions():
    funnel = two_steps(exclusions=(Exclusion(CANCEL, 0, 1),), breakdown=("b",))
    assert events_select(funnel) == (
        "SELECT\n"
        "    events.distinct_id AS aggregation_target,\n"
        "    toFloat64(toUnixTimestamp64Micro(events.timestamp)) / 1000000 AS t,\n"
        "    toUInt8(multiIf(events.event = {p0:String}, 1, events.event = {p1:String}, 2, 0)) AS k,\n"
        "    toUInt64(if(events.event = {p0:String}, 1, 0) + if(events.event = {p1:String}, 2, 0)"
        " + if((events.event = {p2:String}), 8589934592, 0)) AS m,\n"
        "    [ifNull(toString(b), '')] AS bd\n"
        "FROM events\n"
        "WHERE events.team_id = {team_id:Int64}\n"
        "  AND ((events.event = {p0:String}) OR (events.event = {p1:String}) OR (events.event = {p2:String}))"
    )


def test_strict_funnels_read_every_event():
    assert events_select(two_steps(order="strict")).endswith(
        "FROM events\nWHERE events.team_id = {team_id:Int64}"
    )


@pytest.mark.parametrize(
    ("attribution", "step", "expected"),
    [
        (
            "first_touch",
            None,
            "[if(empty(argMinIf(bd, t, arrayExists(x -> x != '', bd)) AS touched), [''], touched)]",
        ),
        (
            "last_touch",
            None,
            "[if(empty(argMaxIf(bd, t, arrayExists(x -> x != '', bd)) AS touched), [''], touched)]",
        ),
        ("all_events", None, "groupUniqArray(bd)"),
        ("step", 1, "groupUniqArrayIf(bd, bitTest(m, 1))"),
    ],
)
def test_breakdown_values_per_attribution(attribution, step, expected):
    assert (
        prop_values(two_steps(breakdown=("b",), attribution=attribution, attribution_step=step)) == expected
    )


def test_ordered_chain_sql():
    columns, result = ordered_fold(2, "{w:Float64}", events="ev", with_exclusions=True)
    assert columns == [
        "arrayMap(e -> bitTest(e.m, 0), ev) AS f_m1",
        "arrayMap(e -> e.t, ev) AS f_t",
        "arrayMap((m, t) -> if(m, t, 0.), f_m1, f_t) AS f_c1",
        "arrayMap(e -> bitTest(e.m, 1), ev) AS f_m2",
        "arrayFill(x -> x > 0, f_c1) AS f_a1",
        "arrayPopBack(arrayPushFront(f_a1, 0.)) AS f_p1",
        "arrayMap((m, p, t) -> if(m AND p > 0 AND t - p <= {w:Float64}, p, 0.), f_m2, f_p1, f_t) AS f_c2",
        "greatest(if(arrayExists(x -> x > 0, f_c1), 1, 0), if(arrayExists(x -> x > 0, f_c2), 2, 0)) AS f_d",
        "arrayDistinct(arrayFilter(x -> x > 0, [f_c1, f_c2][f_d])) AS f_k",
        "arrayFill(x -> x > 0, f_c2) AS f_a2",
        "arrayPopBack(arrayPushFront(f_a2, 0.)) AS f_p2",
        "arrayConcat(arrayMap((x, a, b, t) -> if(x AND a > 0 AND a != b AND t - a <= {w:Float64}, a, 0.),"
        " arrayMap(e -> bitTest(e.m, 33), ev), f_p1, f_p2, f_t)) AS f_x",
        "arrayFirst(x -> NOT has(f_x, x), f_k) AS f_s",
    ]
    assert result == (
        "(toUInt8(f_d), f_s, toUInt8(f_d > 0 AND f_s = 0),"
        " arraySlice([f_s, f_t[arrayFirstIndex(x -> x = f_s, f_c2)]], 1, f_d))"
    )


def test_strict_chain_clears_on_other_events():
    columns, _ = strict_fold(2, "{w:Float64}", events="ev", with_exclusions=False)
    # step 1 is not carried forward: any later event clears it
    assert "arrayPopBack(arrayPushFront(f_c1, 0.)) AS f_p1" in columns
    assert not any("arrayFill" in c for c in columns)
    assert columns[-1] == "f_k[1] AS f_s"


def test_compile_binds_every_value():
    tz = ZoneInfo("UTC")
    now = datetime(2024, 1, 10, tzinfo=tz)
    spec = funnel_spec(
        {
            "kind": "FunnelsQuery",
            "series": [
                {"kind": "EventsNode", "event": "sign'up"},
                {
                    "kind": "EventsNode",
                    "event": "pay",
                    "properties": [{"key": "plan_zz", "value": "gold_zz"}],
                },
            ],
            "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-07"},
            "funnelsFilter": {"funnelWindowInterval": 2, "funnelWindowIntervalUnit": "week"},
        }
    )
    window = resolve_window(date_from="2024-01-01", date_to="2024-01-07", interval="day", tz=tz, now=now)
    funnel, params = compile_funnel(spec, TeamContext(id=7, timezone=tz.key, now=now), window, {})
    values = params.values
    assert values["team_id"] == 7
    assert {"sign'up", "pay", "plan_zz", "gold_zz"} <= set(values.values())
    assert 14 * 86400.0 in values.values()
    assert datetime(2024, 1, 7, 23, 59, 59, 999999, tzinfo=tz) in values.values()
    sql = events_select(funnel)
    assert "sign'up" not in sql and "plan_zz" not in sql and "gold_zz" not in sql


def test_spec_defaults():
    spec = funnel_spec(
        {
            "kind": "FunnelsQuery",
            "series": [{"kind": "EventsNode", "event": "a"}, {"kind": "EventsNode", "event": "b"}],
        }
    )
    assert (spec.order, spec.viz_type, spec.window_seconds, spec.attribution) == (
        "ordered",
        "steps",
        14 * 86400,
        "first_touch",
    )
    assert (spec.from_step, spec.to_step) == (0, 1)


def test_spec_rejects_out_of_range_steps():
    with pytest.raises(QueryError) as error:
        funnel_spec(
            {
                "kind": "FunnelsQuery",
                "series": [{"kind": "EventsNode", "event": "a"}, {"kind": "EventsNode", "event": "b"}],
                "funnelsFilter": {"funnelToStep": 2},
            }
        )
    assert error.value.attr == "funnelsFilter__funnelToStep"


def test_legacy_conversion():
    query = funnels_query(
        {
            "events": '[{"id": "a", "order": 0}, {"id": "b", "order": 1}]',
            "funnel_window_interval": "3",
            "funnel_window_interval_type": "HOURS",
            "exclusions": '[{"id": "x", "type": "events", "funnel_from_step": 0, "funnel_to_step": 1}]',
            "breakdown": "$browser",
            "display": "ActionsLineGraph",
        }
    )
    assert query["kind"] == "FunnelsQuery"
    assert [s["event"] for s in query["series"]] == ["a", "b"]
    assert query["funnelsFilter"] == {
        "funnelVizType": "trends",
        "funnelWindowInterval": "3",
        "funnelWindowIntervalUnit": "hour",
        "exclusions": [
            {
                "kind": "FunnelExclusionEventsNode",
                "funnelFromStep": 0,
                "funnelToStep": 1,
                "properties": [],
                "event": "x",
            }
        ],
    }
    assert query["breakdownFilter"] == {
        "breakdown": "$browser",
        "breakdown_type": "event",
        "breakdown_limit": 10,
    }
    assert [window_unit(u) for u in ("DAY", "days", "week", None)] == ["day", "day", "week", None]
