"""Squashing person overrides into events changes no answer and empties the override table,
and a merge that arrives while a squash runs is kept (``analytics/ingestion/override_squash``).

The fixture and the hand-computed numbers are ``test_persons_overrides_queries``': after
``$identify`` merges A (anon-1) into U (user-1), every person-counting query answers AFTER.
Squashed, anon-1's two events carry U's id in ``events.person_id`` and no override row is left.

Merge during a squash: between the events update and the delete, ``$merge_dangerously``
from "boss" (alias user-1) merges U into boss's person B (boss sent a ``login`` before), writing newer override rows for
user-1 and anon-1. The delete removes only rows up to the version it folded in, so both
newer rows stay and every pageview of anon-1 and user-1 counts for B:
  unique users B, S = 2 · DAU [B,S], [B,S] · actors on 03-01 [anon-1, boss, user-1], [solo]
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from analytics.ingestion import override_squash
from analytics.ingestion.persons import person_uuid
from analytics.ingestion.writer import get_writer
from analytics.tasks import squash_person_overrides_task
from query_engine.sql import override_squash as squash_sql
from tests.capture import capture_events
from tests.test_persons_overrides_queries import AFTER, DAU, UNIQUE, ev, load, merge, numbers, post

pytestmark = pytest.mark.django_db

OVERRIDES = (
    "SELECT distinct_id, toString(argMax(person_id, version)) FROM person_distinct_id_overrides "
    "WHERE team_id = {t:Int64} GROUP BY distinct_id ORDER BY distinct_id"
)
EVENT_PERSONS = (
    "SELECT distinct_id, groupUniqArray(toString(person_id)) FROM events "
    "WHERE team_id = {t:Int64} GROUP BY distinct_id ORDER BY distinct_id"
)


@pytest.fixture(autouse=True)
def short_grace(settings):
    # Rows are deleted once the longest statement may have run (by default minutes).
    settings.PERSON_OVERRIDES_SQUASH_GRACE_SECONDS = 1


def rows(clickhouse, sql, team):
    get_writer().flush()
    return [tuple(row) for row in clickhouse.execute(sql, {"t": team.id}).rows]


def test_squash_keeps_every_answer_and_empties_the_overrides(api, client, team, clickhouse):
    load(client, team)
    merge(client, team)
    assert numbers(api, team) == AFTER
    a, u = person_uuid(team.id, "anon-1"), person_uuid(team.id, "user-1")
    assert rows(clickhouse, OVERRIDES, team) == [("anon-1", u)]
    assert rows(clickhouse, EVENT_PERSONS, team)[0] == ("anon-1", [a])

    call_command("squash_person_overrides")

    assert rows(clickhouse, OVERRIDES, team) == []
    assert rows(clickhouse, EVENT_PERSONS, team) == [
        ("anon-1", [u]),
        ("solo", [person_uuid(team.id, "solo")]),
        ("user-1", [u]),
    ]
    assert numbers(api, team) == AFTER


def test_a_merge_during_the_squash_is_kept(api, client, team, clickhouse, monkeypatch):
    load(client, team)
    capture_events(client, team, [ev("login", "boss", 1, 1)])  # B exists before the merge
    merge(client, team)
    u = person_uuid(team.id, "user-1")

    def merge_meanwhile(seconds: float) -> None:
        # Between the update of events and the delete of the rows it folded in.
        boss = ev("$merge_dangerously", "boss", 1, 7, alias="user-1")
        capture_events(client, team, [boss])
        get_writer().flush()  # its rows in the table before the delete runs

    monkeypatch.setattr(override_squash, "wait", merge_meanwhile)
    assert override_squash.squash(get_writer(), team.id) == 1

    b = person_uuid(team.id, "boss")
    assert rows(clickhouse, OVERRIDES, team) == [("anon-1", b), ("user-1", b)]
    persons = dict(rows(clickhouse, EVENT_PERSONS, team))
    assert persons["anon-1"] == [u]  # folded in; the newer override still applies on top
    assert post(api, team, UNIQUE)["results"][0]["aggregated_value"] == 2
    assert post(api, team, DAU)["results"][0]["data"] == [2, 2]
    actors_query = {
        "kind": "ActorsQuery",
        "source": {"kind": "InsightActorsQuery", "source": DAU, "day": "2024-03-01"},
        "select": ["person"],
    }
    actors = sorted(sorted(row[0]["distinct_ids"]) for row in post(api, team, actors_query)["results"])
    assert actors == [["anon-1", "boss", "user-1"], ["solo"]]

    assert override_squash.squash(get_writer(), team.id) == 2
    assert rows(clickhouse, OVERRIDES, team) == []
    assert dict(rows(clickhouse, EVENT_PERSONS, team))["anon-1"] == [b]
    assert post(api, team, UNIQUE)["results"][0]["aggregated_value"] == 2


def test_chunks_and_the_scheduled_task(api, client, team, clickhouse, settings):
    """Three merged ids folded in chunks of two; the task does nothing when switched off."""
    load(client, team)
    capture_events(
        client,
        team,
        [ev("$pageview", f"anon-{n}", 2, n) for n in (2, 3)]
        + [ev("$identify", "user-1", 2, 5 + n, **{"$anon_distinct_id": f"anon-{n}"}) for n in (1, 2, 3)],
    )
    assert len(rows(clickhouse, OVERRIDES, team)) == 3
    before = post(api, team, UNIQUE)["results"][0]["aggregated_value"]
    assert before == 2  # U (anon-1..3, user-1) and S

    settings.PERSON_OVERRIDES_SQUASH_SECONDS = 0
    assert squash_person_overrides_task() == 0
    assert len(rows(clickhouse, OVERRIDES, team)) == 3

    settings.PERSON_OVERRIDES_SQUASH_SECONDS = 300
    settings.PERSON_OVERRIDES_SQUASH_BATCH = 2
    assert squash_person_overrides_task() == 3
    assert rows(clickhouse, OVERRIDES, team) == []
    u = person_uuid(team.id, "user-1")
    assert {d: p for d, p in rows(clickhouse, EVENT_PERSONS, team) if d != "solo"} == {
        "anon-1": [u],
        "anon-2": [u],
        "anon-3": [u],
        "user-1": [u],
    }
    assert post(api, team, UNIQUE)["results"][0]["aggregated_value"] == before


def test_cluster_statements_target_the_shards():
    update = squash_sql.update_events("main's")
    assert update.startswith("ALTER TABLE sharded_events ON CLUSTER 'main\\'s' UPDATE person_id")
    delete = squash_sql.delete_overrides(None)
    assert delete.startswith("ALTER TABLE person_distinct_id_overrides DELETE")
    # Every value is bound: no id or person is ever spliced into the text.
    for statement in (update, delete, squash_sql.SNAPSHOT_SQL):
        assert "{team_id:Int64}" in statement
