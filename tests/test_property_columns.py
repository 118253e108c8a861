"""Event properties with their own column: same answers, chosen by usage, overridable.

The fixture's ``tier`` covers every shape a property value takes: strings, numbers,
booleans, ``""``, ``null``, a missing key, objects and arrays. Each query runs through
``/query/`` reading the JSON, then again once ``tier`` has a column; the answers must be
identical, and the SQL of the second run must name the column.
"""

from __future__ import annotations

import time
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from query_engine.backends import get_backend
from query_engine.materialized import auto, catalog, usage
from query_engine.materialized.columns import column_name, drop_column
from tests.engine_events import store_events

DAY = {"date_from": "2024-03-01", "date_to": "2024-03-01"}
TIERS: list[Any] = [
    "pro",
    5,
    5.5,
    True,
    False,
    "",
    None,
    "free",
    {"a": 1},
    [1, 2],
    'it\'s \\ "q"',
    "2024-01-05",
]
MISSING = 2  # events without the key


def _events(tiers: list[Any], *, missing: int, hour: int = 10) -> list[dict[str, Any]]:
    events = [
        {
            "event": "$pageview",
            "distinct_id": f"u{i}",
            "timestamp": f"2024-03-01T{hour}:00:{i:02d}Z",
            "properties": {"tier": tier, "$current_url": f"https://shop.test/p/{i}"},
        }
        for i, tier in enumerate(tiers)
    ]
    events += [
        {"event": "$pageview", "distinct_id": f"m{i}", "timestamp": f"2024-03-01T{hour}:30:0{i}Z"}
        for i in range(missing)
    ]
    return events


@pytest.fixture
def tiers(api, team, clickhouse):
    store_events(api, team, _events(TIERS, missing=MISSING))
    usage.take()  # reads counted by earlier tests
    yield team
    for column in catalog.load():  # columns outlive the truncated tables: drop ours
        for statement in drop_column(column.column):
            get_backend().command(statement)
    catalog.refresh()


