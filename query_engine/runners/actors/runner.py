"""``ActorsQuery``: a page of actors (persons, or groups) with HogQL columns.

Without ``source`` it lists the project's persons; with one, the persons behind that
data point (``sources.py``). ``select`` items are HogQL expressions over the ``actors``
table (``table.py``) plus the shapes ``person``/``actor`` (the person object),
``person.$delete`` and ``matched_recordings``; ``search`` matches email, name, id or a
distinct id; ``orderBy`` is HogQL (``person`` orders by email); paging is
``limit``/``offset`` with ``hasMore``, always ending the order on the actor id so pages
are stable. When the data point counts groups (``unique_group``), the actors are those
groups: ``actor``/``group`` is the group object, ``key`` its key, and ``search`` matches
the key or the ``name`` property.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson

from query_engine.hogql import ast
from query_engine.hogql.errors import HogQLError
from query_engine.hogql.execute import run_hogql
from query_engine.hogql.parse import parse_expr, parse_select
from query_engine.hogql.placeholders import replace_placeholders
from query_engine.hogql.to_hogql import to_hogql
from query_engine.limits import check_at_most
from query_engine.runners.actors.base import ActorsSql
from query_engine.runners.actors.distinct_ids import fill, page_distinct_ids, reads_distinct_ids
from query_engine.runners.actors.sources import actors_source
from query_engine.runners.actors.table import ActorsPrinter, actors_table
from query_engine.runners.base import Staleness
from query_engine.runners.events_query.runner import is_aggregate
from query_engine.runners.hogql.runner import Timings, check_fields, paged_rows, whole_number
from query_engine.sql.params import Params
from query_engine.team import TeamContext

HANDLED = {
    "source",
    "select",
    "search",
    "properties",
    "fixedProperties",
    "orderBy",
    "limit",
    "offset",
    "modifiers",
}
DEFAULT_LIMIT = 100
MAX_LIMIT = 50_000
PERSON_SHAPES = ("person", "actor")
PERSON_TUPLE = ("id", "distinct_ids", "properties", "is_identified", "created_at")
CONSTANT_SHAPES = {"person.$delete": None, "matched_recordings": None}
SEARCH = (
    "ilike(toString(properties.email), {search}) OR ilike(toString(properties.name), {search})"
    " OR ilike(toString(id), {search}) OR arrayExists(d -> ilike(d, {search}), distinct_ids)"
)
GROUP_SHAPES = ("group", "actor")
GROUP_TUPLE = ("key", "properties", "created_at")
GROUP_SEARCH = "ilike(key, {search}) OR ilike(toString(properties.name), {search})"


def _field(name: str) -> ast.Field:
    return ast.Field(chain=(name,))


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HogQLError(f"{name} must be a list of HogQL strings.", attr=name)
    return value


def _with_attr(build: Any, attr: str) -> Any:
    try:
        return build()
    except HogQLError as error:
        error.attr = attr
        raise


def _shape(text: str) -> str:
    return text.split("--")[0].strip()


def _order_items(text: str, attr: str) -> list[ast.OrderExpr]:
    """One ``orderBy`` string: ``person [DESC]`` (by email), or HogQL order expressions
    (the UI sends several in one string: ``event_count DESC, actor_id DESC``)."""
    words = text.split()
    if words and words[0] in PERSON_SHAPES and len(words) <= 2:
        order = words[1].upper() if len(words) == 2 else "ASC"
        if order not in ("ASC", "DESC"):
            raise HogQLError(f"Unknown order {words[1]!r}.", attr=attr)
        return [ast.OrderExpr(expr=parse_expr("toString(properties.email)"), order=order)]
    select = _with_attr(lambda: parse_select(f"SELECT 1 FROM actors ORDER BY {text}"), attr)
    if not isinstance(select, ast.SelectQuery) or select.limit is not None or select.where is not None:
        raise HogQLError("orderBy must be ORDER BY expressions.", attr=attr)
    return list(select.order_by)


class ActorsQueryRunner:
    kind = "ActorsQuery"
    timeout_key = "default"
    staleness = Staleness.QUERY
    legacy_insight: str | None = None
    insight_node = False

    def __init__(self, *, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> None:
        check_fields(query, HANDLED)
        self.team = team.started()
        for name in ("properties", "fixedProperties"):
            if query.get(name):
                raise HogQLError(f"{name} on ActorsQuery are not supported yet.", attr=name)
        self.source: ActorsSql | None = (
            actors_source(self.team, query["source"]) if query.get("source") is not None else None
        )
        self.table = actors_table(self.source)
        self.group_type_index = self.source.group_type_index if self.source is not None else None
        self.shapes = PERSON_SHAPES if self.group_type_index is None else GROUP_SHAPES
        self.select_text = _strings(query.get("select"), "select") or self._default_select()
        self.columns = [self._column(text, i) for i, text in enumerate(self.select_text)]
        search = query.get("search")
        if search is not None and not isinstance(search, str):
            raise HogQLError("search must be text.", attr="search")
        self.search = search.strip() if search else ""
        self.order = [
            item
            for i, text in enumerate(_strings(query.get("orderBy"), "orderBy"))
            for item in _order_items(text, f"orderBy__{i}")
        ]
        self.limit = check_at_most(
            whole_number(query.get("limit"), "limit", DEFAULT_LIMIT),
            name="QUERY_MAX_ACTORS_ROWS",
            attr="limit",
            default=MAX_LIMIT,
        )
        self.offset = whole_number(query.get("offset"), "offset", 0)
        self._validate()
        shapes = [_shape(text) for text in self.select_text]
        persons = self.group_type_index is None
        self.person_positions = [i for i, shape in enumerate(shapes) if persons and shape in PERSON_SHAPES]
        others = [c for i, c in enumerate(self.columns) if i not in self.person_positions]
        # Distinct ids only for the page's persons, unless something else reads them.
        self.late_ids = bool(self.person_positions) and not (
            self.search or reads_distinct_ids([*others, *(o.expr for o in self.order)])
        )
        self.shown = self.build()  # the HogQL a client sees (ids fetched late or not)
        if self.late_ids:
            for index in self.person_positions:
                # Same shape and types; the empty list is replaced by the page's ids.
                self.columns[index] = ast.Tuple(
                    exprs=tuple(
                        ast.Call(name="emptyArrayString") if f == "distinct_ids" else _field(f)
                        for f in PERSON_TUPLE
                    )
                )
        self.select = self.build()
        self.params = Params(prefix="h")
        self.sql = self._print(self.params)

    def _validate(self) -> None:
        """Resolve every expression now, so a bad one is a 400 naming its field."""
        printer = ActorsPrinter(self.team, Params(), self.table)
        parts = [("select", self.columns), ("orderBy", [o.expr for o in self.order])]
        for name, exprs in parts:
            for index, expr in enumerate(exprs):
                select = ast.SelectQuery(select=(expr,), select_from=ast.JoinExpr(table=_field("actors")))
                _with_attr(lambda select=select: printer.query(select), f"{name}__{index}")

    def _default_select(self) -> list[str]:
        if self.group_type_index is not None:
            return ["actor", "key", "event_count"]
        columns = ["person", "id", "person.$delete"]
        if self.source is not None and "event_distinct_ids" in self.source.columns:
            columns.append("event_distinct_ids")
        return columns

    def _column(self, text: Any, index: int) -> ast.Expr:
        if not isinstance(text, str) or not text.strip():
            raise HogQLError("Each select item must be a HogQL expression string.", attr=f"select__{index}")
        shape = _shape(text)
        if self.group_type_index is not None and shape in ("person", "person.$delete"):
            raise HogQLError(
                "The actors of this data point are groups: select actor or group, not person.",
                attr=f"select__{index}",
            )
        if shape in self.shapes:
            fields = PERSON_TUPLE if self.group_type_index is None else GROUP_TUPLE
            return ast.Tuple(exprs=tuple(_field(f) for f in fields))
        if shape in CONSTANT_SHAPES:
            return ast.Constant(value=CONSTANT_SHAPES[shape])
        node = _with_attr(lambda: parse_expr(text), f"select__{index}")
        if is_aggregate(node):
            raise HogQLError("ActorsQuery columns are per actor: no aggregations.", attr=f"select__{index}")
        return node

    def _default_order(self) -> list[ast.OrderExpr]:
        if self.source is not None and "event_count" in self.source.columns:
            return [ast.OrderExpr(expr=_field("event_count"), order="DESC")]
        return [ast.OrderExpr(expr=_field("created_at"), order="DESC")]

    def build(self) -> ast.SelectQuery:
        where = None
        if self.search:
            search = SEARCH if self.group_type_index is None else GROUP_SEARCH
            where = replace_placeholders(parse_expr(search), {"search": f"%{self.search}%"})
        order = [*(self.order or self._default_order()), ast.OrderExpr(expr=_field("id"), order="DESC")]
        return ast.SelectQuery(
            select=tuple(self.columns),
            select_from=ast.JoinExpr(table=_field("actors")),
            where=where,
            order_by=tuple(order),
            limit=ast.Constant(value=self.limit + 1),
            offset=ast.Constant(value=self.offset) if self.offset else None,
        )

    def _print(self, params: Params) -> str:
        if self.source is not None:
            params.values.update(self.source.params)
        sql, _ = ActorsPrinter(self.team, params, self.table).query(self.select)
        return sql

    def calculate(self) -> dict[str, Any]:
        timings = Timings()
        result = run_hogql(self.sql, self.params.values, timeout_key=self.timeout_key)
        timings.mark("./execute")
        rows, has_more = paged_rows(result.rows, self.limit)
        if self.late_ids:
            rows = [list(row) for row in rows]
            ids = sorted({str(row[i][0]) for row in rows for i in self.person_positions})
            fill(
                rows,
                self.person_positions,
                page_distinct_ids(self.team.id, ids, timeout_key=self.timeout_key),
            )
            timings.mark("./distinct_ids")
        shapes = [_shape(text) for text in self.select_text]
        return {
            "results": [self._row(row, shapes) for row in rows],
            "columns": self.select_text,
            "types": result.types,
            "hogql": to_hogql(replace(self.shown, limit=ast.Constant(value=self.limit))),
            "hasMore": has_more,
            "limit": self.limit,
            "offset": self.offset,
            "missing_actors_count": None,
            "modifiers": {},
            "timings": timings.done(),
        }

    def _row(self, row: list[Any], shapes: list[str]) -> list[Any]:
        out: list[Any] = []
        for value, shape in zip(row, shapes, strict=True):
            if shape in self.shapes and self.group_type_index is not None:
                out.append(group_object(value, self.group_type_index))
            elif shape in PERSON_SHAPES:
                out.append(person_object(value))
            elif shape == "matched_recordings":
                out.append([])
            else:
                out.append(value)
        return out


def person_object(value: Any) -> dict[str, Any]:
    uuid, distinct_ids, properties, is_identified, created_at = value
    return {
        "id": str(uuid),
        "distinct_ids": list(distinct_ids or []),
        "properties": _json(properties),
        "is_identified": bool(is_identified),
        "created_at": created_at.isoformat() if isinstance(created_at, datetime) else created_at,
    }


def group_object(value: Any, index: int) -> dict[str, Any]:
    key, properties, created_at = value
    return {
        "type": "group",
        "id": key,
        "group_key": key,
        "group_type_index": index,
        "group_properties": _json(properties),
        "created_at": created_at.isoformat() if isinstance(created_at, datetime) else created_at,
    }


def _json(text: Any) -> Any:
    try:
        return orjson.loads(text) if isinstance(text, str) and text else {}
    except orjson.JSONDecodeError:
        return {}
