"""Dashboards through HTTP on both prefixes: CRUD, soft delete, tiles computed with the
dashboard's filters, scopes and isolation. Numbers are counted by hand from ``events``."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from analytics.models import Dashboard, DashboardPrivilege, DashboardTile, Insight, RestrictionLevel
from tests.capture import capture_events
from tests.factories import make_key
from tests.funnels_helpers import ev

pytestmark = pytest.mark.django_db
TRENDS = {
    "kind": "InsightVizNode",
    "source": {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview", "math": "total"}],
        "dateRange": {"date_from": "2024-01-01", "date_to": "2024-01-03"},
        "interval": "day",
    },
}
CHROME = [{"key": "$browser", "value": "Chrome", "operator": "exact", "type": "event"}]


@pytest.fixture(params=["projects", "environments"])
def url(request, team):
    return lambda suffix="": f"/api/{request.param}/{team.id}/dashboards/{suffix}"


@pytest.fixture
def events(api, team, clickhouse):
    # Pageviews: 01-01 a (Chrome), b (Firefox); 01-02 a (Chrome); 01-03 a (Firefox).
    capture_events(
        api,
        team,
        [
            ev("a", "$pageview", "10:00:00", **{"$browser": "Chrome"}),
            ev("b", "$pageview", "11:00:00", **{"$browser": "Firefox"}),
            ev("a", "$pageview", "10:00:00", day=2, **{"$browser": "Chrome"}),
            ev("a", "$pageview", "10:00:00", day=3, **{"$browser": "Firefox"}),
        ],
    )


def test_create_list_retrieve_update_soft_delete(api, url, owner):
    created = api.post(url(), {"name": "Growth", "description": "d"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["name"] == "Growth" and body["description"] == "d" and body["deleted"] is False
    assert body["tiles"] == [] and body["filters"] == {}
    assert body["created_by"]["email"] == owner.user.email
    assert body["restriction_level"] == 21 and body["effective_privilege_level"] == 37
    api.post(url(), {"name": "Alpha"}, format="json")
    listed = api.get(url()).json()
    assert listed["count"] == 2 and [d["name"] for d in listed["results"]] == ["Alpha", "Growth"]
    assert all(d["tiles"] is None for d in listed["results"])
    one = url(f"{body['id']}/")
    patched = api.patch(one, {"name": "Growth 2", "filters": {"date_from": "-7d"}}, format="json").json()
    assert patched["name"] == "Growth 2" and patched["filters"] == {"date_from": "-7d"}
    assert api.delete(one).status_code == 405
    assert api.patch(one, {"deleted": True}, format="json").json()["deleted"] is True
    assert [d["name"] for d in api.get(url()).json()["results"]] == ["Alpha"]
    assert api.get(one).status_code == 404
    assert api.patch(one, {"deleted": False}, format="json").json()["deleted"] is False
    assert api.get(one).status_code == 200


def test_unsupported_fields_and_filters_are_refused(api, url):
    for field, value in [("pinned", True), ("tags", ["x"]), ("use_template", "x"), ("delete_insights", True)]:
        response = api.post(url(), {"name": "X", field: value}, format="json")
        assert response.status_code == 400 and response.json()["attr"] == field, response.json()
    response = api.post(url(), {"name": "X", "filters": {"breakdown_filter": {}}}, format="json")
    assert response.status_code == 400 and response.json()["attr"] == "filters"
    assert "breakdown_filter" in response.json()["detail"]
    assert api.post(url(), {"name": "X", "filters": {"properties": {}}}, format="json").status_code == 400
    assert Dashboard.objects.count() == 0


def test_tiles_refresh_with_dashboard_filters(api, url, team, events):
    dashboard = Dashboard.objects.create(team=team, name="D")
    insight = api.post(
        f"/api/projects/{team.id}/insights/",
        {"name": "Views", "query": TRENDS, "dashboards": [dashboard.id]},
        format="json",
    ).json()
    one = url(f"{dashboard.id}/")
    cold = api.get(one).json()
    (tile,) = cold["tiles"]
    assert tile["insight"]["id"] == insight["id"] and tile["text"] is None
    assert tile["insight"]["result"] is None and tile["last_refresh"] is None and tile["is_cached"] is False
    computed = api.get(one, {"refresh": "blocking"}).json()["tiles"][0]
    # 01-01: a and b, 01-02: a, 01-03: a.
    assert computed["insight"]["result"][0]["data"] == [2, 1, 1]
    assert computed["insight"]["result"][0]["count"] == 4
    assert computed["last_refresh"] is not None and computed["is_cached"] is False
    cached = api.get(one).json()["tiles"][0]
    assert cached["insight"]["result"][0]["data"] == [2, 1, 1] and cached["is_cached"] is True
    # Dashboard filters: from 01-02, Chrome only → 01-02: a (Chrome), 01-03: a used Firefox.
    # (PostHog replaces both bounds: a dashboard date_from alone would run to now.)
    dashboard_filters = {"date_from": "2024-01-02", "date_to": "2024-01-03", "properties": CHROME}
    api.patch(one, {"filters": dashboard_filters}, format="json")
    filtered = api.get(one, {"refresh": "blocking"}).json()["tiles"][0]
    assert filtered["insight"]["result"][0]["data"] == [1, 0]
    assert filtered["insight"]["query"]["source"]["dateRange"]["date_from"] == "2024-01-02"
    assert filtered["insight"]["query"]["source"]["properties"] == CHROME
    # The saved insight itself is unchanged.
    plain = api.get(f"/api/projects/{team.id}/insights/{insight['id']}/", {"refresh": "blocking"}).json()
    assert plain["result"][0]["data"] == [2, 1, 1]


def test_tile_layout_colour_and_removal(api, url, team):
    dashboard = Dashboard.objects.create(team=team, name="D")
    kept = Insight.objects.create(team=team, name="Kept", query=TRENDS)
    gone = Insight.objects.create(team=team, name="Gone", query=TRENDS)
    deleted = Insight.objects.create(team=team, name="Deleted insight", query=TRENDS, deleted=True)
    tiles = [DashboardTile.objects.create(dashboard=dashboard, insight=i) for i in (kept, gone, deleted)]
    one = url(f"{dashboard.id}/")
    assert [t["insight"]["name"] for t in api.get(one).json()["tiles"]] == ["Kept", "Gone"]
    layouts = {"sm": {"x": 0, "y": 0, "w": 6, "h": 5}}
    body = api.patch(
        one,
        {
            "tiles": [
                {"id": tiles[0].id, "layouts": layouts, "color": "blue"},
                {"id": tiles[1].id, "deleted": True},
            ]
        },
        format="json",
    ).json()
    assert [(t["insight"]["name"], t["layouts"], t["color"]) for t in body["tiles"]] == [
        ("Kept", layouts, "blue")
    ]
    other = Dashboard.objects.create(team=team, name="Other")
    foreign_tile = DashboardTile.objects.create(dashboard=other, insight=kept)
    response = api.patch(one, {"tiles": [{"id": foreign_tile.id, "color": "red"}]}, format="json")
    assert response.status_code == 400 and response.json()["attr"] == "tiles"
    response = api.patch(one, {"tiles": [{"id": tiles[0].id, "text": {"body": "x"}}]}, format="json")
    assert response.status_code == 400


def test_restricted_dashboard_is_editable_by_collaborators_only(api, url, team, owner, member):
    dashboard = Dashboard.objects.create(
        team=team,
        name="Locked",
        created_by=owner.user,
        restriction_level=RestrictionLevel.ONLY_COLLABORATORS_CAN_EDIT,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {member.key}")
    one = url(f"{dashboard.id}/")
    seen = client.get(one).json()
    assert seen["effective_privilege_level"] == 21
    assert client.patch(one, {"name": "Mine"}, format="json").status_code == 403
    DashboardPrivilege.objects.create(dashboard=dashboard, user=member.user)
    assert client.patch(one, {"name": "Ours"}, format="json").json()["name"] == "Ours"


def test_scopes(url, team, owner):
    dashboard = Dashboard.objects.create(team=team, name="D")
    one = url(f"{dashboard.id}/")

    def client(scopes):
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(owner.user, scopes)}")
        return c

    reader, writer, other = client(["dashboard:read"]), client(["dashboard:write"]), client(["insight:read"])
    assert reader.get(url()).status_code == 200 and reader.get(one).status_code == 200
    assert reader.patch(one, {"name": "x"}, format="json").status_code == 403
    assert reader.post(url(), {"name": "x"}, format="json").status_code == 403
    assert writer.get(one).status_code == 200
    assert writer.patch(one, {"name": "x"}, format="json").status_code == 200
    assert writer.post(url(), {"name": "y"}, format="json").status_code == 201
    assert other.get(url()).status_code == 403 and other.get(one).status_code == 403


def test_other_projects_dashboards_are_404(api, url, team, outsider):
    theirs = Dashboard.objects.create(team=outsider.team, name="Theirs")
    one = url(f"{theirs.id}/")
    assert api.get(one).status_code == 404
    assert api.patch(one, {"name": "stolen"}, format="json").status_code == 404
    assert api.get(url()).json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    # Nor can the outsider reach ours.
    ours = Dashboard.objects.create(team=team, name="Ours")
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION=f"Bearer {outsider.key}")
    assert stranger.get(url(f"{ours.id}/")).status_code == 404


def test_text_tiles(api, url, team, owner):
    dashboard = Dashboard.objects.create(team=team, name="D")
    insight = Insight.objects.create(team=team, name="Views", query=TRENDS)
    DashboardTile.objects.create(dashboard=dashboard, insight=insight)
    one = url(f"{dashboard.id}/")
    new = {"text": {"body": "# Notes"}, "layouts": {"sm": {"x": 0, "y": 5, "w": 6, "h": 2}}}
    body = api.patch(one, {"tiles": [new]}, format="json").json()
    insight_tile, text_tile = body["tiles"]
    assert insight_tile["text"] is None and insight_tile["insight"]["name"] == "Views"
    assert text_tile["insight"] is None and text_tile["text"]["body"] == "# Notes"
    assert text_tile["text"]["created_by"]["email"] == owner.user.email
    assert text_tile["layouts"] == new["layouts"] and text_tile["last_refresh"] is None
    edited = api.patch(one, {"tiles": [{"id": text_tile["id"], "text": {"body": "Edited"}}]}, format="json")
    assert [t["text"]["body"] for t in edited.json()["tiles"] if t["text"]] == ["Edited"]
    assert api.get(one).json()["tiles"][1]["text"]["body"] == "Edited"
    removed = api.patch(one, {"tiles": [{"id": text_tile["id"], "deleted": True}]}, format="json").json()
    assert [t["insight"]["name"] for t in removed["tiles"]] == ["Views"]
    # A change naming no tile and bringing no text is refused; nothing else changed.
    assert api.patch(one, {"tiles": [{"color": "red"}]}, format="json").status_code == 400
    assert api.patch(one, {"tiles": [{"text": {}}]}, format="json").status_code == 400
    assert len(api.get(one).json()["tiles"]) == 1


def test_a_refused_tile_carries_its_error_and_the_others_compute(api, url, team, events):
    # An action on $pageview in Chrome: 01-01 a, 01-02 a → [1, 1, 0].
    action = api.post(
        f"/api/projects/{team.id}/actions/",
        {"name": "Chrome views", "steps": [{"event": "$pageview", "properties": CHROME}]},
        format="json",
    ).json()["id"]
    dashboard = Dashboard.objects.create(team=team, name="D")
    by_action = {
        **TRENDS,
        "source": {**TRENDS["source"], "series": [{"kind": "ActionsNode", "id": action, "math": "total"}]},
    }
    for name, query in (("Views", TRENDS), ("Chrome", by_action)):
        created = api.post(
            f"/api/projects/{team.id}/insights/",
            {"name": name, "query": query, "dashboards": [dashboard.id]},
            format="json",
        )
        assert created.status_code == 201, created.json()
    one = url(f"{dashboard.id}/")
    both = api.get(one, {"refresh": "force_blocking"}).json()["tiles"]
    assert [t["insight"]["result"][0]["data"] for t in both] == [[2, 1, 1], [1, 1, 0]]
    assert all("error" not in t for t in both)

    assert (
        api.patch(f"/api/projects/{team.id}/actions/{action}/", {"deleted": True}, format="json").status_code
        == 200
    )
    response = api.get(one, {"refresh": "force_blocking"})
    assert response.status_code == 200, response.json()
    views, chrome = response.json()["tiles"]
    assert views["insight"]["result"][0]["data"] == [2, 1, 1] and "error" not in views
    assert chrome["insight"]["name"] == "Chrome" and chrome["insight"]["result"] is None
    assert chrome["error"] == {
        "type": "ValidationError",
        "message": f"Action {action} does not exist.",
        "code": "action_not_found",
        "attr": "series__0__id",
    }
    # The insight on its own still answers 400, as before.
    alone = api.get(f"/api/projects/{team.id}/insights/{chrome['insight']['id']}/", {"refresh": "blocking"})
    assert alone.status_code == 400 and alone.json()["attr"] == "series__0__id"
