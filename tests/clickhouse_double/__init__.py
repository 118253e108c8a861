"""A test double for a ClickHouse server: ClickHouse's HTTP interface over chDB.

Test-only (never shipped): it lets the clickhouse-connect backend, several web
processes and separate Celery workers run against one shared event store on a
machine where no ClickHouse server can be installed. chDB is ClickHouse's own
engine, so SQL, types, formats and error codes are ClickHouse's; the double adds
the HTTP layer clickhouse-connect speaks:

- the query in the URL (``query=``) and/or the POST body; an INSERT's data in the
  body after ``query=`` (any input format chDB reads, Native included);
- ``param_NAME`` bindings, ``database``, ``default_format``, ``query_id`` and
  per-query settings as URL parameters (unknown settings fail as on a server);
- ``session_id``: one request at a time per session (373 otherwise) and ``SET``
  inside a session kept for its later queries;
- response compression (``enable_http_compression=1`` + ``Accept-Encoding``:
  lz4, zstd, gzip, deflate) and compressed request bodies (``Content-Encoding``);
- the ``X-ClickHouse-Query-Id``, ``-Format``, ``-Timezone``, ``-Summary`` and
  ``-Exception-Code`` headers; errors as ClickHouse's ``Code: N. DB::Exception: ...``
  text with its HTTP status;
- ``KILL QUERY WHERE query_id = ...`` (answers at once in TabSeparated), and a
  read-only query dropped when its client hangs up (with
  ``cancel_http_readonly_queries_on_client_close=1``, as clickhouse-connect sends);
- ``readonly`` (1 or 2) enforced per request by the double (only reading statements
  run), since a ``SET readonly`` on chDB's shared connection could never be lifted;
- ``/ping``; test control: ``/_double/faults`` (statements whose text or bound values
  match wait first, cancellably, outside the engine lock), ``/_double/queries`` (the
  statements received, with their bound values) and ``/_double/running``.

What it does not cover: multipart requests (external data, form-encoded
parameters), ClickHouse's own ``compress=1`` block compression, users and
grants (any credentials are accepted), live ``X-ClickHouse-Progress`` headers
(the summary comes at the end), ``system.processes`` of running statements (a
query of it waits its turn behind them), a hang-up noticed during chDB's own work
(only during a fault delay or between streamed blocks), and true parallelism: chDB runs one statement at
a time, so statements queue in arrival order. A killed statement stops at its
next output block or at its end (chDB cannot interrupt a block); the client
gets ClickHouse's 394 QUERY_WAS_CANCELLED either way.

Run: ``python -m tests.clickhouse_double --port N --path DIR``.
"""
