"""Capture through HTTP: stored rows, encodings, bad input, dedup (fixtures counted by hand)."""

from __future__ import annotations

import base64
import gzip
import json
import uuid
from datetime import UTC, datetime

import pytest

from tests.capture import capture_events

pytestmark = pytest.mark.django_db


def stored(backend, team, sql_tail="", params=None):
    result = backend.execute(
        "SELECT event, distinct_id, toString(timestamp), properties, person_properties, toString(person_id) "
        "FROM events WHERE team_id = {team_id:Int64} " + sql_tail + " ORDER BY timestamp, event",
        {"team_id": team.id, **(params or {})},
    )
    return result.rows


def test_capture_events_helper_stores_rows_with_exact_values(client, team, clickhouse):
    capture_events(
        client,
        team,
        [
            {
                "event": "$pageview",
                "distinct_id": "u1",
                "timestamp": "2024-01-05T10:00:00Z",
                "properties": {"$current_url": "https://example.com/a"},
            },
            {
                "event": "signed_up",
                "distinct_id": "u1",
                "timestamp": "2024-01-05T10:05:00.123456+00:00",
                "properties": {"$set": {"email": "u1@example.com"}},
            },
        ],
    )
    rows = stored(clickhouse, team)
    assert [row[:3] for row in rows] == [
        ["$pageview", "u1", "2024-01-05 10:00:00.000000"],
        ["signed_up", "u1", "2024-01-05 10:05:00.123456"],
    ]
    assert json.loads(rows[0][3]) == {"$current_url": "https://example.com/a"}
    # persons on events: the first event saw no properties, the second its own $set
    assert json.loads(rows[0][4]) == {}
    assert json.loads(rows[1][4]) == {"email": "u1@example.com"}
    assert rows[0][5] == rows[1][5]


def test_times_before_and_after_2001_and_huge_integers_are_stored_exactly(client, team, clickhouse):
    # Times are sent to ClickHouse as unix seconds from 2001-09-09 on (fewer digits could
    # read as a date), as text before; integers past 64 bits stay integers.
    huge = 123456789012345678901234567890
    capture_events(
        client,
        team,
        [
            {"event": "old", "distinct_id": "u", "timestamp": "1999-12-31T23:59:59.500001Z"},
            {"event": "edge", "distinct_id": "u", "timestamp": "2001-09-09T01:46:40Z"},
            {
                "event": "new",
                "distinct_id": huge,
                "timestamp": "2024-02-29T23:59:59.999999-01:00",
                "properties": {"$set": {"n": huge}, "n": huge},
            },
        ],
    )
    rows = stored(clickhouse, team)
    assert [row[:3] for row in rows] == [
        ["old", "u", "1999-12-31 23:59:59.500001"],
        ["edge", "u", "2001-09-09 01:46:40.000000"],
        ["new", str(huge), "2024-03-01 00:59:59.999999"],
    ]
    assert rows[2][3] == f'{{"$set":{{"n":{huge}}},"n":{huge}}}'
    assert rows[2][4] == f'{{"n":{huge}}}'
    created = clickhouse.execute(
        "SELECT toString(person_created_at) FROM events WHERE team_id = {t:Int64} ORDER BY timestamp",
        {"t": team.id},
    ).rows
    assert created == [
        ["1999-12-31 23:59:59.500001"],
        ["1999-12-31 23:59:59.500001"],
        ["2024-03-01 00:59:59.999999"],
    ]


def post(client, path, body, **extra):
    return client.generic("POST", path, body, **extra)


def count(backend, team):
    return backend.execute("SELECT count() FROM events WHERE team_id = {t:Int64}", {"t": team.id}).rows[0][0]


def batch_body(team, events):
    return json.dumps({"api_key": team.api_token, "batch": events}).encode()


