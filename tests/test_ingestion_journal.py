"""The writer's journal (single writer, chDB): batches are acknowledged once journaled.

The journal is written to ClickHouse in bulk, and before any read; a process that stops
leaves it for the next one on the same data directory. These tests play both processes
with two writers on one journal, through a backend that names another data directory, so
the journal is the test's own (reads through it do not write it: only ``flush`` does).
"""

from __future__ import annotations

import json

import pytest

from analytics.ingestion import journal as journal_module
from analytics.ingestion.journal import IngestJournal
from analytics.ingestion.writer import EventWriter
from query_engine.backends import BackendError
from tests.test_ingestion_writer_state import U, ev, writer_job

# The journal exists for chDB's single writing process only.
pytestmark = [pytest.mark.django_db, pytest.mark.chdb_only]


class OtherDataDirectory:
    """The test's chDB backend seen through another path."""

    def __init__(self, backend, path) -> None:
        self._backend = backend
        self.path = str(path)

    def __getattr__(self, name):
        return getattr(self._backend, name)


@pytest.fixture
def backend(clickhouse, tmp_path, monkeypatch):
    monkeypatch.setattr(journal_module, "FLUSH_SECONDS", 3600.0)  # no timed write during a test
    return OtherDataDirectory(clickhouse, tmp_path / "chdb")


def journal_directory(backend):
    return journal_module.journal_directory(backend)


def journal_files(backend) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(journal_directory(backend).glob("*.jsonl"))}


