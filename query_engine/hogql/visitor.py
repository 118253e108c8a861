"""Generic walks over the HogQL AST."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass
from typing import Any

from query_engine.hogql import ast


def children(node: Any) -> Iterator[ast.Node]:
    for f in fields(node):
        value = getattr(node, f.name)
        yield from _nodes(value)


def _nodes(value: Any) -> Iterator[ast.Node]:
    if isinstance(value, ast.Node):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _nodes(item)


def walk(node: ast.Node) -> Iterator[ast.Node]:
    yield node
    if is_dataclass(node):
        for child in children(node):
            yield from walk(child)


def contains(node: ast.Node, predicate: Callable[[ast.Node], bool]) -> bool:
    """Does ``node`` or any node below it (not inside subqueries) match?"""
    if predicate(node):
        return True
    if isinstance(node, ast.SelectQuery | ast.SelectSetQuery):
        return False
    return any(contains(child, predicate) for child in children(node))
