"""Running compiled HogQL: server-chosen settings, and ClickHouse's errors as our own words."""

from __future__ import annotations

from typing import Any

from query_engine.backends import BackendError, QueryTimeout, get_backend
from query_engine.backends.base import QueryResult
from query_engine.backends.query_limits import limit_message, limit_settings
from query_engine.hogql.errors import HogQLError
from query_engine.runners.common import timeout_for

# Settings every HogQL statement runs with; users cannot write SETTINGS.
HOGQL_SETTINGS: dict[str, Any] = {
    "readonly": 2,
    "transform_null_in": 1,
    "max_ast_elements": 4_000_000,
    "max_expanded_ast_elements": 4_000_000,
    "max_bytes_before_external_group_by": 0,
}

# ClickHouse error code → what the client is told (never ClickHouse's own text).
USER_ERRORS = {
    6: "A value could not be parsed.",
    27: "A value could not be parsed.",
    36: "An argument has a bad value.",
    38: "A value could not be parsed as a date.",
    41: "A value could not be parsed as a date.",
    43: "A function got arguments of the wrong type.",
    44: "A column is not allowed here.",
    47: "An identifier could not be resolved.",
    53: "Values of different types were compared or combined.",
    69: "A number is out of range.",
    70: "A value could not be converted.",
    72: "A value could not be parsed as a number.",
    179: "Two expressions use the same alias.",
    184: "Aggregations cannot be nested.",
    215: "A column is neither aggregated nor in GROUP BY.",
    241: "The query used more memory than allowed.",
    306: "The query is nested too deeply.",
    352: "A column name is ambiguous.",
    386: "Values of these types have no common type.",
    396: "The query returns more rows than allowed.",
    403: "The JOIN condition is not supported.",
    427: "A regular expression is not valid.",
    158: "The query reads more rows than allowed.",
}


def run_hogql(sql: str, params: dict[str, Any], *, timeout_key: str = "default") -> QueryResult:
    settings = {**limit_settings(timeout_for(timeout_key)), **HOGQL_SETTINGS}
    try:
        return get_backend().execute(sql, params, settings=settings)
    except QueryTimeout:
        raise
    except BackendError as exc:
        if (message := limit_message(exc.code)) is not None:
            # The same code as the insight runners' limit errors: one thing for clients to match.
            raise HogQLError(message, attr=None, code="query_too_large") from exc
        if exc.code in USER_ERRORS:
            raise HogQLError(f"The query could not run: {USER_ERRORS[exc.code]}", attr=None) from exc
        if exc.code is not None:
            # ClickHouse refused the statement: the query's doing, told without ClickHouse's text.
            raise HogQLError(f"The query could not run (ClickHouse error {exc.code}).", attr=None) from exc
        raise
