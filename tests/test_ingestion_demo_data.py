"""generate_demo_data: exact counts, determinism, realistic properties, persons merged."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import make_org_with_team

pytestmark = pytest.mark.django_db

PAGEVIEW_KEYS = {"$current_url", "$pathname", "$browser", "$os", "$device_type", "$referring_domain",
                 "$geoip_country_code", "$session_id"}  # fmt: skip


def load(team, seed=7, events=3000):
    call_command("generate_demo_data", project=team.id, events=events, days=14, seed=seed,
                 end_date="2024-05-31", verbosity=0)  # fmt: skip


def rows(backend, team):
    return backend.execute(
        "SELECT event, distinct_id, toString(timestamp), toString(uuid), properties FROM events "
        "WHERE team_id = {t:Int64} ORDER BY timestamp, uuid",
        {"t": team.id},
    ).rows


def test_loads_exactly_n_events_deterministically(team, clickhouse):
    _, other = make_org_with_team("Other")
    load(team)
    load(other)
    first, second = rows(clickhouse, team), rows(clickhouse, other)
    assert len(first) == 3000
    assert first == second  # same seed and end date: the same events, uuids included
    _, third = make_org_with_team("Third")
    load(third, seed=8)
    assert rows(clickhouse, third) != first


def test_running_it_again_with_the_same_seed_adds_nothing(team, clickhouse):
    load(team, events=2000)
    before = rows(clickhouse, team)
    out = StringIO()
    call_command("generate_demo_data", project=team.id, events=3000, days=14, seed=7,
                 end_date="2024-05-31", verbosity=0, stdout=out)  # fmt: skip
    after = rows(clickhouse, team)
    # The first 2,000 events have the same uuids as last time: only the next 1,000 are new.
    assert len(after) == 3000 and set(map(tuple, before)) <= set(map(tuple, after))
    assert "Loaded 1000 demo events" in out.getvalue() and "2000 were stored already" in out.getvalue()


def test_realistic_events_and_merged_persons(team, clickhouse):
    load(team)
    data = rows(clickhouse, team)
    names = {row[0] for row in data}
    assert {"$pageview", "$identify", "signed_up"} <= names
    assert all("2024-05-17" <= row[2][:10] <= "2024-05-31" for row in data)
    pageview = json.loads(next(row[4] for row in data if row[0] == "$pageview"))
    assert pageview.keys() >= PAGEVIEW_KEYS
    purchases = [json.loads(row[4]) for row in data if row[0] == "purchase"]
    assert all(p["revenue"] > 0 and p["currency"] == "USD" for p in purchases)
    # Each sign-up identifies an anonymous user: its two distinct ids are one person.
    identifies = sum(row[0] == "$identify" for row in data)
    distinct_ids = len({row[1] for row in data})
    persons = clickhouse.execute(
        "SELECT uniqExact(person_id) FROM events WHERE team_id = {t:Int64}", {"t": team.id}
    ).rows[0][0]
    assert identifies > 0 and persons == distinct_ids - identifies
    emails = clickhouse.execute(
        "SELECT countIf(JSONHas(props, 'email')), countIf(JSONExtractString(props, 'plan') != '') FROM "
        "(SELECT argMax(properties, version) AS props FROM person WHERE team_id = {t:Int64} GROUP BY id)",
        {"t": team.id},
    ).rows[0]
    assert emails == [identifies, identifies]


def test_unknown_project_is_an_error(db):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("generate_demo_data", project=999_999, events=10, verbosity=0)
