"""``migrate_clickhouse --cluster NAME``: replicated tables ON CLUSTER behind Distributed ones."""

from __future__ import annotations

import os
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from query_engine.backends.clickhouse_connect_backend import ClickHouseConnectBackend
from query_engine.schema.cluster import SHARDING_KEYS, UnsupportedStatement, cluster_statements
from query_engine.schema.migrations import MIGRATIONS

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "snapshots" / "cluster_ddl.sql"


def printed(settings, *args: str) -> str:
    settings.CLICKHOUSE_URL = ""
    settings.CLICKHOUSE_DATABASE = "insights"
    out = StringIO()
    call_command("migrate_clickhouse", *args, stdout=out)
    return out.getvalue()


def statements_of(ddl: str) -> list[str]:
    lines = [line for line in ddl.splitlines() if not line.startswith("--")]
    # The last statement keeps its ";" (no newline follows it).
    return [part.strip().removesuffix(";") for part in "\n".join(lines).split(";\n") if part.strip()]


def test_print_matches_the_snapshot(settings):
    ddl = printed(settings, "--cluster", "insights_cluster", "--print")
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(ddl)
    assert ddl == SNAPSHOT.read_text()


def test_every_table_is_replicated_on_the_cluster_behind_a_distributed_table(settings):
    statements = statements_of(printed(settings, "--cluster", "c1", "--print"))
    created = {
        m.group(1)
        for s in statements
        if (m := re.match(r"CREATE TABLE IF NOT EXISTS (\w+) ON CLUSTER 'c1'", s))
    }
    assert created == {"schema_migrations"} | set(SHARDING_KEYS) | {f"sharded_{t}" for t in SHARDING_KEYS}
    for table, key in SHARDING_KEYS.items():
        local = next(s for s in statements if s.startswith(f"CREATE TABLE IF NOT EXISTS sharded_{table} "))
        assert (
            "ENGINE = Replicated" in local
            and f"'/clickhouse/tables/{{shard}}/insights.{table}', '{{replica}}'" in local
        )
        assert (
            f"CREATE TABLE IF NOT EXISTS {table} ON CLUSTER 'c1' AS sharded_{table}\nENGINE = Distributed('c1', 'insights', 'sharded_{table}', {key})"
            in statements
        )
    # The version column of a ReplacingMergeTree stays its version column once replicated.
    events = next(s for s in statements if s.startswith("CREATE TABLE IF NOT EXISTS sharded_events "))
    assert "'{replica}', created_at)" in events
    assert not any(s.startswith("CREATE TABLE") and "ON CLUSTER" not in s for s in statements)


def test_every_statement_is_valid_clickhouse_sql(settings, clickhouse_schema):
    """ClickHouse's own parser (formatQuery) reads each statement; it needs no cluster to parse."""
    for statement in statements_of(printed(settings, "--cluster", "insights_cluster", "--print")):
        result = clickhouse_schema.execute("SELECT formatQuery({s:String})", {"s": statement})
        assert "ON CLUSTER" in result.rows[0][0]


def test_a_statement_of_an_unknown_kind_is_refused_not_copied():
    with pytest.raises(UnsupportedStatement):
        cluster_statements("ALTER TABLE events ADD COLUMN x String", "c", "db")
    with pytest.raises(UnsupportedStatement):
        cluster_statements(
            "CREATE TABLE IF NOT EXISTS new_table (a UInt8) ENGINE = MergeTree ORDER BY a", "c", "db"
        )


def test_every_migration_has_a_cluster_form(settings):
    ddl = printed(settings, "--cluster", "c", "--print")
    for migration in MIGRATIONS:
        assert f"-- {migration.version:04d}_{migration.name}\n" in ddl


def test_print_needs_a_cluster(settings):
    settings.CLICKHOUSE_CLUSTER = ""
    with pytest.raises(SystemExit):
        printed(settings, "--print")


def test_the_readme_and_compose_describe_this_ddl():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### On a ClickHouse cluster") :]
    section = section[: section.index("\n## ")]
    assert (
        "migrate_clickhouse --cluster NAME\n--print" in section
        and "tests/snapshots/cluster_ddl.sql" in section
    )
    assert "`/clickhouse/tables/{shard}/<database>.<table>`" in section
    assert "`events` is sharded by\n`cityHash64(distinct_id)`" in section
    others = [table for table, key in SHARDING_KEYS.items() if key == "team_id"]
    assert all(f"`{table}`" in section for table in others) and "by `team_id`" in section
    assert (
        "`distributed_product_mode = 'global'`" in section
        and "`distributed_foreground_insert = 1`" in section
    )
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "CLICKHOUSE_CLUSTER: ${CLICKHOUSE_CLUSTER:-}" in compose  # read by migrate_clickhouse and the app
    assert "python manage.py migrate_clickhouse" in compose


def test_a_cluster_backend_sends_the_distributed_settings(clickhouse_double):
    backend = ClickHouseConnectBackend(clickhouse_double.url, "cluster_settings", cluster="c1")
    try:
        result = backend.execute(
            "SELECT getSetting('distributed_product_mode') AS mode, getSetting('distributed_foreground_insert') AS sync"
        )
        assert result.rows == [["global", 1]]
    finally:
        backend.close()
    plain = ClickHouseConnectBackend(clickhouse_double.url, "cluster_settings")
    try:
        assert plain.execute("SELECT getSetting('distributed_product_mode') AS mode").rows == [["deny"]]
    finally:
        plain.close()
