"""The ClickHouse HTTP test double speaks what clickhouse-connect expects of a server.

The double runs in its own process, as in CI's server-mode suite; these tests talk to it
through clickhouse-connect (as the product does) and through plain HTTP where the wire
form itself is the point.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid

import clickhouse_connect
import pytest
from clickhouse_connect.driver.exceptions import DatabaseError


@pytest.fixture(scope="module")
def double_url(clickhouse_double):
    return clickhouse_double.url


@pytest.fixture(scope="module")
def client(double_url):
    port = int(double_url.rsplit(":", 1)[1])
    bootstrap = clickhouse_connect.get_client(host="127.0.0.1", port=port)
    bootstrap.command("CREATE DATABASE IF NOT EXISTS double_test")
    client = clickhouse_connect.get_client(
        host="127.0.0.1", port=port, database="double_test", autogenerate_session_id=False
    )
    client.command("DROP TABLE IF EXISTS t")
    client.command("CREATE TABLE t (a UInt64, b String) ENGINE = MergeTree ORDER BY a")
    yield client
    client.close()


def http(url: str, body: bytes = b"", headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, data=body, headers=headers or {}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_native_results_bound_parameters_and_inserts_in_both_formats(client):
    client.command("TRUNCATE TABLE t")
    client.insert("t", [[1, "one"], [2, "two"]], column_names=["a", "b"])  # Native, lz4
    client.raw_insert("t", insert_block=b'{"a":3,"b":"it\'s \\\\ three"}\n', fmt="JSONEachRow")
    rows = client.query("SELECT a, b FROM t WHERE a >= {low:UInt64} ORDER BY a", parameters={"low": 2})
    assert rows.result_rows == [(2, "two"), (3, "it's \\ three")]
    assert rows.summary["read_rows"] == "3" and rows.summary["result_rows"] == "2"


def test_long_parameters_go_as_multipart_and_are_read(client):
    client.command("TRUNCATE TABLE t")
    client.insert("t", [[n, str(n)] for n in range(5)], column_names=["a", "b"])
    ids = [str(n) for n in range(3)] + ["x" * 20000]  # too long for a URL
    rows = client.query("SELECT count() FROM t WHERE b IN {ids:Array(String)}", parameters={"ids": ids})
    assert rows.result_rows == [(3,)]


def test_settings_apply_to_their_query_only(client):
    value = "SELECT value FROM system.settings WHERE name = 'max_threads'"
    default = client.query(value).result_rows
    assert client.query(value, settings={"max_threads": 3}).result_rows == [("3",)]
    assert client.query(value).result_rows == default


def test_an_unknown_setting_fails_as_on_a_server(client):
    with pytest.raises(DatabaseError) as caught:
        client.query("SELECT 1", settings={"no_such_setting_x": 1})
    assert "UNKNOWN_SETTING" in str(caught.value) and "Code: 115" in str(caught.value)


def test_errors_have_clickhouses_form_status_and_header(double_url):
    status, headers, body = http(f"{double_url}/", b"SELECT nosuch()")
    assert status == 404
    assert headers["X-ClickHouse-Exception-Code"] == "46"
    text = body.decode()
    assert text.startswith("Code: 46. DB::Exception: Function with name `nosuch` does not exist")
    assert "(UNKNOWN_FUNCTION) (version " in text
    status, headers, _ = http(f"{double_url}/", b"SELEC 1")
    assert (status, headers["X-ClickHouse-Exception-Code"]) == (400, "62")


def test_headers_formats_and_compression(double_url):
    query_id = str(uuid.uuid4())
    status, headers, body = http(
        f"{double_url}/?default_format=JSONCompact&query_id={query_id}&enable_http_compression=1",
        b"SELECT number FROM numbers(4)",
        {"Accept-Encoding": "zstd, gzip"},
    )
    assert status == 200
    assert headers["X-ClickHouse-Query-Id"] == query_id
    assert headers["X-ClickHouse-Format"] == "JSONCompact"
    assert headers["Content-Encoding"] == "zstd"
    from backports import zstd

    document = json.loads(zstd.decompress(body))
    assert document["data"] == [[0], [1], [2], [3]]
    assert document["statistics"]["rows_read"] == 4
    assert json.loads(headers["X-ClickHouse-Summary"])["read_rows"] == "4"
    # A FORMAT clause wins over default_format; no compression unless asked.
    status, headers, body = http(
        f"{double_url}/?default_format=JSONCompact", b"SELECT 7 AS x FORMAT TSVWithNames"
    )
    assert (headers["X-ClickHouse-Format"], body, "Content-Encoding" in headers) == (
        "TSVWithNames",
        b"x\n7\n",
        False,
    )


def test_a_session_keeps_its_settings_and_takes_one_request_at_a_time(double_url):
    session = f"s-{uuid.uuid4()}"
    value = b"SELECT value FROM system.settings WHERE name = 'max_threads'"
    assert http(f"{double_url}/?session_id={session}", b"SET max_threads = 5")[0] == 200
    assert http(f"{double_url}/?session_id={session}", value)[2] == b"5\n"
    assert http(f"{double_url}/", value)[2] != b"5\n"  # other requests do not see it

    slow = f"{double_url}/?session_id={session}"
    thread = threading.Thread(target=http, args=(slow, b"SELECT sleep(1)"))
    thread.start()
    time.sleep(0.3)
    status, headers, _ = http(slow, b"SELECT 1")
    thread.join()
    assert (status, headers["X-ClickHouse-Exception-Code"]) == (500, "373")


def test_kill_query_cancels_a_running_query(client, double_url):
    """KILL answers at once; the killed query fails with 394 QUERY_WAS_CANCELLED."""
    http(f"{double_url}/_double/faults", json.dumps([{"match": "slow_marker", "delay": 30}]).encode())
    outcome: dict[str, object] = {}

    def run() -> None:
        started = time.monotonic()
        try:
            client.raw_query("SELECT 1 AS slow_marker", settings={"query_id": "to-kill"})
        except DatabaseError as exc:
            outcome["error"] = str(exc)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 10
    while "to-kill" not in json.loads(urllib.request.urlopen(f"{double_url}/_double/running").read()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    answer = client.command("KILL QUERY WHERE query_id = {q:String} ASYNC", parameters={"q": "to-kill"})
    thread.join(timeout=10)
    http(f"{double_url}/_double/faults", b"[]")
    assert answer[:2] == ["waiting", "to-kill"]
    assert "Code: 394" in str(outcome["error"]) and outcome["seconds"] < 5
    assert client.command("KILL QUERY WHERE query_id = 'gone' SYNC") == ""  # nothing to kill


def test_a_duplicate_running_query_id_is_refused(client, double_url):
    http(f"{double_url}/_double/faults", json.dumps([{"match": "dup_marker", "delay": 1}]).encode())
    thread = threading.Thread(
        target=client.raw_query, args=("SELECT 1 AS dup_marker",), kwargs={"settings": {"query_id": "dup"}}
    )
    thread.start()
    time.sleep(0.3)
    with pytest.raises(DatabaseError) as caught:
        client.raw_query("SELECT 2", settings={"query_id": "dup"})
    thread.join()
    http(f"{double_url}/_double/faults", b"[]")
    assert "Code: 216" in str(caught.value)


def test_get_requests_are_read_only(double_url):
    with urllib.request.urlopen(f"{double_url}/?query=SELECT%2042") as response:
        assert response.read() == b"42\n"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{double_url}/?query=CREATE%20DATABASE%20x")
    assert caught.value.headers["X-ClickHouse-Exception-Code"] == "164"


def test_a_read_only_query_whose_client_hangs_up_is_dropped(clickhouse_double):
    """As ClickHouse with cancel_http_readonly_queries_on_client_close=1 (clickhouse-connect's default)."""
    import socket

    clickhouse_double.set_faults([{"match": "hangup_marker", "delay": 30}])
    body = b"SELECT 1 AS hangup_marker"
    request = (
        b"POST /?query_id=hung-up&cancel_http_readonly_queries_on_client_close=1 HTTP/1.1\r\n"
        b"Host: x\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    try:
        with socket.create_connection(("127.0.0.1", clickhouse_double.port)) as conn:
            conn.sendall(request)
            deadline = time.monotonic() + 10
            while "hung-up" not in clickhouse_double.running():
                assert time.monotonic() < deadline
                time.sleep(0.05)
        deadline = time.monotonic() + 5
        while "hung-up" in clickhouse_double.running():
            assert time.monotonic() < deadline, "the statement outlived its client"
            time.sleep(0.05)
    finally:
        clickhouse_double.set_faults([])
