"""PostHog's row limits: a default LIMIT where none is written, a cap on every top-level LIMIT."""

from __future__ import annotations

from dataclasses import dataclass, replace

from query_engine.hogql import ast
from query_engine.hogql.errors import HogQLError

DEFAULT_RETURNED_ROWS = 100
MAX_SELECT_RETURNED_ROWS = 50_000


@dataclass(frozen=True)
class Paging:
    """Set when the server pages for the caller: fetch ``limit + 1`` rows, report ``hasMore``."""

    limit: int
    offset: int


def _constant_int(node: ast.Expr | None, what: str) -> int | None:
    if node is None:
        return None
    if isinstance(node, ast.Constant) and type(node.value) is int and node.value >= 0:
        return node.value
    raise HogQLError(f"{what} must be a constant whole number.").at(node)


def _capped(select: ast.SelectQuery, default: int) -> ast.SelectQuery:
    limit = _constant_int(select.limit, "LIMIT")
    _constant_int(select.offset, "OFFSET")
    value = default if limit is None else min(limit, MAX_SELECT_RETURNED_ROWS)
    return replace(select, limit=ast.Constant(value=value, start=getattr(select.limit, "start", None)))


def apply_limits(
    query: ast.Expr, *, default: int = DEFAULT_RETURNED_ROWS, paginate: bool = True
) -> tuple[ast.Expr, ast.Expr, Paging | None]:
    """(query to run, query to show as ``hogql``, paging).

    A top-level SELECT without LIMIT is paged (``limit + 1`` fetched) when
    ``paginate``; every branch of a UNION gets the default LIMIT or its own, capped.
    """
    if isinstance(query, ast.SelectQuery):
        if query.limit is None and paginate:
            offset = _constant_int(query.offset, "OFFSET") or 0
            shown = replace(query, limit=ast.Constant(value=default))
            return replace(query, limit=ast.Constant(value=default + 1)), shown, Paging(default, offset)
        capped = _capped(query, default)
        return capped, capped, None
    if isinstance(query, ast.SelectSetQuery):
        limited = replace(
            query,
            initial=apply_limits(query.initial, default=default, paginate=False)[0],
            subsequent=tuple(
                (op, apply_limits(q, default=default, paginate=False)[0]) for op, q in query.subsequent
            ),
        )
        return limited, limited, None
    raise HogQLError("Expected a SELECT query.").at(query)
