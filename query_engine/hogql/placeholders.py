"""``{name}`` placeholders → constants from the request's ``values``.

Values become ``Constant`` nodes (bound parameters when printed), never text.
``{filters}`` is left in place: the printer moves it into the events subquery.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any

from query_engine.hogql import ast
from query_engine.hogql.errors import HogQLError

RESERVED = {"filters"}


def _constant(value: Any, node: ast.Placeholder) -> ast.Expr:
    if value is None or isinstance(value, bool | int | float | str):
        return ast.Constant(value=value, start=node.start, end=node.end)
    if isinstance(value, list):
        return ast.Tuple(exprs=tuple(_constant(v, node) for v in value), start=node.start, end=node.end)
    raise HogQLError(
        f"Placeholder {{{'.'.join(map(str, node.chain))}}} has a value of an unsupported type."
    ).at(node)


def replace_placeholders(node: Any, values: dict[str, Any]) -> Any:
    if isinstance(node, ast.Placeholder):
        name = ".".join(map(str, node.chain))
        if node.chain == ("filters",):
            if "filters" in values:
                raise HogQLError(
                    "Value 'filters' cannot be given both as a value and as the query's filters."
                )
            return node
        if name not in values:
            available = ", ".join(sorted(values)) or "none"
            raise HogQLError(f"Unresolved placeholder: {{{name}}} (values given: {available})").at(node)
        return _constant(values[name], node)
    if isinstance(node, tuple):
        return tuple(replace_placeholders(item, values) for item in node)
    if is_dataclass(node) and isinstance(node, ast.Node):
        changes = {}
        for f in fields(node):
            value = getattr(node, f.name)
            if isinstance(value, ast.Node | tuple):
                new = replace_placeholders(value, values)
                if new is not value:
                    changes[f.name] = new
        return replace(node, **changes) if changes else node
    return node
