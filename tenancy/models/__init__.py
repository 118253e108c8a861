from tenancy.models.organizations import Organization, OrganizationMembership, Project, Team
from tenancy.models.user import User

__all__ = ["Organization", "OrganizationMembership", "Project", "Team", "User"]
