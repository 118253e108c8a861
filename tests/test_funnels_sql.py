"""Funnel SQL building is pure: exact SQL text and params, no database."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from insights_api.errors import QueryError
from query_engine.dates import resolve_window
from query_engine.legacy.funnels import funnels_query, window_unit
from query_engine.runners.funnels.compile import compile_funnel
from query_engine.runners.funnels.packing import packable
from query_engine.runners.funnels.queries import steps_query
from query_engine.runners.funnels.spec import funnel_spec
from query_engine.runners.funnels.sql import Exclusion, FunnelSQL, events_select, prop_values
from query_engine.runners.funnels.strategies import ordered_fold, strict_fold
from query_engine.team import TeamContext

STEP0, STEP1, CANCEL = (
    "events.event = {p0:String}",
    "events.event = {p1:String}",
    "events.event = {p2:String}",
)


def three_plus(n: int) -> FunnelSQL:
    """``n`` steps (events.event = {p<i>:String}), with an exclusion and a breakdown."""
    return FunnelSQL(
        steps=tuple(f"events.event = {{p{i}:String}}" for i in range(n)),
        source="FROM events",
        where="WHERE events.team_id = {team_id:Int64}",
        actor="events.distinct_id",
        window="{w:Float64}",
        exclusions=(Exclusion("events.event = {x:String}", 0, n - 1),),
        breakdown=("events.event",),
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
    layers = ordered_fold(2, "{w:Float64}", events="ev", with_exclusions=True)
    assert layers == [
        ["arrayMap(e -> if(bitTest(e.m, 0), e.t, 0.), ev) AS f_c1", "arrayFill(x -> x > 0, f_c1) AS f_a1"],
        [
            "arrayMap((e, p) -> if(bitTest(e.m, 1) AND p > 0 AND e.t - p <= {w:Float64}, p, 0.),"
            " ev, arrayPopBack(arrayPushFront(f_a1, 0.))) AS f_c2",
            "arrayFill(x -> x > 0, f_c2) AS f_a2",
        ],
        [
            "greatest(if(arrayMax(f_c1) > 0, 1, 0), if(arrayMax(f_c2) > 0, 2, 0)) AS f_d",
            "arrayConcat(arrayMap((e, a, b) -> if(bitTest(e.m, 33) AND a != b AND a > 0"
            " AND e.t - a <= {w:Float64}, a, 0.), ev,"
            " arrayPopBack(arrayPushFront(f_a1, 0.)), arrayPopBack(arrayPushFront(f_a2, 0.)))) AS f_x",
        ],
        ["arrayFirst(x -> x > 0 AND NOT has(f_x, x), multiIf(f_d = 1, f_c1, f_c2)) AS f_s"],
        [
            "(toUInt8(f_d), f_s, toUInt8(f_d > 0 AND f_s = 0),"
            " arraySlice([f_s, tupleElement(ev[indexOf(f_c2, f_s)], 't')], 1, f_d)) AS m"
        ],
    ]


def test_strict_chain_clears_on_other_events():
    layers = strict_fold(2, "{w:Float64}", events="ev", with_exclusions=False)
    columns = [column for layer in layers for column in layer]
    # step 1 is not carried forward: any later event clears it
    assert "arrayPopBack(arrayPushFront(f_c1, 0.))" in columns[1]
    assert not any("arrayFill" in c for c in columns)
    assert layers[-2] == ["arrayFirst(x -> x > 0, multiIf(f_d = 1, f_c1, f_c2)) AS f_s"]


def test_exclusive_ordered_chain_reads_the_stored_attempt_unshifted():
    """Packed events match one step each, so event q leaves A_{k-1} as event q-1 left it."""
    layers = ordered_fold(2, "{w:Float64}", events="ev", with_exclusions=False, exclusive=True)
    assert layers[1][0].endswith(", ev, f_a1) AS f_c2")
    strict = strict_fold(2, "{w:Float64}", events="ev", with_exclusions=False, exclusive=True)
    assert "arrayPopBack(arrayPushFront(f_c1, 0.))" in strict[1][0]  # strict clears A on each event


@pytest.mark.parametrize("fold", [ordered_fold, strict_fold])
def test_each_layer_reads_only_earlier_layers(fold):
    """No alias chain for ClickHouse to inline: a column may use the layers below it and,
    in its own layer, only that step's ``c_k`` (one level, a fixed size)."""
    layers = fold(10, "{w:Float64}", events="ev", with_exclusions=True)
    defined: set[str] = set()
    for layer in layers:
        names = [column.rsplit(" AS ", 1)[1] for column in layer]
        for column in layer:
            used = set(re.findall(r"\bf_\w+", column.rsplit(" AS ", 1)[0]))
            same_layer = used & set(names)
            assert used - same_layer <= defined
            assert all(re.fullmatch(r"f_c\d+", name) for name in same_layer)
        defined |= set(names)


def test_analysed_funnel_grows_linearly_with_steps(clickhouse_schema):
    """The query as ClickHouse's analyzer sees it (aliases inlined): 8 → 16 steps adds about
    twice what 4 → 8 adds. With every step's arrays as aliases of one SELECT, each use
    re-expanded the chain below it and 16 steps were over 10× the size of 8."""

    def analysed_lines(n: int) -> int:
        params = {"team_id": 1, "w": 3600.0, "x": "x", **{f"p{i}": f"e{i}" for i in range(n)}}
        sql = steps_query(three_plus(n), None)
        return len(clickhouse_schema.execute(f"EXPLAIN QUERY TREE passes=1 {sql}", params).rows)

    sizes = {n: analysed_lines(n) for n in (4, 8, 16)}
    first, second = sizes[8] - sizes[4], sizes[16] - sizes[8]
    assert second <= 2.3 * first, sizes


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


def _spec(steps, **funnels_filter):
    series = [s if isinstance(s, dict) else {"kind": "EventsNode", "event": s} for s in steps]
    query = {"kind": "FunnelsQuery", "series": series, "funnelsFilter": funnels_filter}
    breakdown = funnels_filter.pop("breakdown", None)
    if breakdown:
        query["breakdownFilter"] = {"breakdown": breakdown}
    return funnel_spec(query)


@pytest.mark.parametrize(
    ("steps", "fields", "packed"),
    [
        (["a", "b", "c"], {}, True),
        (["a", "b"], {"funnelOrderType": "strict"}, True),
        (["a", "b"], {"funnelOrderType": "unordered"}, True),
        (["a", "b"], {"funnelVizType": "time_to_convert"}, True),
        (["a", "b"], {"funnelVizType": "trends", "breakdown": "$browser"}, True),
        (["a", "b"], {"breakdown": "$browser", "breakdownAttributionType": "last_touch"}, True),
        # an event could match two steps: its mask is not a function of one step number
        (["a", "b", "a"], {}, False),
        (["a", {"kind": "EventsNode", "event": None}], {}, False),
        (["a", {"kind": "ActionsNode", "id": 1}], {}, False),
        # a breakdown value per event rides along in the array
        (["a", "b"], {"breakdown": "$browser", "breakdownAttributionType": "all_events"}, False),
        (
            ["a", "b"],
            {"breakdown": "$browser", "breakdownAttributionType": "step", "breakdownAttributionValue": 1},
            False,
        ),
        (["a", "b"], {"exclusions": [{"kind": "EventsNode", "event": "x"}]}, False),
    ],
)
def test_packed_plan_choice(steps, fields, packed):
    assert packable(_spec(steps, **fields)) is packed
