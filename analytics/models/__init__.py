from analytics.models.action import Action
from analytics.models.tenancy import Organization, OrganizationMembership, Project, Team
from analytics.models.user import User

__all__ = ["Action", "Organization", "OrganizationMembership", "Project", "Team", "User"]
