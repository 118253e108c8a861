"""``EventsQuery``: the events explorer and export path.

``select`` is a list of HogQL expressions (plus ``*`` for the whole event and
``person`` for its person), ``where`` HogQL conditions (aggregates go to
HAVING), and the restrictions (``event``, ``properties``, ``after``/``before``,
``personId``, test accounts) are printed inside the events subquery with the
same property code insights use. Paging is ``limit``/``offset`` with ``hasMore``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from query_engine.dates import is_valid_date, parse_relative
from query_engine.hogql import ast
from query_engine.hogql.elements import parse_elements
from query_engine.hogql.errors import HogQLError
from query_engine.hogql.execute import run_hogql
from query_engine.hogql.functions import lookup_aggregate
from query_engine.hogql.limits import DEFAULT_RETURNED_ROWS, MAX_SELECT_RETURNED_ROWS
from query_engine.hogql.parse import parse_expr, parse_order_expr
from query_engine.hogql.printer import Printer
from query_engine.hogql.visitor import contains
from query_engine.nodes import parse_properties
from query_engine.runners.base import Staleness
from query_engine.runners.hogql.runner import Timings, check_fields, paged_rows, whole_number
from query_engine.sql.events import DATETIME
from query_engine.sql.params import Params
from query_engine.sql.properties import compile_group
from query_engine.team import TeamContext

HANDLED = {
    "select",
    "where",
    "properties",
    "fixedProperties",
    "event",
    "after",
    "before",
    "orderBy",
    "limit",
    "offset",
    "personId",
    "filterTestAccounts",
    "modifiers",
}
STAR_FIELDS = (
    "uuid",
    "event",
    "properties",
    "timestamp",
    "team_id",
    "distinct_id",
    "elements_chain",
    "created_at",
)
PERSON_FIELDS = (("person_id",), ("person", "created_at"), ("person", "properties"), ("distinct_id",))


def _field(*chain: str) -> ast.Field:
    return ast.Field(chain=chain)


def is_aggregate(node: ast.Expr) -> bool:
    return contains(node, lambda n: isinstance(n, ast.Call) and lookup_aggregate(n.name) is not None)


def _column(text: Any, index: int) -> ast.Expr:
    if not isinstance(text, str) or not text.strip():
        raise HogQLError("Each select item must be a HogQL expression string.", attr=f"select__{index}")
    stripped = text.split("--")[0].strip()  # a trailing ``-- label`` names the column for display only
    if stripped == "*":
        return ast.Tuple(exprs=tuple(_field(f) for f in STAR_FIELDS))
    if stripped == "person":
        return ast.Tuple(exprs=tuple(_field(*f) for f in PERSON_FIELDS))
    return _with_attr(lambda: parse_expr(text), f"select__{index}")


def _with_attr(build: Any, attr: str) -> Any:
    try:
        return build()
    except HogQLError as error:
        error.attr = attr
        raise


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HogQLError(f"{name} must be a list of HogQL strings.", attr=name)
    return value


class EventsQueryRunner:
    kind = "EventsQuery"
    timeout_key = "default"
    staleness = Staleness.QUERY
    legacy_insight: str | None = None
    insight_node = False

    def __init__(self, *, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> None:
        check_fields(query, HANDLED)
        self.team = team.started()
        self.now = self.team.now or datetime.now(UTC)
        self.select_text = _strings(query.get("select"), "select")
        if not self.select_text:
            raise HogQLError("select must list at least one column.", attr="select")
        self.columns = [_column(text, i) for i, text in enumerate(self.select_text)]
        self.where = [
            _with_attr(lambda t=t: parse_expr(t), f"where__{i}")
            for i, t in enumerate(_strings(query.get("where"), "where"))
        ]
        self.order = [
            _with_attr(lambda t=t: parse_order_expr(t), f"orderBy__{i}")
            for i, t in enumerate(_strings(query.get("orderBy"), "orderBy"))
        ]
        self.limit = whole_number(query.get("limit"), "limit", DEFAULT_RETURNED_ROWS)
        self.limit = min(self.limit, MAX_SELECT_RETURNED_ROWS)
        self.offset = whole_number(query.get("offset"), "offset", 0)
        self.properties = [
            parse_properties(query.get("properties")),
            parse_properties(query.get("fixedProperties")),
        ]
        self.filter_test_accounts = bool(query.get("filterTestAccounts"))
        event = query.get("event")
        if event is not None and not isinstance(event, str):
            raise HogQLError("event must be an event name.", attr="event")
        self.event = event
        self.after = self._moment(query.get("after", "-24h"), "after")
        self.before = self._moment(query.get("before"), "before") or self.now + timedelta(seconds=5)
        person_id = query.get("personId")
        if person_id is not None and not isinstance(person_id, str):
            raise HogQLError("personId must be a person's uuid.", attr="personId")
        self.person_id = person_id
        self._validate()

    def _validate(self) -> None:
        """Resolve every expression now, so a bad one is a 400 naming its field (also for async runs)."""
        printer = Printer(self.team, Params())
        parts = [("select", self.columns), ("where", self.where), ("orderBy", [o.expr for o in self.order])]
        for name, exprs in parts:
            for index, expr in enumerate(exprs):
                select = ast.SelectQuery(select=(expr,), select_from=ast.JoinExpr(table=_field("events")))
                _with_attr(lambda select=select: printer.query(select), f"{name}__{index}")

    def _moment(self, value: Any, name: str) -> datetime | None:
        if value in (None, "all"):
            return None
        if not isinstance(value, str) or not is_valid_date(value):
            raise HogQLError(f"{name} must be a date.", attr=name)
        return parse_relative(value, tz=self.team.tz, now=self.now).moment

    def _conditions(self, params: Params) -> list[str]:
        """Restrictions printed inside the events subquery (bound values only)."""
        parts = []
        if self.after is not None:
            parts.append(f"events.timestamp > {params.add(self.after, DATETIME)}")
        if self.before is not None:
            parts.append(f"events.timestamp < {params.add(self.before, DATETIME)}")
        if self.event:
            parts.append(f"events.event = {params.add(self.event)}")
        groups = self.team.property_groups(self.properties[0], self.filter_test_accounts) + [
            self.properties[1]
        ]
        for group in groups:
            sql = compile_group(group, params, tz=self.team.tz, now=self.now, team_id=self.team.id)
            if sql != "1":
                parts.append(sql)
        return parts

    def _order_by(self, aggregates: list[bool]) -> tuple[ast.OrderExpr, ...]:
        if self.order:
            return tuple(self.order)
        for column, text in zip(self.columns, self.select_text, strict=True):
            if text.split("--")[0].strip() == "count()":
                return (ast.OrderExpr(expr=column, order="DESC"),)
        for column, aggregate in zip(self.columns, aggregates, strict=True):
            if aggregate:
                return (ast.OrderExpr(expr=column, order="DESC"),)
        if any(text.split("--")[0].strip() == "timestamp" for text in self.select_text):
            return (ast.OrderExpr(expr=_field("timestamp"), order="DESC"),)
        return (ast.OrderExpr(expr=self.columns[0], order="ASC"),)

    def build(self) -> ast.SelectQuery:
        aggregates = [is_aggregate(c) for c in self.columns]
        where: list[ast.Expr] = [ast.Placeholder(chain=("filters",))]
        having: list[ast.Expr] = []
        for condition in self.where:
            (having if is_aggregate(condition) else where).append(condition)
        if self.person_id:
            where.append(
                ast.CompareOperation(
                    op="==", left=_field("person_id"), right=ast.Constant(value=self.person_id)
                )
            )
        group_by = (
            tuple(c for c, a in zip(self.columns, aggregates, strict=True) if not a)
            if any(aggregates)
            else ()
        )
        return ast.SelectQuery(
            select=tuple(self.columns),
            select_from=ast.JoinExpr(table=_field("events")),
            where=ast.And(exprs=tuple(where)) if len(where) > 1 else where[0],
            group_by=group_by,
            having=(ast.And(exprs=tuple(having)) if len(having) > 1 else having[0]) if having else None,
            order_by=self._order_by(aggregates),
            limit=ast.Constant(value=self.limit + 1),
            offset=ast.Constant(value=self.offset) if self.offset else None,
        )

    def calculate(self) -> dict[str, Any]:
        timings = Timings()
        params = Params()
        select = self.build()
        sql, _ = Printer(self.team, params, filters=self._conditions).query(select)
        timings.mark("./compile")
        result = run_hogql(sql, params.values, timeout_key=self.timeout_key)
        timings.mark("./execute")
        rows, has_more = paged_rows(result.rows, self.limit)
        shapes = [text.split("--")[0].strip() for text in self.select_text]
        return {
            "results": [self._row(row, shapes) for row in rows],
            "columns": self.select_text,
            "types": result.types,
            "hogql": to_hogql_text(select, self.limit),
            "hasMore": has_more,
            "limit": self.limit,
            "offset": self.offset,
            "modifiers": {},
            "timings": timings.done(),
        }

    def _row(self, row: list[Any], shapes: list[str]) -> list[Any]:
        out = []
        for value, shape in zip(row, shapes, strict=True):
            if shape == "*":
                event = dict(zip(STAR_FIELDS, value, strict=True))
                event["properties"] = _json(event["properties"])
                event["elements"] = parse_elements(event["elements_chain"])
                out.append(event)
            elif shape == "person":
                uuid, created_at, properties, distinct_id = value
                out.append(
                    {
                        "uuid": uuid,
                        "created_at": created_at,
                        "properties": _json(properties),
                        "distinct_id": distinct_id,
                    }
                )
            else:
                out.append(value)
        return out


def _json(text: Any) -> Any:
    try:
        return orjson.loads(text) if isinstance(text, str) and text else {}
    except orjson.JSONDecodeError:
        return {}


def to_hogql_text(select: ast.SelectQuery, limit: int) -> str:
    from dataclasses import replace

    from query_engine.hogql.to_hogql import to_hogql

    return to_hogql(replace(select, limit=ast.Constant(value=limit)))
