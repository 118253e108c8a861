"""The writer's journal of person, distinct-id and uuid rows (single writer, chDB).

Those rows reach ClickHouse about once a second; a process that stops before that leaves
them in the journal, and the next writer on the same data directory writes them before it
reads the tables. These tests play both processes with two writers on one journal.
"""

from __future__ import annotations

import json

import pytest

from analytics.ingestion import deferred_rows
from analytics.ingestion.deferred_rows import DeferredRows
from analytics.ingestion.writer import EventWriter
from query_engine.backends import BackendError
from tests.test_ingestion_writer_state import U, ev, writer_job

pytestmark = pytest.mark.django_db


class OtherDataDirectory:
    """The test's chDB backend seen through another path, so its journal is the test's own."""

    def __init__(self, backend, path) -> None:
        self._backend = backend
        self.path = str(path)

    def __getattr__(self, name):
        return getattr(self._backend, name)


@pytest.fixture
def backend(clickhouse, tmp_path, monkeypatch):
    monkeypatch.setattr(deferred_rows, "FLUSH_SECONDS", 3600.0)  # no timed flush during a test
    return OtherDataDirectory(clickhouse, tmp_path / "chdb")


def journal_files(backend) -> dict[str, bytes]:
    directory = deferred_rows.journal_directory(backend)
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def table_counts(backend, team) -> list[int]:
    return [
        backend.execute(f"SELECT count() FROM {table} WHERE team_id = {{t:Int64}}", {"t": team.id}).rows[0][0]
        for table in ("person", "person_distinct_id2", "event_uuids")
    ]


def stored_events(backend, team) -> list[tuple[str, str, dict]]:
    """(uuid, person id, person properties) per stored row, in uuid order."""
    rows = backend.execute(
        "SELECT toString(uuid), toString(person_id), person_properties FROM events "
        "WHERE team_id = {t:Int64} ORDER BY uuid",
        {"t": team.id},
    ).rows
    return [(uuid, person, json.loads(properties)) for uuid, person, properties in rows]


def write(writer, team, raw_events) -> None:
    job = writer_job(team, raw_events)
    with writer._stage_lock:
        writer._insert([writer._stage([job], dedup=True)])
    assert job.error is None


def test_rows_wait_in_the_journal_until_a_flush(backend, team):
    writer = EventWriter(backend)
    write(writer, team, [ev(U[0], "$pageview", "anon", 0, **{"$set": {"plan": "free"}})])
    # The event is stored and queryable; its person, distinct id and uuid are journaled.
    assert [row[0] for row in stored_events(backend, team)] == [U[0]]
    assert table_counts(backend, team) == [0, 0, 0]
    files = journal_files(backend)
    assert [json.loads(line)["distinct_id"] for line in files["person_distinct_id2.jsonl"].splitlines()] == [
        "anon"
    ]
    assert json.loads(files["event_uuids.jsonl"]) == {"team_id": team.id, "uuid": U[0]}

    writer.flush()
    assert table_counts(backend, team) == [1, 1, 1]
    assert set(journal_files(backend).values()) == {b""}


def test_a_new_process_writes_what_a_stopped_one_left_before_it_reads(backend, team):
    first = EventWriter(backend)
    write(first, team, [ev(U[0], "$pageview", "anon", 0, **{"$set": {"plan": "free"}})])
    first._journal.close()  # the process stops without a flush
    directory = deferred_rows.journal_directory(backend)
    with open(directory / "person.jsonl", "ab") as person_journal:
        person_journal.write(b'{"id": "cut short by the cr')  # a write the crash interrupted

    second = EventWriter(backend)
    # The same person again, and a retry of the first event: the second process knows both
    # from the store, which it can only if it wrote the journal before reading.
    write(
        second,
        team,
        [ev(U[1], "$pageview", "anon", 1, **{"$set": {"seen": 2}}), ev(U[0], "$pageview", "anon", 0)],
    )
    (_, first_person, _), (_, second_person, properties) = stored_events(backend, team)  # retry dropped
    assert second_person == first_person
    assert properties == {"plan": "free", "seen": 2}
    second.flush()
    assert table_counts(backend, team) == [2, 1, 2]
    assert set(journal_files(backend).values()) == {b""}


def test_a_failed_flush_keeps_everything_journaled(backend, team, monkeypatch):
    writer = EventWriter(backend)
    write(writer, team, [ev(U[0], "$pageview", "anon", 0), ev(U[1], "$pageview", "other", 1)])
    journaled = journal_files(backend)
    insert = backend.insert_json_payload

    def distinct_ids_fail(table, payload):
        if table == "person_distinct_id2":
            raise BackendError("disk full")
        insert(table, payload)

    monkeypatch.setattr(backend, "insert_json_payload", distinct_ids_fail, raising=False)
    with pytest.raises(BackendError):
        writer.flush()
    assert journal_files(backend) == journaled
    assert writer._journal.pending_rows == 6

    monkeypatch.undo()
    writer.flush()  # persons are written again: same rows, same versions, still two persons
    live = backend.execute(
        "SELECT count() FROM (SELECT id FROM person FINAL WHERE team_id = {t:Int64})", {"t": team.id}
    ).rows[0][0]
    assert live == 2
    assert table_counts(backend, team)[1:] == [2, 2]


def test_appends_are_refused_past_the_pending_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(deferred_rows, "MAX_PENDING_ROWS", 2)
    journal = DeferredRows(tmp_path)
    rows = [{"team_id": 1, "uuid": U[n]} for n in range(3)]
    journal.append({"event_uuids": rows})
    with pytest.raises(BackendError):
        journal.append({"event_uuids": rows[:1]})
    assert journal.pending_rows == 3
