"""HogQL expressions inside insight SQL: ``math_hogql``, HogQL breakdowns, ``type: "hogql"``
property filters, ``funnelAggregateByHogQL`` and HogQL path items.

The expression is printed onto the insight's own ``FROM events`` (which the
insight already guards by project), with the same field rules, function
allow-list and bound parameters as a HogQL query. A subquery in it reads
tables through the usual guarded subqueries.
"""

from __future__ import annotations

from dataclasses import dataclass

from query_engine.hogql import ast
from query_engine.hogql.errors import HogQLError
from query_engine.hogql.functions import lookup_aggregate
from query_engine.hogql.parse import parse_expr
from query_engine.hogql.printer import Printer, TeamSettings
from query_engine.hogql.scope import Scope, Source
from query_engine.hogql.tables import EVENTS
from query_engine.hogql.visitor import contains
from query_engine.sql.params import Params


@dataclass(frozen=True)
class ExpressionSettings:
    """Printing settings where no project is at hand (property filters): no tables."""

    timezone: str = "UTC"
    week_start_day: int = 0
    id: int | None = None


@dataclass(frozen=True)
class CompiledExpression:
    sql: str
    needs_person: bool  # reads the effective person id (the override join)
    aggregate: bool


def is_aggregate(node: ast.Expr) -> bool:
    return contains(node, lambda n: isinstance(n, ast.Call) and lookup_aggregate(n.name) is not None)


def compile_expression(
    text: object,
    team: TeamSettings,
    params: Params,
    *,
    attr: str,
    aggregate: bool | None = None,
    with_person: bool = True,
) -> CompiledExpression:
    """``text`` as SQL over ``FROM events``; ``aggregate`` True/False requires/forbids aggregation.

    ``with_person`` False refuses the person id (the caller has no override join).
    """
    try:
        if not isinstance(text, str) or not text.strip():
            raise HogQLError("A HogQL expression is required.")
        node = parse_expr(text)
        found = is_aggregate(node)
        if aggregate is True and not found:
            raise HogQLError("The expression must aggregate, e.g. count() or avg(properties.x).")
        if aggregate is False and found:
            raise HogQLError("Aggregations are not allowed in this expression.")
        joins = ("overrides",) if with_person else ()
        source = Source(alias="events", table=EVENTS, inline=True, inline_joins=joins)
        sql = Printer(team, params).expr(node, Scope(sources=[source]))
    except HogQLError as error:
        error.attr = attr
        raise
    return CompiledExpression(sql=sql, needs_person="overrides" in source.joins, aggregate=found)
