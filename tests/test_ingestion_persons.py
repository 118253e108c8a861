"""Person processing through /batch/: $set/$set_once/$unset, identify and alias merges.

Persons are checked the way the query engine counts them: an event's person is the
override's person_id for its distinct id when one exists, else events.person_id.
"""

from __future__ import annotations

import json

import pytest

from tests.capture import capture_events

pytestmark = pytest.mark.django_db

EFFECTIVE_PERSONS = """
SELECT e.distinct_id, toString(if(o.distinct_id != '', o.person_id, e.person_id)) AS person
FROM events AS e
LEFT JOIN (
    SELECT distinct_id, argMax(person_id, version) AS person_id
    FROM person_distinct_id_overrides WHERE team_id = {t:Int64} GROUP BY distinct_id
) AS o ON o.distinct_id = e.distinct_id
WHERE e.team_id = {t:Int64}
"""


def persons_by_distinct_id(backend, team) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for distinct_id, person in backend.execute(EFFECTIVE_PERSONS, {"t": team.id}).rows:
        result.setdefault(distinct_id, set()).add(person)
    return result


def person_count(backend, team) -> int:
    return len(set().union(*persons_by_distinct_id(backend, team).values()))


def live_persons(backend, team) -> list[tuple[bool, dict]]:
    rows = backend.execute(
        "SELECT argMax(is_identified, version), argMax(properties, version) FROM person "
        "WHERE team_id = {t:Int64} GROUP BY id HAVING argMax(is_deleted, version) = 0",
        {"t": team.id},
    ).rows
    return sorted((bool(identified), json.loads(props)) for identified, props in rows)


def ev(event, distinct_id, minute, **properties):
    return {
        "event": event,
        "distinct_id": distinct_id,
        "timestamp": f"2024-03-01T10:{minute:02d}:00Z",
        "properties": properties,
    }


def test_set_set_once_unset_and_snapshots_on_events(client, team, clickhouse):
    capture_events(
        client,
        team,
        [
            ev(
                "a", "u", 0, **{"$set": {"plan": "free", "email": "u@x.io"}, "$set_once": {"first": "google"}}
            ),
            ev("b", "u", 1, **{"$set": {"plan": "pro"}, "$set_once": {"first": "bing", "tz": "UTC"}}),
        ],
    )
    capture_events(
        client,
        team,
        [
            {
                "event": "$set",
                "distinct_id": "u",
                "timestamp": "2024-03-01T10:02:00Z",
                "$set": {"seats": 3},
                "$unset": ["email"],
            }
        ],
    )
    rows = clickhouse.execute(
        "SELECT event, person_properties FROM events WHERE team_id = {t:Int64} ORDER BY timestamp",
        {"t": team.id},
    ).rows
    # a: set plan/email, set_once first; b: plan overwritten, first kept, tz added; $set: seats added, email removed
    assert [(name, json.loads(props)) for name, props in rows] == [
        ("a", {"plan": "free", "email": "u@x.io", "first": "google"}),
        ("b", {"plan": "pro", "email": "u@x.io", "first": "google", "tz": "UTC"}),
        ("$set", {"plan": "pro", "first": "google", "tz": "UTC", "seats": 3}),
    ]
    assert live_persons(clickhouse, team) == [
        (False, {"plan": "pro", "first": "google", "tz": "UTC", "seats": 3})
    ]


def test_identify_links_anonymous_id_without_a_second_person(client, team, clickhouse):
    capture_events(client, team, [ev("$pageview", "anon-1", 0), ev("$pageview", "anon-1", 1)])
    capture_events(
        client,
        team,
        [
            ev("$identify", "user-1", 2, **{"$anon_distinct_id": "anon-1", "$set": {"email": "a@x.io"}}),
            ev("purchase", "user-1", 3),
        ],
    )
    by_id = persons_by_distinct_id(clickhouse, team)
    # user-1 was new, so it joins anon-1's person: one person for all four events
    assert person_count(clickhouse, team) == 1
    assert by_id["anon-1"] == by_id["user-1"]
    assert live_persons(clickhouse, team) == [(True, {"email": "a@x.io"})]
    overrides = clickhouse.execute("SELECT count() FROM person_distinct_id_overrides").rows[0][0]
    assert overrides == 0  # no events had to change person


