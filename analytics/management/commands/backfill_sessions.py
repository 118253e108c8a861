"""Fill the ``sessions`` table from events stored before it existed (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from analytics.ingestion.writer import get_writer
from query_engine.backends import get_backend
from query_engine.schema.migrations import sessions_backfill_sql


class Command(BaseCommand):
    help = (
        "Write session rows for stored events, one month at a time; safe to run again "
        "(every session column merges to the same value)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--team-id", type=int, default=None, help="only this project's events")

    def handle(self, *args, **options) -> None:
        team_id = options["team_id"]
        get_writer().flush()  # journaled events (chDB) are in the events table first
        backend = get_backend()
        params: dict[str, int] = {} if team_id is None else {"team_id": team_id}
        team = "" if team_id is None else " AND team_id = {team_id:Int64}"
        months = backend.execute(
            "SELECT DISTINCT toYYYYMM(timestamp) AS month FROM events"
            f" WHERE `$session_id` != ''{team} ORDER BY month",
            params,
        ).rows
        statement = sessions_backfill_sql(with_team=team_id is not None)
        for (month,) in months:
            backend.command(statement, {**params, "month": int(month)})
            self.stdout.write(f"sessions written for {month}")
        self.stdout.write(self.style.SUCCESS(f"sessions backfilled for {len(months)} month(s)"))
