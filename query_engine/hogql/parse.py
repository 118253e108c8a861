"""HogQL text → our AST, through ``hogql-parser-rs``'s JSON output.

Any node kind or clause the compiler does not handle is refused here, with
its position, so nothing a user wrote is silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hogql_parser_rs
import orjson

from query_engine.hogql import ast
from query_engine.hogql.errors import HogQLError, HogQLSyntaxError

JOIN_TYPES = {
    "JOIN",
    "INNER JOIN",
    "LEFT JOIN",
    "LEFT OUTER JOIN",
    "RIGHT JOIN",
    "RIGHT OUTER JOIN",
    "FULL JOIN",
    "FULL OUTER JOIN",
    "CROSS JOIN",
    "LEFT SEMI JOIN",
    "LEFT ANTI JOIN",
    "LEFT ANY JOIN",
    "INNER ANY JOIN",
}
SET_OPERATORS = {
    "UNION ALL",
    "UNION DISTINCT",
    "INTERSECT",
    "INTERSECT DISTINCT",
    "EXCEPT",
    "EXCEPT DISTINCT",
}


def _offset(position: Any) -> int | None:
    return position.get("offset") if isinstance(position, dict) else None


def _span(data: dict[str, Any]) -> dict[str, Any]:
    return {"start": _offset(data.get("start")), "end": _offset(data.get("end"))}


def _raise_if_error(data: dict[str, Any]) -> None:
    if not data.get("error"):
        return
    message = str(data.get("message") or "Syntax error")
    span = _span(data)
    if data.get("type") == "NotImplementedError":
        # The grammar knows the clause but HogQL does not allow it (SETTINGS …).
        raise HogQLError(f"Not supported in HogQL: {message.removeprefix('Unsupported: ')}", **span)
    raise HogQLSyntaxError(message, **span)


def _load(text: str, parse: Callable[[str], str]) -> dict[str, Any]:
    if not isinstance(text, str) or not text.strip():
        raise HogQLSyntaxError("The query is empty.", start=0, end=0)
    data = orjson.loads(parse(text))
    _raise_if_error(data)
    return data


def parse_select(text: str) -> ast.Expr:
    """A SELECT (or a set of them with UNION …)."""
    return _node(_load(text, hogql_parser_rs.parse_select_json))


def parse_expr(text: str) -> ast.Expr:
    return _node(_load(text, hogql_parser_rs.parse_expr_json))


def parse_order_expr(text: str) -> ast.OrderExpr:
    node = _node(_load(text, hogql_parser_rs.parse_order_expr_json))
    if not isinstance(node, ast.OrderExpr):
        raise HogQLSyntaxError("Expected an ORDER BY expression.", start=0, end=len(text))
    return node


def _nodes(items: Any) -> tuple[Any, ...]:
    return tuple(_node(item) for item in items or ())


def _opt(item: Any) -> Any:
    return _node(item) if item is not None else None


def _constant(d: dict[str, Any], s: dict[str, Any]) -> ast.Constant:
    value = d.get("value")
    if d.get("value_type") == "number":
        # Numbers the parser could not hold: huge integers, inf, nan.
        text = str(value)
        if text in ("Infinity", "-Infinity", "NaN"):
            return ast.Constant(value=float(text.replace("Infinity", "inf")), **s)
        raise HogQLError(f"Number out of range: {text}", **s)
    return ast.Constant(value=value, **s)


def _select(d: dict[str, Any], s: dict[str, Any]) -> ast.SelectQuery:
    for key in ("sample", "settings", "view_name"):
        if d.get(key):
            raise HogQLError(f"{key.upper()} is not supported in HogQL.", **s)
    if d.get("limit_with_ties"):
        raise HogQLError("LIMIT … WITH TIES is not supported in HogQL.", **s)
    windows = d.get("window_exprs") or {}
    return ast.SelectQuery(
        select=_nodes(d.get("select")),
        distinct=bool(d.get("distinct")),
        select_from=_opt(d.get("select_from")),
        array_join_op=d.get("array_join_op"),
        array_join_list=_nodes(d.get("array_join_list")),
        where=_opt(d.get("where")),
        prewhere=_opt(d.get("prewhere")),
        group_by=_nodes(d.get("group_by")),
        having=_opt(d.get("having")),
        window_exprs=tuple((name, _node(w)) for name, w in windows.items()),
        order_by=_nodes(d.get("order_by")),
        limit_by=_opt(d.get("limit_by")),
        limit=_opt(d.get("limit")),
        offset=_opt(d.get("offset")),
        ctes=_nodes(d.get("ctes")),
        **s,
    )


def _join(d: dict[str, Any], s: dict[str, Any]) -> ast.JoinExpr:
    if d.get("sample"):
        raise HogQLError("SAMPLE is not supported in HogQL.", **s)
    if d.get("table_final"):
        raise HogQLError("FINAL is not supported in HogQL.", **s)
    join_type = d.get("join_type")
    if join_type is not None and join_type not in JOIN_TYPES:
        raise HogQLError(f"{join_type} is not supported in HogQL.", **s)
    table_args = d.get("table_args")
    return ast.JoinExpr(
        table=_node(d["table"]),
        alias=d.get("alias"),
        join_type=join_type,
        constraint=_opt(d.get("constraint")),
        next_join=_opt(d.get("next_join")),
        table_args=_nodes(table_args) if table_args is not None else None,
        **s,
    )


def _set_query(d: dict[str, Any], s: dict[str, Any]) -> ast.SelectSetQuery:
    subsequent = []
    for item in d.get("subsequent_select_queries") or ():
        operator = item.get("set_operator")
        if operator not in SET_OPERATORS:
            raise HogQLError(f"{operator} is not supported in HogQL.", **s)
        subsequent.append((operator, _node(item["select_query"])))
    return ast.SelectSetQuery(initial=_node(d["initial_select_query"]), subsequent=tuple(subsequent), **s)


def _window_function(d: dict[str, Any], s: dict[str, Any]) -> ast.WindowFunction:
    return ast.WindowFunction(
        name=d["name"],
        exprs=_nodes(d.get("exprs")),
        args=_nodes(d.get("args")),
        over_expr=_opt(d.get("over_expr")),
        over_identifier=d.get("over_identifier"),
        **s,
    )


def _window_expr(d: dict[str, Any], s: dict[str, Any]) -> ast.WindowExpr:
    if d.get("window_name"):
        raise HogQLError("Named window references inside OVER (…) are not supported.", **s)
    return ast.WindowExpr(
        partition_by=_nodes(d.get("partition_by")),
        order_by=_nodes(d.get("order_by")),
        frame_method=d.get("frame_method"),
        frame_start=_opt(d.get("frame_start")),
        frame_end=_opt(d.get("frame_end")),
        **s,
    )


def _limit_by(d: dict[str, Any], s: dict[str, Any]) -> ast.LimitBy:
    return ast.LimitBy(n=_node(d["n"]), exprs=_nodes(d.get("exprs")), offset=_opt(d.get("offset_value")), **s)


def _cte(d: dict[str, Any], s: dict[str, Any]) -> ast.CTE:
    if d.get("cte_type") != "subquery":
        raise HogQLError("Only WITH name AS (SELECT …) is supported.", **s)
    return ast.CTE(name=d["name"], expr=_node(d["expr"]), **s)


BUILDERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], Any]] = {
    "Constant": _constant,
    "Field": lambda d, s: ast.Field(chain=tuple(d["chain"]), **s),
    "Placeholder": lambda d, s: ast.Placeholder(chain=tuple(d["expr"]["chain"]), **s),
    "Alias": lambda d, s: ast.Alias(alias=d["alias"], expr=_node(d["expr"]), **s),
    "Call": lambda d, s: ast.Call(
        name=d["name"],
        args=_nodes(d.get("args")),
        params=_nodes(d["params"]) if d.get("params") is not None else None,
        distinct=bool(d.get("distinct")),
        **s,
    ),
    "CompareOperation": lambda d, s: ast.CompareOperation(
        op=d["op"], left=_node(d["left"]), right=_node(d["right"]), **s
    ),
    "ArithmeticOperation": lambda d, s: ast.ArithmeticOperation(
        op=d["op"], left=_node(d["left"]), right=_node(d["right"]), **s
    ),
    "And": lambda d, s: ast.And(exprs=_nodes(d["exprs"]), **s),
    "Or": lambda d, s: ast.Or(exprs=_nodes(d["exprs"]), **s),
    "Not": lambda d, s: ast.Call(name="not", args=(_node(d["expr"]),), **s),
    "BetweenExpr": lambda d, s: ast.Between(
        expr=_node(d["expr"]),
        low=_node(d["low"]),
        high=_node(d["high"]),
        negated=bool(d.get("negated")),
        **s,
    ),
    "Tuple": lambda d, s: ast.Tuple(exprs=_nodes(d["exprs"]), **s),
    "Array": lambda d, s: ast.Array(exprs=_nodes(d["exprs"]), **s),
    "ArrayAccess": lambda d, s: ast.ArrayAccess(array=_node(d["array"]), property=_node(d["property"]), **s),
    "TupleAccess": lambda d, s: ast.TupleAccess(tuple=_node(d["tuple"]), index=int(d["index"]), **s),
    "Lambda": lambda d, s: ast.Lambda(args=tuple(d["args"]), expr=_node(d["expr"]), **s),
    "TypeCast": lambda d, s: ast.TypeCast(expr=_node(d["expr"]), type_name=d["type_name"], **s),
    "WindowFunction": _window_function,
    "WindowExpr": _window_expr,
    "WindowFrameExpr": lambda d, s: ast.WindowFrame(
        frame_type=d["frame_type"], frame_value=d.get("frame_value"), **s
    ),
    "OrderExpr": lambda d, s: ast.OrderExpr(expr=_node(d["expr"]), order=d.get("order") or "ASC", **s),
    "JoinExpr": _join,
    "JoinConstraint": lambda d, s: ast.JoinConstraint(
        expr=_node(d["expr"]), constraint_type=d["constraint_type"], **s
    ),
    "LimitByExpr": _limit_by,
    "CTE": _cte,
    "SelectQuery": _select,
    "SelectSetQuery": _set_query,
}


def _node(data: Any) -> Any:
    if not isinstance(data, dict):
        raise HogQLSyntaxError("Unexpected syntax.")
    kind = data.get("node")
    span = _span(data)
    build = BUILDERS.get(kind) if isinstance(kind, str) else None
    if build is None:
        raise HogQLError(f"{kind} syntax is not supported in HogQL queries.", **span)
    return build(data, span)
