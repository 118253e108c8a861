"""Pure decoding and validation rules (no database, no HTTP)."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest

from analytics.ingestion.decoding import decode_body, to_payload
from analytics.ingestion.errors import CaptureError, EventRejected, InvalidToken, PayloadTooLarge
from analytics.ingestion.events import parse_event
from analytics.ingestion.timestamps import clickhouse_datetime, event_time, parse_timestamp

NOW = datetime(2030, 6, 1, 12, 0, 0, tzinfo=UTC)
DOC = {"api_key": "phc_a", "batch": [{"event": "e", "distinct_id": "d"}]}


def decode(body: bytes, **kwargs):
    return decode_body(body, query=kwargs.pop("query", {}), limit=kwargs.pop("limit", 1000), **kwargs)


def test_every_encoding_decodes_to_the_same_document():
    raw = json.dumps(DOC).encode()
    b64 = base64.b64encode(raw)
    assert decode(raw) == DOC
    assert decode(gzip.compress(raw)) == DOC  # magic bytes, no hint
    assert decode(gzip.compress(raw), content_encoding="gzip") == DOC
    assert decode(b"data=" + b64, content_type="application/x-www-form-urlencoded") == DOC
    assert decode(b"data=" + base64.urlsafe_b64encode(raw).rstrip(b"=")) == DOC
    assert decode(b64, content_type="text/plain") == DOC


def test_size_limit_applies_before_and_after_decompression():
    raw = json.dumps({"pad": "x" * 2000}).encode()
    with pytest.raises(PayloadTooLarge):
        decode(raw)
    with pytest.raises(PayloadTooLarge):
        decode(gzip.compress(raw))


def test_lz64_is_refused_with_a_reason():
    with pytest.raises(CaptureError, match="lz64"):
        decode(b"xyz", query={"compression": "lz64"})


def test_token_sources_and_mixed_tokens():
    assert to_payload({"token": "phc_t", "event": "e"}, {}).token == "phc_t"
    assert to_payload([{"event": "e", "properties": {"token": "phc_p"}}], {}).token == "phc_p"
    assert to_payload({"batch": [{"event": "e"}]}, {"token": "phc_q"}).token == "phc_q"
    with pytest.raises(InvalidToken):
        to_payload([{"event": "e", "token": "phc_1"}, {"event": "e", "token": "phc_2"}], {})


def test_sent_at_from_body_either_spelling_or_query_ms():
    assert to_payload({**DOC, "sentAt": "2030-06-01T12:00:00Z"}, {}).sent_at == NOW
    assert to_payload(DOC, {"_": str(int(NOW.timestamp() * 1000))}).sent_at == NOW


def test_event_time_rules():
    ts = datetime(2030, 6, 1, 13, 0, tzinfo=UTC)
    sent = datetime(2030, 6, 1, 13, 0, 5, tzinfo=UTC)
    # client clock 1 h ahead: the event is 5 s before the server received it
    assert event_time(timestamp=ts, sent_at=sent, offset_ms=None, now=NOW) == NOW - timedelta(seconds=5)
    assert event_time(timestamp=ts, sent_at=None, offset_ms=None, now=NOW) == ts
    assert event_time(timestamp=None, sent_at=None, offset_ms=1500, now=NOW) == NOW - timedelta(seconds=1.5)
    assert event_time(timestamp=None, sent_at=sent, offset_ms=None, now=NOW) == NOW


def test_timestamp_parsing_and_clickhouse_text():
    assert parse_timestamp("2030-06-01T14:00:00+02:00") == NOW
    assert parse_timestamp("2030-06-01 12:00:00") == NOW  # naive means UTC
    assert parse_timestamp("0001-01-01T00:00:00Z") is None  # outside DateTime64
    assert parse_timestamp("soon") is None
    assert clickhouse_datetime(NOW + timedelta(microseconds=7)) == "2030-06-01 12:00:00.000007"


def test_parse_event_normalises_fields():
    event = parse_event(
        {
            "event": "e",
            "distinct_id": {"id": 5},
            "uuid": "0189F3A6-0000-7000-8000-000000000001",
            "$set": {"a": 1},
            "properties": {"$set_once": {"b": 2}, "$unset": ["c"], "$elements_chain": "a:b", "token": "x"},
        },
        sent_at=None,
        now=NOW,
    )
    assert event.distinct_id == '{"id":5}'
    assert event.uuid == "0189f3a6-0000-7000-8000-000000000001"
    assert (event.set, event.set_once, event.unset) == ({"a": 1}, {"b": 2}, ["c"])
    assert event.elements_chain == "a:b"
    assert event.properties == {"$set_once": {"b": 2}, "$unset": ["c"], "$set": {"a": 1}}
    assert event.timestamp == NOW


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({"distinct_id": "d"}, "without an event name"),
        ({"event": "e"}, "without a distinct_id"),
        ({"event": "e", "distinct_id": "  "}, "empty distinct_id"),
        ({"event": "e", "distinct_id": "d", "properties": []}, "properties must be"),
        ({"event": "e", "distinct_id": "d", "uuid": "x"}, "invalid uuid"),
        ({"event": "e", "distinct_id": "d", "timestamp": 5}, "invalid timestamp"),
        ("e", "must be a JSON object"),
    ],
)
def test_parse_event_rejections(raw, reason):
    with pytest.raises(EventRejected, match=reason):
        parse_event(raw, sent_at=None, now=NOW)


def test_distinct_id_falls_back_to_properties_and_is_truncated():
    event = parse_event({"event": "e", "properties": {"distinct_id": "p" * 300}}, sent_at=None, now=NOW)
    assert event.distinct_id == "p" * 200
