"""The ``{filters}`` placeholder: the request's ``filters`` as conditions on the events table.

Property filters compile through the same code insights use (``sql/properties.py``),
so ``{filters}`` and an insight with the same filters select the same events.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from query_engine.dates import is_valid_date, parse_relative
from query_engine.hogql.errors import HogQLError
from query_engine.hogql.printer import FiltersSql
from query_engine.nodes import parse_properties
from query_engine.sql.events import DATETIME
from query_engine.sql.params import Params
from query_engine.sql.properties import compile_group
from query_engine.team import TeamContext

KEYS = {"properties", "dateRange", "filterTestAccounts"}


def _moment(value: Any, team: TeamContext, attr: str) -> datetime | None:
    if value in (None, "", "all"):
        return None
    if not isinstance(value, str) or not is_valid_date(value):
        raise HogQLError(f"{value!r} is not a date.", attr=attr)
    return parse_relative(value, tz=team.tz, now=team.now or datetime.now(UTC)).moment


def filters_sql(raw: Any, team: TeamContext) -> FiltersSql:
    """A builder of ``{filters}``' conditions (validated now, printed where used)."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise HogQLError("filters must be an object.", attr="filters")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise HogQLError(f"Unsupported filters field {unknown[0]!r}.", attr=f"filters__{unknown[0]}")
    date_range = raw.get("dateRange") or {}
    if not isinstance(date_range, dict):
        raise HogQLError("filters.dateRange must be an object.", attr="filters__dateRange")
    date_from = _moment(date_range.get("date_from"), team, "filters__dateRange__date_from")
    date_to = _moment(date_range.get("date_to"), team, "filters__dateRange__date_to")
    groups = team.property_groups(
        parse_properties(raw.get("properties")), bool(raw.get("filterTestAccounts"))
    )
    now = team.now or datetime.now(UTC)

    def build(params: Params) -> list[str]:
        parts = []
        if date_from is not None:
            parts.append(f"events.timestamp >= {params.add(date_from, DATETIME)}")
        if date_to is not None:
            parts.append(f"events.timestamp < {params.add(date_to, DATETIME)}")
        for group in groups:
            sql = compile_group(group, params, tz=team.tz, now=now, team_id=team.id)
            if sql != "1":
                parts.append(sql)
        return parts

    return build
