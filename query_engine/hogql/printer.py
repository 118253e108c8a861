"""HogQL AST → ClickHouse SQL text plus bound parameters. Pure: no I/O.

Every table a query names becomes a subquery over its physical table with the
project guard in its WHERE (``tables.py``), so joins, subqueries, CTEs and
``arrayJoin`` only ever see the caller's rows. Every literal is a bound
``{pN:Type}`` parameter, every name a backtick-escaped identifier, and every
function comes from the allow-list (``functions.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from query_engine.cohorts.membership import members_sql
from query_engine.cohorts.source import cohort_by_id_or_name
from query_engine.errors import QueryError
from query_engine.hogql import ast
from query_engine.hogql.errors import HogQLError
from query_engine.hogql.functions import WINDOW_FUNCTIONS, Fn, lookup_aggregate, lookup_function, suggestion
from query_engine.hogql.scope import Scope, Source, walk_fields
from query_engine.hogql.tables import NOT_AVAILABLE, TABLES
from query_engine.hogql.to_hogql import to_hogql
from query_engine.sql.json_values import event_property, json_value
from query_engine.sql.params import Params

COMPARE = {
    "==": ("equals", 0),
    "!=": ("notEquals", 1),
    "<": ("less", 0),
    "<=": ("lessOrEquals", 0),
    ">": ("greater", 0),
    ">=": ("greaterOrEquals", 0),
    "like": ("like", 0),
    "ilike": ("ilike", 0),
    "not like": ("notLike", 1),
    "not ilike": ("notILike", 1),
    "in": ("in", 0),
    "not in": ("notIn", 1),
    "=~": ("match", 0),
}
ARITHMETIC = {"+": "plus", "-": "minus", "*": "multiply", "/": "divide", "%": "modulo"}
TYPE_CASTS = {
    "int": "toInt",
    "integer": "toInt",
    "float": "toFloat",
    "double": "toFloat",
    "string": "toString",
    "text": "toString",
    "date": "toDate",
    "datetime": "toDateTime",
    "bool": "toBool",
    "boolean": "toBool",
    "uuid": "toUUID",
}
# Functions that take the project's timezone as an extra last argument when not given.
TZ_FUNCTIONS = {
    "toDateTime": 1,
    "parseDateTimeBestEffort": 1,
    "toStartOfDay": 1,
    "toStartOfHour": 1,
    "toStartOfMonth": 1,
    "toStartOfYear": 1,
    "toStartOfQuarter": 1,
    "toStartOfMinute": 1,
}
INT64 = (-(2**63), 2**63 - 1)
UINT64_MAX = 2**64 - 1
ARRAY_JOINS = {"ARRAY JOIN", "LEFT ARRAY JOIN", "INNER ARRAY JOIN"}
FRAME_TYPES = {"PRECEDING", "FOLLOWING", "CURRENT ROW"}
FILTERS = ("filters",)
EVENT_PROPERTIES = "events.properties"  # the events field whose keys may have their own column

# The SQL of ``{filters}`` for one events source: conditions on the physical events table.
FiltersSql = Callable[[Params], list[str]]


# HogQL's ``matchesAction(...)``: (action id, 0/1 SQL over the physical events row). Installed
# by ``QueryEngineConfig.ready`` (the step compiler prints HogQL itself, so no import here).
MatchesActionSql = Callable[[ast.Call, "TeamSettings", Params], tuple[int, str]]
_matches_action_sql: MatchesActionSql | None = None


def install_matches_action(compiler: MatchesActionSql | None) -> None:
    global _matches_action_sql
    _matches_action_sql = compiler


class TeamSettings(Protocol):
    """What printing needs of the project (a ``TeamContext`` is one); no id: no tables."""

    @property
    def id(self) -> int | None: ...

    @property
    def timezone(self) -> str: ...

    @property
    def week_start_day(self) -> int: ...


def escape(name: str) -> str:
    """A backtick-quoted ClickHouse identifier; nothing in ``name`` can end it."""
    return "`" + str(name).replace("\\", "\\\\").replace("`", "\\`") + "`"


def output_name(item: ast.Expr) -> str:
    """A select item's column name: its alias, a field's last part, or its HogQL text."""
    if isinstance(item, ast.Alias):
        return item.alias
    if isinstance(item, ast.Field) and item.chain and item.chain[-1] != "*":
        return str(item.chain[-1])
    return to_hogql(item)


class Printer:
    def __init__(
        self,
        team: TeamSettings,
        params: Params,
        *,
        filters: FiltersSql | None = None,
        filters_table: str = "events",
    ) -> None:
        self.team = team
        self.params = params
        self.filters = filters
        self.filters_table = filters_table  # the table whose subquery ``{filters}`` conditions go in
        self._subqueries = 0
        self._aggregating: str | None = None
        self._json_hit = False
        self.maybe_null = True
        self.json_columns: dict[int, set[str]] = {}  # id(query node) → its JSON output columns

    # ---- queries -------------------------------------------------------------------------

    def query(self, node: ast.Expr, parent: Scope | None = None) -> tuple[str, list[str]]:
        """A SELECT or set of SELECTs: its SQL and output column names."""
        if isinstance(node, ast.SelectSetQuery):
            sql, names = self.query(node.initial, parent)
            self.json_columns[id(node)] = self.json_columns.get(id(node.initial), set())
            parts = [sql if not isinstance(node.initial, ast.SelectSetQuery) else f"({sql})"]
            for operator, sub in node.subsequent:
                sub_sql, _ = self.query(sub, parent)
                parts.append(f"{operator} {sub_sql if isinstance(sub, ast.SelectQuery) else f'({sub_sql})'}")
            return "\n".join(parts), names
        if isinstance(node, ast.SelectQuery):
            return self.select(node, parent)
        raise HogQLError("Expected a SELECT query.").at(node)

    def select(self, node: ast.SelectQuery, parent: Scope | None) -> tuple[str, list[str]]:
        scope = parent.child() if parent is not None else Scope()
        for cte in node.ctes:
            if cte.name in scope.ctes and parent is None:
                raise HogQLError(f"CTE {cte.name!r} is defined twice.").at(cte)
            scope.ctes[cte.name] = cte.expr
        joins = self._from(node.select_from, scope)
        for item in node.select:
            if isinstance(item, ast.Alias):
                scope.aliases[item.alias] = item.expr
        items = self._expand_stars(node.select, scope)
        on_sql = self._join_conditions(joins, scope)
        names: list[str] = []
        json_names: set[str] = set()
        printed: list[str] = []
        explicit = {i.alias for i in items if isinstance(i, ast.Alias)}
        for item in items:
            name = output_name(item)
            self._json_hit = False
            sql = self.expr(item, scope)
            if self._json_hit and isinstance(item.expr if isinstance(item, ast.Alias) else item, ast.Field):
                json_names.add(name)  # a JSON document: ``x.key`` reads it from outside too
            if not isinstance(item, ast.Alias) and name not in names and name not in explicit:
                sql = f"{sql} AS {escape(name)}"
            names.append(name)
            printed.append(sql)
        clauses = [("SELECT DISTINCT " if node.distinct else "SELECT ") + ", ".join(printed)]
        from_at = len(clauses)
        if node.array_join_list:
            clauses.append(self._array_join(node, scope))
        # PREWHERE only reorders reads of a physical table; on our subqueries it is a WHERE.
        conditions = [c for c in (node.prewhere, node.where) if c is not None]
        where = self._where(
            ast.And(exprs=tuple(conditions)) if len(conditions) > 1 else node.where or node.prewhere, scope
        )
        if where:
            clauses.append("WHERE " + where)
        if node.group_by:
            clauses.append("GROUP BY " + ", ".join(self.expr(e, scope) for e in node.group_by))
        if node.having is not None:
            clauses.append("HAVING " + self.expr(node.having, scope))
        if node.window_exprs:
            windows = ", ".join(f"{escape(n)} AS ({self._window(w, scope)})" for n, w in node.window_exprs)
            clauses.append("WINDOW " + windows)
        if node.order_by:
            clauses.append("ORDER BY " + ", ".join(self._order(o, scope) for o in node.order_by))
        if node.limit_by is not None:
            by = node.limit_by
            offset = f" OFFSET {self._count(by.offset, scope)}" if by.offset is not None else ""
            exprs = ", ".join(self.expr(e, scope) for e in by.exprs)
            clauses.append(f"LIMIT {self._count(by.n, scope)}{offset} BY {exprs}")
        if node.limit is not None:
            clauses.append("LIMIT " + self._count(node.limit, scope))
        if node.offset is not None:
            clauses.append("OFFSET " + self._count(node.offset, scope))
        if joins:
            clauses.insert(from_at, self._render_from(joins, on_sql))
        self.json_columns[id(node)] = json_names
        return "\n".join(clauses), names

    def _count(self, node: ast.Expr, scope: Scope) -> str:
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int)
            and not isinstance(node.value, bool)
        ):
            if node.value < 0:
                raise HogQLError("LIMIT and OFFSET must not be negative.").at(node)
            return self.expr(node, scope)
        raise HogQLError("LIMIT and OFFSET must be constant numbers.").at(node)

    # ---- FROM ----------------------------------------------------------------------------

    def _from(self, join: ast.JoinExpr | None, scope: Scope) -> list[tuple[ast.JoinExpr, Source]]:
        items: list[tuple[ast.JoinExpr, Source]] = []
        while join is not None:
            source = self._source(join, scope)
            if scope.source(source.alias) is not None:
                raise HogQLError(f"Duplicate table alias {source.alias!r}.").at(join)
            scope.sources.append(source)
            items.append((join, source))
            join = join.next_join
        return items

    def _source(self, join: ast.JoinExpr, scope: Scope) -> Source:
        table = join.table
        if isinstance(table, ast.SelectQuery | ast.SelectSetQuery):
            sql, names = self.query(table, scope)
            alias = join.alias or self._auto_alias()
            return Source(alias=alias, columns=names, sql=f"({sql})", json=self.json_columns[id(table)])
        if not isinstance(table, ast.Field):
            raise HogQLError("Expected a table name or a subquery.").at(table)
        name = ".".join(map(str, table.chain))
        if join.table_args is not None:
            return self._table_function(name, join, scope)
        if len(table.chain) == 1 and name in scope.ctes:
            sql, names = self.query(scope.ctes[name], scope)
            json = self.json_columns[id(scope.ctes[name])]
            return Source(alias=join.alias or name, columns=names, sql=f"({sql})", json=json)
        if len(table.chain) == 1 and name in TABLES:
            if self.team.id is None:
                raise HogQLError("Tables cannot be read in this expression.").at(table)
            return Source(alias=join.alias or name, table=TABLES[name])
        if name in NOT_AVAILABLE:
            raise HogQLError(f"Table `{name}` is not available in this project yet.").at(table)
        raise HogQLError(f"Unknown table `{name}`.").at(table)

    def _table_function(self, name: str, join: ast.JoinExpr, scope: Scope) -> Source:
        args = join.table_args or ()
        if name != "numbers" or not 1 <= len(args) <= 2:
            raise HogQLError(f"Table functions are not supported: {name}(...)").at(join.table)
        for arg in args:
            if not (isinstance(arg, ast.Constant) and type(arg.value) is int and 0 <= arg.value <= 10**9):
                raise HogQLError("numbers() takes constant whole numbers up to 1000000000.").at(arg)
        printed = ", ".join(self.params.add(a.value, "Int64") for a in args)  # type: ignore[attr-defined]
        return Source(alias=join.alias or "numbers", columns=["number"], sql=f"numbers({printed})")

    def _auto_alias(self) -> str:
        self._subqueries += 1
        return f"_sq{self._subqueries}"

    def _join_conditions(self, joins: list[tuple[ast.JoinExpr, Source]], scope: Scope) -> dict[int, str]:
        conditions: dict[int, str] = {}
        for index, (join, _source) in enumerate(joins[1:], start=1):
            join_type = join.join_type or "JOIN"
            if join.constraint is None:
                if join_type != "CROSS JOIN":
                    raise HogQLError(f"{join_type} needs an ON condition.").at(join)
                continue
            if join.constraint.constraint_type != "ON":
                raise HogQLError("JOIN … USING is not supported; use JOIN … ON.").at(join.constraint)
            conditions[index] = self._join_on(join.constraint.expr, scope)
        return conditions

    def _join_on(self, node: ast.Expr, scope: Scope) -> str:
        """ON keys: equalities stay bare (ClickHouse derives join keys from them)."""
        if isinstance(node, ast.CompareOperation) and node.op == "==":
            return f"equals({self.expr(node.left, scope)}, {self.expr(node.right, scope)})"
        if isinstance(node, ast.And):
            return "and(" + ", ".join(self._join_on(e, scope) for e in node.exprs) + ")"
        return self.expr(node, scope)

    def _render_from(self, joins: list[tuple[ast.JoinExpr, Source]], on_sql: dict[int, str]) -> str:
        parts = []
        for index, (join, source) in enumerate(joins):
            table = self._table_sql(source)
            if index == 0:
                parts.append(f"FROM {table}")
            elif index in on_sql:
                parts.append(f"{join.join_type or 'JOIN'} {table} ON {on_sql[index]}")
            else:
                parts.append(f"CROSS JOIN {table}")
        return "\n".join(parts)

    def _table_sql(self, source: Source) -> str:
        table = source.table
        if table is None:
            return f"{source.sql} AS {escape(source.alias)}"
        self.params.named("team_id", self.team.id, "Int64")
        columns = ", ".join(f"{sql} AS {escape(name)}" for sql, name in source.needed.items()) or "1 AS `_`"
        joins = "".join("\n" + table.joins[j] for j in source.joins if table.joins[j])
        conditions = [c for c in (table.guard, *source.conditions) if c]
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return f"(SELECT {columns} FROM {table.source}{joins}{where}) AS {escape(source.alias)}"

    # ---- clauses -------------------------------------------------------------------------

    def _expand_stars(self, select: tuple[ast.Expr, ...], scope: Scope) -> list[ast.Expr]:
        items: list[ast.Expr] = []
        for item in select:
            if not (isinstance(item, ast.Field) and item.chain and item.chain[-1] == "*"):
                items.append(item)
                continue
            if len(item.chain) == 1:
                sources = scope.sources
            else:
                found = scope.source(".".join(map(str, item.chain[:-1])))
                if found is None:
                    raise HogQLError(f"Unable to resolve field: {'.'.join(map(str, item.chain))}").at(item)
                sources = [found]
            if not sources:
                raise HogQLError("SELECT * needs a FROM clause.").at(item)
            for source in sources:
                columns = source.table.star if source.table is not None else source.columns
                items.extend(
                    ast.Field(chain=(source.alias, c), start=item.start, end=item.end) for c in columns
                )
        return items

    def _array_join(self, node: ast.SelectQuery, scope: Scope) -> str:
        printed = []
        for item in node.array_join_list:
            if not isinstance(item, ast.Alias):
                raise HogQLError("ARRAY JOIN arrays must have an alias.").at(item)
            printed.append(f"{self.expr(item.expr, scope)} AS {escape(item.alias)}")
            scope.aliases[item.alias] = item.expr
        operator = node.array_join_op or "ARRAY JOIN"
        if operator not in ARRAY_JOINS:
            raise HogQLError(f"{operator} is not supported.").at(node)
        return f"{operator} " + ", ".join(printed)

    def _where(self, where: ast.Expr | None, scope: Scope) -> str:
        """WHERE, with ``{filters}`` (only as a top-level condition) moved into the events subquery."""
        if where is None:
            return ""
        parts = list(where.exprs) if isinstance(where, ast.And) else [where]
        kept = []
        for part in parts:
            if isinstance(part, ast.Placeholder) and part.chain == FILTERS:
                self._apply_filters(part, scope)
            else:
                kept.append(part)
        if not kept:
            return ""
        return self.expr(kept[0] if len(kept) == 1 else ast.And(exprs=tuple(kept)), scope)

    def _apply_filters(self, node: ast.Placeholder, scope: Scope) -> None:
        events = [s for s in scope.sources if s.table is not None and s.table.name == self.filters_table]
        if not events:
            raise HogQLError(
                "Cannot use 'filters' placeholder in a SELECT clause that does not select "
                f"from the {self.filters_table} table."
            ).at(node)
        if self.filters is None:
            raise HogQLError("The {filters} placeholder is not available here.").at(node)
        events[0].conditions.extend(self.filters(self.params))

    def _window(self, window: ast.WindowExpr, scope: Scope) -> str:
        parts = []
        if window.partition_by:
            parts.append("PARTITION BY " + ", ".join(self.expr(e, scope) for e in window.partition_by))
        if window.order_by:
            parts.append("ORDER BY " + ", ".join(self._order(o, scope) for o in window.order_by))
        if window.frame_method:
            if window.frame_method not in ("ROWS", "RANGE"):
                raise HogQLError("Window frames are ROWS or RANGE.").at(window)
            start = self._frame(window.frame_start, window)
            if window.frame_end is not None:
                parts.append(
                    f"{window.frame_method} BETWEEN {start} AND {self._frame(window.frame_end, window)}"
                )
            else:
                parts.append(f"{window.frame_method} {start}")
        return " ".join(parts)

    def _frame(self, frame: ast.WindowFrame | None, window: ast.WindowExpr) -> str:
        if frame is None or frame.frame_type not in FRAME_TYPES:
            raise HogQLError("Unsupported window frame.").at(window)
        if frame.frame_type == "CURRENT ROW":
            return "CURRENT ROW"
        if frame.frame_value is None:
            return f"UNBOUNDED {frame.frame_type}"
        if type(frame.frame_value) is not int or frame.frame_value < 0:
            raise HogQLError("Window frame offsets are whole numbers.").at(window)
        return f"{frame.frame_value} {frame.frame_type}"

    def _order(self, order: ast.OrderExpr, scope: Scope) -> str:
        direction = "DESC" if str(order.order).upper() == "DESC" else "ASC"
        return f"{self.expr(order.expr, scope)} {direction}"

    # ---- expressions ---------------------------------------------------------------------

    def expr(self, node: ast.Expr, scope: Scope) -> str:
        """``node`` as SQL; afterwards ``self.maybe_null`` says whether it can be NULL."""
        try:
            sql = self._expr(node, scope)
        except HogQLError as error:
            raise error.at(node) from None
        if isinstance(node, ast.Constant):
            self.maybe_null = node.value is None
        elif not isinstance(node, ast.Field):
            self.maybe_null = True  # unknown: keep NULL-safe comparisons
        return sql

    def _expr(self, node: ast.Expr, scope: Scope) -> str:
        match node:
            case ast.Constant():
                return self.constant(node.value, node)
            case ast.Field():
                return self.field(node, scope)
            case ast.Alias():
                return self._alias(node, scope)
            case ast.CompareOperation():
                return self._compare(node, scope)
            case ast.ArithmeticOperation():
                fn = ARITHMETIC.get(node.op)
                if fn is None:
                    raise HogQLError(f"Unsupported operator {node.op!r}.")
                return f"{fn}({self.expr(node.left, scope)}, {self.expr(node.right, scope)})"
            case ast.And():
                return "and(" + ", ".join(self.expr(e, scope) for e in node.exprs) + ")"
            case ast.Or():
                return "or(" + ", ".join(self.expr(e, scope) for e in node.exprs) + ")"
            case ast.Between():
                op = "NOT BETWEEN" if node.negated else "BETWEEN"
                low, high = self.expr(node.low, scope), self.expr(node.high, scope)
                return f"ifNull(({self.expr(node.expr, scope)} {op} {low} AND {high}), 0)"
            case ast.Tuple():
                return "tuple(" + ", ".join(self.expr(e, scope) for e in node.exprs) + ")"
            case ast.Array():
                return "[" + ", ".join(self.expr(e, scope) for e in node.exprs) + "]"
            case ast.ArrayAccess():
                return self._array_access(node, scope)
            case ast.TupleAccess():
                if node.index < 1:
                    raise HogQLError("SQL indexes start from one, not from zero. E.g: array.1")
                return f"tupleElement({self.expr(node.tuple, scope)}, {self.constant(node.index, node)})"
            case ast.Lambda():
                return self._lambda(node, scope)
            case ast.TypeCast():
                name = TYPE_CASTS.get(node.type_name.lower())
                if name is None:
                    raise HogQLError(f"Unsupported type cast to {node.type_name!r}.")
                return self.call(
                    ast.Call(name=name, args=(node.expr,), start=node.start, end=node.end), scope
                )
            case ast.Call():
                return self.call(node, scope)
            case ast.WindowFunction():
                return self._window_function(node, scope)
            case ast.SelectQuery() | ast.SelectSetQuery():
                sql, _ = self.query(node, scope)
                return f"({sql})"
            case ast.Placeholder():
                name = ".".join(map(str, node.chain))
                if node.chain == FILTERS:
                    raise HogQLError("The {filters} placeholder may only be a condition of WHERE.")
                raise HogQLError(f"Unresolved placeholder: {{{name}}}")
        raise HogQLError(f"Unsupported expression: {type(node).__name__}")

    def constant(self, value: Any, node: ast.Node | None = None) -> str:
        if value is None:
            return "NULL"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if isinstance(value, int):
            if INT64[0] <= value <= INT64[1]:
                return self.params.add(value, "Int64")
            if 0 <= value <= UINT64_MAX:
                return self.params.add(value, "UInt64")
            raise HogQLError(f"Number out of range: {value}")
        if isinstance(value, float):
            if math.isnan(value) or math.isinf(value):
                return self.params.add(str(value), "Float64")
            return self.params.add(value, "Float64")
        if isinstance(value, str):
            return self.params.add(value, "String")
        if isinstance(value, datetime):
            return self.params.add(value, "DateTime64(6, 'UTC')")
        if isinstance(value, list | tuple):
            return "tuple(" + ", ".join(self.constant(v, node) for v in value) + ")" if value else "tuple()"
        raise HogQLError(f"Unsupported constant {value!r}.")

    def field(self, node: ast.Field, scope: Scope) -> str:
        self.maybe_null = True  # until a table column says otherwise
        chain = node.chain
        head = str(chain[0])
        if head in scope.lambda_args:
            if len(chain) > 1:
                raise HogQLError(f"Unable to resolve field: {'.'.join(map(str, chain))}")
            return escape(head)
        if len(chain) == 1 and head in scope.aliases and head not in scope.resolving:
            return escape(head)
        if len(chain) > 1:
            source = scope.source(head)
            if source is not None:
                return self.column(source, chain[1:], node)
        owner = scope.owner(head, node)
        if owner is not None:
            return self.column(owner, chain, node)
        if head == "*":
            raise HogQLError("* can only be selected or counted.")
        raise HogQLError(f"Unable to resolve field: {'.'.join(map(str, chain))}")

    def column(self, source: Source, chain: tuple[str | int, ...], node: ast.Node) -> str:
        alias = escape(source.alias)
        if source.table is None:
            name = str(chain[0])
            if name not in source.columns or (len(chain) > 1 and name not in source.json):
                raise HogQLError(f"Unable to resolve field: {'.'.join(map(str, chain))}").at(node)
            column = f"{alias}.{escape(name)}"
            if len(chain) == 1:
                self._json_hit = name in source.json
                return column
            return json_value(column, ", ".join(self.params.add(str(key)) for key in chain[1:]))
        field, keys = walk_fields(source.table.fields, chain, node)
        self._json_hit = field.json and not keys
        # Plain columns are never NULL; properties are (and fields reached through a join).
        self.maybe_null = bool(keys) or bool(field.joins and field.joins != ("overrides",))
        if source.inline:
            return self._inline(source, field.sql, keys, field.joins, chain, node)
        path = "__".join(map(str, chain))

        def build() -> str:
            sql = field.sql.replace("{tz}", self.tz()) if "{tz}" in field.sql else field.sql
            return self.property_read(sql, keys) if keys else sql

        key = "\x00".join(map(str, chain))
        return f"{alias}.{escape(source.need(key, path, build, field.joins))}"

    def _inline(
        self, source: Source, sql: str, keys: list[str], joins: tuple[str, ...], chain: Any, node: ast.Node
    ) -> str:
        """A field of the insight's own ``FROM events`` (no subquery: the insight guards it)."""
        missing = [j for j in joins if j not in source.inline_joins]
        if missing:
            name = ".".join(map(str, chain))
            raise HogQLError(f"{name} is not available in this expression.").at(node)
        for join in joins:
            if join not in source.joins:
                source.joins.append(join)
        sql = sql.replace("{tz}", self.tz()) if "{tz}" in sql else sql
        return self.property_read(sql, keys) if keys else sql

    def property_read(self, sql: str, keys: list[str]) -> str:
        """The property-access functions insights use, so both read properties alike (an event
        property from its own column when it has one)."""
        if sql == EVENT_PROPERTIES and len(keys) == 1 and isinstance(keys[0], str):
            return event_property(str(keys[0]), self.params, "events")
        return json_value(sql, ", ".join(self.params.add(key) for key in keys))

    def tz(self) -> str:
        return self.params.named("tz", self.team.timezone, "String")

    def _alias(self, node: ast.Alias, scope: Scope) -> str:
        if node.alias in ("team_id",):
            raise HogQLError(f'"{node.alias}" cannot be an alias or identifier, as it\'s a reserved keyword')
        scope.aliases.setdefault(node.alias, node.expr)
        scope.resolving.add(node.alias)
        try:
            inner = self.expr(node.expr, scope)
        finally:
            scope.resolving.discard(node.alias)
        return f"{inner} AS {escape(node.alias)}"

    def _compare(self, node: ast.CompareOperation, scope: Scope) -> str:
        op = node.op
        if op in ("in cohort", "not in cohort"):
            return self._in_cohort(node, scope)
        right_null = isinstance(node.right, ast.Constant) and node.right.value is None
        if op in ("==", "!=") and right_null:
            return f"{'isNull' if op == '==' else 'isNotNull'}({self.expr(node.left, scope)})"
        left = self.expr(node.left, scope)
        nullable = self.maybe_null
        right = self.expr(node.right, scope)
        nullable = nullable or self.maybe_null
        if op in ("!~", "!~*", "=~*"):
            pattern = f"concat('(?i)', {right})" if op.endswith("*") else right
            matched = f"match({left}, {pattern})"
            return f"ifNull(not({matched}), 1)" if op.startswith("!") else f"ifNull({matched}, 0)"
        if op not in COMPARE:
            raise HogQLError(f"Unsupported comparison {op!r}.")
        fn, when_null = COMPARE[op]
        if not nullable:
            # Bare, so ClickHouse can use the table's sort key for it.
            return f"{fn}({left}, {right})"
        return f"ifNull({fn}({left}, {right}), {when_null})"

    def _in_cohort(self, node: ast.CompareOperation, scope: Scope) -> str:
        """``x IN COHORT 5`` / ``x NOT IN COHORT 'name'``: the project's cohort's stored members."""
        right = node.right
        value = right.value if isinstance(right, ast.Constant) else None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise HogQLError("IN COHORT takes a cohort id or a cohort name.").at(node)
        team_id = self.team.id
        if team_id is None:
            raise HogQLError("IN COHORT needs a project.").at(node)
        try:
            ref = cohort_by_id_or_name(team_id, value, "query")
        except QueryError as exc:
            raise HogQLError(exc.detail).at(node) from None
        left = self.expr(node.left, scope)
        negated = node.op == "not in cohort"
        return f"({left} {'NOT IN' if negated else 'IN'} ({members_sql(team_id, ref, self.params)}))"

    def _array_access(self, node: ast.ArrayAccess, scope: Scope) -> str:
        index = node.property
        if (
            isinstance(index, ast.Constant)
            and isinstance(index.value, str)
            and isinstance(node.array, ast.Field)
        ):
            # properties['my key'] reads a property like properties.`my key`.
            return self.field(
                ast.Field(chain=(*node.array.chain, index.value), start=node.start, end=node.end), scope
            )
        if isinstance(index, ast.Constant) and index.value == 0:
            raise HogQLError("SQL indexes start from one, not from zero. E.g: array[1]")
        return f"arrayElement({self.expr(node.array, scope)}, {self.expr(index, scope)})"

    def _lambda(self, node: ast.Lambda, scope: Scope) -> str:
        added = [a for a in node.args if a not in scope.lambda_args]
        scope.lambda_args.update(added)
        try:
            body = self.expr(node.expr, scope)
        finally:
            scope.lambda_args.difference_update(added)
        return f"({', '.join(escape(a) for a in node.args)}) -> {body}"

    def call(self, node: ast.Call, scope: Scope) -> str:
        if node.name == "matchesAction":
            return self._matches_action(node, scope)
        aggregate = lookup_aggregate(node.name)
        if aggregate is not None:
            return self._aggregate(node, aggregate, scope)
        fn = lookup_function(node.name)
        if fn is None:
            if node.name in WINDOW_FUNCTIONS:
                raise HogQLError(f"Window function '{node.name}' needs an OVER clause.")
            raise HogQLError(f"Unsupported function call '{node.name}(...)'.{suggestion(node.name)}")
        if node.params is not None or node.distinct:
            raise HogQLError(f"Function '{node.name}' takes no parameters or DISTINCT.")
        self._arity(node.name, fn, len(node.args), "Function")
        args = [self._call_arg(a, scope) for a in node.args]
        return self._special(node.name, fn, args) or f"{fn.clickhouse}({', '.join(args)})"

    def _matches_action(self, node: ast.Call, scope: Scope) -> str:
        """The action's condition, computed beside the events row it tests (``hogql/actions.py``)."""
        if _matches_action_sql is None:
            raise HogQLError("matchesAction is not available here.").at(node)
        source = scope.owner("elements_chain", node)
        if source is None or source.table is None or source.table.name != "events":
            raise HogQLError("matchesAction can only be used on events.").at(node)
        action_id, sql = _matches_action_sql(node, self.team, self.params)
        self.maybe_null = False
        if source.inline:
            return sql
        name = source.need(f"matchesAction\x00{action_id}", f"matches_action_{action_id}", lambda: sql)
        return f"{escape(source.alias)}.{escape(name)}"

    def _call_arg(self, arg: ast.Expr, scope: Scope) -> str:
        if isinstance(arg, ast.Field) and arg.chain == ("*",):
            raise HogQLError("* can only be selected or counted.").at(arg)
        return self.expr(arg, scope)

    def _special(self, name: str, fn: Fn, args: list[str]) -> str | None:
        """Functions printed with the project's settings added."""
        if name == "concat":
            # PostHog: NULL parts read as empty strings, so concat never returns NULL.
            return "concat(" + ", ".join(f"ifNull(toString({a}), '')" for a in args) + ")"
        if name == "now":
            return f"now64(6, {self.tz()})"
        if name in ("today", "yesterday"):
            return f"{name}({self.tz()})"
        if name == "toStartOfWeek" and len(args) == 1:
            return f"toStartOfWeek({args[0]}, {3 if self.team.week_start_day == 1 else 0})"
        if name in ("toDateTime", "parseDateTimeBestEffort"):
            tz = args[1] if len(args) > 1 else self.tz()
            return f"parseDateTime64BestEffortOrNull(toString({args[0]}), 6, {tz})"
        if name in ("toInt", "toFloat", "toDate", "toUUID"):
            return (
                f"{fn.clickhouse}(toString({args[0]}))"
                if name != "toInt"
                else f"toInt64OrNull(toString({args[0]}))"
            )
        return None

    def _arity(self, name: str, fn: Fn, count: int, what: str) -> None:
        if count < fn.min_args:
            plural = "s" * (fn.min_args != 1)
            raise HogQLError(
                f"{what} '{name}' expects at least {fn.min_args} argument{plural}, found {count}"
            )
        if fn.max_args is not None and count > fn.max_args:
            plural = "s" * (fn.max_args != 1)
            raise HogQLError(f"{what} '{name}' expects at most {fn.max_args} argument{plural}, found {count}")

    def _aggregate(self, node: ast.Call, fn: Fn, scope: Scope) -> str:
        if self._aggregating is not None:
            outer = self._aggregating
            raise HogQLError(
                f"Aggregation '{node.name}' cannot be nested inside another aggregation '{outer}'."
            )
        args_nodes = node.args
        if (
            node.name.lower() == "count"
            and args_nodes
            and isinstance(args_nodes[0], ast.Field)
            and args_nodes[0].chain == ("*",)
        ):
            args_nodes = ()
        self._arity(node.name, fn, len(args_nodes), "Aggregation")
        params = node.params or ()
        if len(params) < fn.min_params or (fn.max_params is not None and len(params) > fn.max_params):
            raise HogQLError(f"Aggregation '{node.name}' does not take {len(params)} parameters.")
        for param in params:
            if not isinstance(param, ast.Constant):
                raise HogQLError(f"Parameters of '{node.name}' must be constants.").at(param)
        self._aggregating = node.name
        try:
            args = ", ".join(self._call_arg(a, scope) for a in args_nodes)
        finally:
            self._aggregating = None
        printed_params = (
            f"({', '.join(self.expr(p, scope) for p in params)})" if node.params is not None else ""
        )
        distinct = "DISTINCT " if node.distinct else ""
        return f"{fn.clickhouse}{printed_params}({distinct}{args})"

    def _window_function(self, node: ast.WindowFunction, scope: Scope) -> str:
        fn = WINDOW_FUNCTIONS.get(node.name) or lookup_aggregate(node.name)
        if fn is None:
            raise HogQLError(f"Unsupported function call '{node.name}(...)'.{suggestion(node.name)}")
        self._arity(node.name, fn, len(node.exprs), "Window function")
        params = f"({', '.join(self.expr(a, scope) for a in node.args)})" if node.args else ""
        args = ", ".join(self.expr(e, scope) for e in node.exprs)
        if fn.clickhouse in ("lagInFrame", "leadInFrame") and node.exprs:
            # PostHog: a NULL past the frame rather than the type's default value.
            first, *rest = [self.expr(e, scope) for e in node.exprs]
            args = ", ".join([f"toNullable({first})", *rest])
        if node.over_identifier is not None:
            over = escape(node.over_identifier)
        elif node.over_expr is not None:
            over = f"({self._window(node.over_expr, scope)})"
        else:
            over = "()"
        return f"{fn.clickhouse}{params}({args}) OVER {over}"
