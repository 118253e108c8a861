"""What an async job's failure tells the client: the engine's own refusals word for word,
ClickHouse's text never (it can carry SQL and server internals)."""

from __future__ import annotations

from query_engine.errors import BackendError, QueryError
from query_engine.refresh.tasks import safe_message


def test_store_errors_name_the_code_not_the_text():
    raw = "Code: 60. DB::Exception: Unknown table expression identifier 'secret_table' in scope SELECT …"
    message = safe_message(BackendError(raw, code=60))
    assert message == "The event store could not run the query (ClickHouse error 60)."
    assert safe_message(BackendError("connection refused")) == "The event store could not run the query."


def test_engine_refusals_keep_their_detail():
    assert (
        safe_message(QueryError("Action 7 does not exist.", attr="series__0__id"))
        == "Action 7 does not exist."
    )
    assert safe_message(RuntimeError("boom")) is None
