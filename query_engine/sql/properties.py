"""Property filters → a ClickHouse boolean expression with bound keys and values.

Semantics (engine.md §1.5): the value is the key's JSON text, JSON strings
are unescaped, and both ``""`` and JSON ``null`` read as NULL. Every
leaf yields 0/1, never NULL, so NOT/OR groups behave: negative operators
match a missing property, positive ones do not.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from query_engine.dates import parse_relative
from query_engine.errors import QueryError
from query_engine.model import PropertyFilter, PropertyGroup
from query_engine.sql.params import Params

# Source column per filter type: code-defined, never from the request.
COLUMNS = {"event": "properties", "person": "person_properties"}
NUMERIC_OPERATORS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "min": ">=", "max": "<="}
DATE_OPERATORS = {"is_date_exact": "=", "is_date_before": "<", "is_date_after": ">"}


def group_column(index: int, table: str = "") -> str:
    """The ``$group_N`` column of the events table (``table`` qualifies it in joins)."""
    return f"{table + '.' if table else ''}`$group_{index}`"


def normalized_url(value: str) -> str:
    """A URL expression without trailing ``/?#`` (an empty path stays ``/``; NULL stays NULL)."""
    trimmed = f"trim(TRAILING '/?#' FROM {value})"
    return f"if(isNull({value}), NULL, if(empty({trimmed}), '/', {trimmed}))"


def json_value(column: str, key_placeholder: str) -> str:
    """Nullable(String) value of one JSON key: strings unescaped, other values as
    JSON text (``1``, ``true``), and both ``""`` and ``null``/missing → NULL.

    One parse of the document; the same text as PostHog's
    ``JSONExtractRaw`` + unquote, except that numbers come back normalised.
    """
    return f"nullIf(JSONExtract({column}, {key_placeholder}, 'Nullable(String)'), '')"


def property_value(prop_type: str, key: str, params: Params) -> str:
    """Expression reading ``key`` of an event or person (persons-on-events)."""
    if prop_type == "event" and key == "$elements_chain":
        return "nullIf(elements_chain, '')"
    if prop_type == "person" and key == "distinct_id":
        return "nullIf(distinct_id, '')"
    if prop_type not in COLUMNS:
        raise QueryError(f"Property filters of type {prop_type!r} are not supported.", attr="properties")
    return json_value(COLUMNS[prop_type], params.add(key))


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def like_contains(value: Any) -> str:
    """A LIKE pattern matching ``value`` anywhere, its own ``\\``, ``%`` and ``_`` taken literally."""
    text = as_text(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{text}%"


def _values(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _combine(parts: list[str], joiner: str) -> str:
    if not parts:
        return "1"
    return parts[0] if len(parts) == 1 else "(" + f" {joiner} ".join(parts) + ")"


def _equality(x: str, value: Any, params: Params, *, negate: bool) -> str:
    values = [as_text(v) for v in _values(value)]
    if not values:
        return "1"
    if len(values) == 1:
        expr = f"{x} {'!=' if negate else '='} {params.add(values[0])}"
    else:
        expr = f"{x} {'NOT IN' if negate else 'IN'} {params.add(values, 'Array(String)')}"
    return f"ifNull({expr}, {1 if negate else 0})"


def _per_value(values: list[Any], negate: bool, build: Callable[[Any], str]) -> str:
    return _combine([build(v) for v in values], "AND" if negate else "OR")


def _date_value(value: Any, tz: ZoneInfo, now: datetime, attr: str) -> datetime:
    parsed = parse_relative(str(value), tz=tz, now=now)
    if parsed.relative_unit is None and not str(value)[:4].isdigit():
        raise QueryError(f"{value!r} is not a date.", attr=attr)
    return parsed.moment


def leaf(f: PropertyFilter, params: Params, *, tz: ZoneInfo, now: datetime) -> str:
    """One filter → 0/1 expression."""
    x = property_value(f.type, f.key, params)
    op = f.operator
    if op == "is_set":
        return f"({x} IS NOT NULL)"
    if op == "is_not_set":
        return f"({x} IS NULL)"
    if op in ("exact", "in"):
        return _equality(x, f.value, params, negate=False)
    if op in ("is_not", "not_in"):
        return _equality(x, f.value, params, negate=True)
    if op in ("icontains", "not_icontains"):
        neg = op == "not_icontains"
        return _per_value(
            _values(f.value),
            neg,
            lambda v: (
                f"ifNull({'NOT ' if neg else ''}({x} ILIKE {params.add(like_contains(v))}), {int(neg)})"
            ),
        )
    if op in ("regex", "not_regex"):
        neg = op == "not_regex"
        return _per_value(
            _values(f.value),
            neg,
            lambda v: f"ifNull({'NOT ' if neg else ''}match({x}, {params.add(as_text(v))}), {int(neg)})",
        )
    if op in NUMERIC_OPERATORS:
        return _per_value(_values(f.value), False, lambda v: _compare(x, NUMERIC_OPERATORS[op], v, params))
    if op in DATE_OPERATORS:
        moment = _date_value(f.value, tz, now, "properties")
        target = params.add(moment, "DateTime64(6, 'UTC')")
        parsed = f"parseDateTime64BestEffortOrNull({x}, 6, 'UTC')"
        return f"ifNull({parsed} {DATE_OPERATORS[op]} {target}, 0)"
    return _between(x, f, params)


def _compare(x: str, sign: str, value: Any, params: Params) -> str:
    number = _numeric(value)
    if number is None:
        return f"ifNull({x} {sign} {params.add(as_text(value))}, 0)"
    return f"ifNull(toFloat64OrNull({x}) {sign} {params.add(number, 'Float64')}, 0)"


def _between(x: str, f: PropertyFilter, params: Params) -> str:
    bounds = _values(f.value)
    numbers = [_numeric(b) for b in bounds]
    if len(bounds) != 2 or None in numbers or numbers[0] > numbers[1]:  # type: ignore[operator]
        raise QueryError("between needs [min, max] numbers with min <= max.", attr="properties")
    low, high = params.add(numbers[0], "Float64"), params.add(numbers[1], "Float64")
    number = f"toFloat64OrNull({x})"
    if f.operator == "between":
        return f"ifNull({number} >= {low} AND {number} <= {high}, 0)"
    return f"ifNull({number} < {low} OR {number} > {high}, 0)"


def compile_group(
    group: PropertyGroup | PropertyFilter, params: Params, *, tz: ZoneInfo, now: datetime
) -> str:
    """A filter tree → boolean SQL; empty groups are ``1``."""
    if isinstance(group, PropertyFilter):
        return leaf(group, params, tz=tz, now=now)
    parts = [compile_group(v, params, tz=tz, now=now) for v in group.values]
    if group.type == "OR" and "1" in parts:
        return "1"
    return _combine([p for p in parts if p != "1"], "OR" if group.type == "OR" else "AND")
