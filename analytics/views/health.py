"""``/_health``: readiness of each component the API depends on."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from query_engine.backends import get_backend


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_clickhouse() -> None:
    if not get_backend().ping():
        raise RuntimeError("ClickHouse did not answer")


def _check_cache() -> None:
    cache.set("health:probe", "ok", 10)
    if cache.get("health:probe") != "ok":
        raise RuntimeError("cache did not keep a value")


CHECKS: dict[str, Callable[[], None]] = {
    "metadata_db": _check_database,
    "clickhouse": _check_clickhouse,
    "cache": _check_cache,
}


def health(request) -> JsonResponse:
    components = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
            components[name] = {"ok": True}
        except Exception as exc:  # readiness reports any failure, it never raises
            components[name] = {"ok": False, "error": str(exc)[:300]}
        components[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    ready = all(c["ok"] for c in components.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "components": components}, status=200 if ready else 503
    )
