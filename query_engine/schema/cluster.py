"""The migrations' DDL for a ClickHouse cluster (``migrate_clickhouse --cluster NAME``).

Each table becomes ``sharded_<table>``, a ``Replicated…MergeTree`` created ``ON CLUSTER``
(replicas of a shard share ``/clickhouse/tables/{shard}/<db>.<table>``), and ``<table>``
itself becomes a ``Distributed`` table over it, so the product's SQL is unchanged: it reads
and writes ``events``, ``person``… and the cluster spreads the rows. Events are sharded by
distinct id (one user's events on one shard), the other tables by project.
``schema_migrations`` is a plain table on every node: ``migrate_clickhouse`` records and
reads versions on the node it talks to.
"""

from __future__ import annotations

import re

from query_engine.schema.migrations import MIGRATIONS, MIGRATIONS_TABLE, Migration

SHARDING_KEYS = {
    "events": "cityHash64(distinct_id)",
    "person": "team_id",
    "person_distinct_id2": "team_id",
    "person_distinct_id_overrides": "team_id",
    "event_uuids": "team_id",
    "group_type_mapping": "team_id",
    "groups": "team_id",
    "group_type_names": "team_id",
    "cohortpeople": "team_id",
    # A session's partial rows may sit on several shards (its events are sharded by distinct
    # id); readers GROUP BY session_id through the Distributed table, which merges them.
    "sessions": "cityHash64(session_id)",
    "property_usage": "cityHash64(key)",
    "property_column_rules": "cityHash64(key)",
}
# Queries on a Distributed table that join or IN another one: each shard gets the other
# side whole (GLOBAL), instead of ClickHouse refusing the double-distributed subquery;
# an insert into a Distributed table returns once the shards have the rows, so a batch is
# readable when its request is answered, as on a single server.
CLUSTER_QUERY_SETTINGS = {
    "distributed_product_mode": "global",
    "distributed_foreground_insert": 1,
}

_CREATE_TABLE = re.compile(r"\A\s*CREATE TABLE IF NOT EXISTS (\w+) \(")
_ENGINE = re.compile(r"ENGINE = (\w*MergeTree)(?:\(([^()]*)\))?")
_CREATE_VIEW = re.compile(
    r"\A\s*CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+)\s+AS SELECT (.*?)\s+FROM (\w+)"
    r"((?:\s+WHERE\s.*?)?(?:\s+GROUP BY\s.*?)?)\s*\Z",
    re.S,
)
_DROP_VIEW = re.compile(r"\A\s*DROP VIEW IF EXISTS (\w+)\s*\Z")
# Data-skipping indexes live on the shards' tables only (columns would need both tables).
_ALTER_INDEX = re.compile(r"\A\s*ALTER TABLE (\w+) ((?:ADD|MATERIALIZE) INDEX .*?)\s*\Z", re.S)


class UnsupportedStatement(ValueError):
    """A migration statement this module does not know how to place on a cluster."""


def quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def cluster_migrations_table(cluster: str) -> str:
    return MIGRATIONS_TABLE.replace(
        "CREATE TABLE IF NOT EXISTS schema_migrations (",
        f"CREATE TABLE IF NOT EXISTS schema_migrations ON CLUSTER {quote(cluster)} (",
    )


def cluster_statements(statement: str, cluster: str, database: str) -> list[str]:
    """One migration statement, as the statements that do its job on ``cluster``."""
    on_cluster = f"ON CLUSTER {quote(cluster)}"
    if match := _CREATE_TABLE.match(statement):
        table = match.group(1)
        if table not in SHARDING_KEYS:
            raise UnsupportedStatement(f"no sharding key for table {table!r}")
        engine = _ENGINE.search(statement)
        if engine is None:
            raise UnsupportedStatement(f"{table!r} is not a MergeTree table")
        args = [quote(f"/clickhouse/tables/{{shard}}/{database}.{table}"), quote("{replica}")]
        if engine.group(2):
            args.append(engine.group(2))
        local = (
            statement[: engine.start()]
            .replace(
                f"CREATE TABLE IF NOT EXISTS {table} (",
                f"CREATE TABLE IF NOT EXISTS sharded_{table} {on_cluster} (",
            )
            .strip()
        )
        local += (
            f" ENGINE = Replicated{engine.group(1)}({', '.join(args)})" + statement[engine.end() :].rstrip()
        )
        target = ", ".join([quote(cluster), quote(database), quote(f"sharded_{table}"), SHARDING_KEYS[table]])
        distributed = f"CREATE TABLE IF NOT EXISTS {table} {on_cluster} AS sharded_{table}\n"
        distributed += f"ENGINE = Distributed({target})"
        return [local, distributed]
    if match := _CREATE_VIEW.match(statement):
        view, target, columns, source, tail = match.groups()
        # The view runs on each node, over the rows its local shard receives.
        return [
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS {view} {on_cluster} TO sharded_{target}\n"
            f"AS SELECT {columns.strip()} FROM sharded_{source}{tail.rstrip()}"
        ]
    if match := _DROP_VIEW.match(statement):
        return [f"DROP VIEW IF EXISTS {match.group(1)} {on_cluster}"]
    if (match := _ALTER_INDEX.match(statement)) and match.group(1) in SHARDING_KEYS:
        return [f"ALTER TABLE sharded_{match.group(1)} {on_cluster} {match.group(2)}"]
    raise UnsupportedStatement(f"cannot place on a cluster: {statement.strip()[:80]}")


def cluster_migrations(cluster: str, database: str) -> tuple[Migration, ...]:
    return tuple(
        Migration(
            migration.version,
            migration.name,
            tuple(
                out
                for statement in migration.statements
                for out in cluster_statements(statement, cluster, database)
            ),
        )
        for migration in MIGRATIONS
    )


def cluster_ddl(cluster: str, database: str) -> str:
    """Every statement, in order, as ``migrate_clickhouse --cluster NAME --print`` shows it."""
    parts = [f"-- migrations table\n{cluster_migrations_table(cluster).strip()};"]
    for migration in cluster_migrations(cluster, database):
        body = "\n\n".join(statement.strip() + ";" for statement in migration.statements)
        parts.append(f"-- {migration.version:04d}_{migration.name}\n{body}")
    return "\n\n".join(parts) + "\n"
