from analytics.models.access import ACCESS_LEVELS_ORDER, DEFAULT_ACCESS_LEVEL, AccessControl
from analytics.models.action import Action
from analytics.models.activity import ActivityLog
from analytics.models.annotations import Annotation
from analytics.models.cohorts import Cohort
from analytics.models.dashboards import Dashboard, DashboardPrivilege, DashboardTile, RestrictionLevel
from analytics.models.exports import ExportedAsset
from analytics.models.insights import Insight, InsightViewed, Tag
from analytics.models.sharing import SharingConfiguration

__all__ = [
    "ACCESS_LEVELS_ORDER",
    "DEFAULT_ACCESS_LEVEL",
    "AccessControl",
    "Action",
    "ActivityLog",
    "Annotation",
    "Cohort",
    "Dashboard",
    "DashboardPrivilege",
    "DashboardTile",
    "ExportedAsset",
    "Insight",
    "InsightViewed",
    "RestrictionLevel",
    "SharingConfiguration",
    "Tag",
]
