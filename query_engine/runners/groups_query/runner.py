"""``GroupsQuery``: the groups of one type as a table (PostHog's groups list and its API).

A HogQL SELECT over the ``groups`` table (each group's latest state): ``select`` columns
are HogQL expressions, ``group_name`` the pair PostHog shows (display name, key); ``search``
matches the ``name`` property or the key; ``properties`` are group property filters, read
from the group's own properties with the operators insights use. Paging is
``limit``/``offset`` with ``hasMore``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from query_engine.hogql import ast
from query_engine.hogql.errors import HogQLError
from query_engine.hogql.execute import run_hogql
from query_engine.hogql.limits import DEFAULT_RETURNED_ROWS, MAX_SELECT_RETURNED_ROWS
from query_engine.hogql.parse import parse_expr, parse_order_expr
from query_engine.hogql.printer import Printer
from query_engine.model import PropertyFilter, PropertyGroup
from query_engine.nodes import parse_properties
from query_engine.runners.base import Staleness
from query_engine.runners.events_query.runner import is_aggregate, to_hogql_text
from query_engine.runners.hogql.runner import Timings, check_fields, paged_rows, whole_number
from query_engine.sql.groups import group_index
from query_engine.sql.json_values import json_value
from query_engine.sql.params import Params
from query_engine.sql.properties import compile_group
from query_engine.team import TeamContext

HANDLED = {"group_type_index", "select", "search", "properties", "orderBy", "limit", "offset", "modifiers"}
GROUP_NAME = "group_name"


def _field(*chain: str) -> ast.Field:
    return ast.Field(chain=chain)


def _call(name: str, *args: ast.Expr) -> ast.Call:
    return ast.Call(name=name, args=args)


def _display_name() -> ast.Expr:
    """The ``name`` property, else the key (both as text, so a numeric name still reads)."""
    return _call(
        "coalesce", _call("toString", _field("properties", "name")), _call("toString", _field("key"))
    )


def _ilike(left: ast.Expr, pattern: str) -> ast.Expr:
    return ast.CompareOperation(op="ilike", left=left, right=ast.Constant(value=pattern))


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HogQLError(f"{name} must be a list of HogQL expressions.", attr=name)
    return value


def _parse(text: str, attr: str, *, order: bool = False) -> Any:
    try:
        return parse_order_expr(text) if order else parse_expr(text)
    except HogQLError as exc:
        exc.attr = attr
        raise


def _group_filters(group: PropertyGroup | PropertyFilter, index: int, attr: str) -> None:
    """Only group property filters of this type apply to a group's row; anything else is a 400."""
    if isinstance(group, PropertyGroup):
        for value in group.values:
            _group_filters(value, index, attr)
        return
    if group.type != "group":
        raise HogQLError(f"GroupsQuery filters on group properties, not {group.type!r} ones.", attr=attr)
    if group.group_type_index is not None and group.group_type_index != index:
        raise HogQLError(
            f"A filter on group type {group.group_type_index} cannot apply to groups of type {index}.",
            attr=attr,
        )


def _own_property(f: PropertyFilter, params: Params) -> str:
    # ``groups.properties`` is the latest-state subquery's column (hogql/tables.py GROUPS).
    return json_value("groups.properties", params.add(f.key))


