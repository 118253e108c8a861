"""Routers shared by the URL configuration: trailing slashes are optional."""

from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    def __init__(self) -> None:
        super().__init__()
        # SimpleRouter turns any truthy trailing_slash into "/", so set the pattern after.
        self.trailing_slash = "/?"


# Routes under /api/projects/:team_id/ and /api/environments/:team_id/.
team_router = OptionalSlashRouter()
# Routes directly under /api/.
root_router = OptionalSlashRouter()
