from django.core.management.base import BaseCommand

from query_engine.backends import get_backend
from query_engine.schema.apply import apply_migrations


class Command(BaseCommand):
    help = "Create or upgrade the ClickHouse tables (idempotent)."

    def handle(self, *args, **options) -> None:
        backend = get_backend()
        applied = apply_migrations(backend)
        for migration in applied:
            self.stdout.write(f"applied {migration.version:04d}_{migration.name}")
        self.stdout.write(self.style.SUCCESS(f"ClickHouse schema up to date on {backend.name}"))
