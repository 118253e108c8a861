"""A ClickHouse server or cluster through clickhouse-connect (HTTP)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlparse

from query_engine.backends.base import (
    BackendError,
    ProgressCallback,
    QueryResult,
    classify_error,
    encode_json_rows,
    finish_result,
    merged_settings,
)
from query_engine.backends.binding import normalize_params
from query_engine.backends.execution_context import current as current_execution
from query_engine.backends.read_hooks import before_read


def client_kwargs(url: str, database: str) -> dict[str, Any]:
    """``clickhouse://user:pass@host:8123/db?secure=1`` → clickhouse-connect arguments."""
    parsed = urlparse(url)
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    secure = parsed.scheme in ("https", "clickhouses") or options.get("secure") in ("1", "true")
    return {
        "host": parsed.hostname or "localhost",
        "port": parsed.port or (8443 if secure else 8123),
        "username": parsed.username or "default",
        "password": parsed.password or "",
        "database": (parsed.path or "").lstrip("/") or database,
        "secure": secure,
    }


class ClickHouseConnectBackend:
    name = "clickhouse-connect"
    single_writer = False  # any number of processes may write to a server

    def __init__(self, url: str, database: str, cluster: str | None = None) -> None:
        import clickhouse_connect

        from query_engine.schema.cluster import CLUSTER_QUERY_SETTINGS

        # Every statement on a cluster carries the settings its Distributed tables need.
        self._cluster_settings: dict[str, Any] = dict(CLUSTER_QUERY_SETTINGS) if cluster else {}

        kwargs = client_kwargs(url, database)
        self.database = kwargs["database"]
        bootstrap = clickhouse_connect.get_client(**{**kwargs, "database": "default"})
        bootstrap.command(f"CREATE DATABASE IF NOT EXISTS `{self.database}`")
        bootstrap.close()
        self._kwargs = kwargs
        self._client = clickhouse_connect.get_client(**kwargs, autogenerate_session_id=False)

    def execute(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        settings: Mapping[str, Any] | None = None,
        query_id: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> QueryResult:
        before_read(self)
        all_settings = merged_settings(self._cluster_settings, settings)
        # An async job's statements carry its id, so cancelling the job can kill them.
        query_id = query_id or current_execution().query_id
        on_progress = on_progress or current_execution().on_progress
        if query_id:
            all_settings["query_id"] = query_id
        started = time.monotonic()
        try:
            raw = self._client.raw_query(
                sql.rstrip().rstrip(";"),
                parameters=normalize_params(params),
                settings=all_settings,
                fmt="JSONCompact",
            )
        except Exception as exc:
            raise classify_error(str(exc)) from exc
        return finish_result(raw, started=started, on_progress=on_progress)

    def fetch_row_binary(self, sql: str, params: Mapping[str, Any] | None = None) -> bytes:
        before_read(self)
        try:
            return self._client.raw_query(
                sql,
                parameters=normalize_params(params),
                settings=self._cluster_settings or None,
                fmt="RowBinary",
            )
        except Exception as exc:
            raise classify_error(str(exc)) from exc

    def command(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        try:
            self._client.command(
                sql, parameters=normalize_params(params) or None, settings=self._cluster_settings or None
            )
        except Exception as exc:
            raise classify_error(str(exc)) from exc

    def insert_json_rows(self, table: str, rows: Iterable[Mapping[str, Any]]) -> int:
        payload, count = encode_json_rows(rows)
        if count:
            self.insert_json_payload(table, payload)
        return count

    def insert_json_payload(self, table: str, payload: bytes) -> None:
        try:
            self._client.raw_insert(
                table, insert_block=payload, settings=self._cluster_settings or None, fmt="JSONEachRow"
            )
        except Exception as exc:
            raise classify_error(str(exc)) from exc

    def cancel(self, query_id: str) -> bool:
        try:
            self._client.command(
                "KILL QUERY WHERE query_id = {qid:String} ASYNC", parameters={"qid": query_id}
            )
        except Exception:
            return False
        return True

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except BackendError:
            return False

    def close(self) -> None:
        self._client.close()