@pytest.mark.parametrize("path", ["/batch/", "/batch", "/capture/", "/e/", "/e", "/i/v0/e/", "/i/v0/e"])
def test_every_capture_path_stores_and_answers_status_1(client, team, clickhouse, path):
    response = post(
        client, path, batch_body(team, [{"event": "e", "distinct_id": "d"}]), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {"status": 1}
    assert count(clickhouse, team) == 1


def test_single_event_with_token_inside_and_server_time(client, team, clickhouse):
    body = json.dumps({"token": team.api_token, "event": "clicked", "$distinct_id": 42}).encode()
    assert post(client, "/capture/", body, content_type="text/plain").status_code == 200
    row = clickhouse.execute(
        "SELECT distinct_id, dateDiff('second', timestamp, now64(6)) FROM events WHERE team_id = {t:Int64}",
        {"t": team.id},
    ).rows[0]
    # numeric distinct ids are stringified; no timestamp means "now" (a few seconds at most)
    assert row[0] == "42" and 0 <= row[1] < 60


def test_array_of_events_with_token_in_properties(client, team, clickhouse):
    events = [{"event": "a", "distinct_id": "x", "properties": {"token": team.api_token}} for _ in range(3)]
    assert (
        post(client, "/e/", json.dumps(events).encode(), content_type="application/json").status_code == 200
    )
    assert count(clickhouse, team) == 3


def test_gzip_by_header_by_query_param_and_by_magic_bytes(client, team, clickhouse):
    compressed = gzip.compress(batch_body(team, [{"event": "e", "distinct_id": "d"}]))
    assert (
        post(
            client, "/batch/", compressed, content_type="application/json", HTTP_CONTENT_ENCODING="gzip"
        ).status_code
        == 200
    )
    assert (
        post(client, "/i/v0/e/?compression=gzip-js", compressed, content_type="text/plain").status_code == 200
    )
    assert post(client, "/e/", compressed, content_type="text/plain").status_code == 200
    assert count(clickhouse, team) == 3  # one event per request


def test_base64_form_field_and_get_data_param(client, team, clickhouse):
    encoded = base64.b64encode(batch_body(team, [{"event": "e", "distinct_id": "d"}])).decode()
    response = post(
        client,
        "/e/",
        f"data={encoded}&compression=base64".encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert client.get("/e/", {"data": encoded}).status_code == 200
    # a plain body that is itself base64 text (legacy clients)
    assert post(client, "/capture/", encoded.encode(), content_type="text/plain").status_code == 200
    assert count(clickhouse, team) == 3


def test_unknown_missing_and_personal_tokens_are_401(client, team, clickhouse, owner):
    for token in ("phc_unknown", owner.key):
        body = json.dumps({"api_key": token, "batch": [{"event": "e", "distinct_id": "d"}]}).encode()
        response = post(client, "/batch/", body, content_type="application/json")
        assert response.status_code == 401
        assert response.json()["type"] == "authentication_error"
    body = json.dumps({"batch": [{"event": "e", "distinct_id": "d"}]}).encode()
    response = post(client, "/batch/", body, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["detail"] == "event submitted without an api_key"
    assert count(clickhouse, team) == 0


def test_malformed_bodies_are_400_with_a_reason(client, team, clickhouse):
    cases = {
        b"{not json": "invalid JSON",
        b"": "empty body",
        json.dumps({"api_key": team.api_token, "batch": []}).encode(): "empty batch",
        b"\x1f\x8b\x08garbage": "invalid gzip",
    }
    for body, reason in cases.items():
        response = post(client, "/batch/", body, content_type="application/json")
        assert response.status_code == 400, body
        assert reason in response.json()["detail"]


def test_too_large_is_413_raw_and_decompressed(client, team, clickhouse):
    big = batch_body(
        team, [{"event": "e", "distinct_id": "d", "properties": {"pad": "x" * (3 * 1024 * 1024)}}]
    )
    assert post(client, "/e/", big, content_type="application/json").status_code == 413
    # 3 MB of JSON gzips to a few KB: the limit applies after decompression too
    compressed = gzip.compress(big)
    assert len(compressed) < 100_000
    assert (
        post(
            client, "/i/v0/e/", compressed, content_type="text/plain", QUERY_STRING="compression=gzip"
        ).status_code
        == 413
    )
    # /batch/ allows 20 MB
    assert (
        post(
            client, "/batch/", compressed, content_type="application/json", HTTP_CONTENT_ENCODING="gzip"
        ).status_code
        == 200
    )
    assert count(clickhouse, team) == 1


def test_invalid_events_are_rejected_with_reasons_and_the_rest_stored(client, team, clickhouse):
    events = [
        {"event": "ok", "distinct_id": "a"},
        {"distinct_id": "a"},
        {"event": "no_id"},
        {"event": "ok", "distinct_id": "b", "uuid": "not-a-uuid"},
        {"event": "ok", "distinct_id": "b", "timestamp": "yesterday"},
        {"event": "ok", "distinct_id": "c"},
    ]
    response = post(client, "/batch/", batch_body(team, events), content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["accepted"] == 2
    assert [r["index"] for r in body["rejected"]] == [1, 2, 3, 4]
    assert body["rejected"][0]["reason"] == "event submitted without an event name"
    assert body["rejected"][1]["reason"] == "event submitted without a distinct_id"
    assert "invalid uuid" in body["rejected"][2]["reason"]
    assert "invalid timestamp" in body["rejected"][3]["reason"]
    assert "4 of 6 events rejected" in body["detail"]
    assert sorted(row[1] for row in stored(clickhouse, team)) == ["a", "c"]


def test_same_uuid_twice_stores_one_event(client, team, clickhouse):
    event_id = str(uuid.uuid4())
    event = {"event": "paid", "distinct_id": "u", "uuid": event_id, "timestamp": "2024-02-01T00:00:00Z"}
    capture_events(client, team, [event, dict(event)])  # twice in one batch
    capture_events(client, team, [dict(event, timestamp="2024-02-01T00:00:01Z")])  # a later retry
    rows = clickhouse.execute(
        "SELECT toString(uuid) FROM events WHERE team_id = {t:Int64}", {"t": team.id}
    ).rows
    assert rows == [[event_id]]


def test_clock_skew_is_corrected_with_sent_at(client, team, clickhouse):
    # The client's clock runs 1 hour fast: its event at 11:00 was sent at 11:00:10 (its time),
    # so the event happened 10 s before the server received it.
    body = json.dumps(
        {
            "api_key": team.api_token,
            "sent_at": "2030-01-01T11:00:10Z",
            "batch": [{"event": "e", "distinct_id": "d", "timestamp": "2030-01-01T11:00:00Z"}],
        }
    ).encode()
    assert post(client, "/batch/", body, content_type="application/json").status_code == 200
    lag = clickhouse.execute(
        "SELECT dateDiff('millisecond', timestamp, created_at) FROM events WHERE team_id = {t:Int64}",
        {"t": team.id},
    ).rows[0][0]
    assert 9_000 <= lag <= 12_000


def test_offset_means_milliseconds_before_now(client, team, clickhouse):
    body = json.dumps(
        {"api_key": team.api_token, "batch": [{"event": "e", "distinct_id": "d", "offset": 60_000}]}
    )
    assert post(client, "/batch/", body.encode(), content_type="application/json").status_code == 200
    lag = clickhouse.execute(
        "SELECT dateDiff('millisecond', timestamp, created_at) FROM events WHERE team_id = {t:Int64}",
        {"t": team.id},
    ).rows[0][0]
    assert 59_000 <= lag <= 62_000


def test_cors_preflight_mirrors_origin_with_credentials(client, team):
    response = client.options(
        "/i/v0/e/", HTTP_ORIGIN="https://shop.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert response["Access-Control-Allow-Credentials"] == "true"


def test_groups_fill_group_columns_in_order_of_first_appearance(client, team, clickhouse):
    capture_events(
        client,
        team,
        [
            {"event": "a", "distinct_id": "u", "properties": {"$groups": {"company": "acme"}}},
            {
                "event": "b",
                "distinct_id": "u",
                "properties": {"$groups": {"project": 7, "company": "globex"}},
            },
            {
                "event": "$groupidentify",
                "distinct_id": "u",
                "properties": {"$group_type": "team", "$group_key": "t1", "$group_set": {"name": "T"}},
            },
            {"event": "c", "distinct_id": "u"},
        ],
    )
    rows = clickhouse.execute(
        "SELECT event, `$group_0`, `$group_1`, `$group_2` FROM events WHERE team_id = {t:Int64} ORDER BY event",
        {"t": team.id},
    ).rows
    # company -> 0 (first seen), project -> 1, team -> 2; keys are stored as text
    assert rows == [
        ["$groupidentify", "", "", "t1"],
        ["a", "acme", "", ""],
        ["b", "globex", "7", ""],
        ["c", "", "", ""],
    ]


def test_posthog_js_shaped_request_with_client_clock_in_query(client, team, clickhouse):
    # posthog-js: gzip body of an event array, token in properties, client send time in `_`.
    # The browser clock is 2 hours behind: its event at 08:00:00 was sent at 08:00:30 (its time),
    # so the event is stored 30 s before the server received the request.
    sent_ms = int(datetime(2030, 1, 1, 8, 0, 30, tzinfo=UTC).timestamp() * 1000)
    events = [
        {
            "event": "$pageview",
            "properties": {
                "token": team.api_token,
                "distinct_id": "browser-1",
                "$current_url": "https://x.io/",
                "$session_id": "s-1",
            },
            "timestamp": "2030-01-01T08:00:00.000Z",
        }
    ]
    body = gzip.compress(json.dumps(events).encode())
    response = post(
        client,
        f"/e/?compression=gzip-js&ver=1.200.0&_={sent_ms}",
        body,
        content_type="text/plain",
        HTTP_ORIGIN="https://x.io",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://x.io"
    row = clickhouse.execute(
        "SELECT distinct_id, `$session_id`, dateDiff('millisecond', timestamp, created_at) FROM events "
        "WHERE team_id = {t:Int64}",
        {"t": team.id},
    ).rows[0]
    assert row[:2] == ["browser-1", "s-1"]
    assert 29_000 <= row[2] <= 32_000


def test_out_of_range_clock_values_reject_one_event_or_are_ignored(client, team, clickhouse):
    events = [{"event": "ok", "distinct_id": "a"}, {"event": "far", "distinct_id": "b", "offset": 10**20}]
    response = post(
        client, "/batch/?_=99999999999999999999", batch_body(team, events), content_type="text/plain"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["accepted"] == 1 and [r["index"] for r in body["rejected"]] == [1]
    assert "out of range" in body["rejected"][0]["reason"]
    assert [row[1] for row in stored(clickhouse, team)] == ["a"]


def test_a_gzipped_form_field_and_non_ascii_text_keep_their_bytes(client, team, clickhouse):
    from urllib.parse import quote_from_bytes

    zipped = gzip.compress(batch_body(team, [{"event": "café", "distinct_id": "d"}]))
    form = f"data={quote_from_bytes(zipped)}&compression=gzip".encode()
    response = post(client, "/e/", form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert [row[0] for row in stored(clickhouse, team)] == ["café"]
