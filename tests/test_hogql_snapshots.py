"""Printed ClickHouse SQL + parameters for HogQL inputs from PostHog's own tests.

The inputs (not the code) come from PostHog's ``test_printer.py``,
``test_query.py``, ``test_filters.py`` and ``api/test/test_query.py``. Each
snapshot under ``tests/snapshots/hogql/<case>.sql`` holds the printed SQL and its
parameters; regenerate with
``UPDATE_HOGQL_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_hogql_snapshots.py -n0``.
Every physical table read must carry the project guard.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from query_engine.hogql.compile import compile_select
from query_engine.team import TeamContext

SNAPSHOTS = Path(__file__).parent / "snapshots" / "hogql"
NOW = datetime(2024, 1, 10, 12, tzinfo=UTC)
TEAM = TeamContext(id=1, timezone="UTC", now=NOW)
UUID = "0188a1b2-0000-7000-8000-000000000001"
TEST_ACCOUNTS = [{"key": "email", "value": "posthog.com", "operator": "not_icontains", "type": "person"}]

CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "placeholder_property_group_by": (
        "select count(), event from events where properties.random_uuid = {random_uuid} group by event",
        {"values": {"random_uuid": UUID}},
    ),
    "pdi_lazy_join": ("SELECT event, timestamp, pdi.distinct_id, pdi.person_id FROM events LIMIT 10", {}),
    "pdi_person_two_level_join": ("SELECT pdi.person.properties.sneaky_mail FROM events", {}),
    "persons_distinct_with_filter": (
        "select distinct properties.sneaky_mail from persons where properties.random_uuid = {random_uuid}",
        {"values": {"random_uuid": UUID}},
    ),
    "limit_capped": ("select event from events limit 1000000", {}),
    "constant_false_keeps_guard": ("select 1 from events where 1 == 2", {}),
    "null_comparison": ("select event from events where event == null", {}),
    "not_null_comparison": ("select event from events where event != null", {}),
    "case_when": ("select case when event = 'a' then 1 when event = 'b' then 2 else 3 end from events", {}),
    "case_with_expression": ("select case event when 'a' then 1 else 2 end from events", {}),
    "week_start_sunday": ("select toStartOfWeek(timestamp) from events", {}),
    "week_start_monday": ("select toStartOfWeek(timestamp) from events", {"week_start_day": 1}),
    "union_all_each_branch_limited": ("select 1 from events union all select 2 from events", {}),
    "window_lag": ("select lag(timestamp) over (partition by person_id order by timestamp) from events", {}),
    "filters_date_from": (
        "select event from events where {filters}",
        {"filters": {"dateRange": {"date_from": "2020-02-02"}}},
    ),
    "filters_empty": ("select event from events where {filters}", {"filters": {}}),
    "filters_person_property": (
        "select event from events where {filters}",
        {
            "filters": {
                "properties": [{"key": "random_uuid", "value": 123, "type": "person", "operator": "exact"}]
            }
        },
    ),
    "filters_test_accounts": (
        "select event from events where {filters}",
        {"filters": {"filterTestAccounts": True}, "test_account_filters": TEST_ACCOUNTS},
    ),
    "not_equals_order_desc": (
        "SELECT event, timestamp FROM events WHERE event != 'a' ORDER BY timestamp DESC",
        {},
    ),
    "join_events_persons": ("select e.event, p.id from events e join persons p on e.person_id = p.id", {}),
    "subquery_in_from": ("select x from (select event as x from events)", {}),
    "cte": ("with cte as (select event from events) select event from cte", {}),
    "lambda": ("select arrayMap(x -> x * 2, [1, 2, 3])", {}),
    "parametric_quantile": ("select quantile(0.95)(toFloat(properties.price)) from events", {}),
    "count_distinct_person": ("select count(distinct person_id) from events", {}),
    "ilike_property": (
        "select properties.$browser from events where properties.$browser ilike '%chrome%'",
        {},
    ),
    "in_tuple": ("select event from events where event in ('a', 'b')", {}),
    "not_like": ("select event from events where event not like '%a'", {}),
    "regex_match": ("select event from events where event =~ '^a'", {}),
    "regex_not_match_insensitive": ("select event from events where event !~* 'A'", {}),
    "concat_columns": ("select concat(event, ' ', properties.key) from events", {}),
    "concat_operator": ("select event || 'x' from events", {}),
    "now_today": ("select now(), today()", {}),
    "to_date_time": ("select toDateTime('2020-01-01 00:00:00')", {}),
    "limit_offset": ("select event from events limit 10 offset 5", {}),
    "property_bracket_access": ("select properties['my key'] from events", {}),
    "interval_arithmetic": (
        "select sum(toFloat(properties.price)) from events where timestamp > now() - interval 7 day",
        {},
    ),
    "having_order_by_count": (
        "select event, count() from events group by event having count() > 1 order by count() desc",
        {},
    ),
    "named_window": (
        "select distinct_id, row_number() over w from events window w as (partition by distinct_id order by timestamp)",
        {},
    ),
    "between_dates": ("select event from events where timestamp between '2020-01-01' and '2020-02-01'", {}),
    "cross_join": ("select 1 from events cross join persons", {}),
    "numbers": ("select number from numbers(10)", {}),
    "person_properties_lazy": ("select person.properties.email, person_id from events", {}),
    "star": ("select * from events", {}),
}

GUARDED = re.compile(r"FROM (events|person|person_distinct_id2|person_distinct_id_overrides)\b")


def render(name: str) -> str:
    text, options = CASES[name]
    team = TeamContext(
        id=1,
        timezone="UTC",
        now=NOW,
        week_start_day=options.get("week_start_day", 0),
        test_account_filters=options.get("test_account_filters", ()),
    )
    compiled = compile_select(text, team, values=options.get("values"), filters=options.get("filters"))
    params = orjson.dumps(compiled.params, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2, default=str)
    return f"-- hogql: {text}\n{compiled.sql}\n-- params:\n{params.decode()}\n"


def test_at_least_thirty_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", sorted(CASES))
def test_printed_sql(name):
    printed = render(name)
    sql = printed.split("\n", 1)[1]
    # Every read of a physical table is followed by the project guard in its own WHERE.
    for match in GUARDED.finditer(sql):
        rest = sql[match.end() : match.end() + 400]
        assert "team_id = {team_id:Int64}" in rest, (name, match.group(0))
    path = SNAPSHOTS / f"{name}.sql"
    if os.environ.get("UPDATE_HOGQL_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(printed)
    assert path.exists(), f"missing snapshot {path.name}; run with UPDATE_HOGQL_SNAPSHOTS=1"
    assert printed == path.read_text()