class GroupsQueryRunner:
    kind = "GroupsQuery"
    timeout_key = "default"
    staleness = Staleness.QUERY
    legacy_insight: str | None = None
    insight_node = False

    def __init__(self, *, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> None:
        check_fields(query, HANDLED)
        self.team = team.started()
        self.index = group_index(query.get("group_type_index"), "group_type_index")
        search = query.get("search")
        if search is not None and not isinstance(search, str):
            raise HogQLError("search must be text.", attr="search")
        self.search = search or None
        self.properties = parse_properties(query.get("properties"))
        _group_filters(self.properties, self.index, "properties")
        select = _strings(query.get("select"), "select")
        self.columns = list(dict.fromkeys(select)) or [GROUP_NAME]
        self.exprs = [
            _call("tuple", _display_name(), _call("toString", _field("key")))
            if text == GROUP_NAME
            else _parse(text, f"select__{i}")
            for i, text in enumerate(self.columns)
        ]
        self.aggregating = any(is_aggregate(e) for e in self.exprs)
        self.order_text = _strings(query.get("orderBy"), "orderBy")
        if self.aggregating and self.order_text:
            # One aggregated row has no order to give; better refused than silently dropped.
            raise HogQLError("orderBy does not apply to an aggregated select.", attr="orderBy")
        self.limit = min(
            whole_number(query.get("limit"), "limit", DEFAULT_RETURNED_ROWS), MAX_SELECT_RETURNED_ROWS
        )
        self.offset = whole_number(query.get("offset"), "offset", 0)
        self._validate()
        self.select = self._build()
        # Printed now so a bad expression is a 400 before anything runs (also for async runs).
        self.params = Params()
        self.sql, _ = Printer(self.team, self.params, filters=self._conditions, filters_table="groups").query(
            self.select
        )

    def _validate(self) -> None:
        """Resolve each expression alone first, so a bad one is a 400 naming its field."""
        printer = Printer(self.team, Params())
        checks = [(f"select__{i}", e) for i, e in enumerate(self.exprs)]
        checks += [
            (f"orderBy__{i}", o.expr) for i, o in enumerate(self._order_by()) if i < len(self.order_text)
        ]
        for attr, expr in checks:
            try:
                printer.query(
                    ast.SelectQuery(select=(expr,), select_from=ast.JoinExpr(table=_field("groups")))
                )
            except HogQLError as exc:
                exc.attr = attr
                raise

    def _conditions(self, params: Params) -> list[str]:
        """Conditions inside the groups subquery: the type and the property filters (bound values)."""
        parts = [f"groups.`index` = {params.add(self.index, 'UInt8')}"]
        now = self.team.now or datetime.now(UTC)
        sql = compile_group(self.properties, params, tz=self.team.tz, now=now, value_of=_own_property)
        if sql != "1":
            parts.append(sql)
        return parts

    def _order_by(self) -> tuple[ast.OrderExpr, ...]:
        if self.aggregating:
            return ()
        order: list[ast.OrderExpr] = []
        for i, text in enumerate(self.order_text or ["created_at DESC"]):
            if text.strip().startswith(GROUP_NAME):
                direction = "DESC" if text.strip().upper().endswith("DESC") else "ASC"
                order.append(ast.OrderExpr(expr=_display_name(), order=direction))
            else:
                order.append(_parse(text, f"orderBy__{i}", order=True))
        if self.search:
            # Closest names first: exact, then prefix, then anywhere (after the caller's own order).
            closeness = ast.OrderExpr(
                expr=_call(
                    "multiIf",
                    _ilike(_display_name(), self.search),
                    ast.Constant(value=0),
                    _ilike(_display_name(), f"{self.search}%"),
                    ast.Constant(value=1),
                    ast.Constant(value=2),
                ),
                order="ASC",
            )
            if self.order_text:
                order.append(closeness)
            else:
                order.insert(0, closeness)
        return tuple(order)

    def _build(self) -> ast.SelectQuery:
        where: list[ast.Expr] = [ast.Placeholder(chain=("filters",))]
        if self.search:
            pattern = f"%{self.search}%"
            where.append(
                ast.Or(
                    exprs=(
                        _ilike(_field("properties", "name"), pattern),
                        _ilike(_call("toString", _field("key")), pattern),
                    )
                )
            )
        return ast.SelectQuery(
            select=tuple(self.exprs),
            select_from=ast.JoinExpr(table=_field("groups")),
            where=ast.And(exprs=tuple(where)) if len(where) > 1 else where[0],
            order_by=self._order_by(),
            limit=ast.Constant(value=self.limit + 1),
            offset=ast.Constant(value=self.offset) if self.offset else None,
        )

    def calculate(self) -> dict[str, Any]:
        timings = Timings()
        result = run_hogql(self.sql, self.params.values, timeout_key=self.timeout_key)
        timings.mark("./execute")
        rows, has_more = paged_rows(result.rows, self.limit)
        if GROUP_NAME in self.columns:
            at = self.columns.index(GROUP_NAME)
            rows = [
                [{"display_name": v[0], "key": v[1]} if i == at else v for i, v in enumerate(row)]
                for row in rows
            ]
        return {
            "kind": self.kind,
            "results": rows,
            "columns": self.columns,
            "types": list(result.types),
            "hogql": to_hogql_text(self.select, self.limit),
            "hasMore": has_more,
            "limit": self.limit,
            "offset": self.offset,
            "modifiers": {},
            "timings": timings.done(),
        }
