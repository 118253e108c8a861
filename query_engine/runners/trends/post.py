"""Pure post-processing of trends series: breakdown limits, cumulative,
smoothing and formulas (engine.md §2.4–2.8). No I/O.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any, cast

from query_engine.errors import QueryError
from query_engine.model import BREAKDOWN_NULL, BREAKDOWN_OTHER


def _rank_key(item: tuple[Any, float]) -> tuple[float, Any]:
    value, total = item
    return (-total, value)


def limit_breakdowns(
    values: dict[Any, list[float]], *, limit: int, hide_other: bool, other: Any = BREAKDOWN_OTHER
) -> tuple[list[tuple[Any, list[float]]], bool]:
    """Top ``limit`` values by total (ties by value), the rest merged into 'other'.

    Returns the ordered (value, data) list — regular values, then null, then
    other — and whether anything was merged (the "capped" flag).
    """
    totals = sorted(((v, sum(d)) for v, d in values.items()), key=_rank_key)
    kept = [v for v, _ in totals[:limit]]
    rest = [v for v, _ in totals[limit:]]
    ordered = [v for v in kept if v != BREAKDOWN_NULL]
    if BREAKDOWN_NULL in kept and any(values[BREAKDOWN_NULL]):
        ordered.append(BREAKDOWN_NULL)
    result = [(v, values[v]) for v in ordered]
    if rest and not hide_other:
        width = len(next(iter(values.values())))
        merged = [sum(values[v][i] for v in rest) for i in range(width)]
        result.append((other, merged))
    return result, bool(rest)


def cumulative(data: list[float]) -> list[float]:
    total: float = 0
    out: list[float] = []
    for value in data:
        total += value
        out.append(total)
    return out


def smooth(data: list[float], intervals: int) -> list[float]:
    """floor(mean of the last ``intervals`` values incl. this one), no look-back."""
    out: list[float] = []
    for i in range(len(data)):
        window = data[max(0, i - intervals + 1) : i + 1]
        out.append(math.floor(sum(window) / len(window)))
    return out


def _div(a: float, b: float) -> float:
    return 0.0 if b == 0 else a / b


def _mod(a: float, b: float) -> float:
    return 0.0 if b == 0 else math.fmod(a, b)


BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: _div,
    ast.Mod: _mod,
    ast.Pow: operator.pow,
}
UNARY: dict[type, Callable[[float], float]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}


def parse_formula(formula: str, series_count: int, attr: str = "trendsFilter__formula") -> ast.expr:
    """Parse and check a formula: letters A.. for existing series, arithmetic only."""
    try:
        tree = ast.parse(formula.upper(), mode="eval").body
    except SyntaxError:
        raise QueryError(f"Formula {formula!r} is not valid.", attr=attr) from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if len(node.id) != 1 or not ("A" <= node.id <= "Z") or ord(node.id) - 65 >= series_count:
                raise QueryError(f"Formula {formula!r} names an unknown series {node.id!r}.", attr=attr)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise QueryError(f"Formula {formula!r} has a non-numeric constant.", attr=attr)
        elif not isinstance(node, ast.BinOp | ast.UnaryOp | ast.Load | ast.operator | ast.unaryop):
            raise QueryError(f"Formula {formula!r} uses unsupported syntax.", attr=attr)
        elif isinstance(node, ast.operator) and type(node) not in BINARY:
            raise QueryError(f"Formula {formula!r} uses an unsupported operator.", attr=attr)
    return tree


def evaluate(tree: ast.expr, columns: dict[str, list[float]], width: int) -> list[float | None]:
    """Element-wise evaluation; division and modulo by zero give 0, and a result that is not
    a finite number (``A * 1e308 * 10``) is null, as JSON cannot carry infinity."""

    def ev(node: ast.expr, i: int) -> float:
        if isinstance(node, ast.Constant):
            return float(cast(float, node.value))  # parse_formula allows numbers only
        if isinstance(node, ast.Name):
            return float(columns[node.id][i])
        if isinstance(node, ast.UnaryOp):
            return UNARY[type(node.op)](ev(node.operand, i))
        assert isinstance(node, ast.BinOp)
        try:
            result = BINARY[type(node.op)](ev(node.left, i), ev(node.right, i))
        except (OverflowError, ZeroDivisionError):
            return 0.0
        return float(result.real) if isinstance(result, complex) else float(result)

    return [value if math.isfinite(value) else None for value in (ev(tree, i) for i in range(width))]


def letters(count: int) -> list[str]:
    return [chr(65 + i) for i in range(count)]


def breakdown_sort_key(entry: dict[str, Any]) -> tuple[int, float, float]:
    value = entry.get("breakdown_value")
    if isinstance(value, list):  # multi-breakdown: ranked on its first part
        value = value[0] if value else None
    rank = 2 if value == BREAKDOWN_OTHER else 1 if value == BREAKDOWN_NULL else 0
    total = (
        entry.get("aggregated_value")
        if "aggregated_value" in entry
        else sum(x for x in entry.get("data") or [] if x is not None)
    )
    return (rank, -(total or 0), -(entry.get("count") or 0))
