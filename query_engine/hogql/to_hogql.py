"""AST → HogQL text: column names and the ``hogql`` field of responses."""

from __future__ import annotations

import re
from typing import Any

from query_engine.hogql import ast

PLAIN = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
KEYWORDS = {"select", "from", "where", "and", "or", "not", "as", "in", "is", "null", "true", "false", "limit"}
OPS = {"=~": "=~", "!~": "!~", "=~*": "=~*", "!~*": "!~*"}


def identifier(name: str | int) -> str:
    text = str(name)
    if isinstance(name, int) or (PLAIN.match(text) and text.lower() not in KEYWORDS):
        return text
    return "`" + text.replace("\\", "\\\\").replace("`", "\\`") + "`"


def constant(value: Any) -> str:
    if value is None:
        return "NULL"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list | tuple):
        return "(" + ", ".join(constant(v) for v in value) + ")"
    if hasattr(value, "isoformat"):
        return f"toDateTime('{value.isoformat()}')"
    return str(value)


def _join(items: Any) -> str:
    return ", ".join(to_hogql(i) for i in items)


def to_hogql(node: Any) -> str:
    match node:
        case ast.Constant():
            return constant(node.value)
        case ast.Field():
            return ".".join("*" if p == "*" else identifier(p) for p in node.chain)
        case ast.Placeholder():
            return "{" + ".".join(map(str, node.chain)) + "}"
        case ast.Alias():
            return f"{to_hogql(node.expr)} AS {identifier(node.alias)}"
        case ast.CompareOperation():
            return f"{to_hogql(node.left)} {OPS.get(node.op, node.op)} {to_hogql(node.right)}"
        case ast.ArithmeticOperation():
            return f"{_wrapped(node.left)} {node.op} {_wrapped(node.right)}"
        case ast.And():
            return " AND ".join(_wrapped(e) for e in node.exprs)
        case ast.Or():
            return " OR ".join(_wrapped(e) for e in node.exprs)
        case ast.Between():
            op = "NOT BETWEEN" if node.negated else "BETWEEN"
            return f"{to_hogql(node.expr)} {op} {to_hogql(node.low)} AND {to_hogql(node.high)}"
        case ast.Tuple():
            return f"tuple({_join(node.exprs)})"
        case ast.Array():
            return f"[{_join(node.exprs)}]"
        case ast.ArrayAccess():
            return f"{to_hogql(node.array)}[{to_hogql(node.property)}]"
        case ast.TupleAccess():
            return f"{to_hogql(node.tuple)}.{node.index}"
        case ast.Lambda():
            args = ", ".join(identifier(a) for a in node.args)
            return (
                f"({args}) -> {to_hogql(node.expr)}"
                if len(node.args) != 1
                else f"{args} -> {to_hogql(node.expr)}"
            )
        case ast.TypeCast():
            return f"{_wrapped(node.expr)}::{node.type_name}"
        case ast.Call():
            params = f"({_join(node.params)})" if node.params is not None else ""
            distinct = "DISTINCT " if node.distinct else ""
            return f"{node.name}{params}({distinct}{_join(node.args)})"
        case ast.WindowFunction():
            params = f"({_join(node.args)})" if node.args else ""
            over = (
                identifier(node.over_identifier) if node.over_identifier else f"({_window(node.over_expr)})"
            )
            return f"{node.name}{params}({_join(node.exprs)}) OVER {over}"
        case ast.OrderExpr():
            return f"{to_hogql(node.expr)} {node.order}"
        case ast.SelectQuery():
            return _select(node)
        case ast.SelectSetQuery():
            parts = [_set_part(node.initial)]
            parts += [f"{op} {_set_part(q)}" for op, q in node.subsequent]
            return " ".join(parts)
    return f"<{type(node).__name__}>"


def _wrapped(node: Any) -> str:
    text = to_hogql(node)
    return f"({text})" if isinstance(node, ast.And | ast.Or | ast.ArithmeticOperation) else text


def _set_part(node: Any) -> str:
    return f"({to_hogql(node)})" if isinstance(node, ast.SelectSetQuery) else to_hogql(node)


def _window(window: ast.WindowExpr | None) -> str:
    if window is None:
        return ""
    parts = []
    if window.partition_by:
        parts.append(f"PARTITION BY {_join(window.partition_by)}")
    if window.order_by:
        parts.append(f"ORDER BY {_join(window.order_by)}")
    if window.frame_method:

        def frame(f: ast.WindowFrame | None) -> str:
            if f is None or f.frame_type == "CURRENT ROW":
                return "CURRENT ROW"
            return f"{'UNBOUNDED' if f.frame_value is None else f.frame_value} {f.frame_type}"

        if window.frame_end is not None:
            parts.append(
                f"{window.frame_method} BETWEEN {frame(window.frame_start)} AND {frame(window.frame_end)}"
            )
        else:
            parts.append(f"{window.frame_method} {frame(window.frame_start)}")
    return " ".join(parts)


def _join_expr(join: ast.JoinExpr | None, first: bool = True) -> str:
    if join is None:
        return ""
    table = to_hogql(join.table)
    if isinstance(join.table, ast.SelectQuery | ast.SelectSetQuery):
        table = f"({table})"
    if join.table_args is not None:
        table += f"({_join(join.table_args)})"
    text = table + (f" AS {identifier(join.alias)}" if join.alias else "")
    if not first:
        text = f"{join.join_type or 'JOIN'} {text}"
        if join.constraint is not None:
            text += f" {join.constraint.constraint_type} {to_hogql(join.constraint.expr)}"
    if join.next_join is not None:
        text += " " + _join_expr(join.next_join, first=False)
    return text


def _select(node: ast.SelectQuery) -> str:
    parts = []
    if node.ctes:
        parts.append("WITH " + ", ".join(f"{identifier(c.name)} AS ({to_hogql(c.expr)})" for c in node.ctes))
    parts.append(("SELECT DISTINCT " if node.distinct else "SELECT ") + _join(node.select))
    if node.select_from is not None:
        parts.append("FROM " + _join_expr(node.select_from))
    if node.array_join_list:
        parts.append(f"{node.array_join_op or 'ARRAY JOIN'} {_join(node.array_join_list)}")
    if node.prewhere is not None:
        parts.append(f"PREWHERE {to_hogql(node.prewhere)}")
    if node.where is not None:
        parts.append(f"WHERE {to_hogql(node.where)}")
    if node.group_by:
        parts.append(f"GROUP BY {_join(node.group_by)}")
    if node.having is not None:
        parts.append(f"HAVING {to_hogql(node.having)}")
    if node.window_exprs:
        parts.append(
            "WINDOW " + ", ".join(f"{identifier(n)} AS ({_window(w)})" for n, w in node.window_exprs)
        )
    if node.order_by:
        parts.append(f"ORDER BY {_join(node.order_by)}")
    if node.limit_by is not None:
        offset = f" OFFSET {to_hogql(node.limit_by.offset)}" if node.limit_by.offset is not None else ""
        parts.append(f"LIMIT {to_hogql(node.limit_by.n)}{offset} BY {_join(node.limit_by.exprs)}")
    if node.limit is not None:
        parts.append(f"LIMIT {to_hogql(node.limit)}")
    if node.offset is not None:
        parts.append(f"OFFSET {to_hogql(node.offset)}")
    return " ".join(parts)
