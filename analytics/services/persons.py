"""Persons of a project, read from ClickHouse and changed through the ingestion pipeline.

Reads run the builders of ``query_engine.sql.person_list``. Property changes are events
(``$set``, ``$delete_person_property`` with ``$unset``) written by the event writer, as
PostHog does, so the person tables and later events see them like any SDK update;
deletion goes through the writer too (``EventWriter.delete_person``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from analytics.ingestion.events import parse_event
from analytics.ingestion.writer import get_writer
from query_engine.runners.common import run_sql
from query_engine.sql import person_list
from query_engine.sql.person_list import PersonFilters
from tenancy.models import Team

# PostHog's default ``person_display_name_properties``.
DISPLAY_NAME_PROPERTIES = ("email", "Email", "$email", "name", "Name", "username", "Username", "UserName")
UUID_LIKE = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
TIMEOUT_KEY = "default"


@dataclass(frozen=True)
class PersonPage:
    persons: list[dict[str, Any]]
    has_more: bool


def _timezone(team: Team) -> ZoneInfo:
    try:
        return ZoneInfo(team.timezone or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def list_persons(team: Team, filters: PersonFilters, *, limit: int, offset: int) -> PersonPage:
    """A page of persons in PostHog's list shape, newest first; ``has_more`` if another page exists."""
    sql, params = person_list.list_persons_sql(
        team.id, filters, limit=limit + 1, offset=offset, tz=_timezone(team), now=datetime.now(UTC)
    )
    rows = run_sql(sql, params, timeout_key=TIMEOUT_KEY).rows
    page = rows[:limit]
    distinct_ids = _distinct_ids(team.id, [row[0] for row in page])
    persons = [_person(team, row, distinct_ids.get(row[0], [])) for row in page]
    return PersonPage(persons=persons, has_more=len(rows) > limit)


def count_persons(team: Team, filters: PersonFilters) -> int:
    sql, params = person_list.count_persons_sql(team.id, filters, tz=_timezone(team), now=datetime.now(UTC))
    return int(run_sql(sql, params, timeout_key=TIMEOUT_KEY).rows[0][0])


def get_person(team: Team, person_id: str) -> dict[str, Any] | None:
    page = list_persons(team, PersonFilters(person_id=person_id), limit=1, offset=0)
    return page.persons[0] if page.persons else None


def property_values(team: Team, key: str, value: str | None) -> list[dict[str, Any]]:
    sql, params = person_list.property_values_sql(team.id, key, value)
    rows = run_sql(sql, params, timeout_key=TIMEOUT_KEY).rows
    return [{"name": name, "count": int(count)} for name, count in rows]


def _distinct_ids(team_id: int, person_ids: list[str]) -> dict[str, list[str]]:
    if not person_ids:
        return {}
    sql, params = person_list.distinct_ids_sql(team_id, person_ids)
    rows = run_sql(sql, params, timeout_key=TIMEOUT_KEY).rows
    return {person_id: sorted_distinct_ids(list(ids)) for person_id, ids in rows}


def sorted_distinct_ids(ids: list[str]) -> list[str]:
    """Identified-looking ids first (anonymous ones are UUID-like), each part alphabetical."""
    return sorted(ids, key=lambda d: (bool(UUID_LIKE.match(d)), d))


def display_name(team: Team, properties: dict[str, Any], distinct_ids: list[str], person_id: str) -> str:
    """The first non-empty display-name property, else the first distinct id, else the id."""
    for key in team.person_display_name_properties or DISPLAY_NAME_PROPERTIES:
        value = properties.get(key)
        if value not in (None, ""):
            return str(value)
    return distinct_ids[0] if distinct_ids else person_id


def _person(team: Team, row: list[Any], distinct_ids: list[str]) -> dict[str, Any]:
    person_id, created_at, properties_text, is_identified = row
    try:
        properties = orjson.loads(properties_text) if properties_text else {}
    except orjson.JSONDecodeError:
        properties = {}
    if not isinstance(properties, dict):
        properties = {}
    return {
        "type": "person",
        "id": person_id,
        "uuid": person_id,
        "name": display_name(team, properties, distinct_ids, person_id),
        "distinct_ids": distinct_ids,
        "properties": properties,
        "is_identified": bool(is_identified),
        "created_at": _iso(created_at),
        "matched_recordings": [],
        "value_at_data_point": None,
    }


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, str) and value:
        return _iso(datetime.fromisoformat(value.replace(" ", "T")))
    return value


# --- changes ------------------------------------------------------------------------


def _emit(team: Team, distinct_id: str, event: str, properties: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    raw = {"event": event, "distinct_id": distinct_id, "properties": properties, "timestamp": now.isoformat()}
    get_writer().write(team.id, [parse_event(raw, sent_at=None, now=now)])


def set_properties(team: Team, person: dict[str, Any], values: dict[str, Any]) -> None:
    """Merge ``values`` into the person's properties: a ``$set`` event for its first distinct id."""
    _emit(team, person["distinct_ids"][0], "$set", {"$set": values})


def unset_property(team: Team, person: dict[str, Any], key: str) -> None:
    """Remove one property: PostHog's ``$delete_person_property`` event carrying ``$unset``."""
    _emit(team, person["distinct_ids"][0], "$delete_person_property", {"$unset": [key]})


def delete_person(team: Team, person_id: str, *, delete_events: bool) -> bool:
    return get_writer().delete_person(team.id, person_id, delete_events=delete_events)
