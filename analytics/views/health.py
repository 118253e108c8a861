"""``/_health``: readiness of each component the API depends on.

Each check runs in its own thread and is given ``HEALTH_CHECK_TIMEOUT_SECONDS``:
a hung store is reported as such, it never hangs the probe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from insights_api.store_failures import cache_breaker
from query_engine.backends import get_backend


def _check_database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()  # the check's own thread: its connection would outlive it


def _check_clickhouse() -> None:
    if not get_backend().ping():
        raise RuntimeError("ClickHouse did not answer")


def _check_cache() -> None:
    if cache_breaker().is_open:
        raise RuntimeError("cache unavailable (recent failure)")
    cache.set("health:probe", "ok", 10)
    if cache.get("health:probe") != "ok":
        raise RuntimeError("cache did not keep a value")


CHECKS: dict[str, Callable[[], None]] = {
    "metadata_db": _check_database,
    "clickhouse": _check_clickhouse,
    "cache": _check_cache,
}


def _run(check: Callable[[], None], outcome: dict) -> None:
    started = time.monotonic()
    try:
        check()
        outcome.update(ok=True)
    except Exception as exc:  # readiness reports any failure, it never raises
        outcome.update(ok=False, error=str(exc)[:300])
    outcome["ms"] = round((time.monotonic() - started) * 1000, 1)


def health(request) -> JsonResponse:
    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    outcomes: dict[str, dict] = {name: {} for name in CHECKS}
    threads = [
        threading.Thread(target=_run, args=(check, outcomes[name]), name=f"health-{name}", daemon=True)
        for name, check in CHECKS.items()
    ]
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    components = {}
    for name, outcome in outcomes.items():
        done = dict(outcome)
        components[name] = done if "ok" in done else {"ok": False, "error": f"no answer within {timeout} s"}
    ready = all(c["ok"] for c in components.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "components": components}, status=200 if ready else 503
    )