def table_counts(backend, team) -> list[int]:
    return [
        backend.execute(f"SELECT count() FROM {table} WHERE team_id = {{t:Int64}}", {"t": team.id}).rows[0][0]
        for table in ("person", "person_distinct_id2", "events", "event_uuids")
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
    writer.write_direct(team.id, job.events)


def test_a_batch_waits_in_the_journal_until_a_write(backend, team):
    writer = EventWriter(backend)
    write(writer, team, [ev(U[0], "$pageview", "anon", 0, **{"$set": {"plan": "free"}})])
    assert table_counts(backend, team) == [0, 0, 0, 0]
    files = journal_files(backend)
    assert [json.loads(line)["uuid"] for line in files["events.jsonl"].splitlines()] == [U[0]]
    assert json.loads(files["person_distinct_id2.jsonl"])["distinct_id"] == "anon"
    assert json.loads(files["event_uuids.jsonl"]) == {"team_id": team.id, "uuid": U[0]}

    assert writer._journal.flush(backend) == 4
    assert table_counts(backend, team) == [1, 1, 1, 1]
    assert set(journal_files(backend).values()) == {b""}


def test_the_server_writer_writes_its_journal_before_any_read(client, team, clickhouse):
    """Through the API: the batch is journaled, and the next read of the store sees it."""
    from analytics.ingestion.writer import get_writer
    from tests.capture import capture_events

    capture_events(client, team, [ev(U[0], "$pageview", "anon", 0)])
    assert get_writer()._journal.pending_rows in (0, 4)  # 0 if the timed write came first
    count = clickhouse.execute("SELECT count() FROM events WHERE team_id = {t:Int64}", {"t": team.id})
    assert count.rows == [[1]]
    assert get_writer()._journal.pending_rows == 0


def test_a_new_process_writes_what_a_stopped_one_left_before_it_reads(backend, team):
    first = EventWriter(backend)
    write(first, team, [ev(U[0], "$pageview", "anon", 0, **{"$set": {"plan": "free"}})])
    first._journal.close()  # the process stops without writing its journal
    with open(journal_directory(backend) / "person.jsonl", "ab") as person_journal:
        person_journal.write(b'{"id": "cut short by the cr')  # a write the crash interrupted

    second = EventWriter(backend)
    # The same person again, and a retry of the first event: the second process knows both
    # from the store, which it can only if it wrote the journal before reading.
    write(
        second,
        team,
        [ev(U[1], "$pageview", "anon", 1, **{"$set": {"seen": 2}}), ev(U[0], "$pageview", "anon", 0)],
    )
    second._journal.flush(backend)
    (_, first_person, _), (_, second_person, properties) = stored_events(backend, team)  # retry dropped
    assert second_person == first_person
    assert properties == {"plan": "free", "seen": 2}
    assert table_counts(backend, team) == [2, 1, 2, 2]
    assert set(journal_files(backend).values()) == {b""}


def test_a_write_cut_short_is_finished_without_doubling_events(backend, team):
    """A stop in the middle of writing a segment: its events may be stored already."""
    first = EventWriter(backend)
    write(first, team, [ev(U[0], "x", "a", 0), ev(U[1], "x", "b", 1)])
    journal = first._journal
    journal._next_segment()  # the write had begun: the files were renamed ...
    flushing = journal_directory(backend) / "events.flushing.jsonl"
    backend.insert_json_payload("events", flushing.read_bytes())  # ... and events inserted
    journal.close()

    second = EventWriter(backend)
    second.flush()
    assert [row[0] for row in stored_events(backend, team)] == [U[0], U[1]]
    assert table_counts(backend, team) == [2, 2, 2, 2]
    assert journal_files(backend) == {
        f"{table}.jsonl": b"" for table in journal_module.JOURNALED_TABLES
    }  # the written segment's files are gone


def test_a_failed_write_keeps_everything_journaled(backend, team, monkeypatch):
    writer = EventWriter(backend)
    write(writer, team, [ev(U[0], "$pageview", "anon", 0), ev(U[1], "$pageview", "other", 1)])
    insert = backend.insert_json_payload

    def events_fail(table, payload):
        if table == "events":
            raise BackendError("Code: 241. Memory limit exceeded")
        insert(table, payload)

    monkeypatch.setattr(backend, "insert_json_payload", events_fail, raising=False)
    with pytest.raises(BackendError):
        writer._journal.flush(backend)
    assert writer._journal.pending_rows == 8
    assert table_counts(backend, team) == [2, 2, 0, 0]  # the tables before events were written
    monkeypatch.setattr(backend, "insert_json_payload", insert, raising=False)
    assert writer._journal.flush(backend) == 8
    assert table_counts(backend, team) == [2, 2, 2, 2]  # each written once


def test_a_large_table_is_written_in_several_inserts(backend, team, monkeypatch):
    writer = EventWriter(backend)
    write(writer, team, [ev(U[n], "x", f"user-{n}", n) for n in range(5)])
    event_lines = journal_files(backend)["events.jsonl"].splitlines(keepends=True)
    monkeypatch.setattr(journal_module, "CHUNK_BYTES", len(event_lines[0]) * 2 + 1)
    insert, inserted = backend.insert_json_payload, []

    def counting(table, payload):
        inserted.append((table, payload.count(b"\n")))
        insert(table, payload)

    monkeypatch.setattr(backend, "insert_json_payload", counting, raising=False)
    writer._journal.flush(backend)
    assert [count for table, count in inserted if table == "events"] == [2, 2, 1]
    assert [row[0] for row in stored_events(backend, team)] == U[:5]


def test_a_row_clickhouse_refuses_is_set_aside_and_the_rest_is_stored(backend, team, monkeypatch):
    writer = EventWriter(backend)
    write(writer, team, [ev(U[n], "x", f"user-{n}", n) for n in range(5)])
    insert = backend.insert_json_payload

    def refuse_the_third(table, payload):
        if table == "events" and U[2].encode() in payload:
            raise BackendError("Code: 27. Cannot parse input", code=27)
        insert(table, payload)

    monkeypatch.setattr(backend, "insert_json_payload", refuse_the_third, raising=False)
    writer._journal.flush(backend)
    assert [row[0] for row in stored_events(backend, team)] == [U[0], U[1], U[3], U[4]]
    refused = (journal_directory(backend) / "refused" / "events.jsonl").read_bytes()
    assert json.loads(refused)["uuid"] == U[2]
    assert writer._journal.pending_rows == 0


class DiskFullHalfway:
    """A journal file whose next write stores half the bytes, then fails."""

    def __init__(self, file) -> None:
        self._file = file

    def write(self, payload: bytes) -> int:
        self._file.write(payload[: len(payload) // 2])
        self._file.flush()
        raise OSError(28, "No space left on device")

    def __getattr__(self, name):
        return getattr(self._file, name)


def test_a_failed_append_answers_an_error_and_leaves_nothing_of_the_batch(backend, team):
    writer = EventWriter(backend)
    write(writer, team, [ev(U[0], "x", "a", 0)])
    journal = writer._journal
    events_file = journal._files["events"]
    before = journal_files(backend)
    journal._files["events"] = DiskFullHalfway(events_file)
    batch = [ev(U[1], "x", "a", 1), ev(U[2], "x", "b", 2)]
    with pytest.raises(BackendError):
        write(writer, team, batch)
    # The half line is cut off, and the rows the batch had journaled before events too.
    assert journal_files(backend) == before
    journal._files["events"] = events_file
    write(writer, team, batch)  # the client retries once there is room
    # Whole lines only (the first batch went to ClickHouse when the retry reloaded the team).
    lines = journal_files(backend)["events.jsonl"].splitlines()
    assert [json.loads(line)["uuid"] for line in lines] == [U[1], U[2]]
    journal.flush(backend)
    assert [row[0] for row in stored_events(backend, team)] == [U[0], U[1], U[2]]


def test_appends_are_refused_past_the_pending_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(journal_module, "MAX_PENDING_ROWS", 2)
    journal = IngestJournal(tmp_path)
    rows = [{"team_id": 1, "uuid": U[n]} for n in range(3)]
    journal.append({"event_uuids": rows})
    with pytest.raises(BackendError):
        journal.append({"event_uuids": rows[:1]})
    assert journal.pending_rows == 3


def test_with_fsync_each_append_is_synced_before_it_returns(tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr(journal_module.os, "fsync", lambda fd: synced.append(fd))
    journal = IngestJournal(tmp_path, fsync=True)
    journal.append({"events": [], "event_uuids": [{"team_id": 1, "uuid": U[0]}]})
    assert synced == [journal._files["event_uuids"].fileno()]  # only the file written to
    unsynced = IngestJournal(tmp_path / "other")
    unsynced.append({"event_uuids": [{"team_id": 1, "uuid": U[1]}]})
    assert len(synced) == 1


def test_a_backend_opened_again_reads_the_journal_again(backend, team, clickhouse):
    """Between two openings of the store another process may have journaled rows (a bench or
    a management command closes its backend while the server runs, then opens it again)."""
    writer = EventWriter(backend)
    write(writer, team, [ev(U[0], "x", "a", 0)])
    writer._journal.flush(backend)
    other_process = EventWriter(backend)  # same directory, its own journal
    write(other_process, team, [ev(U[1], "x", "b", 1)])
    other_process._journal.close()  # and it stops

    writer._backend = OtherDataDirectory(clickhouse, backend.path)  # the store opened again
    writer.flush()
    assert [row[0] for row in stored_events(backend, team)] == [U[0], U[1]]


def test_a_failed_switch_to_a_new_segment_keeps_the_rows_pending(backend, team, monkeypatch):
    writer = EventWriter(backend)
    write(writer, team, [ev(U[0], "x", "a", 0)])
    journal, real_replace, calls = writer._journal, journal_module.os.replace, []

    def third_rename_fails(source, target):
        calls.append(source)
        if len(calls) == 3:
            raise OSError(5, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(journal_module.os, "replace", third_rename_fails)
    with pytest.raises(OSError):
        journal.flush(backend)
    monkeypatch.undo()
    assert journal.pending_rows == 4
    assert not list(journal_directory(backend).glob("*.flushing.jsonl"))  # renamed back
    write(writer, team, [ev(U[1], "x", "a", 1)])  # appends go on
    assert journal.flush(backend) == 6
    assert [row[0] for row in stored_events(backend, team)] == [U[0], U[1]]
