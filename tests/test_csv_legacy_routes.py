"""``?format=csv`` on every legacy compute route and every list route (api.md §11).

PostHog's plain CSV renderer flattens the JSON payload to one row: nested keys joined
with ``.``, list items by index, header sorted. Values here are computed by hand from
the events below.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from access_control.models import PersonalAPIKey
from tests.capture import capture_events
from tests.funnels_helpers import ev

pytestmark = pytest.mark.django_db
RANGE = {"date_from": "2024-01-01", "date_to": "2024-01-03"}
STEPS = json.dumps([{"id": "signup", "order": 0}, {"id": "activate", "order": 1}])


@pytest.fixture
def events(api, team, clickhouse):
    # a: signup then activate 2 h later on 01-01, back on 01-02; b: signup only on 01-01.
    capture_events(
        api,
        team,
        [
            ev("a", "signup", "10:00:00", **{"$current_url": "/"}),
            ev("a", "watched_video", "11:00:00"),
            ev("a", "activate", "12:00:00", **{"$current_url": "/app"}),
            ev("b", "signup", "10:00:00", **{"$current_url": "/"}),
            ev("a", "signup", "09:00:00", day=2, **{"$current_url": "/"}),
        ],
    )


def one_row(response) -> dict[str, str]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 2, rows
    header, row = rows
    assert header == sorted(header)
    return dict(zip(header, row, strict=True))


def base(team) -> str:
    return f"/api/projects/{team.id}/insights/"


def test_funnel_csv(api, team, events):
    row = one_row(api.get(base(team) + "funnel/", {"events": STEPS, **RANGE, "format": "csv"}))
    # steps: signup by a, b (and a again on 01-02, counted once); activate by a after 7200 s
    assert row["result.0.name"] == "signup" and row["result.0.count"] == "2"
    assert row["result.1.name"] == "activate" and row["result.1.count"] == "1"
    assert row["result.1.average_conversion_time"] == "7200.0"
    assert row["timezone"] == "UTC" and row["is_cached"] == "False"


def test_funnel_csv_by_suffix_and_post(api, team, events):
    suffix = api.get(base(team) + "funnel.csv", {"events": STEPS, **RANGE})
    assert one_row(suffix)["result.0.count"] == "2"
    posted = api.post(
        base(team) + "funnel/?format=csv", {"events": json.loads(STEPS), **RANGE}, format="json"
    )
    assert one_row(posted)["result.1.count"] == "1"


def test_funnel_correlation_csv(api, team, events):
    params = {"events": STEPS, **RANGE, "funnel_correlation_type": "events", "format": "csv"}
    row = one_row(api.get(base(team) + "funnel/correlation/", params))
    assert row["result.skewed"] == "False"
    # watched_video: done by the one who converted (a), by none of those who dropped (b)
    assert row["result.events.0.event.event"] == "watched_video"
    assert row["result.events.0.success_count"] == "1" and row["result.events.0.failure_count"] == "0"
    assert row["result.events.0.correlation_type"] == "success"


def test_retention_csv(api, team, events):
    params = {
        "target_entity": json.dumps({"id": "signup", "type": "events"}),
        "returning_entity": json.dumps({"id": "signup", "type": "events"}),
        "date_to": "2024-01-02",
        "total_intervals": 2,
        "format": "csv",
    }
    row = one_row(api.get(base(team) + "retention/", params))
    # 01-01 cohort {a, b}: a back on 01-02 → 2, 1; 01-02 cohort {a} → 1
    assert row["result.0.values.0.count"] == "2"
    assert row["result.0.values.1.count"] == "1"
    assert row["result.1.values.0.count"] == "1"


def test_path_csv_with_edges(api, team, clickhouse):
    capture_events(
        api,
        team,
        [
            {"event": "$pageview", "distinct_id": "a", "timestamp": "2024-01-01T10:00:00Z",
             "properties": {"$current_url": "/"}},
            {"event": "$pageview", "distinct_id": "a", "timestamp": "2024-01-01T10:01:00Z",
             "properties": {"$current_url": "/pricing"}},
        ],
    )  # fmt: skip
    row = one_row(api.get(base(team) + "path/", {**RANGE, "format": "csv"}))
    assert row["result.0.source"] == "1_/" and row["result.0.target"] == "2_/pricing"
    assert row["result.0.value"] == "1"


def test_trend_csv_keeps_posthog_series_rows(api, team, events):
    params = {"events": json.dumps([{"id": "signup"}]), **RANGE, "format": "csv"}
    response = api.get(base(team) + "trend/", params)
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("series,")
    assert lines[1].split(",")[1:] == ["2.0", "1.0", "0.0"]


def test_list_routes_csv(api, client, team, owner, events):
    api.post(base(team), {"name": "Signups"}, format="json")
    projects = one_row(api.get("/api/projects/", {"format": "csv"}))
    assert projects["results.0.id"] == str(team.id) and projects["results.0.name"] == team.name
    client.force_login(owner.user)  # listing keys needs a browser session
    keys = one_row(client.get("/api/personal_api_keys/", {"format": "csv"}))
    assert keys["label"] == "test" and keys["mask_value"].startswith("phx_...")
    activity = one_row(api.get(base(team) + "activity/", {"format": "csv"}))
    assert activity["results.0.activity"] == "created"
    assert activity["results.0.detail.name"] == "Signups"
    insights = one_row(api.get(base(team), {"format": "csv"}))
    assert insights["results.0.name"] == "Signups" and insights["count"] == "1"


def test_empty_list_csv_keeps_its_content_type(client, owner):
    # No keys left: the list is empty, and DRF drops the Content-Type of an empty body.
    PersonalAPIKey.objects.filter(user=owner.user).delete()
    client.force_login(owner.user)
    response = client.get("/api/personal_api_keys/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [[]]
