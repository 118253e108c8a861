"""``/api/projects/:id/exports/``: CSV of a query or a saved insight, computed by an async job
(query_engine.refresh), then downloaded. Values computed by hand from the events below."""

from __future__ import annotations

import csv
import io

import pytest
from rest_framework.test import APIClient

from tests.capture import capture_events
from tests.factories import persona
from tests.funnels_helpers import ev

pytestmark = pytest.mark.django_db(transaction=True)

RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-03"}
TRENDS = {
    "kind": "TrendsQuery",
    "series": [{"kind": "EventsNode", "event": "signup", "math": "total"}],
    "interval": "day",
    "dateRange": RANGE,
}
FUNNEL = {
    "kind": "FunnelsQuery",
    "series": [{"kind": "EventsNode", "event": "signup"}, {"kind": "EventsNode", "event": "activate"}],
    "dateRange": RANGE,
    "funnelsFilter": {"funnelWindowInterval": 1, "funnelWindowIntervalUnit": "day"},
}


@pytest.fixture
def events(api, team, clickhouse, celery_worker):
    # 01-01: a and b sign up at 10:00, a activates at 12:00 (7200 s later); 01-02: a signs up again.
    capture_events(
        api,
        team,
        [
            ev("a", "signup", "10:00:00"),
            ev("a", "activate", "12:00:00"),
            ev("b", "signup", "10:00:00"),
            ev("a", "signup", "09:00:00", day=2),
        ],
    )


def url(team, rest: str = "", prefix: str = "projects") -> str:
    return f"/api/{prefix}/{team.id}/exports/{rest}"


