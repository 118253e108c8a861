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

from query_engine.cohorts.filter import cohort_filter
from query_engine.dates import parse_relative
from query_engine.errors import QueryError
from query_engine.hogql.expressions import ExpressionSettings, compile_expression
from query_engine.model import PropertyFilter, PropertyGroup
from query_engine.sql.elements import element_condition
from query_engine.sql.groups import group_property
from query_engine.sql.json_values import event_property, json_value
from query_engine.sql.params import Params
from query_engine.sql.sessions import session_filter, session_text

# A leaf's SQL from the property expression ``x`` and the filter.
Builder = Callable[[str, PropertyFilter, Params, ZoneInfo, datetime], str]

# Source column per filter type: code-defined, never from the request.
COLUMNS = {"event": "properties", "person": "person_properties"}


def normalized_url(value: str) -> str:
    """A URL expression without trailing ``/?#`` (an empty path stays ``/``; NULL stays NULL)."""
    trimmed = f"trim(TRAILING '/?#' FROM {value})"
    return f"if(isNull({value}), NULL, if(empty({trimmed}), '/', {trimmed}))"


def hogql_value(expression: str, params: Params, tz: ZoneInfo | None, *, attr: str) -> str:
    """A HogQL expression over the event (no aggregation, no person id: the caller's
    query may have no override join)."""
    settings = ExpressionSettings(timezone=tz.key if tz is not None else "UTC")
    return compile_expression(expression, settings, params, attr=attr, aggregate=False, with_person=False).sql


def property_value(
    prop_type: str, key: str, params: Params, tz: ZoneInfo | None = None, group_index: int | None = None
) -> str:
    """Expression reading ``key`` of an event or person (persons-on-events), or of the
    event's group of type ``group_index`` (``group``); for ``hogql`` (breakdowns), the
    expression's value as text."""
    if prop_type == "group":
        if group_index is None:
            raise QueryError("Group properties need a group_type_index.", attr="group_type_index")
        return group_property(key, group_index, params)
    if prop_type == "hogql":
        return f"toString({hogql_value(key, params, tz, attr='breakdownFilter__breakdown')})"
    if prop_type == "event" and key == "$elements_chain":
        return "nullIf(elements_chain, '')"
    if prop_type == "person" and key == "distinct_id":
        return "nullIf(distinct_id, '')"
    if prop_type == "session":
        return session_text(key, "breakdownFilter__breakdown")  # needs sessions.session_join
    if prop_type not in COLUMNS:
        raise QueryError(f"Property filters of type {prop_type!r} are not supported.", attr="properties")
    if prop_type == "event":
        return event_property(key, params)
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
    try:
        parsed = parse_relative(str(value), tz=tz, now=now)
    except QueryError as exc:
        raise QueryError(exc.detail, attr=attr, code=exc.code) from None
    if parsed.relative_unit is None and not str(value)[:4].isdigit():
        raise QueryError(f"{value!r} is not a date.", attr=attr)
    return parsed.moment


def _compare(x: str, sign: str, value: Any, params: Params) -> str:
    number = _numeric(value)
    if number is None:
        return f"ifNull({x} {sign} {params.add(as_text(value))}, 0)"
    return f"ifNull(toFloat64OrNull({x}) {sign} {params.add(number, 'Float64')}, 0)"


def _is_set(x: str, f: PropertyFilter, params: Params, tz: ZoneInfo, now: datetime) -> str:
    return f"({x} IS NOT NULL)"


def _is_not_set(x: str, f: PropertyFilter, params: Params, tz: ZoneInfo, now: datetime) -> str:
    return f"({x} IS NULL)"


def _equal(x: str, f: PropertyFilter, params: Params, tz: ZoneInfo, now: datetime) -> str:
    return _equality(x, f.value, params, negate=False)


def _not_equal(x: str, f: PropertyFilter, params: Params, tz: ZoneInfo, now: datetime) -> str:
    return _equality(x, f.value, params, negate=True)


def _contains(*, negate: bool) -> Builder:
    def build(x: str, f: PropertyFilter, params: Params, tz: ZoneInfo, now: datetime) -> str:
        return _per_value(
            _values(f.value),
            negate,
            lambda v: (
                f"ifNull({'NOT ' if negate else ''}({x} ILIKE {params.add(like_contains(v))}), {int(negate)})"
            ),
        )

    return build


def _regex(*, negate: bool) -> Builder:
    def build(x: str, f: PropertyFilter, params: Params, tz: ZoneInfo, now: datetime) -> str:
        return _per_value(
            _values(f.value),
            negate,
            lambda v: (
                f"ifNull({'NOT ' if negate else ''}match({x}, {params.add(as_text(v))}), {int(negate)})"
            ),
        )

    return build


