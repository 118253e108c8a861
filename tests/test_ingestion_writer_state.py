"""Where the writer gets person state and stored uuids from: memory (chDB) or lookups.

chDB's process is the only writer (``single_writer``), so the writer keeps each team's
persons and uuid fingerprints in memory; with a ClickHouse server it looks them up per
batch. Both must store the same rows, also across a restart (memory cleared) and after a
failed write.
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime

import numpy as np
import pytest

from analytics.ingestion import team_memory
from analytics.ingestion.events import parse_event
from analytics.ingestion.fingerprints import FINGERPRINT_SQL, FingerprintSet, fingerprints
from analytics.ingestion.group_commit import prepared_job
from analytics.ingestion.writer import get_writer
from query_engine.backends import BackendError
from tests.capture import capture_events

pytestmark = pytest.mark.django_db

U = [str(uuid.UUID(int=n + 1)) for n in range(8)]


# Memory mode is the single writer's (chDB); "lookups" is what every server-mode process does.
@pytest.fixture(params=[pytest.param("memory", marks=pytest.mark.chdb_only), "lookups"])
def mode(request, clickhouse, monkeypatch) -> str:
    if request.param == "lookups":
        monkeypatch.setattr(clickhouse, "single_writer", False)
    return request.param


def ev(uuid_text, event, distinct_id, minute, **properties):
    return {
        "uuid": uuid_text,
        "event": event,
        "distinct_id": distinct_id,
        "timestamp": f"2024-03-01T10:{minute:02d}:00Z",
        "properties": properties,
    }


def writer_job(team, raw_events):
    """A request's job as the capture view hands it to the writer (events validated)."""
    now = datetime.now(UTC)
    return prepared_job(team.id, [parse_event(copy.deepcopy(e), sent_at=None, now=now) for e in raw_events])


def fail_events_inserts(backend, monkeypatch) -> None:
    """Inserts into ``events`` fail (the person tables' inserts, which come first, succeed)."""
    insert = backend.insert_json_rows

    def failing(table, rows):
        if table == "events":
            raise BackendError("disk full")
        return insert(table, rows)

    monkeypatch.setattr(backend, "insert_json_rows", failing)


def stored_uuids(backend, team) -> list[str]:
    return sorted(
        row[0]
        for row in backend.execute(
            "SELECT toString(uuid) FROM events WHERE team_id = {t:Int64}", {"t": team.id}
        ).rows
    )


def live_persons(backend, team) -> list[tuple[bool, str, int]]:
    """(identified, properties JSON, version) per live person, sorted."""
    rows = backend.execute(
        "SELECT argMax(is_identified, version), argMax(properties, version), max(version) FROM person "
        "WHERE team_id = {t:Int64} GROUP BY id HAVING argMax(is_deleted, version) = 0",
        {"t": team.id},
    ).rows
    return sorted((bool(identified), props, version) for identified, props, version in rows)


def distinct_id_versions(backend, team) -> dict[str, int]:
    rows = backend.execute(
        "SELECT distinct_id, max(version) FROM person_distinct_id2 WHERE team_id = {t:Int64} "
        "GROUP BY distinct_id",
        {"t": team.id},
    ).rows
    return dict(rows)


def test_a_restart_sees_stored_uuids_and_persons(client, team, mode, clickhouse):
    capture_events(
        client,
        team,
        [ev(U[0], "$pageview", "anon", 0, **{"$set": {"plan": "free"}}), ev(U[1], "x", "user", 1)],
    )
    get_writer().forget()  # what a new process knows: only the store
    capture_events(
        client,
        team,
        [
            ev(U[0], "$pageview", "anon", 0, **{"$set": {"plan": "free"}}),  # a retry: dropped
            ev(U[2], "$identify", "user", 2, **{"$anon_distinct_id": "anon"}),
            ev(U[3], "x", "anon", 3, **{"$set": {"plan": "pro"}}),
        ],
    )
    assert stored_uuids(clickhouse, team) == [U[0], U[1], U[2], U[3]]
    # user's person (version 0) absorbed anon's in one write: version 1, identified,
    # anon's $set of this batch on top; anon's distinct id moved (version 0 -> 1).
    assert live_persons(clickhouse, team) == [(True, '{"plan":"pro"}', 1)]
    assert distinct_id_versions(clickhouse, team) == {"anon": 1, "user": 0}


