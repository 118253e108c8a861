"""``create_personal_api_key``: mint a key for an existing user (the plaintext is printed once)."""

from django.core.management.base import BaseCommand, CommandError

from access_control.services import create_personal_api_key
from tenancy.models import User


class Command(BaseCommand):
    help = "Create a personal API key for a user and print it once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--label", default="cli")
        parser.add_argument("--scopes", default="*", help="comma-separated, e.g. insight:read,query:read")
        parser.add_argument("--team", type=int, action="append", default=[], help="limit the key to a team")

    def handle(self, *args, email: str, label: str, scopes: str, team: list[int], **options) -> None:
        user = User.objects.filter(email=email).first()
        if user is None:
            raise CommandError(f"No user with email {email}")
        _, value = create_personal_api_key(
            user=user,
            label=label,
            scopes=[s.strip() for s in scopes.split(",") if s.strip()],
            scoped_teams=team,
        )
        self.stdout.write(value)