def test_identify_merges_two_existing_persons_with_overrides(client, team, clickhouse):
    capture_events(
        client,
        team,
        [
            ev("$pageview", "anon-2", 0, **{"$set": {"utm": "ads"}}),
            ev("$pageview", "user-2", 1, **{"$set": {"email": "b@x.io"}}),
        ],
    )
    assert person_count(clickhouse, team) == 2
    capture_events(client, team, [ev("$identify", "user-2", 2, **{"$anon_distinct_id": "anon-2"})])
    # 3 events, all one person now; anon-2's old events are remapped by an override row
    assert person_count(clickhouse, team) == 1
    user_person = clickhouse.execute(
        "SELECT DISTINCT toString(person_id) FROM events WHERE distinct_id = 'user-2'"
    ).rows
    overrides = clickhouse.execute(
        "SELECT distinct_id, toString(person_id), version > 0 FROM person_distinct_id_overrides"
    ).rows
    assert overrides == [["anon-2", user_person[0][0], 1]]
    assert live_persons(clickhouse, team) == [(True, {"utm": "ads", "email": "b@x.io"})]


def test_identified_person_is_not_merged_by_identify_but_is_by_merge_dangerously(client, team, clickhouse):
    capture_events(
        client,
        team,
        [
            ev("$identify", "alice", 0, **{"$anon_distinct_id": "anon-a"}),
            ev("$identify", "bob", 1, **{"$anon_distinct_id": "anon-b"}),
            ev("$identify", "bob", 2, **{"$anon_distinct_id": "alice"}),  # refused: alice is identified
        ],
    )
    assert person_count(clickhouse, team) == 2
    capture_events(client, team, [ev("$merge_dangerously", "bob", 3, alias="alice")])
    assert person_count(clickhouse, team) == 1
    # alice's person had anon-a too: both ids are overridden to bob's person
    overridden = clickhouse.execute("SELECT distinct_id FROM person_distinct_id_overrides ORDER BY 1").rows
    assert overridden == [["alice"], ["anon-a"]]


def test_alias_and_merge_within_one_batch(client, team, clickhouse):
    capture_events(
        client,
        team,
        [
            ev("$pageview", "x", 0),
            ev("$pageview", "y", 1),
            ev("$create_alias", "y", 2, alias="x"),
            ev("$pageview", "x", 3),
        ],
    )
    # 4 events, x and y merged into y's person; x's later event already carries it
    assert person_count(clickhouse, team) == 1
    rows = clickhouse.execute(
        "SELECT distinct_id, toString(person_id) FROM person_distinct_id2 FINAL WHERE team_id = {t:Int64} ORDER BY 1",
        {"t": team.id},
    ).rows
    assert rows[0][1] == rows[1][1]


def test_personless_events_create_no_person(client, team, clickhouse):
    capture_events(client, team, [ev("ping", "robot", 0, **{"$process_person_profile": False})])
    assert live_persons(clickhouse, team) == []
    row = clickhouse.execute("SELECT person_properties, toString(person_created_at) FROM events").rows[0]
    assert row == ["{}", "1970-01-01 00:00:00.000000"]


def test_person_created_at_is_the_first_event_time(client, team, clickhouse):
    capture_events(client, team, [ev("b", "late", 30), ev("a", "late", 5)])
    created = clickhouse.execute(
        "SELECT toString(argMax(created_at, version)) FROM person WHERE team_id = {t:Int64}", {"t": team.id}
    ).rows
    assert created == [["2024-03-01 10:05:00.000000"]]


def test_identify_finds_the_anonymous_id_as_it_was_stored(client, team, clickhouse):
    long_anon = "anon-" + "x" * 300  # stored cut to 200 characters, without surrounding spaces
    capture_events(client, team, [ev("$pageview", long_anon, 0)])
    capture_events(client, team, [ev("$identify", "user-1", 1, **{"$anon_distinct_id": f"  {long_anon} "})])
    by_id = persons_by_distinct_id(clickhouse, team)
    assert person_count(clickhouse, team) == 1
    assert by_id[long_anon[:200]] == by_id["user-1"]
