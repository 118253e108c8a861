from analytics.models.tenancy import Organization, OrganizationMembership, Project, Team
from analytics.models.user import User

__all__ = ["Organization", "OrganizationMembership", "Project", "Team", "User"]
