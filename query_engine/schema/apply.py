"""Apply pending ClickHouse migrations."""

from __future__ import annotations

from query_engine.backends import Backend
from query_engine.schema.migrations import MIGRATIONS, MIGRATIONS_TABLE, Migration


def applied_versions(backend: Backend, migrations_table: str = MIGRATIONS_TABLE) -> set[int]:
    backend.command(migrations_table)
    result = backend.execute("SELECT DISTINCT version FROM schema_migrations")
    return {int(row[0]) for row in result.rows}


def apply_migrations(
    backend: Backend, migrations: tuple[Migration, ...] = MIGRATIONS, migrations_table: str = MIGRATIONS_TABLE
) -> list[Migration]:
    done = applied_versions(backend, migrations_table)
    applied = []
    for migration in migrations:
        if migration.version in done:
            continue
        for statement in migration.statements:
            backend.command(statement)
        backend.command(
            "INSERT INTO schema_migrations (version, name) VALUES ({version:UInt32}, {name:String})",
            {"version": migration.version, "name": migration.name},
        )
        applied.append(migration)
    return applied
