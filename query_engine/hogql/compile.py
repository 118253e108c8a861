"""HogQL text → ClickHouse SQL, parameters and output names: the compiler's entry points."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from query_engine.hogql import ast
from query_engine.hogql.filters import filters_sql
from query_engine.hogql.limits import DEFAULT_RETURNED_ROWS, Paging, apply_limits
from query_engine.hogql.parse import parse_select
from query_engine.hogql.placeholders import replace_placeholders
from query_engine.hogql.printer import FiltersSql, Printer
from query_engine.hogql.to_hogql import to_hogql
from query_engine.sql.params import Params
from query_engine.team import TeamContext


@dataclass(frozen=True)
class CompiledSelect:
    sql: str
    params: dict[str, Any]
    columns: list[str]
    hogql: str
    paging: Paging | None


def compile_select_ast(
    query: ast.Expr,
    team: TeamContext,
    *,
    values: dict[str, Any] | None = None,
    filters: FiltersSql | None = None,
    paginate: bool = True,
    default_limit: int = DEFAULT_RETURNED_ROWS,
) -> CompiledSelect:
    query = replace_placeholders(query, values or {})
    to_run, shown, paging = apply_limits(query, default=default_limit, paginate=paginate)
    params = Params()
    sql, columns = Printer(team, params, filters=filters).query(to_run)
    return CompiledSelect(
        sql=sql, params=params.values, columns=columns, hogql=to_hogql(shown), paging=paging
    )


def compile_select(
    text: str,
    team: TeamContext,
    *,
    values: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
    paginate: bool = True,
) -> CompiledSelect:
    """A HogQLQuery's text with its ``values`` and ``filters``."""
    return compile_select_ast(
        parse_select(text), team, values=values, filters=filters_sql(filters, team), paginate=paginate
    )
