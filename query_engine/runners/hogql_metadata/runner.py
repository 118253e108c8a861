"""``HogQLMetadata``: validate a HogQL query or expression without running it.

An invalid query is reported in the body (``isValid: false`` with positioned
``errors``), not as an HTTP error: the node itself was well-formed.
"""

from __future__ import annotations

from typing import Any

from query_engine.hogql import ast
from query_engine.hogql.compile import compile_select_ast
from query_engine.hogql.errors import HogQLError
from query_engine.hogql.filters import filters_sql
from query_engine.hogql.parse import parse_expr, parse_select
from query_engine.hogql.visitor import walk
from query_engine.runners.base import Staleness
from query_engine.team import TeamContext

LANGUAGES = {"hogQL", "hogQLExpr"}
HANDLED = {"language", "query", "select", "expr", "filters", "sourceQuery", "globals", "debug", "variables"}
IGNORED = {"kind", "name", "tags", "response", "version", "exprSource", "modifiers"}


def _message(error: HogQLError) -> str:
    # The parser's end-of-input wording, as PostHog's metadata rewrites it.
    return "Unexpected end of query" if "Eof" in error.detail or "<EOF>" in error.detail else error.detail


class HogQLMetadataRunner:
    kind = "HogQLMetadata"
    timeout_key = "default"
    staleness = Staleness.QUERY
    legacy_insight: str | None = None
    insight_node = False

    def __init__(self, *, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> None:
        unknown = sorted(set(query) - HANDLED - IGNORED)
        if unknown:
            raise HogQLError(f"Unsupported field {unknown[0]!r} for HogQLMetadata.", attr=unknown[0])
        language = query.get("language")
        text = query.get("query")
        if language is None and isinstance(query.get("select"), str):  # older clients
            language, text = "hogQL", query["select"]
        elif language is None and isinstance(query.get("expr"), str):
            language, text = "hogQLExpr", query["expr"]
        if language not in LANGUAGES:
            raise HogQLError(f"language must be one of {', '.join(sorted(LANGUAGES))}.", attr="language")
        if not isinstance(text, str):
            raise HogQLError("query must be a string.", attr="query")
        if query.get("variables"):
            raise HogQLError("variables are not supported yet.", attr="variables")
        self.team = team.started()
        self.language = language
        self.text = text
        self.filters = query.get("filters")

    def _check(self) -> list[str]:
        if self.language == "hogQLExpr":
            expr = parse_expr(self.text)
            select: ast.Expr = ast.SelectQuery(
                select=(expr,), select_from=ast.JoinExpr(table=ast.Field(chain=("events",)))
            )
        else:
            select = parse_select(self.text)
        filters = filters_sql(self.filters, self.team)
        compile_select_ast(select, self.team, filters=filters)
        return sorted(
            {
                str(node.table.chain[0])
                for node in walk(select)
                if isinstance(node, ast.JoinExpr) and isinstance(node.table, ast.Field)
            }
        )

    def calculate(self) -> dict[str, Any]:
        errors: list[dict[str, Any]] = []
        tables: list[str] = []
        try:
            tables = self._check()
        except HogQLError as error:
            errors.append({"message": _message(error), "start": error.start, "end": error.end, "fix": None})
        return {
            "query": self.text,
            "isValid": not errors,
            "errors": errors,
            "warnings": [],
            "notices": [],
            "table_names": tables,
            "results": None,
        }
