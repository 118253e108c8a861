"""Choosing which properties get a column, and making it so.

``plan`` is the decision, pure: keys read at least ``PROPERTY_COLUMNS_MIN_USES`` times in
the last ``PROPERTY_COLUMNS_WINDOW_DAYS`` days get a column, most used first, up to
``PROPERTY_COLUMNS_MAX``; a rule set by the ``property_columns`` command overrides usage
(``always``: a column whatever the usage; ``never``: no column). A column leaves in two
steps: retired first (readers stop naming it within the catalog TTL), dropped once it has
been retired for longer than any reader could still hold it (``drop_grace``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings

from query_engine.materialized import catalog
from query_engine.materialized.columns import (
    PropertyColumn,
    UnsuitableKey,
    add_column,
    check_key,
    column_name,
    drop_column,
    fill_column,
    set_retired,
)

RULES_TABLE = "property_column_rules"
RULES = ("auto", "always", "never")

HOT_SQL = (
    "SELECT key, sum(uses) AS total FROM property_usage"
    " WHERE day >= today() - {days:UInt32} GROUP BY key HAVING total >= {min_uses:UInt64}"
    " ORDER BY total DESC, key LIMIT {limit:UInt64}"
)
USES_SQL = "SELECT key, sum(uses) FROM property_usage WHERE day >= today() - {days:UInt32} GROUP BY key"
RULES_SQL = f"SELECT key, argMax(rule, updated_at) FROM {RULES_TABLE} GROUP BY key"


@dataclass
class Plan:
    add: list[str] = field(default_factory=list)  # keys that get a new column
    revive: list[PropertyColumn] = field(default_factory=list)  # retired columns wanted again
    retire: list[PropertyColumn] = field(default_factory=list)
    drop: list[PropertyColumn] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.add or self.revive or self.retire or self.drop)


def drop_grace() -> float:
    """Longer than a reader can hold a catalog (TTL) plus its longest statement, twice over."""
    return 2 * (catalog.ttl() + settings.CLICKHOUSE_MAX_EXECUTION_TIME)


def plan(
    *,
    hot: Iterable[str],
    rules: Mapping[str, str],
    existing: Iterable[PropertyColumn],
    max_columns: int,
    now: float,
    grace: float,
) -> Plan:
    existing = list(existing)
    by_key = {c.key: c for c in existing}
    wanted = [key for key, rule in rules.items() if rule == "always"]
    wanted += [key for key in hot if rules.get(key, "auto") == "auto" and key not in wanted]
    result = Plan()
    kept = 0
    for key in wanted:
        try:
            check_key(key)
        except UnsuitableKey:
            continue
        column = by_key.get(key)
        if column is not None and column.active:
            kept += 1
            continue
        if kept >= max_columns and rules.get(key) != "always":
            continue
        kept += 1
        if column is None:
            result.add.append(key)
        else:
            result.revive.append(column)
    for column in existing:
        if column.active and rules.get(column.key) == "never":
            result.retire.append(column)
        elif column.retired_at is not None and now - column.retired_at > grace and column.key not in wanted:
            result.drop.append(column)
    return result


def statements(p: Plan, *, now: float, cluster: str | None) -> list[str]:
    out: list[str] = []
    for key in p.add:
        out += add_column(key, cluster) + fill_column(column_name(key), cluster)
    for column in p.revive:
        out += set_retired(column.key, column.column, None, cluster)
    for column in p.retire:
        out += set_retired(column.key, column.column, now, cluster)
    for column in p.drop:
        out += drop_column(column.column, cluster)
    return out


def current_rules() -> dict[str, str]:
    from query_engine.backends import get_backend

    return {str(k): str(r) for k, r in get_backend().execute(RULES_SQL).rows}


def usage(days: int) -> dict[str, int]:
    from query_engine.backends import get_backend

    return {str(k): int(n) for k, n in get_backend().execute(USES_SQL, {"days": days}).rows}


def set_rule(key: str, rule: str) -> None:
    from query_engine.backends import get_backend

    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}")
    get_backend().insert_json_rows(RULES_TABLE, [{"key": check_key(key), "rule": rule}])


def run(*, now: float | None = None) -> Plan:
    """Look at the usage log and the rules, and add, retire or drop columns to match."""
    from query_engine.backends import get_backend

    backend = get_backend()
    limit = settings.PROPERTY_COLUMNS_MAX
    params = {"days": settings.PROPERTY_COLUMNS_WINDOW_DAYS, "min_uses": settings.PROPERTY_COLUMNS_MIN_USES}
    hot = [str(row[0]) for row in backend.execute(HOT_SQL, {**params, "limit": limit}).rows]
    now = time.time() if now is None else now
    p = plan(
        hot=hot,
        rules=current_rules(),
        existing=catalog.load(),
        max_columns=limit,
        now=now,
        grace=drop_grace(),
    )
    for statement in statements(p, now=now, cluster=settings.CLICKHOUSE_CLUSTER or None):
        backend.command(statement)
    if p:
        catalog.refresh()  # this process uses the change at once; others within the TTL
    return p
