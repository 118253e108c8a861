"""Event and property definitions of a project, computed from ClickHouse (``query_engine.sql.definitions``).

A property's type comes from the values seen: only numbers → ``Numeric``, only booleans →
``Boolean``, only ISO-like date strings → ``DateTime``, anything else → ``String``
(null only → no type). Ids are stable uuids derived from the project, kind and name, as
there are no definition rows.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from query_engine.runners.common import run_sql
from query_engine.sql import definitions as sql
from query_engine.sql.sessions import FIELDS as SESSION_FIELDS

NAMESPACE = uuid.UUID("0b7f3a52-6c1e-4d8e-9a41-52f0c8d3e7a1")
TIMEOUT_KEY = "default"
# Event properties PostHog never lists (person updates and group plumbing).
HIDDEN_EVENT_PROPERTIES = frozenset(
    {
        "distinct_id",
        "$set",
        "$set_once",
        "$unset",
        "$initial_referrer",
        "$initial_referring_domain",
        "$groups",
        "$group_type",
        "$group_key",
        "$group_set",
        *(f"$group_{i}" for i in range(5)),
    }
)
# Session fields offered as properties (internal columns and aliases left out); kinds map to
# PostHog's property types.
SESSION_TYPES = {"Numeric": "Numeric", "Duration": "Duration", "DateTime": "DateTime", "Boolean": "Boolean"}
SESSION_SKIPPED = frozenset({"distinct_id", "duration", "max_inserted_at"})


def definition_id(team_id: int, kind: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{team_id}:{kind}:{name}"))


def _iso(value: Any) -> str | None:
    if isinstance(value, str):
        if not value or value.startswith("1970"):
            return None
        value = datetime.fromisoformat(value.replace(" ", "T"))
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return None


def event_definitions(team_id: int) -> list[dict[str, Any]]:
    query, params = sql.event_names_sql(team_id)
    rows = run_sql(query, params, timeout_key=TIMEOUT_KEY).rows
    return [
        {
            "id": definition_id(team_id, "event", name),
            "name": name,
            "description": None,
            "tags": [],
            "owner": None,
            "verified": False,
            "volume_30_day": None,
            "query_usage_30_day": None,
            "created_at": _iso(first),
            "last_seen_at": _iso(last),
            "last_updated_at": _iso(last),
        }
        for name, first, last in rows
    ]


@dataclass
class PropertyStats:
    kinds: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)

    def property_type(self) -> str | None:
        kinds = self.kinds - {"null"}
        if not kinds:
            return None
        if len(kinds) == 1 and (only := next(iter(kinds))) in ("Numeric", "Boolean", "DateTime"):
            return only
        return "String"


def _event_stats(team_id: int) -> dict[str, PropertyStats]:
    query, params = sql.event_properties_sql(team_id)
    stats: dict[str, PropertyStats] = defaultdict(PropertyStats)
    for key, event, kind, _count in run_sql(query, params, timeout_key=TIMEOUT_KEY).rows:
        if key in HIDDEN_EVENT_PROPERTIES:
            continue
        stats[key].kinds.add(kind)
        stats[key].events.add(event)
    return stats


def _person_stats(team_id: int) -> dict[str, PropertyStats]:
    query, params = sql.person_properties_sql(team_id)
    stats: dict[str, PropertyStats] = defaultdict(PropertyStats)
    for key, kind, _count in run_sql(query, params, timeout_key=TIMEOUT_KEY).rows:
        stats[key].kinds.add(kind)
    return stats


def _group_stats(team_id: int, group_type_index: int) -> dict[str, PropertyStats]:
    query, params = sql.group_properties_sql(team_id, group_type_index)
    stats: dict[str, PropertyStats] = defaultdict(PropertyStats)
    for key, kind, _count in run_sql(query, params, timeout_key=TIMEOUT_KEY).rows:
        stats[key].kinds.add(kind)
    return stats


def _session_stats() -> dict[str, PropertyStats]:
    return {
        key: PropertyStats(kinds={SESSION_TYPES.get(kind, "String")})
        for key, (_sql, kind) in SESSION_FIELDS.items()
        if key not in SESSION_SKIPPED
    }


def property_stats(team_id: int, kind: str, group_type_index: int | None = None) -> dict[str, PropertyStats]:
    """Every property of ``kind`` (event, person, group of ``group_type_index``, or session)
    with what was seen of it."""
    if kind == "event":
        return _event_stats(team_id)
    if kind == "person":
        return _person_stats(team_id)
    if kind == "group" and group_type_index is not None:
        return _group_stats(team_id, group_type_index)
    return _session_stats()


def property_definition(
    team_id: int,
    kind: str,
    name: str,
    stats: PropertyStats,
    seen_on_filtered: bool | None,
    group_type_index: int | None = None,
) -> dict[str, Any]:
    property_type = stats.property_type()
    if kind == "session":  # Duration is PostHog's type for the session's length
        property_type = next(iter(stats.kinds))
    scoped = f"{kind}{group_type_index}" if group_type_index is not None else kind
    item: dict[str, Any] = {
        "id": definition_id(team_id, scoped, name),
        "name": name,
        "type": kind,
        "is_numerical": property_type in ("Numeric", "Duration"),
        "property_type": property_type,
        "tags": [],
        "description": None,
        "verified": False,
        "is_seen_on_filtered_events": seen_on_filtered,
    }
    if group_type_index is not None:
        item["group_type_index"] = group_type_index
    return item
