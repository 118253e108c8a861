"""Insight CRUD through HTTP on both prefixes: fields, soft delete, filters, pagination."""

from __future__ import annotations

import pytest

from analytics.models import Dashboard, Insight
from tests.factories import make_key

pytestmark = pytest.mark.django_db
PREFIXES = ["projects", "environments"]
TRENDS_QUERY = {
    "kind": "InsightVizNode",
    "source": {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "$pageview", "math": "total"}],
    },
}


@pytest.fixture(params=PREFIXES)
def url(request, team):
    return lambda suffix="": f"/api/{request.param}/{team.id}/insights/{suffix}"


def test_create_returns_201_with_every_field(api, url, owner):
    response = api.post(
        url(), {"name": "Pageviews", "query": TRENDS_QUERY, "description": "d"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert list(body)[:10] == [
        "id",
        "short_id",
        "name",
        "derived_name",
        "filters",
        "query",
        "order",
        "deleted",
        "dashboards",
        "dashboard_tiles",
    ]
    assert body["name"] == "Pageviews"
    assert body["query"] == TRENDS_QUERY
    assert body["filters"] == {}
    assert len(body["short_id"]) == 8 and body["short_id"].isalnum()
    assert body["created_by"]["email"] == owner.user.email
    assert body["last_modified_by"]["id"] == owner.user.id
    assert body["deleted"] is False and body["saved"] is False and body["is_sample"] is False
    # Nothing computed yet: force_cache on an empty cache is a miss.
    assert body["result"] is None and body["last_refresh"] is None and body["is_cached"] is False
    assert body["filters_hash"].startswith("cache_")
    assert body["effective_restriction_level"] == 21 and body["effective_privilege_level"] == 37
    assert body["user_access_level"] == "manager"
    assert body["dashboards"] == [] and body["tags"] == []


def test_empty_body_creates_a_trends_insight(api, url):
    response = api.post(url(), {}, format="json")
    assert response.status_code == 201
    assert response.json()["filters"] == {"insight": "TRENDS"}
    assert response.json()["query"] is None


def test_form_encoded_body_is_accepted(api, url):
    response = api.post(
        url(), "name=From+curl&description=plain", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 201
    assert response.json()["name"] == "From curl"


def test_malformed_json_is_400_parse_error(api, url):
    response = api.post(url(), '{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["type"] == "invalid_request"
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ("not an object", "query"),
        ({"kind": "NoSuchQuery"}, "query__kind"),
        ({"kind": "InsightVizNode"}, "query__source"),
        ({"kind": "InsightVizNode", "source": {"kind": "HogQLQuery"}}, "query__source__kind"),
        ({"kind": "TrendsQuery", "series": "x"}, "query__series"),
    ],
)
def test_bad_query_is_400_naming_the_field(api, url, query, attr):
    response = api.post(url(), {"query": query}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["type"] == "validation_error"
    assert response.json()["attr"] == attr


def test_filters_must_be_an_object(api, url):
    response = api.post(url(), {"filters": [1, 2]}, format="json")
    assert response.status_code == 400
    assert response.json()["attr"] == "filters"


def test_retrieve_by_id_and_short_id(api, url):
    created = api.post(url(), {"name": "A"}, format="json").json()
    assert api.get(url(f"{created['id']}/")).json()["name"] == "A"
    assert api.get(url(f"{created['short_id']}/")).json()["id"] == created["id"]
    assert api.get(url("999999/")).status_code == 404
    assert api.get(url(f"{created['id']}")).status_code == 200  # trailing slash optional


def test_patch_updates_and_moves_last_modified_only_for_material_fields(api, url, member, client):
    created = api.post(url(), {"name": "A"}, format="json").json()
    favorited = api.patch(url(f"{created['id']}/"), {"favorited": True}, format="json").json()
    assert favorited["favorited"] is True
    assert favorited["last_modified_at"] == created["last_modified_at"]
    renamed = client.patch(url(f"{created['id']}/"), {"name": "B"}, format="json", **member.auth).json()
    assert renamed["name"] == "B"
    assert renamed["last_modified_at"] > created["last_modified_at"]
    assert renamed["last_modified_by"]["email"] == member.user.email
    assert renamed["created_by"]["id"] == created["created_by"]["id"]


def test_put_is_a_full_update(api, url):
    created = api.post(url(), {"name": "A", "description": "x"}, format="json").json()
    response = api.put(url(f"{created['id']}/"), {"name": "C"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "C"


def test_read_only_fields_are_ignored(api, url):
    created = api.post(url(), {"name": "A"}, format="json").json()
    response = api.patch(
        url(f"{created['id']}/"), {"short_id": "zzzzzzzz", "filters_hash": "x", "id": 5}, format="json"
    ).json()
    assert response["short_id"] == created["short_id"]
    assert response["filters_hash"] == created["filters_hash"]
    assert response["id"] == created["id"]


def test_delete_is_405_and_soft_delete_hides_the_insight(api, url):
    created = api.post(url(), {"name": "A"}, format="json").json()
    response = api.delete(url(f"{created['id']}/"))
    assert response.status_code == 405
    assert response.content == b""
    assert api.get(url(f"{created['id']}/")).status_code == 200
    assert api.patch(url(f"{created['id']}/"), {"deleted": True}, format="json").status_code == 200
    assert api.get(url(f"{created['id']}/")).status_code == 404
    assert api.get(url()).json()["count"] == 0
    assert api.patch(url(f"{created['id']}/"), {"name": "x"}, format="json").status_code == 404
    restored = api.patch(url(f"{created['id']}/"), {"deleted": False}, format="json")
    assert restored.status_code == 200
    assert api.get(url()).json()["count"] == 1


def test_delete_needs_write_scope_first(client, owner, url):
    insight = Insight.objects.create(team=owner.team, name="A")
    key = make_key(owner.user, ["insight:read"])
    response = client.delete(url(f"{insight.id}/"), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403


def test_list_pagination_links(api, url, team):
    for index in range(5):
        Insight.objects.create(team=team, name=f"i{index}", order=index)
    page = api.get(url(), {"limit": 2, "offset": 2}).json()
    assert page["count"] == 5
    assert [item["name"] for item in page["results"]] == ["i2", "i3"]
    assert page["next"].endswith("limit=2&offset=4")
    assert page["previous"].endswith("?limit=2")
    last = api.get(url(), {"limit": 2, "offset": 4}).json()
    assert last["next"] is None and [item["name"] for item in last["results"]] == ["i4"]


def test_list_default_order_is_order_then_id(api, url, team):
    third = Insight.objects.create(team=team, name="no order")
    first = Insight.objects.create(team=team, name="order 1", order=1)
    second = Insight.objects.create(team=team, name="order 2", order=2)
    ids = [item["id"] for item in api.get(url()).json()["results"]]
    assert ids == [first.id, second.id, third.id]
    ordered = api.get(url(), {"order": "-id"}).json()["results"]
    assert [item["id"] for item in ordered] == [second.id, first.id, third.id]
    assert api.get(url(), {"order": "nope"}).status_code == 400


def test_basic_serializer_has_only_metadata(api, url, team):
    Insight.objects.create(team=team, name="A")
    item = api.get(url(), {"basic": "true"}).json()["results"][0]
    assert list(item) == [
        "id",
        "short_id",
        "name",
        "derived_name",
        "filters",
        "query",
        "dashboards",
        "dashboard_tiles",
        "description",
        "last_refresh",
        "refreshing",
        "saved",
        "tags",
        "updated_at",
        "created_by",
        "created_at",
        "last_modified_at",
        "favorited",
        "user_access_level",
    ]


def test_tags_are_normalised_and_searchable(api, url):
    created = api.post(url(), {"name": "A", "tags": [" Growth", "growth", "KPI"]}, format="json").json()
    assert created["tags"] == ["growth", "kpi"]
    api.post(url(), {"name": "B"}, format="json")
    assert [i["name"] for i in api.get(url(), {"search": "KP"}).json()["results"]] == ["A"]
    assert [i["name"] for i in api.get(url(), {"tags": '["growth"]'}).json()["results"]] == ["A"]


def test_list_filters(api, url, team, owner, member, client):
    mine = Insight.objects.create(
        team=team, name="Revenue", favorited=True, created_by=owner.user, saved=True
    )
    theirs = Insight.objects.create(
        team=team, derived_name="Signups count", created_by=member.user, description="weekly"
    )
    funnel = Insight.objects.create(
        team=team, name="Funnel", filters={"insight": "FUNNELS"}, created_by=member.user
    )
    viz = Insight.objects.create(team=team, name="Viz", query=TRENDS_QUERY)

    def names(**params):
        response = api.get(url(), params)
        assert response.status_code == 200, response.json()
        return sorted(item["id"] for item in response.json()["results"])

    assert names(created_by=member.user.id) == sorted([theirs.id, funnel.id])
    assert names(created_by=f"[{owner.user.id}]") == [mine.id]
    assert names(user="true") == [mine.id]
    assert names(favorited="1") == [mine.id]
    assert names(saved="true") == [mine.id]
    assert names(search="signup") == [theirs.id]
    assert names(search="WEEK") == [theirs.id]
    assert names(short_id=funnel.short_id) == [funnel.id]
    assert names(insight="FUNNELS") == [funnel.id]
    assert names(insight="TRENDS") == sorted([mine.id, theirs.id, viz.id])
    assert api.get(url(), {"created_by": "abc"}).status_code == 400


def test_dashboards_on_write_and_filter(api, url, team):
    first = Dashboard.objects.create(team=team, name="One")
    second = Dashboard.objects.create(team=team, name="Two")
    created = api.post(url(), {"name": "A", "dashboards": [first.id, second.id]}, format="json").json()
    assert created["dashboards"] == [first.id, second.id]
    assert [t["deleted"] for t in created["dashboard_tiles"]] == [None, None]
    other = api.post(url(), {"name": "B", "dashboards": [first.id]}, format="json").json()
    both = api.get(url(), {"dashboards": f"[{first.id},{second.id}]"}).json()["results"]
    assert [i["id"] for i in both] == [created["id"]]
    patched = api.patch(url(f"{created['id']}/"), {"dashboards": [second.id]}, format="json").json()
    assert patched["dashboards"] == [second.id]
    readded = api.patch(url(f"{created['id']}/"), {"dashboards": [first.id, second.id]}, format="json").json()
    tiles = {t["dashboard_id"]: t["deleted"] for t in readded["dashboard_tiles"]}
    assert tiles == {first.id: False, second.id: None}
    assert [i["id"] for i in api.get(url(), {"dashboards": f"[{first.id}]"}).json()["results"]] == sorted(
        [created["id"], other["id"]]
    )


def test_unknown_dashboard_is_400(api, url, outsider):
    foreign = Dashboard.objects.create(team=outsider.team, name="Theirs")
    response = api.post(url(), {"dashboards": [foreign.id]}, format="json")
    assert response.status_code == 400
    assert response.json()["attr"] == "dashboards"


def test_from_dashboard_adds_tile_fields(api, url, team):
    dashboard = Dashboard.objects.create(team=team, name="One", filters={"date_from": "-30d"})
    created = api.post(
        url(), {"name": "A", "dashboards": [dashboard.id], "query": TRENDS_QUERY}, format="json"
    ).json()
    plain = api.get(url(f"{created['id']}/")).json()
    contextual = api.get(url(f"{created['id']}/"), {"from_dashboard": dashboard.id}).json()
    assert "color" not in plain and contextual["color"] is None and contextual["layouts"] == {}
    assert contextual["query"]["source"]["dateRange"] == {"date_from": "-30d"}
    assert "dateRange" not in plain["query"]["source"]
    # The dashboard's date range changes the query, hence the cache key.
    assert contextual["filters_hash"] != plain["filters_hash"]
    ignored = api.get(url(f"{created['id']}/"), {"from_dashboard": dashboard.id + 100}).json()
    assert "color" not in ignored
    legacy = api.post(
        url(),
        {"name": "L", "dashboards": [dashboard.id], "filters": {"insight": "TRENDS", "date_from": "-7d"}},
        format="json",
    ).json()
    shown = api.get(url(f"{legacy['id']}/"), {"from_dashboard": dashboard.id}).json()
    assert shown["filters"] == {"insight": "TRENDS", "date_from": "-30d"}


def test_refresh_value_is_validated(api, url, team):
    Insight.objects.create(team=team, name="A")
    response = api.get(url(), {"refresh": "sometimes"})
    assert response.status_code == 400
    assert response.json()["attr"] == "refresh"


def test_csv_output_of_list_and_retrieve(api, url, team):
    insight = Insight.objects.create(team=team, name="Pageviews", order=1)
    response = api.get(url(), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, row = response.content.decode().strip().splitlines()
    columns = header.split(",")
    assert columns[:3] == ["count", "next", "previous"] and columns == sorted(columns)
    values = dict(zip(columns, next(__import__("csv").reader([row])), strict=True))
    assert values["count"] == "1"
    assert values["results.0.name"] == "Pageviews"
    assert values["results.0.deleted"] == "False"
    assert values["results.0.result"] == ""
    one = api.get(url(f"{insight.id}/"), {"format": "csv"}).content.decode().splitlines()
    assert "short_id" in one[0].split(",") and insight.short_id in one[1]
    assert api.get(url(), {"format": "xml"}).status_code == 404


def test_non_object_bodies_are_400_not_500(api, url, team):
    insight = Insight.objects.create(team=team, name="A")
    assert api.post(url(), [1, 2], format="json").status_code == 400
    assert api.patch(url(f"{insight.id}/"), [1], format="json").status_code == 400


def test_csv_on_activity_and_errors(api, url):
    created = api.post(url(), {"name": "A"}, format="json").json()
    rows = api.get(url(f"{created['id']}/activity/"), {"format": "csv"}).content.decode().splitlines()
    header = rows[0].split(",")
    assert "results.0.activity" in header and "total_count" in header
    assert "created" in rows[1]
    error = api.get(url("999999/"), {"format": "csv"})
    assert error.status_code == 404
    assert error.content.decode().splitlines() == [
        "attr,code,detail,type",
        ",not_found,Not found.,invalid_request",
    ]


def test_date_and_flag_filters(api, url, team):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    old = Insight.objects.create(team=team, name="old")
    Insight.objects.filter(pk=old.pk).update(
        last_modified_at=now - timedelta(days=10), created_at=now - timedelta(days=10)
    )
    recent = Insight.objects.create(team=team, name="recent")
    flagged = Insight.objects.create(
        team=team, name="by variant", filters={"insight": "TRENDS", "breakdown": "$feature/new-checkout"}
    )
    generated = Insight.objects.create(team=team, name="Feature Flag Called Total Volume")
    sql = Insight.objects.create(
        team=team, name="sql", query={"kind": "DataVisualizationNode", "source": {"kind": "HogQLQuery"}}
    )
    table = Insight.objects.create(
        team=team, name="table", query={"kind": "DataTableNode", "source": {"kind": "EventsQuery"}}
    )

    def ids(**params):
        response = api.get(url(), params)
        assert response.status_code == 200, response.json()
        return sorted(item["id"] for item in response.json()["results"])

    everything_recent = sorted([recent.id, flagged.id, generated.id, sql.id, table.id])
    assert ids(date_from="-7d") == everything_recent
    assert ids(date_to="-7d") == [old.id]
    assert ids(date_to=(now - timedelta(days=5)).isoformat()) == [old.id]
    assert ids(created_date_from="-3d") == everything_recent
    assert ids(created_date_to="-3d") == [old.id]
    assert ids(feature_flag="new-checkout") == [flagged.id]
    assert generated.id not in ids(hide_feature_flag_insights="true")
    assert generated.id in ids(hide_feature_flag_insights="false")
    assert ids(insight="SQL") == [sql.id]
    assert ids(insight="JSON") == [table.id]
    assert api.get(url(), {"date_from": "yesterday-ish"}).status_code == 400
    assert api.get(url(), {"insight": "CHARTS"}).status_code == 400


def test_absolute_date_filters_without_a_zone_are_utc(api, url, team):
    from datetime import UTC, datetime

    def at(moment: str, name: str) -> Insight:
        insight = Insight.objects.create(team=team, name=name)
        stamp = datetime.fromisoformat(moment).replace(tzinfo=UTC)
        Insight.objects.filter(pk=insight.pk).update(last_modified_at=stamp, created_at=stamp)
        return insight

    december = at("2025-12-31T23:30:00", "december")
    new_year = at("2026-01-01T00:30:00", "new year")
    march = at("2026-03-01T12:00:00", "march")

    def names(**params):
        response = api.get(url(), params)
        assert response.status_code == 200, response.content
        return [item["name"] for item in response.json()["results"]]

    assert names(date_from="2026-01-01") == [new_year.name, march.name]
    assert names(date_from="2026-01-01T01:00:00") == [march.name]
    assert names(date_to="2026-01-01") == [december.name]
    assert names(date_from="2026-01-01", date_to="2026-02-01") == [new_year.name]
    assert names(created_date_from="2026-02-01") == [march.name]
    # With a zone: 01:00 in Paris is midnight UTC.
    assert names(date_from="2026-01-01T01:00:00+01:00") == [new_year.name, march.name]
