"""Fold person overrides into events now (``analytics.ingestion.override_squash``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from analytics.ingestion import override_squash
from analytics.ingestion.writer import get_writer


class Command(BaseCommand):
    help = "Fold person overrides into events.person_id (all projects, or --team)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--team", type=int, help="only this project")

    def handle(self, *args: Any, team: int | None = None, **options: Any) -> None:
        writer = get_writer()
        teams = [team] if team is not None else override_squash.teams_with_overrides(writer.backend)
        for team_id in teams:
            before = override_squash.live_count(writer.backend, team_id)
            folded = override_squash.squash(writer, team_id)
            self.stdout.write(f"project {team_id}: {folded} of {before} overridden distinct ids folded in")