def trend(api, team, **fields: Any) -> dict[str, Any]:
    body = {"kind": "TrendsQuery", "series": [{"kind": "EventsNode", "event": "$pageview"}], "dateRange": DAY}
    request = {"query": {**body, **fields}, "refresh": "force_blocking"}  # computed, never cached
    response = api.post(f"/api/projects/{team.id}/query/", request, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def hogql(api, team, query: str) -> list[list[Any]]:
    response = api.post(
        f"/api/projects/{team.id}/query/",
        {"query": {"kind": "HogQLQuery", "query": query}, "refresh": "force_blocking"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def tier_filter(operator: str, value: Any = None) -> dict[str, Any]:
    leaf: dict[str, Any] = {"key": "tier", "type": "event", "operator": operator}
    if value is not None:
        leaf["value"] = value
    return {"properties": [leaf]}


FILTERS = {
    "exact": ("exact", "pro"),
    "is_not": ("is_not", "pro"),
    "icontains": ("icontains", "R"),
    "is_set": ("is_set", None),
    "is_not_set": ("is_not_set", None),
    "gt": ("gt", 4),
    "regex": ("regex", "^[0-9.]+$"),
    "true": ("exact", "true"),
    "date_before": ("is_date_before", "2024-02-01"),
}


def answers(api, team) -> dict[str, Any]:
    """Every query this test compares: filter counts, a breakdown, HogQL reads."""
    out: dict[str, Any] = {
        name: trend(api, team, **tier_filter(op, value))["results"][0]["count"]
        for name, (op, value) in FILTERS.items()
    }
    breakdown = trend(api, team, breakdownFilter={"breakdown": "tier", "breakdown_type": "event"})["results"]
    out["breakdown"] = sorted((str(r["breakdown_value"]), r["count"]) for r in breakdown)
    out["hogql"] = hogql(
        api, team, "SELECT properties.tier AS t, count() FROM events GROUP BY t ORDER BY t NULLS FIRST"
    )
    out["hogql_where"] = hogql(api, team, "SELECT count() FROM events WHERE properties.tier = 'free'")
    out["hogql_alias"] = hogql(
        api,
        team,
        "SELECT e.properties.tier AS t, count() FROM events AS e JOIN (SELECT 1 AS one) AS x ON 1 = x.one"
        " WHERE e.properties.tier IN ('pro', 'free', '5.5') GROUP BY t ORDER BY t",
    )
    return out


@pytest.fixture
def statements(monkeypatch) -> list[str]:
    """The SQL the backend runs (a spy: the real backend still runs it)."""
    backend = get_backend()
    seen: list[str] = []
    real = backend.execute

    def spy(sql: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(sql)
        return real(sql, *args, **kwargs)

    monkeypatch.setattr(backend, "execute", spy)
    return seen


def test_a_column_answers_exactly_as_the_json_does(api, tiers, statements):
    before = answers(api, tiers)
    # By hand: 14 events; tier values pro, 5, 5.5, true, false, free, {"a":1}, [1,2], the
    # quoted string and the date are set; "", null and the 2 missing ones are not.
    assert before["is_set"] == 10 and before["is_not_set"] == 4
    assert before["exact"] == 1 and before["is_not"] == 13  # is_not matches a missing value
    assert before["gt"] == 2  # 5 and 5.5
    assert before["regex"] == 2 and before["true"] == 1 and before["date_before"] == 1
    assert before["icontains"] == 3  # "pro", true, "free"
    assert before["hogql_where"] == [[1]]
    assert before["hogql_alias"] == [["5.5", 1], ["free", 1], ["pro", 1]]
    assert len(statements) > 0 and not any(column_name("tier") in sql for sql in statements)

    out = StringIO()
    call_command("property_columns", "--always", "tier", stdout=out)
    assert "added a column for 'tier'" in out.getvalue()
    assert catalog.active() == {"tier": column_name("tier")}
    statements.clear()
    after = answers(api, tiers)
    assert after == before
    reads = [sql for sql in statements if "count" in sql]
    assert reads and all(column_name("tier") in sql for sql in reads)

    # Events inserted once the column exists are computed on insert, the same way.
    store_events(api, tiers, _events(["pro", "", None], missing=1, hour=11))
    with_column = answers(api, tiers)
    with catalog.pinned({}):
        assert answers(api, tiers) == with_column
    assert with_column["exact"] == 2 and with_column["is_not_set"] == 4 + 3


def test_usage_gives_hot_properties_a_column(api, tiers, settings):
    settings.PROPERTY_COLUMNS_AUTO = True
    settings.PROPERTY_USAGE_FLUSH_SECONDS = 0
    settings.PROPERTY_COLUMNS_MIN_USES = 10**9  # nothing qualifies while the reads are counted
    trend(api, tiers, **tier_filter("exact", "pro"))
    by_url = {"breakdown": "$current_url", "breakdown_type": "event"}
    trend(api, tiers, breakdownFilter=by_url)
    trend(api, tiers, breakdownFilter=by_url, interval="hour")
    uses = auto.usage(7)
    assert uses["$current_url"] >= 2 and uses["$current_url"] > uses["tier"] >= 1
    settings.PROPERTY_COLUMNS_MIN_USES = uses["tier"] + 1
    trend(api, tiers)  # the next query's flush runs the choice
    assert set(catalog.active()) == {"$current_url"}

    out = StringIO()
    call_command("property_columns", stdout=out)
    listing = out.getvalue()
    line = next(row for row in listing.splitlines() if row.startswith("$current_url"))
    assert column_name("$current_url") in line and " auto " in line
    assert line.split()[2] in ("active", "filling") and int(line.split()[-1]) >= uses["$current_url"]
    assert "tier" not in listing  # no column and no rule: not listed


def test_never_retires_a_column_then_drops_it(api, tiers, statements):
    call_command("property_columns", "--always", "tier", stdout=StringIO())
    before = answers(api, tiers)
    out = StringIO()
    call_command("property_columns", "--never", "tier", stdout=out)
    assert "retired the column of 'tier'" in out.getvalue()
    assert "tier" not in catalog.active()
    statements.clear()
    assert answers(api, tiers) == before
    assert not any(column_name("tier") in sql for sql in statements)
    # Still there for readers that loaded the catalog before, until the grace has passed.
    assert [c.key for c in catalog.load()] == ["tier"]
    auto.run(now=time.time() + auto.drop_grace() / 2)
    assert [c.key for c in catalog.load()] == ["tier"]
    dropped = auto.run(now=time.time() + auto.drop_grace() + 1)
    assert [c.key for c in dropped.drop] == ["tier"] and catalog.load() == ()
    assert answers(api, tiers) == before


def test_the_command_refuses_keys_that_cannot_have_a_column(tiers):
    for key in ("", "x" * 201, "tab\there"):
        with pytest.raises(CommandError, match="cannot have a column"):
            call_command("property_columns", "--always", key, stdout=StringIO())
    assert catalog.load() == ()


def test_a_hostile_key_gets_a_column_and_the_same_answers(api, tiers):
    key = 'it\'s \\ "q" `x` -- {p0:String}'
    store_events(
        api,
        tiers,
        [
            {
                "event": "$pageview",
                "distinct_id": "h",
                "timestamp": "2024-03-01T12:00:00Z",
                "properties": {key: v},
            }
            for v in ("a'b", "a'b", "\\")
        ],
    )
    leaf = {"properties": [{"key": key, "type": "event", "operator": "exact", "value": "a'b"}]}
    before = trend(api, tiers, **leaf)["results"][0]["count"]
    assert before == 2
    call_command("property_columns", "--always", key, stdout=StringIO())
    assert key in catalog.active()
    assert trend(api, tiers, **leaf)["results"][0]["count"] == 2