def test_memory_mode_reads_nothing_once_a_team_is_loaded(client, team, mode, clickhouse, monkeypatch):
    capture_events(client, team, [ev(U[0], "x", "a", 0, **{"$set": {"n": 1}})])
    reads: list[str] = []
    execute, fetch = clickhouse.execute, clickhouse.fetch_row_binary
    monkeypatch.setattr(
        clickhouse, "execute", lambda sql, *a, **k: reads.append(sql) or execute(sql, *a, **k)
    )
    monkeypatch.setattr(
        clickhouse, "fetch_row_binary", lambda sql, *a, **k: reads.append(sql) or fetch(sql, *a, **k)
    )
    capture_events(client, team, [ev(U[1], "x", "a", 1, **{"$set": {"n": 2}}), ev(U[2], "x", "b", 2)])
    if mode == "memory":
        assert reads == []
    else:  # uuid dedup, distinct ids, persons
        assert len(reads) == 3
    monkeypatch.undo()
    assert stored_uuids(clickhouse, team) == [U[0], U[1], U[2]]
    assert live_persons(clickhouse, team) == [(False, '{"n":2}', 1), (False, "{}", 0)]


def test_a_fingerprint_hit_is_confirmed_in_the_store(client, team, clickhouse):
    capture_events(client, team, [ev(U[0], "x", "a", 0)])
    # Pretend U[1] collides with a stored uuid's fingerprint: the lookup must say "new".
    memory = get_writer()._memory.team(clickhouse, team.id)
    memory.uuids.add(fingerprints([U[1]]))
    capture_events(client, team, [ev(U[1], "x", "a", 1), ev(U[0], "x", "a", 2)])
    assert stored_uuids(clickhouse, team) == [U[0], U[1]]


def test_python_and_clickhouse_fingerprints_agree(clickhouse):
    sql = "SELECT " + FINGERPRINT_SQL.format(expr="toUUID({u:String})")
    for text in (U[0], "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"):
        assert clickhouse.execute(sql, {"u": text}).rows[0][0] == int(fingerprints([text])[0])


def test_fingerprint_set_keeps_every_value_across_run_merges():
    values = FingerprintSet(np.array([5, 3, 3], dtype=np.uint64))
    for start in range(10, 200, 10):  # 19 adds: runs merge as they grow
        values.add(np.arange(start, start + 5, dtype=np.uint64))
    assert len(values) == 2 + 19 * 5
    probe = np.array([3, 4, 5, 10, 14, 15, 194, 195], dtype=np.uint64)
    assert values.contains(probe).tolist() == [True, False, True, True, True, False, True, False]


def test_a_team_past_the_memory_limit_falls_back_to_lookups(client, team, clickhouse, monkeypatch):
    monkeypatch.setattr(team_memory, "MAX_DISTINCT_IDS", 2)
    capture_events(client, team, [ev(U[0], "x", "a", 0, **{"$set": {"k": "a"}}), ev(U[1], "x", "b", 1)])
    capture_events(client, team, [ev(U[2], "x", "c", 2)])  # the third distinct id: over the limit
    assert get_writer()._memory.team(clickhouse, team.id).book is None
    capture_events(client, team, [ev(U[3], "x", "a", 3, **{"$set": {"k": "a2"}}), ev(U[1], "x", "b", 4)])
    assert stored_uuids(clickhouse, team) == [U[0], U[1], U[2], U[3]]
    assert live_persons(clickhouse, team) == [(False, '{"k":"a2"}', 1), (False, "{}", 0), (False, "{}", 0)]


