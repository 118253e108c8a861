"""What every actors source yields: one row per actor, ``actor_id`` first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from query_engine.errors import QueryError


@dataclass(frozen=True)
class ActorsSql:
    """A source's actor rows: SQL (one row per ``actor_id``), its parameters and output columns.

    Parameters use a prefix of their own (not ``p``), so the ActorsQuery can print around it.
    """

    sql: str
    params: dict[str, Any]
    columns: tuple[str, ...]
    # The actors are groups of this type (``actor_id`` is the group key), not persons.
    group_type_index: int | None = None


def parse_day(value: Any, tz: Any, attr: str) -> datetime:
    """``"2024-01-03"`` / ``"2024-01-03T10:00:00"`` (project wall clock unless an offset is given)."""
    if not isinstance(value, str):
        raise QueryError("day must be a date such as 2024-01-03.", attr=attr)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(f"day {value[:40]!r} is not a date.", attr=attr) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz).replace(tzinfo=None)
    return moment


def series_index(value: Any, count: int, attr: str) -> int:
    if value is None:
        return 0
    if type(value) is not int or not 0 <= value < count:
        raise QueryError(f"series must be an index below {count}.", attr=attr)
    return value
