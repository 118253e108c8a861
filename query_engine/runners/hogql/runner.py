"""``HogQLQuery``: a HogQL SELECT run for the caller's project."""

from __future__ import annotations

import time
from typing import Any

from query_engine.hogql.compile import compile_select
from query_engine.hogql.errors import HogQLError
from query_engine.hogql.execute import run_hogql
from query_engine.runners.base import Staleness
from query_engine.team import TeamContext

# Node fields that only label the request.
IGNORED = {"kind", "name", "tags", "response", "version"}
HANDLED = {"query", "values", "filters", "variables", "modifiers", "explain"}


def check_fields(query: dict[str, Any], handled: set[str]) -> None:
    unknown = sorted(set(query) - handled - IGNORED)
    if unknown:
        raise HogQLError(f"Unsupported field {unknown[0]!r} for {query.get('kind')}.", attr=unknown[0])
    for name in ("variables", "modifiers"):
        if query.get(name):
            raise HogQLError(f"{name} are not supported yet.", attr=name)
    if query.get("explain"):
        raise HogQLError("explain is not supported.", attr="explain")


class Timings:
    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.entries: list[dict[str, Any]] = []
        self._last = self.started

    def mark(self, key: str) -> None:
        moment = time.perf_counter()
        self.entries.append({"k": key, "t": round(moment - self._last, 6)})
        self._last = moment

    def done(self) -> list[dict[str, Any]]:
        return [*self.entries, {"k": ".", "t": round(time.perf_counter() - self.started, 6)}]


def whole_number(value: Any, name: str, default: int) -> int:
    """A ``limit``/``offset``-like field: a non-negative integer, ``default`` when absent."""
    if value is None:
        return default
    if type(value) is not int or value < 0:
        raise HogQLError(f"{name} must be a whole number.", attr=name)
    return value


def paged_rows(rows: list[Any], limit: int | None) -> tuple[list[Any], bool]:
    if limit is None:
        return rows, False
    return rows[:limit], len(rows) > limit


class HogQLQueryRunner:
    kind = "HogQLQuery"
    timeout_key = "default"
    staleness = Staleness.QUERY
    legacy_insight: str | None = None
    insight_node = False

    def __init__(self, *, team: TeamContext, query: dict[str, Any], user_id: int | None = None) -> None:
        check_fields(query, HANDLED)
        text = query.get("query")
        if not isinstance(text, str) or not text.strip():
            raise HogQLError("query must be a HogQL SELECT string.", attr="query")
        values = query.get("values") or {}
        if not isinstance(values, dict):
            raise HogQLError("values must be an object.", attr="values")
        self.team = team.started()
        self.text = text
        self.values = values
        self.filters = query.get("filters")
        # Compiled now so an invalid query is refused before any job is queued.
        self.timings = Timings()
        self.compiled = compile_select(self.text, self.team, values=self.values, filters=self.filters)
        self.timings.mark("./compile")

    def calculate(self) -> dict[str, Any]:
        timings, compiled = self.timings, self.compiled
        result = run_hogql(compiled.sql, compiled.params, timeout_key=self.timeout_key)
        timings.mark("./execute")
        paging = compiled.paging
        rows, has_more = paged_rows(result.rows, paging.limit if paging else None)
        response: dict[str, Any] = {
            "results": rows,
            "columns": compiled.columns,
            "types": [[name, type_] for name, type_ in zip(compiled.columns, result.types, strict=False)],
            "hogql": compiled.hogql,
            "clickhouse": None,
            "error": None,
            "explain": None,
            "metadata": None,
            "modifiers": {},
            "query": self.text,
        }
        if paging is not None:
            response.update({"hasMore": has_more, "limit": paging.limit, "offset": paging.offset})
        response["timings"] = timings.done()
        return response
