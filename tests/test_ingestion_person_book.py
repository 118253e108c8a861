"""PersonBook merge rules in memory (no database): PostHog's identify/alias semantics."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from analytics.ingestion.events import CapturedEvent
from analytics.ingestion.persons import PERSON_NAMESPACE, DistinctIdState, Person, PersonBook, person_uuid

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def event(name, distinct_id, **properties) -> CapturedEvent:
    return CapturedEvent(uuid="u", event=name, distinct_id=distinct_id, timestamp=T0, properties=properties)


def stored_book(identified: dict[str, bool]) -> PersonBook:
    """One stored person per distinct id, version 3, identified as given."""
    mapping = {did: DistinctIdState(person_uuid(1, did), 0) for did in identified}
    persons = {
        person_uuid(1, did): Person(
            person_uuid(1, did), T0, {"from": did}, is_identified=flag, stored_version=3
        )
        for did, flag in identified.items()
    }
    return PersonBook(1, mapping=mapping, persons=persons)


def test_new_distinct_ids_get_deterministic_persons():
    book = PersonBook(1, mapping={}, persons={})
    first = event("$pageview", "a")
    book.process(first)
    assert first.person_id == person_uuid(1, "a")
    assert [row["version"] for row in book.person_rows()] == [0]
    assert book.distinct_id_rows() == [
        {"team_id": 1, "distinct_id": "a", "person_id": person_uuid(1, "a"), "is_deleted": 0, "version": 0}
    ]


def test_merge_of_two_stored_persons_moves_every_distinct_id_with_overrides():
    book = stored_book({"anon": False, "user": False})
    # anon's person also owns "anon-2" (found by the store's merge lookup)
    book = PersonBook(
        1,
        mapping={**book.mapping, "anon-2": DistinctIdState(person_uuid(1, "anon"), 4)},
        persons=book.persons,
    )
    book.process(event("$identify", "user", **{"$anon_distinct_id": "anon"}))
    overrides = {row["distinct_id"]: (row["person_id"], row["version"]) for row in book.override_rows()}
    assert overrides == {"anon": (person_uuid(1, "user"), 1), "anon-2": (person_uuid(1, "user"), 5)}
    rows = {row["id"]: row for row in book.person_rows()}
    assert rows[person_uuid(1, "anon")]["is_deleted"] == 1
    survivor = rows[person_uuid(1, "user")]
    # the identified id's values win on conflicts; versions go up from the stored 3
    assert (survivor["properties"], survivor["is_identified"], survivor["version"]) == (
        '{"from":"user"}',
        1,
        4,
    )


def test_identified_person_is_not_merged_unless_dangerously():
    book = stored_book({"alice": True, "bob": True})
    book.process(event("$identify", "bob", **{"$anon_distinct_id": "alice"}))
    assert book.override_rows() == []
    book.process(event("$merge_dangerously", "bob", alias="alice"))
    assert [row["distinct_id"] for row in book.override_rows()] == ["alice"]


def test_alias_links_a_new_id_without_overrides():
    book = stored_book({"old": False})
    book.process(event("$create_alias", "old", alias="new"))
    later = event("$pageview", "new")
    book.process(later)
    assert later.person_id == person_uuid(1, "old")
    assert book.override_rows() == []


def test_person_uuid_is_uuid5_of_team_and_distinct_id():
    for team_id, distinct_id in ((1, "a"), (7, "user-123"), (42, "héllo"), (3, "x" * 200)):
        assert person_uuid(team_id, distinct_id) == str(
            uuid.uuid5(PERSON_NAMESPACE, f"{team_id}:{distinct_id}")
        )
