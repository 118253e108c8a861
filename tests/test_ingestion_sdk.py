"""The official posthog Python SDK, in sync mode, against a live server: exact counts back."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from posthog import Posthog
from posthog import request as posthog_request
from posthog.request import APIError

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sdk(live_server, team, clickhouse, monkeypatch):
    # A fresh connection per request: a kept-alive one can hold a server thread (and its
    # database connection) open after the test, past the test database's teardown.
    monkeypatch.setattr(posthog_request, "_pooling_enabled", False)
    clients = []

    def make(token: str | None = None, **options) -> Posthog:
        client = Posthog(
            token or team.api_token, host=live_server.url, sync_mode=True, max_retries=0, **options
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.shutdown()


def events_of(backend, team):
    return backend.execute(
        "SELECT event, distinct_id, properties, person_properties FROM events "
        "WHERE team_id = {t:Int64} ORDER BY timestamp, event",
        {"t": team.id},
    ).rows


@pytest.mark.parametrize("gzip", [False, True])
def test_sdk_capture_stores_every_event(sdk, team, clickhouse, gzip):
    posthog = sdk(gzip=gzip)
    for index in range(5):
        posthog.capture("button clicked", distinct_id="user-7", properties={"index": index})
    posthog.capture("$pageview", distinct_id="user-8", properties={"$current_url": "https://x.io/"})
    rows = events_of(clickhouse, team)
    # 5 clicks by user-7 and 1 pageview by user-8
    assert (
        sorted((row[0], row[1]) for row in rows)
        == [("$pageview", "user-8")] + [("button clicked", "user-7")] * 5
    )
    click = json.loads(rows[0][2]) if rows[0][0] == "button clicked" else json.loads(rows[1][2])
    assert click["$lib"] == "posthog-python"


def test_sdk_historical_timestamp_and_uuid_dedup(sdk, team, clickhouse):
    posthog = sdk()
    event_id = str(uuid.uuid4())
    when = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
    posthog.capture("paid", distinct_id="u", timestamp=when, uuid=event_id)
    posthog.capture("paid", distinct_id="u", timestamp=when, uuid=event_id)  # a retry of the same event
    rows = clickhouse.execute(
        "SELECT toString(uuid), toDate(timestamp) FROM events WHERE team_id = {t:Int64}", {"t": team.id}
    ).rows
    # sent_at skew correction keeps the event on its day (the client and server share a clock)
    assert rows == [[event_id, "2024-01-10"]]


def test_sdk_set_set_once_and_alias_merge(sdk, team, clickhouse):
    posthog = sdk()
    posthog.capture("$pageview", distinct_id="anon-42")
    posthog.set(distinct_id="anon-42", properties={"plan": "free"})
    posthog.capture("$pageview", distinct_id="jane@x.io")
    posthog.set_once(distinct_id="jane@x.io", properties={"signup_source": "ads"})
    posthog.alias(previous_id="jane@x.io", distinct_id="anon-42")
    posthog.capture("$identify", distinct_id="jane@x.io", properties={"$anon_distinct_id": "anon-42"})
    persons = clickhouse.execute(
        """
        SELECT uniqExact(if(o.distinct_id != '', o.person_id, e.person_id))
        FROM events AS e LEFT JOIN (
            SELECT distinct_id, argMax(person_id, version) AS person_id
            FROM person_distinct_id_overrides WHERE team_id = {t:Int64} GROUP BY distinct_id
        ) AS o ON o.distinct_id = e.distinct_id
        WHERE e.team_id = {t:Int64}
        """,
        {"t": team.id},
    ).rows[0][0]
    # 6 events from two distinct ids that the alias merged: one person
    assert len(events_of(clickhouse, team)) == 6
    assert persons == 1
    live = clickhouse.execute(
        "SELECT argMax(properties, version) FROM person WHERE team_id = {t:Int64} "
        "GROUP BY id HAVING argMax(is_deleted, version) = 0",
        {"t": team.id},
    ).rows
    assert [json.loads(row[0]) for row in live] == [{"plan": "free", "signup_source": "ads"}]


def test_sdk_with_wrong_token_gets_401_and_stores_nothing(sdk, team, clickhouse, caplog):
    sdk(token="phc_wrong").capture("e", distinct_id="d")  # the SDK never raises; it logs the answer
    answers = [
        (record.exc_info[1].status, record.exc_info[1].message)
        for record in caplog.records
        if record.exc_info and isinstance(record.exc_info[1], APIError)
    ]
    # The logged traceback holds the SDK's open HTTP response; drop it so it closes.
    caplog.clear()
    assert answers == [(401, "Project API key invalid. The project's API key is in its settings (phc_...).")]
    assert events_of(clickhouse, team) == []