def _numeric_compare(sign: str) -> Builder:
    def build(x: str, f: PropertyFilter, params: Params, tz: ZoneInfo, now: datetime) -> str:
        return _per_value(_values(f.value), False, lambda v: _compare(x, sign, v, params))

    return build


def _date_compare(sign: str) -> Builder:
    def build(x: str, f: PropertyFilter, params: Params, tz: ZoneInfo, now: datetime) -> str:
        moment = _date_value(f.value, tz, now, "properties")
        target = params.add(moment, "DateTime64(6, 'UTC')")
        parsed = f"parseDateTime64BestEffortOrNull({x}, 6, 'UTC')"
        return f"ifNull({parsed} {sign} {target}, 0)"

    return build


def _between(*, negate: bool) -> Builder:
    def build(x: str, f: PropertyFilter, params: Params, tz: ZoneInfo, now: datetime) -> str:
        bounds = _values(f.value)
        numbers = [_numeric(b) for b in bounds]
        low_number, high_number = (numbers + [None, None])[:2]
        if len(bounds) != 2 or low_number is None or high_number is None or low_number > high_number:
            raise QueryError("between needs [min, max] numbers with min <= max.", attr="properties")
        low, high = params.add(low_number, "Float64"), params.add(high_number, "Float64")
        number = f"toFloat64OrNull({x})"
        if negate:
            return f"ifNull({number} < {low} OR {number} > {high}, 0)"
        return f"ifNull({number} >= {low} AND {number} <= {high}, 0)"

    return build


# Every property operator, and the SQL it compiles to. Parsing accepts exactly these
# keys (``nodes.parse_properties``), so an operator is added here or nowhere.
OPERATORS: dict[str, Builder] = {
    "exact": _equal,
    "in": _equal,
    "is_not": _not_equal,
    "not_in": _not_equal,
    "icontains": _contains(negate=False),
    "not_icontains": _contains(negate=True),
    "regex": _regex(negate=False),
    "not_regex": _regex(negate=True),
    "gt": _numeric_compare(">"),
    "gte": _numeric_compare(">="),
    "lt": _numeric_compare("<"),
    "lte": _numeric_compare("<="),
    "min": _numeric_compare(">="),
    "max": _numeric_compare("<="),
    "is_set": _is_set,
    "is_not_set": _is_not_set,
    "is_date_exact": _date_compare("="),
    "is_date_before": _date_compare("<"),
    "is_date_after": _date_compare(">"),
    "between": _between(negate=False),
    "not_between": _between(negate=True),
}


# Operators that hold for a missing value (so for an event without a session).
MATCH_MISSING = frozenset({"is_not", "not_in", "not_icontains", "not_regex", "is_not_set"})


def operator_for(f: PropertyFilter) -> Builder:
    build = OPERATORS.get(f.operator)
    if build is None:
        raise QueryError(f"Property operator {f.operator!r} is not supported.", attr="properties")
    return build


def leaf(
    f: PropertyFilter, params: Params, *, tz: ZoneInfo, now: datetime, team_id: int | None = None
) -> str:
    """One filter → 0/1 expression; cohort and session filters need the ``team_id`` whose
    cohorts or sessions they read."""
    if f.type == "cohort":
        return cohort_filter(f, params, team_id=team_id)
    if f.type == "hogql":
        # The key is a HogQL condition; NULL counts as false, as for every other leaf.
        return f"ifNull(toUInt8({hogql_value(f.key, params, tz, attr='properties')}), 0)"
    if f.type == "element":
        return element_condition(f.key, f.operator, f.value, params.add)
    build = operator_for(f)
    if f.type == "session":
        condition = build(session_text(f.key), f, params, tz, now)
        return session_filter(
            condition, matches_missing=f.operator in MATCH_MISSING, params=params, team_id=team_id
        )
    return build(property_value(f.type, f.key, params, group_index=f.group_type_index), f, params, tz, now)


def compile_group(
    group: PropertyGroup | PropertyFilter,
    params: Params,
    *,
    tz: ZoneInfo,
    now: datetime,
    team_id: int | None = None,
    value_of: Callable[[PropertyFilter, Params], str] | None = None,
) -> str:
    """A filter tree → boolean SQL; empty groups are ``1``.

    ``value_of`` reads each filter's value from another row than an event's (a group's own
    properties in ``GroupsQuery``); the operators are the same."""
    if isinstance(group, PropertyFilter):
        if value_of is not None:
            return operator_for(group)(value_of(group, params), group, params, tz, now)
        return leaf(group, params, tz=tz, now=now, team_id=team_id)
    parts = [
        compile_group(v, params, tz=tz, now=now, team_id=team_id, value_of=value_of) for v in group.values
    ]
    if group.type == "OR" and "1" in parts:
        return "1"
    return _combine([p for p in parts if p != "1"], "OR" if group.type == "OR" else "AND")
