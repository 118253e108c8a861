"""A real runner for tests of the cache and async machinery (registered by fixtures only).

``{"kind": "CountTestQuery", "n": 30, "sleep": 0.0}`` runs
``SELECT count(), sum(number) FROM numbers(n)`` on ClickHouse, optionally
sleeping per row (10-row blocks, so progress arrives block by block).
``"fail": "user" | "internal" | "clickhouse"`` makes it fail in those ways.
"""

from __future__ import annotations

import threading
from typing import Any

from insights_api.errors import QueryError
from query_engine.backends import get_backend
from query_engine.runners.base import Staleness

SQL = (
    "SELECT count() AS c, sum(number) AS s FROM numbers({n:UInt64}) "
    "WHERE NOT ignore(sleepEachRow({pause:Float64}))"
)


class CountRunner:
    kind = "CountTestQuery"
    timeout_key = "default"
    staleness = Staleness.QUERY
    legacy_insight = None
    insight_node = False
    calls = 0
    _lock = threading.Lock()

    def __init__(self, *, team: Any, query: dict[str, Any], user_id: int | None = None) -> None:
        self.team, self.query = team, query

    def calculate(self) -> dict[str, Any]:
        with CountRunner._lock:
            CountRunner.calls += 1
        failure = self.query.get("fail")
        if failure == "user":
            raise QueryError("The test runner refuses this query.", attr="query")
        if failure == "internal":
            raise ZeroDivisionError("an internal bug")
        backend = get_backend()
        if failure == "clickhouse":
            backend.execute("SELECT throwIf(number = 0, 'test failure from ClickHouse') FROM numbers(1)")
        result = backend.execute(
            SQL,
            {"n": int(self.query.get("n", 10)), "pause": float(self.query.get("sleep", 0))},
            settings={"max_block_size": 10, "max_threads": 1},
        )
        count, total = result.rows[0]
        return {"results": [{"count": count, "sum": total}], "columns": ["count", "sum"]}
