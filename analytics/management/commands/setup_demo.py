"""Prepare an embedded or fresh installation: schema, demo project, demo events.

Idempotent: the demo project and key are created once and their credentials
kept in ``var/demo_credentials.json`` (embedded mode is a local, single-user
setup; production creates keys with ``create_project``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from analytics.services.demo import DEMO_EMAIL, create_demo_insights
from analytics.services.tenancy import create_project_with_owner
from query_engine.backends import embedded_store_held_elsewhere
from tenancy.models import Team, User


class Command(BaseCommand):
    help = "Migrate both databases and create a demo project with a key and demo events (once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--events", type=int, default=int(os.environ.get("DEMO_EVENTS", "50000")))
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--base-url", default=None, help="Default: SITE_URL")

    def handle(self, *args, events: int, days: int, base_url: str, **options) -> None:
        base_url = base_url or settings.SITE_URL
        held = embedded_store_held_elsewhere()
        if held is not None:
            raise CommandError(
                f"The embedded event store ({held}) is open in another process: is bin/serve already "
                "running? Stop it first (Ctrl-C), or use that server."
            )
        call_command("migrate", verbosity=0, interactive=False)
        call_command("migrate_clickhouse", stdout=self.stdout)
        credentials = self._demo_credentials()
        if not credentials.get("insights_created"):
            team = Team.objects.get(pk=credentials["project_id"])
            owner = User.objects.get(email=DEMO_EMAIL)
            created = create_demo_insights(team=team, user=owner)
            self.stdout.write(f"Created {len(created)} demo insights.")
            credentials["insights_created"] = True
            self._save(credentials)
        if events and not credentials.get("events_loaded"):
            call_command(
                "generate_demo_data", project=credentials["project_id"], events=events, days=days, seed=42
            )
            credentials["events_loaded"] = True
            self._save(credentials)
        self.stdout.write(self.style.SUCCESS("\nDemo project ready."))
        self.stdout.write(f"  project id:       {credentials['project_id']}")
        self.stdout.write(f"  project token:    {credentials['api_token']}")
        self.stdout.write(f"  personal API key: {credentials['personal_api_key']}")
        self.stdout.write("\nTry it once the server is listening:\n")
        self.stdout.write(
            f"  curl -H 'Authorization: Bearer {credentials['personal_api_key']}' "
            f"'{base_url.rstrip('/')}/api/projects/{credentials['project_id']}/insights/?refresh=blocking'\n"
        )
        self.stdout.write(
            "  (refresh=blocking computes results that are missing or stale, as in PostHog; without it\n"
            "  the list answers from the cache only, and an insight not computed yet has result null.)\n"
        )

    @property
    def _path(self) -> Path:
        return Path(settings.VAR_DIR) / "demo_credentials.json"

    def _demo_credentials(self) -> dict:
        if self._path.exists():
            credentials = json.loads(self._path.read_text())
            if Team.objects.filter(pk=credentials.get("project_id")).exists():
                return credentials
        created = create_project_with_owner(name="Demo project", email=DEMO_EMAIL)
        credentials = {
            "project_id": created.team.id,
            "api_token": created.team.api_token,
            "personal_api_key": created.personal_api_key,
        }
        self._save(credentials)
        return credentials

    def _save(self, credentials: dict) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._path.write_text(json.dumps(credentials, indent=2))
        self._path.chmod(0o600)