def test_with_a_server_a_failed_write_answers_503_and_the_retry_lands_once(
    client, team, clickhouse, monkeypatch
):
    monkeypatch.setattr(clickhouse, "single_writer", False)  # rows are inserted before the answer
    capture_events(client, team, [ev(U[0], "x", "a", 0, **{"$set": {"k": 1}})])
    insert = clickhouse.insert_json_rows
    fail_events_inserts(clickhouse, monkeypatch)
    batch = [ev(U[1], "x", "a", 1, **{"$set": {"k": 2}}), ev(U[2], "x", "b", 2)]
    response = client.post(
        "/batch/", json.dumps({"api_key": team.api_token, "batch": batch}), content_type="application/json"
    )
    assert response.status_code == 503  # persons were written, events were not
    monkeypatch.setattr(clickhouse, "insert_json_rows", insert)
    capture_events(client, team, batch)  # the client retries
    assert stored_uuids(clickhouse, team) == [U[0], U[1], U[2]]
    # The failed attempt stored a's version 1 already; the retry changes nothing more.
    assert live_persons(clickhouse, team) == [(False, '{"k":2}', 1), (False, "{}", 0)]


@pytest.mark.chdb_only
def test_with_chdb_a_failed_write_keeps_the_batch_journaled_and_queries_wait_for_it(
    client, api, team, clickhouse, monkeypatch
):
    """The batch is answered from the journal; while ClickHouse refuses the write, queries
    answer 503 rather than miss it, and once it works every event is counted once."""
    capture_events(client, team, [ev(U[0], "x", "a", 0, **{"$set": {"k": 1}})])
    insert = clickhouse.insert_json_payload

    def events_fail(table, payload):
        if table == "events":
            raise BackendError("Code: 241. Memory limit exceeded")
        insert(table, payload)

    monkeypatch.setattr(clickhouse, "insert_json_payload", events_fail)
    batch = [ev(U[1], "x", "a", 1, **{"$set": {"k": 2}}), ev(U[2], "x", "b", 2)]
    capture_events(client, team, batch)  # 200: journaled
    count = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "x", "math": "total"}],
        "dateRange": {"date_from": "2024-03-01", "date_to": "2024-03-01"},
    }
    refused = api.post(f"/api/projects/{team.id}/query/", {"query": count}, format="json")
    assert refused.status_code == 503
    assert refused.json() == {
        "type": "server_error", "code": "unavailable", "detail": "Event store unavailable.", "attr": None
    }  # fmt: skip
    monkeypatch.undo()
    counted = api.post(f"/api/projects/{team.id}/query/", {"query": count}, format="json")
    assert counted.status_code == 200, counted.json()
    assert counted.json()["results"][0]["count"] == 3
    assert live_persons(clickhouse, team) == [(False, '{"k":2}', 1), (False, "{}", 0)]


def test_several_writer_processes_take_turns_per_team(client, team, clickhouse, monkeypatch):
    """With a ClickHouse server another process may hold a team's write lock: wait, or refuse (503)."""
    from analytics.ingestion import writer as writer_module
    from query_engine.refresh import singleflight

    monkeypatch.setattr(clickhouse, "single_writer", False)
    monkeypatch.setattr(writer_module, "WRITE_LOCK_WAIT", 0.3)
    other_process = singleflight.acquire(f"ingest:{team.id}")
    body = json.dumps({"api_key": team.api_token, "batch": [ev(U[0], "e", "a", 0)]})
    refused = client.post("/batch/", body, content_type="application/json")
    assert refused.status_code == 503
    assert stored_uuids(clickhouse, team) == []
    singleflight.release(f"ingest:{team.id}", other_process)
    capture_events(client, team, [ev(U[0], "e", "a", 0)])
    assert stored_uuids(clickhouse, team) == [U[0]]
    assert singleflight.current(f"ingest:{team.id}") is None  # released after the write


