"""``create_project``: a user, organization, project and a ``*``-scoped key, as JSON.

Scripts and tests rely on the printed contract:
``{"organization_id", "project_id", "api_token", "personal_api_key"}``.
"""

import json

from django.core.management.base import BaseCommand

from analytics.services.tenancy import create_project_with_owner


class Command(BaseCommand):
    help = "Create a project with an owner and a personal API key."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--email", default="owner@example.com")
        parser.add_argument("--json", action="store_true", help="print only the JSON contract")

    def handle(self, *args, name: str, email: str, **options) -> None:
        created = create_project_with_owner(name=name, email=email)
        payload = {
            "organization_id": str(created.team.organization_id),
            "project_id": created.team.id,
            "api_token": created.team.api_token,
            "personal_api_key": created.personal_api_key,
        }
        if options["json"]:
            self.stdout.write(json.dumps(payload))
        else:
            for key, value in payload.items():
                self.stdout.write(f"{key}: {value}")
