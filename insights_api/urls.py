from django.urls import include, path, re_path
from django.views.decorators.clickjacking import xframe_options_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from access_control.viewsets import PersonalAPIKeyViewSet
from analytics.views import capture, persons, sdk
from analytics.views.actions import ActionViewSet
from analytics.views.annotations import AnnotationViewSet
from analytics.views.cohorts import CohortViewSet
from analytics.views.dashboards import DashboardViewSet
from analytics.views.definitions import EventDefinitionViewSet, PropertyDefinitionViewSet
from analytics.views.exports import ExportedAssetViewSet
from analytics.views.groups import GroupsTypesViewSet, GroupsViewSet
from analytics.views.health import health
from analytics.views.index import index
from analytics.views.insights import InsightViewSet
from analytics.views.legacy_compute import LegacyTrendView
from analytics.views.legacy_funnels import LegacyFunnelCorrelationView, LegacyFunnelView
from analytics.views.legacy_persons import (
    LegacyCorrelationPersonsView,
    LegacyFunnelPersonsView,
    LegacyLifecyclePersonsView,
    LegacyPathPersonsView,
    LegacyStickinessPersonsView,
    LegacyTrendPersonsView,
)
from analytics.views.legacy_retention_paths import LegacyPathsView, LegacyRetentionView
from analytics.views.legacy_retention_persons import LegacyRetentionPersonsView
from analytics.views.projects import CurrentUserViewSet, ProjectViewSet
from analytics.views.query import QueryView
from analytics.views.query_status import QueryStatusView
from analytics.views.shared import EmbeddedInsightView, SharedInsightView
from insights_api.errors import json_not_found
from insights_api.routers import root_router, team_router

root_router.register("projects", ProjectViewSet, basename="project")
root_router.register("environments", ProjectViewSet, basename="environment")
root_router.register("users", CurrentUserViewSet, basename="user")
root_router.register("personal_api_keys", PersonalAPIKeyViewSet, basename="personal_api_key")
team_router.register("insights", InsightViewSet, basename="insight")
# persons/ after team_urlpatterns: the legacy persons/trends/, persons/funnel/ … routes win.
team_router.register("persons", persons.PersonViewSet, basename="person")
team_router.register("event_definitions", EventDefinitionViewSet, basename="event_definition")
team_router.register("property_definitions", PropertyDefinitionViewSet, basename="property_definition")
team_router.register("exports", ExportedAssetViewSet, basename="exported_asset")
team_router.register("cohorts", CohortViewSet, basename="cohort")
team_router.register("dashboards", DashboardViewSet, basename="dashboard")
team_router.register("annotations", AnnotationViewSet, basename="annotation")
team_router.register("actions", ActionViewSet, basename="action")
team_router.register("groups_types", GroupsTypesViewSet, basename="groups_types")
team_router.register("groups", GroupsViewSet, basename="groups")

# Team routes matched before the router (fixed paths such as insights/trend/ would
# otherwise read as an insight id). Each area adds its lines under its comment.
team_urlpatterns: list = [
    # trends, stickiness, lifecycle (legacy compute) and the query endpoint
    re_path(
        r"^insights/trend(?:\.(?P<format>csv|json))?/?$", LegacyTrendView.as_view(), name="insight-trend"
    ),
    re_path(r"^query/?$", QueryView.as_view(), name="query"),
    # funnels and funnel correlation
    re_path(
        r"^insights/funnel/correlation(?:\.(?P<format>csv|json))?/?$",
        LegacyFunnelCorrelationView.as_view(),
        name="funnel-correlation",
    ),
    re_path(r"^insights/funnel(?:\.(?P<format>csv|json))?/?$", LegacyFunnelView.as_view(), name="funnel"),
    # retention and paths
    re_path(
        r"^insights/retention(?:\.(?P<format>csv|json))?/?$",
        LegacyRetentionView.as_view(),
        name="insights-retention",
    ),
    re_path(r"^insights/path(?:\.(?P<format>csv|json))?/?$", LegacyPathsView.as_view(), name="insights-path"),
    # persons behind insight data points (legacy person URLs)
    *[
        re_path(rf"^persons/{route}(?:\.(?P<format>csv|json))?/?$", view.as_view(), name=f"persons-{route}")
        for route, view in (
            ("trends", LegacyTrendPersonsView),
            ("stickiness", LegacyStickinessPersonsView),
            ("lifecycle", LegacyLifecyclePersonsView),
            ("funnel/correlation", LegacyCorrelationPersonsView),
            ("funnel", LegacyFunnelPersonsView),
            ("path", LegacyPathPersonsView),
            ("retention", LegacyRetentionPersonsView),
        )
    ],
    # async query status
    re_path(r"^query/(?P<id>[^/]+)/?$", QueryStatusView.as_view(), name="query-status"),
]

handler400 = "insights_api.errors.json_bad_request"
handler404 = "insights_api.errors.json_not_found"
handler500 = "insights_api.errors.json_server_error"

urlpatterns = [
    path("", index, name="index"),
    path("_health", health, name="health"),
    # capture endpoints (ingestion)
    re_path(r"^batch/?$", capture.batch, name="capture-batch"),
    re_path(r"^(?:capture|e|i/v0/e)/?$", capture.event, name="capture-event"),
    # what SDKs load besides capture: feature flags (none) and remote config
    re_path(r"^flags/?$", sdk.flags, name="sdk-flags"),
    re_path(r"^decide/?$", sdk.decide, name="sdk-decide"),
    re_path(r"^array/(?P<token>[^/]+)/config/?$", sdk.array_config, name="sdk-config"),
    re_path(r"^array/(?P<token>[^/]+)/config\.js$", sdk.array_config_js, name="sdk-config-js"),
    # public shared insights: the access token is the credential
    re_path(r"^shared/(?P<token>[A-Za-z0-9_-]+)(?P<as_json>\.json)?/?$", SharedInsightView.as_view()),
    # Embedded insights are meant for iframes: the one route other sites may frame.
    re_path(
        r"^embedded/(?P<token>[A-Za-z0-9_-]+)(?P<as_json>\.json)?/?$",
        xframe_options_exempt(EmbeddedInsightView.as_view()),
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/schema/swagger-ui/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # Both prefixes name a team; the same views serve them. One pattern per prefix
    # (not an alternation) so the OpenAPI schema lists real paths for both.
    *[
        re_path(rf"^api/{prefix}/(?P<project_id>[^/]+)/", include(patterns))
        for prefix in ("projects", "environments")
        for patterns in (team_urlpatterns, team_router.urls)
    ],
    path("api/", include(root_router.urls)),
    re_path(r"^api/", json_not_found),
]