def table(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_export_of_a_query_is_created_then_downloaded(api, team, events):
    created = api.post(
        url(team), {"export_format": "text/csv", "export_context": {"source": TRENDS}}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["has_content"] is True and body["exception"] is None
    assert body["insight"] is None and body["dashboard"] is None
    assert body["filename"] == "export.csv" and body["export_context"] == {"source": TRENDS}
    # signups per day: 2 on 01-01 (a, b), 1 on 01-02 (a), none on 01-03
    rows = table(api.get(url(team, f"{body['id']}/content/")))
    assert rows[0][0] == "series" and len(rows[0]) == 4
    assert rows[1:] == [["signup", "2", "1", "0"]]
    # Downloaded as an attachment; the same under /api/environments/.
    download = api.get(url(team, f"{body['id']}/content/", "environments"), {"download": "true"})
    assert download["Content-Disposition"] == 'attachment; filename="export.csv"'
    assert table(download) == rows
    listed = api.get(url(team)).json()
    assert [item["id"] for item in listed["results"]] == [body["id"]]


def test_export_of_a_saved_insight_writes_its_funnel_steps(api, team, events):
    insight = api.post(
        f"/api/projects/{team.id}/insights/",
        {"name": "Signup funnel", "query": {"kind": "InsightVizNode", "source": FUNNEL}},
        format="json",
    ).json()
    created = api.post(url(team), {"export_format": "text/csv", "insight": insight["id"]}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["insight"] == insight["id"]
    assert created.json()["filename"] == "export-signup-funnel.csv"
    rows = table(api.get(url(team, f"{created.json()['id']}/content/")))
    assert rows[0] == [
        "name",
        "breakdown_value",
        "action_id",
        "count",
        "median_conversion_time (seconds)",
        "average_conversion_time (seconds)",
    ]
    # signup: a and b (a's second signup is the same person); activate: a, 7200 s after
    assert [(r[0], r[3]) for r in rows[1:]] == [("signup", "2"), ("activate", "1")]
    assert float(rows[2][4]) == 7200.0 and float(rows[2][5]) == 7200.0


def test_export_of_a_hogql_query_keeps_its_columns(api, team, events):
    source = {
        "kind": "HogQLQuery",
        "query": "select event, count() from events group by event order by event",
    }
    created = api.post(
        url(team), {"export_format": "text/csv", "export_context": {"source": source}}, format="json"
    )
    rows = table(api.get(url(team, f"{created.json()['id']}/content/")))
    assert rows == [["event", "count()"], ["activate", "1"], ["signup", "3"]]


def test_an_export_still_computing_answers_409_then_its_content(api, team, events, settings):
    settings.EXPORT_WAIT_SECONDS = 0  # answer before the job has run
    created = api.post(
        url(team), {"export_format": "text/csv", "export_context": {"source": TRENDS}}, format="json"
    )
    assert created.status_code == 201 and created.json()["has_content"] is False
    asset_id = created.json()["id"]
    early = api.get(url(team, f"{asset_id}/content/"))
    if early.status_code == 409:  # the worker may already be done: then it is 200 below at once
        assert early["Retry-After"] == "5" and early.json()["code"] == "export_not_ready"
    from tests.async_helpers import wait_for_job

    wait_for_job(team.id, f"export_{asset_id}")
    assert api.get(url(team, f"{asset_id}/")).json()["has_content"] is True
    assert table(api.get(url(team, f"{asset_id}/content/")))[1:] == [["signup", "2", "1", "0"]]


@pytest.mark.parametrize(
    ("body", "attr", "needle"),
    [
        (
            {"export_format": "image/png", "export_context": {"source": TRENDS}},
            "export_format",
            "Only text/csv",
        ),
        ({"export_format": "text/csv"}, "insight", "Either an insight"),
        ({"export_format": "text/csv", "export_context": {"path": "/api/x"}}, "export_context", "path"),
        (
            {"export_format": "text/csv", "dashboard": 1, "export_context": {"source": TRENDS}},
            "dashboard",
            "not supported",
        ),
        ({"export_format": "text/csv", "export_context": {"source": {"kind": "NoSuchQuery"}}}, None, ""),
    ],
)
def test_what_is_not_exported_is_refused_by_name(api, team, clickhouse, body, attr, needle):
    response = api.post(url(team), body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()
    assert error["type"] == "validation_error"
    if attr is not None:
        assert error["attr"] == attr and needle in error["detail"]


def client_for(who) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {who.key}")
    return client


def test_scopes_and_isolation(api, team, outsider, events):
    reader = client_for(persona("reader@example.com", team, scopes=("export:read",)))
    insight_reader = client_for(persona("ir@example.com", team, scopes=("insight:read",)))
    created = api.post(
        url(team), {"export_format": "text/csv", "export_context": {"source": TRENDS}}, format="json"
    )
    asset_id = created.json()["id"]
    assert table(reader.get(url(team, f"{asset_id}/content/")))[1:] == [["signup", "2", "1", "0"]]
    refused = reader.post(
        url(team), {"export_format": "text/csv", "export_context": {"source": TRENDS}}, format="json"
    )
    assert refused.status_code == 403
    assert insight_reader.get(url(team, f"{asset_id}/")).status_code == 403
    assert insight_reader.get(url(team, f"{asset_id}/content/")).status_code == 403
    # Another project's owner: its own project does not hold this export; ours is not theirs.
    them = client_for(outsider)
    assert them.get(url(outsider.team, f"{asset_id}/")).status_code == 404
    assert them.get(url(team, f"{asset_id}/")).status_code == 404
    # Nor can an export name another project's insight.
    theirs = them.post(
        f"/api/projects/{outsider.team.id}/insights/",
        {"name": "x", "query": {"kind": "InsightVizNode", "source": TRENDS}},
        format="json",
    ).json()
    foreign = api.post(url(team), {"export_format": "text/csv", "insight": theirs["id"]}, format="json")
    assert foreign.status_code == 400 and foreign.json()["attr"] == "insight"


def test_csv_shapes_of_retention_paths_and_single_numbers():
    from analytics.services.export_csv import csv_rows

    retention = {
        "results": [
            {
                "date": "2024-01-01T00:00:00Z",
                "label": "Day 0",
                "values": [{"count": 3, "label": "Day 0"}, {"count": 1, "label": "Day 1"}],
            },
            {"date": "2024-01-02T00:00:00Z", "label": "Day 1", "values": [{"count": 2, "label": "Day 0"}]},
        ]
    }
    assert csv_rows(retention) == (
        ["cohort", "cohort size", "Day 0", "Day 1"],
        [["2024-01-01T00:00:00Z", 3, 3, 1], ["2024-01-02T00:00:00Z", 2, 2]],
    )
    paths = {"results": [{"source": "1_/", "target": "2_/app", "value": 4, "average_conversion_time": 60.0}]}
    assert csv_rows(paths) == (
        ["source", "target", "value", "average_conversion_time"],
        [["1_/", "2_/app", 4, 60.0]],
    )
    number = {"results": [{"label": "signup", "aggregated_value": 3, "action": {"custom_name": "Sign-ups"}}]}
    assert csv_rows(number) == (["series", "value"], [["Sign-ups", 3]])
