"""The HogQL syntax tree the compiler works on: frozen dataclasses, one per node kind.

``parse.py`` builds it from the parser's JSON; ``start``/``end`` are character
offsets into the query text (None for nodes the compiler made up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Node:
    start: int | None = field(default=None, compare=False)
    end: int | None = field(default=None, compare=False)


@dataclass(frozen=True, kw_only=True)
class Expr(Node):
    pass


@dataclass(frozen=True, kw_only=True)
class Constant(Expr):
    value: Any  # None, bool, int, float, str, or a datetime the compiler made


@dataclass(frozen=True, kw_only=True)
class Field(Expr):
    chain: tuple[str | int, ...]


@dataclass(frozen=True, kw_only=True)
class Placeholder(Expr):
    chain: tuple[str | int, ...]


@dataclass(frozen=True, kw_only=True)
class Alias(Expr):
    alias: str
    expr: Expr


@dataclass(frozen=True, kw_only=True)
class Call(Expr):
    name: str
    args: tuple[Expr, ...] = ()
    params: tuple[Expr, ...] | None = None
    distinct: bool = False


@dataclass(frozen=True, kw_only=True)
class CompareOperation(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, kw_only=True)
class ArithmeticOperation(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, kw_only=True)
class And(Expr):
    exprs: tuple[Expr, ...]


@dataclass(frozen=True, kw_only=True)
class Or(Expr):
    exprs: tuple[Expr, ...]


@dataclass(frozen=True, kw_only=True)
class Between(Expr):
    expr: Expr
    low: Expr
    high: Expr
    negated: bool = False


@dataclass(frozen=True, kw_only=True)
class Tuple(Expr):
    exprs: tuple[Expr, ...]


@dataclass(frozen=True, kw_only=True)
class Array(Expr):
    exprs: tuple[Expr, ...]


@dataclass(frozen=True, kw_only=True)
class ArrayAccess(Expr):
    array: Expr
    property: Expr


@dataclass(frozen=True, kw_only=True)
class TupleAccess(Expr):
    tuple: Expr
    index: int


@dataclass(frozen=True, kw_only=True)
class Lambda(Expr):
    args: tuple[str, ...]
    expr: Expr


@dataclass(frozen=True, kw_only=True)
class TypeCast(Expr):
    expr: Expr
    type_name: str


@dataclass(frozen=True, kw_only=True)
class WindowFrame(Node):
    frame_type: str  # PRECEDING, FOLLOWING, CURRENT ROW
    frame_value: int | None = None


@dataclass(frozen=True, kw_only=True)
class WindowExpr(Node):
    partition_by: tuple[Expr, ...] = ()
    order_by: tuple[OrderExpr, ...] = ()
    frame_method: str | None = None
    frame_start: WindowFrame | None = None
    frame_end: WindowFrame | None = None


@dataclass(frozen=True, kw_only=True)
class WindowFunction(Expr):
    name: str
    exprs: tuple[Expr, ...] = ()
    args: tuple[Expr, ...] = ()
    over_expr: WindowExpr | None = None
    over_identifier: str | None = None


@dataclass(frozen=True, kw_only=True)
class OrderExpr(Node):
    expr: Expr
    order: str = "ASC"


@dataclass(frozen=True, kw_only=True)
class JoinConstraint(Node):
    expr: Expr
    constraint_type: str  # ON or USING


@dataclass(frozen=True, kw_only=True)
class JoinExpr(Node):
    table: Expr  # Field (a table or CTE name), SelectQuery or SelectSetQuery
    alias: str | None = None
    join_type: str | None = None
    constraint: JoinConstraint | None = None
    next_join: JoinExpr | None = None
    table_args: tuple[Expr, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class LimitBy(Node):
    n: Expr
    exprs: tuple[Expr, ...]
    offset: Expr | None = None


@dataclass(frozen=True, kw_only=True)
class CTE(Node):
    name: str
    expr: Expr


@dataclass(frozen=True, kw_only=True)
class SelectQuery(Expr):
    select: tuple[Expr, ...]
    distinct: bool = False
    select_from: JoinExpr | None = None
    array_join_op: str | None = None
    array_join_list: tuple[Expr, ...] = ()
    where: Expr | None = None
    prewhere: Expr | None = None
    group_by: tuple[Expr, ...] = ()
    having: Expr | None = None
    window_exprs: tuple[tuple[str, WindowExpr], ...] = ()
    order_by: tuple[OrderExpr, ...] = ()
    limit_by: LimitBy | None = None
    limit: Expr | None = None
    offset: Expr | None = None
    limit_with_ties: bool = False
    ctes: tuple[CTE, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SelectSetQuery(Expr):
    initial: Expr  # SelectQuery or SelectSetQuery
    subsequent: tuple[tuple[str, Expr], ...]  # (set operator, query)
