from django.conf import settings
from django.core.management.base import BaseCommand

from query_engine.backends import get_backend
from query_engine.backends.clickhouse_connect_backend import client_kwargs
from query_engine.schema.apply import apply_migrations
from query_engine.schema.cluster import cluster_ddl, cluster_migrations, cluster_migrations_table


class Command(BaseCommand):
    help = "Create or upgrade the ClickHouse tables (idempotent); --cluster for a ClickHouse cluster."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--cluster",
            default=settings.CLICKHOUSE_CLUSTER,
            help="create replicated tables ON CLUSTER with Distributed tables in front (CLICKHOUSE_CLUSTER)",
        )
        parser.add_argument(
            "--print", action="store_true", help="print the cluster DDL instead of running it"
        )

    def handle(self, *args, **options) -> None:
        cluster = options["cluster"]
        if options["print"]:
            if not cluster:
                self.stderr.write("--print shows the cluster DDL: give --cluster NAME")
                raise SystemExit(2)
            self.stdout.write(cluster_ddl(cluster, _database()), ending="")
            return
        backend = get_backend()
        if cluster:
            applied = apply_migrations(
                backend, cluster_migrations(cluster, _database()), cluster_migrations_table(cluster)
            )
        else:
            applied = apply_migrations(backend)
        for migration in applied:
            self.stdout.write(f"applied {migration.version:04d}_{migration.name}")
        where = f"cluster {cluster}" if cluster else backend.name
        self.stdout.write(self.style.SUCCESS(f"ClickHouse schema up to date on {where}"))


def _database() -> str:
    if settings.CLICKHOUSE_URL:
        return client_kwargs(settings.CLICKHOUSE_URL, settings.CLICKHOUSE_DATABASE)["database"]
    return settings.CLICKHOUSE_DATABASE
