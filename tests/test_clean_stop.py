"""A stop is clean every time: SIGTERM to the server (gunicorn with the project's config)
exits 0 within the graceful timeout, with every acknowledged event in the store and no
crash in chDB's teardown, stop after stop."""

from __future__ import annotations

import time

import requests

from tests.live_stack import Server

STOPS = 4
GRACEFUL_SECONDS = 10


def _count(server: Server) -> int:
    query = {
        "kind": "TrendsQuery",
        "series": [{"kind": "EventsNode", "event": "stopped", "math": "total"}],
        "dateRange": {"date_from": "-7d"},
        "trendsFilter": {"display": "BoldNumber"},
    }
    response = requests.post(
        f"{server.base}/api/projects/{server.team_id}/query/",
        json={"query": query, "refresh": "force_blocking"},
        headers=server.auth,
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return int(response.json()["results"][0]["aggregated_value"])


def test_repeated_stops_exit_zero_and_keep_every_event(tmp_path):
    server = Server(tmp_path, env={"WEB_GRACEFUL_TIMEOUT": str(GRACEFUL_SECONDS)}).prepare()
    sent = 0
    try:
        for round_number in range(STOPS):
            server.port = server.port  # same port each time: a stop must release it
            server.start()
            assert _count(server) == sent  # what the last process acknowledged is all there
            batch = [
                {"event": "stopped", "distinct_id": f"user-{round_number}-{i}", "properties": {"n": i}}
                for i in range(50)
            ]
            answer = requests.post(
                f"{server.base}/batch/",
                json={"api_key": server.project["api_token"], "batch": batch},
                timeout=30,
            )
            assert answer.status_code == 200, answer.text
            sent += len(batch)
            started = time.monotonic()
            code = server.stop(timeout=GRACEFUL_SECONDS + 15)
            took = time.monotonic() - started
            assert code == 0, server.log()[-3000:]
            assert took < GRACEFUL_SECONDS + 5, f"stop took {took:.1f}s"
        server.start()
        assert _count(server) == sent
        assert server.stop(timeout=GRACEFUL_SECONDS + 15) == 0
    finally:
        server.kill()
    log = server.log()
    assert "Segmentation fault" not in log and "SIGSEGV" not in log
    assert "global_context->shutdown" not in log
    assert "was sent SIGKILL" not in log and "WORKER TIMEOUT" not in log
    assert log.count("clean stop done") == STOPS + 1