def stage_both_and_fail_the_first(writer, first_job, second_job, backend, monkeypatch):
    """Stage two jobs as the staging thread would, then fail the first's insert; the second's
    staged group is returned, not inserted yet."""
    with writer._stage_lock:
        first_group = writer._stage([first_job], dedup=True)
        second_group = writer._stage([second_job], dedup=True)
    fail_events_inserts(backend, monkeypatch)
    writer._insert([first_group])
    monkeypatch.undo()
    return second_group


@pytest.mark.chdb_only
def test_a_group_staged_on_top_of_a_failed_insert_fails_too(client, team, clickhouse, monkeypatch):
    """The writer stages the next group while one is inserted; if that insert fails, the
    next group's rows assumed it was stored (here: a's person), so it must not land alone."""
    first = [ev(U[0], "x", "a", 0, **{"$set": {"k": 1}})]
    second = [ev(U[1], "x", "a", 1, **{"$set": {"k": 2}}), ev(U[2], "x", "b", 2)]

    writer = get_writer()
    first_job, second_job = writer_job(team, first), writer_job(team, second)
    second_group = stage_both_and_fail_the_first(writer, first_job, second_job, clickhouse, monkeypatch)
    writer._insert([second_group])
    assert isinstance(first_job.error, BackendError) and isinstance(second_job.error, BackendError)
    assert "earlier write failed" in str(second_job.error)
    assert stored_uuids(clickhouse, team) == []
    # The clients retry both batches: everything lands once, a's person at its latest $set.
    capture_events(client, team, first)
    capture_events(client, team, second)
    assert stored_uuids(clickhouse, team) == [U[0], U[1], U[2]]
    assert live_persons(clickhouse, team) == [(False, '{"k":2}', 1), (False, "{}", 0)]


@pytest.mark.chdb_only
def test_a_group_staged_after_a_failure_is_stored_even_when_stale_groups_fail_before_it(
    client, team, clickhouse, monkeypatch
):
    """Failing stale groups must not fail the groups staged after the failure, or under
    steady traffic each stale failure would fail the next group, and so on forever."""
    writer = get_writer()
    first = writer_job(team, [ev(U[0], "x", "a", 0)])
    stale = writer_job(team, [ev(U[1], "x", "a", 1)])
    stale_group = stage_both_and_fail_the_first(writer, first, stale, clickhouse, monkeypatch)
    later = writer_job(team, [ev(U[2], "x", "b", 2)])
    with writer._stage_lock:
        later_group = writer._stage([later], dedup=True)  # reloads the team from the store
    writer._insert([stale_group])
    writer._insert([later_group])
    assert first.error is not None and stale.error is not None
    assert later.error is None and later.stored == 1
    assert stored_uuids(clickhouse, team) == [U[2]]


def test_an_error_after_the_inserts_answers_503_and_the_writer_keeps_serving(
    client, team, clickhouse, monkeypatch
):
    """Releasing a team's lock in Redis can fail after the rows are stored: the request gets a
    503 (nothing acknowledged; the retry is deduplicated), and later requests are served."""
    from analytics.ingestion import writer as writer_module
    from query_engine.refresh import singleflight

    monkeypatch.setattr(clickhouse, "single_writer", False)
    real_release = singleflight.release

    def failing_release(name, holder):
        real_release(name, holder)
        raise ConnectionError("redis went away")

    monkeypatch.setattr(singleflight, "release", failing_release)
    body = json.dumps({"api_key": team.api_token, "batch": [ev(U[0], "e", "a", 0)]})
    refused = client.post("/batch/", body, content_type="application/json")
    assert refused.status_code == 503
    assert stored_uuids(clickhouse, team) == [U[0]]  # stored before the error
    monkeypatch.setattr(singleflight, "release", real_release)
    assert writer_module.get_writer()._threads and all(t.is_alive() for t in get_writer()._threads)
    capture_events(client, team, [ev(U[0], "e", "a", 0), ev(U[1], "e", "a", 1)])  # the retry
    assert stored_uuids(clickhouse, team) == [U[0], U[1]]
