"""Paths SQL builder: exact SQL + params snapshots and the pure edge helpers."""

from __future__ import annotations

from dataclasses import replace

from query_engine.runners.paths.edges import links, reachable
from query_engine.runners.paths.sql import Cleaning, PathsSql, anchor, grouping_regex, paths_sql
from query_engine.sql.params import Params

EXPECTED = """SELECT concat(toString(edge.1 - 1), '_', edge.2) AS source,
  concat(toString(edge.1), '_', edge.3) AS target,
  count() AS value,
  avg(edge.4) AS average_conversion_time
FROM (
  SELECT arraySlice(compact, 1, {step_limit:Int64}) AS path
  FROM (
    SELECT arrayFilter((e, i) -> i = length(session) OR e.1 != session[i + 1].1,
        session, arrayEnumerate(session)) AS compact
    FROM (
      SELECT timeline
      FROM (
        SELECT actor, arraySort(e -> (e.2, e.1), groupArray((path_item, ms))) AS timeline
        FROM (
          SELECT events.person_id AS actor, multiIf(events.event = {p4:String}, replaceRegexpAll(ifNull(nullIf(JSONExtract(events.properties, {p3:String}, 'Nullable(String)'), ''), ''), '(.)/$', '\\\\1'), events.event = {p6:String}, ifNull(nullIf(JSONExtract(events.properties, {p5:String}, 'Nullable(String)'), ''), ''), events.event) AS cleaned_item,
            cleaned_item AS path_item,
            toUnixTimestamp64Milli(events.timestamp) AS ms
          FROM events
          WHERE events.team_id = {team_id:Int64}
        )
        GROUP BY actor
      )
    )
    ARRAY JOIN arraySplit((e, gap) -> gap >= {session_gap_ms:Int64},
      timeline, arrayDifference(arrayMap(e -> e.2, timeline))) AS session
  )
  WHERE 1
)
ARRAY JOIN arrayMap(i -> (i, path[i - 1].1, path[i].1, path[i].2 - path[i - 1].2),
  range(2, length(path) + 1)) AS edge
GROUP BY source, target
ORDER BY value DESC, source, target
LIMIT {edge_limit:Int64}"""


def spec() -> PathsSql:
    return PathsSql(source="FROM events", actor="events.person_id", where="events.team_id = {team_id:Int64}")


def test_default_snapshot():
    params = Params()
    assert paths_sql(spec(), params) == EXPECTED
    assert params.values == {
        "session_gap_ms": 1800000,
        "step_limit": 5,
        "edge_limit": 50,
        "p3": "$current_url",
        "p4": "$pageview",
        "p5": "$screen_name",
        "p6": "$screen",
    }


def test_every_option_is_a_bound_parameter():
    params = Params()
    sql = paths_sql(
        replace(
            spec(),
            include_event_types=("$pageview", "custom_event"),
            exclude_items=("/x",),
            cleaning=(Cleaning("/\\d+", "/:id"),),
            groupings=("/blog/*",),
            start_point="/a/",
            end_point="/b",
            step_limit=4,
            edge_limit=10,
            min_edge_weight=2,
            max_edge_weight=9,
        ),
        params,
    )
    for text in ("/x", "/:id", "/blog", "/a", "/b"):
        assert text not in sql
    assert (
        "WHERE events.team_id = {team_id:Int64} AND (events.event = {p14:String} OR NOT startsWith(events.event, '$'))"
        in sql
    )
    assert "WHERE NOT has({excluded:Array(String)}, path_item)" in sql
    assert "HAVING value >= {min_edge_weight:Int64} AND value <= {max_edge_weight:Int64}" in sql
    assert "WHERE start_at > 0 AND end_at > 0" in sql
    assert params.values["start_point"] == "/a"
    assert params.values["half_limit"] == 2
    assert params.values["excluded"] == ["/x"]
    assert "/\\d+" in params.values.values()
    assert "\\/blog\\/.*" in params.values.values()


def test_end_point_only_keeps_the_last_steps():
    sql = paths_sql(replace(spec(), end_point="signup"), Params())
    assert (
        "arraySlice(compact, greatest(1, end_at - {step_limit:Int64} + 1), least(end_at, {step_limit:Int64})) AS path"
        in sql
    )
    assert "indexOf(items, {end_point:String}) AS end_at" in sql


def test_screens_only_reads_the_screen_name():
    sql = paths_sql(replace(spec(), include_event_types=("$screen",)), Params())
    assert "$current_url" not in str(sql)
    assert (
        "multiIf(events.event = {p4:String}, ifNull(nullIf(JSONExtract(events.properties, {p3:String}, 'Nullable(String)'), ''), ''), events.event)"
        in sql
    )


def test_grouping_regex_and_anchor():
    assert grouping_regex("/blog/*") == "\\/blog\\/.*"
    assert grouping_regex("a.b*c") == "a\\.b.*c"
    assert anchor("/pricing/") == "/pricing"
    assert anchor("/") == "/"


def test_only_edges_reachable_from_a_first_step_are_kept():
    rows = [
        ("1_a", "2_b", 5, 1000.0),
        ("2_b", "3_c", 4, 2000.0),
        ("2_x", "3_y", 3, 1.0),  # its 1_ → 2_x edge was cut by the limit
        ("3_c", "4_d", 1, 5.0),
    ]
    assert [edge[0] for edge in reachable(rows)] == ["1_a", "2_b", "3_c"]
    assert links(rows)[0] == {"source": "1_a", "target": "2_b", "value": 5, "average_conversion_time": 1000.0}
