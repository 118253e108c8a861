"""Name resolution: which FROM item, select alias, CTE or lambda argument a name means."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from query_engine.hogql import ast
from query_engine.hogql.errors import HogQLError
from query_engine.hogql.tables import FieldDef, TableDef


@dataclass
class Source:
    """One FROM/JOIN item: a table (printed later as a guarded subquery) or a subquery."""

    alias: str
    table: TableDef | None = None
    columns: list[str] = field(default_factory=list)  # a subquery's output names
    json: set[str] = field(default_factory=set)  # which of them are JSON documents
    sql: str = ""  # a subquery's printed SQL
    needed: dict[str, str] = field(default_factory=dict)  # inner SQL → output column name
    keys: dict[str, str] = field(default_factory=dict)  # field path → output column name
    joins: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)  # extra inner WHERE parts ({filters} …)
    # Fields print straight onto the caller's ``FROM events`` (insight expressions),
    # which offers these lazy joins.
    inline: bool = False
    inline_joins: tuple[str, ...] = ()

    def has(self, name: str) -> bool:
        return name in self.table.fields if self.table is not None else name in self.columns

    def need(self, key: str, name: str, build: Callable[[], str], joins: tuple[str, ...] = ()) -> str:
        """The output column of this table's subquery for ``key`` (``build`` makes its SQL once)."""
        for join in joins:
            if join not in self.joins:
                self.joins.append(join)
        if key not in self.keys:
            sql = build()
            if sql in self.needed:  # another field with the same SQL: one column serves both
                self.keys[key] = self.needed[sql]
                return self.keys[key]
            taken = set(self.needed.values())
            candidate = name
            while candidate in taken:
                candidate = f"{name}_{len(taken)}"
            self.keys[key] = candidate
            self.needed[sql] = candidate
        return self.keys[key]


@dataclass
class Scope:
    sources: list[Source] = field(default_factory=list)
    aliases: dict[str, ast.Expr] = field(default_factory=dict)
    ctes: dict[str, ast.Expr] = field(default_factory=dict)
    lambda_args: set[str] = field(default_factory=set)
    resolving: set[str] = field(default_factory=set)  # aliases whose own expression is being printed

    def child(self) -> Scope:
        """A subquery's scope: CTEs stay visible, nothing else does."""
        return Scope(ctes=dict(self.ctes))

    def source(self, alias: str) -> Source | None:
        return next((s for s in self.sources if s.alias == alias), None)

    def owner(self, name: str, node: ast.Node) -> Source | None:
        found = [s for s in self.sources if s.has(name)]
        if len(found) > 1:
            raise HogQLError(f"Ambiguous query. Found multiple sources for field: {name}").at(node)
        return found[0] if found else None


def walk_fields(tree: Any, chain: tuple[str | int, ...], node: ast.Node) -> tuple[FieldDef, list[str]]:
    """Follow ``chain`` through a table's field tree: the field and the JSON keys after it."""
    current = tree
    for index, part in enumerate(chain):
        if isinstance(current, FieldDef):
            if current.json:
                return current, [str(p) for p in chain[index:]]
            raise HogQLError(f"Field not found: {'.'.join(map(str, chain[: index + 1]))}").at(node)
        if not isinstance(current, dict) or str(part) not in current:
            raise HogQLError(f"Unable to resolve field: {'.'.join(map(str, chain[: index + 1]))}").at(node)
        current = current[str(part)]
    if isinstance(current, dict):
        name = ".".join(map(str, chain))
        raise HogQLError(f"Can't select a table when a column is expected: {name}").at(node)
    return current, []
