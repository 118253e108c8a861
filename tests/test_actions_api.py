"""Actions through HTTP on both prefixes: CRUD, soft delete, step validation, scopes,
activity log and isolation (another project's action: 404 on the route, 400 in a query)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from analytics.models import Action, ActivityLog
from tests.factories import make_key

pytestmark = pytest.mark.django_db

SIGNUP_STEPS = [
    {"event": "$autocapture", "selector": "button.signup", "text": "Sign up", "url": "/signup"},
    {
        "event": "user signed up",
        "properties": [{"key": "plan", "value": "pro", "operator": "exact", "type": "event"}],
    },
]


@pytest.fixture(params=["projects", "environments"])
def url(request, team):
    return lambda suffix="": f"/api/{request.param}/{team.id}/actions/{suffix}"


def test_create_retrieve_update_soft_delete(api, url, team, owner):
    response = api.post(
        url(),
        {"name": "Signed up", "description": "d", "tags": ["Growth"], "steps": SIGNUP_STEPS},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Signed up" and body["description"] == "d" and body["tags"] == ["growth"]
    assert body["team_id"] == team.id and body["deleted"] is False and body["is_calculating"] is False
    assert body["created_by"]["email"] == owner.user.email and body["created_at"]
    assert body["last_calculated_at"] is None and body["is_action"] is True and body["post_to_slack"] is False
    first, second = body["steps"]
    # Every step field is present; matchings default as PostHog's (url: contains, others: null).
    assert first == {
        "event": "$autocapture",
        "properties": [],
        "selector": "button.signup",
        "selector_regex": first["selector_regex"],
        "tag_name": None,
        "text": "Sign up",
        "text_matching": None,
        "href": None,
        "href_matching": None,
        "url": "/signup",
        "url_matching": "contains",
    }
    assert first["selector_regex"].startswith("(?:^|;)button")
    assert second["properties"] == SIGNUP_STEPS[1]["properties"] and second["selector_regex"] is None

    one = url(f"{body['id']}/")
    assert api.get(one).json()["steps"] == body["steps"]
    patched = api.patch(one, {"name": "Signed up v2", "steps": [{"event": "signup"}]}, format="json").json()
    assert patched["name"] == "Signed up v2" and [s["event"] for s in patched["steps"]] == ["signup"]
    assert patched["description"] == "d"  # PATCH leaves the rest
    put = api.put(one, {"name": "Put", "steps": []}, format="json")
    assert put.status_code == 200 and put.json()["steps"] == []

    assert api.delete(one).status_code == 405
    assert api.patch(one, {"deleted": True}, format="json").json()["deleted"] is True
    assert api.get(url()).json()["count"] == 0
    assert api.get(one).json()["deleted"] is True  # still retrievable by id
    activities = list(
        ActivityLog.objects.filter(scope="Action", item_id=str(body["id"]))
        .order_by("created_at")
        .values_list("activity", flat=True)
    )
    # create, PATCH, PUT, soft delete
    assert activities == ["created", "updated", "updated", "deleted"]


def test_list_search_paging_and_name_rules(api, url, team):
    for name in ("Beta", "Alpha", "Gamma"):
        assert api.post(url(), {"name": name}, format="json").status_code == 201
    listed = api.get(url()).json()
    assert [a["name"] for a in listed["results"]] == ["Alpha", "Beta", "Gamma"] and listed["count"] == 3
    assert [a["name"] for a in api.get(url(), {"search": "AMM"}).json()["results"]] == ["Gamma"]
    page = api.get(url(), {"limit": 1, "offset": 1}).json()
    assert page["count"] == 3 and len(page["results"]) == 1 and page["next"]

    gamma = Action.objects.get(team=team, name="Gamma")
    clash = api.post(url(), {"name": "Gamma"}, format="json")
    assert clash.status_code == 400 and clash.json()["attr"] == "name"
    assert clash.json()["detail"] == f"This project already has an action with this name, ID {gamma.id}"
    blank = api.post(url(), {"name": "  "}, format="json")
    assert blank.status_code == 400 and blank.json()["attr"] == "name"
    missing = api.post(url(), {"steps": []}, format="json")
    assert missing.status_code == 400 and missing.json()["attr"] == "name"
    # A deleted action's name is free again.
    api.patch(url(f"{gamma.id}/"), {"deleted": True}, format="json")
    assert api.post(url(), {"name": "Gamma"}, format="json").status_code == 201


@pytest.mark.parametrize(
    ("steps", "attr", "detail"),
    [
        (
            [{"event": "x", "url": "(", "url_matching": "regex"}],
            "steps__0__url",
            "Invalid regular expression",
        ),
        ([{}, {"text": "a(?=b)", "text_matching": "regex"}], "steps__1__text", "Invalid regular expression"),
        ([{"href": "[", "href_matching": "regex"}], "steps__0__href", "Invalid regular expression"),
        ([{"event": "x", "colour": "red"}], "steps__0__colour", "Unknown step field"),
        ([{"url": "/a", "url_matching": "glob"}], "steps__0__url_matching", "is not a valid choice"),
        ([{"selector": "a:hover"}], "steps__0__selector", "is not supported"),
        ([{"properties": [{"key": "a", "operator": "near"}]}], "steps__0__properties", "not supported"),
        ([{"properties": "plan=pro"}], "steps__0__properties", "list"),
        (
            [{"properties": [{"key": "selector", "value": "a", "operator": "regex", "type": "element"}]}],
            "steps__0__properties",
            "operator",
        ),
    ],
)
def test_invalid_steps_are_400_naming_the_field(api, url, steps, attr, detail):
    response = api.post(url(), {"name": "bad", "steps": steps}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["attr"] == attr and detail in response.json()["detail"]
    assert Action.objects.count() == 0


def test_slack_posting_is_refused(api, url):
    response = api.post(url(), {"name": "n", "post_to_slack": True}, format="json")
    assert response.status_code == 400 and response.json()["attr"] == "post_to_slack"


def test_scopes(url, team, owner):
    action = Action.objects.create(team=team, name="a")

    def client(scopes):
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(owner.user, scopes)}")
        return c

    reader, writer, other = client(["action:read"]), client(["action:write"]), client(["cohort:write"])
    one = url(f"{action.id}/")
    assert reader.get(url()).status_code == 200 and reader.get(one).status_code == 200
    assert reader.patch(one, {"name": "x"}, format="json").status_code == 403
    assert reader.post(url(), {"name": "x"}, format="json").status_code == 403
    assert writer.patch(one, {"name": "x"}, format="json").status_code == 200
    assert writer.post(url(), {"name": "y"}, format="json").status_code == 201
    assert writer.get(url()).status_code == 200  # write implies read
    assert other.get(url()).status_code == 403 and other.get(one).status_code == 403


def test_another_projects_action_is_404_and_refused_in_queries(api, url, team, outsider, clickhouse):
    theirs = Action.objects.create(team=outsider.team, name="Theirs", steps=[{"event": "$pageview"}])
    assert api.get(url(f"{theirs.id}/")).status_code == 404
    assert api.patch(url(f"{theirs.id}/"), {"name": "stolen"}, format="json").status_code == 404
    assert api.get(url()).json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    # Used as a series of this project's query: refused before anything runs.
    query = {"kind": "TrendsQuery", "series": [{"kind": "ActionsNode", "id": theirs.id}]}
    response = api.post(f"/api/projects/{team.id}/query/", {"query": query}, format="json")
    assert response.status_code == 400
    assert response.json()["attr"] == "series__0__id"
    assert response.json()["detail"] == f"Action {theirs.id} does not exist."


def test_unknown_and_deleted_actions_are_refused_in_queries(api, team, clickhouse):
    deleted = Action.objects.create(team=team, name="Gone", steps=[{"event": "$pageview"}], deleted=True)
    for action_id in (999999, deleted.id):
        query = {
            "kind": "TrendsQuery",
            "series": [
                {"kind": "EventsNode", "event": "$pageview"},
                {"kind": "ActionsNode", "id": action_id},
            ],
        }
        response = api.post(f"/api/projects/{team.id}/query/", {"query": query}, format="json")
        assert response.status_code == 400
        assert response.json()["attr"] == "series__1__id"
        assert response.json()["detail"] == f"Action {action_id} does not exist."


def test_list_filters_and_ordering(api, url, team, owner, member):
    from analytics.models import Tag

    growth = Tag.objects.create(team=team, name="growth")
    first = Action.objects.create(team=team, name="B first", created_by=owner.user)
    Action.objects.create(team=team, name="A second", created_by=member.user)
    third = Action.objects.create(team=team, name="C third", created_by=owner.user)
    first.tags.add(growth)
    third.tags.add(growth)

    def names(**params):
        response = api.get(url(), params)
        assert response.status_code == 200, response.json()
        return [a["name"] for a in response.json()["results"]]

    assert names() == ["A second", "B first", "C third"]
    assert names(ordering="-created_at") == ["C third", "A second", "B first"]
    assert names(ordering="created_at") == ["B first", "A second", "C third"]
    assert names(created_by=str(member.user.id)) == ["A second"]
    assert names(created_by=f"{member.user.id},{owner.user.id}", ordering="-name") == [
        "C third",
        "B first",
        "A second",
    ]
    assert names(tags='["Growth"]') == ["B first", "C third"]
    assert names(tags='["none"]') == []
    for params, attr in (
        ({"ordering": "colour"}, "ordering"),
        ({"created_by": "me"}, "created_by"),
        ({"tags": "growth"}, "tags"),
        ({"include_reference_count": "true"}, "include_reference_count"),
    ):
        response = api.get(url(), params)
        assert response.status_code == 400 and response.json()["attr"] == attr, params


def test_references_lists_the_insights_using_the_action(api, url, team, outsider):
    from analytics.models import Insight

    action = Action.objects.create(team=team, name="Signed up")
    other = Action.objects.create(team=team, name="Other")
    trends = {"kind": "TrendsQuery", "series": [{"kind": "ActionsNode", "id": action.id}]}
    made = [
        Insight.objects.create(team=team, name="By node", query={"kind": "InsightVizNode", "source": trends}),
        Insight.objects.create(team=team, name="Legacy", filters={"actions": [{"id": str(action.id)}]}),
        Insight.objects.create(
            team=team,
            name="HogQL",
            query={
                "kind": "HogQLQuery",
                "query": "SELECT count() FROM events WHERE matchesAction('Signed up')",
            },
        ),
    ]
    Insight.objects.create(team=team, name="Other action", filters={"actions": [{"id": other.id}]})
    Insight.objects.create(
        team=team, name="Deleted", deleted=True, query={"kind": "InsightVizNode", "source": trends}
    )
    response = api.get(url(f"{action.id}/references/"))
    assert response.status_code == 200, response.json()
    assert [(r["type"], r["id"], r["name"], r["url"]) for r in response.json()] == [
        ("insight", i.short_id, i.name, f"/insights/{i.short_id}") for i in made
    ]
    theirs = Action.objects.create(team=outsider.team, name="Theirs")
    assert api.get(url(f"{theirs.id}/references/")).status_code == 404
