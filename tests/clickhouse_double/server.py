"""The double's HTTP side: ClickHouse's HTTP interface, as clickhouse-connect uses it."""

from __future__ import annotations

import gzip
import json
import select
import socket
import zlib
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import lz4.frame

from tests.clickhouse_double import statements
from tests.clickhouse_double.engine import Engine, Fault, Request
from tests.clickhouse_double.errors import DoubleError

try:  # Python 3.14 has zstd in the standard library; clickhouse-connect brings the backport before
    from compression import zstd  # type: ignore[import-not-found]
except ImportError:
    from backports import zstd  # type: ignore[no-redef]

# URL parameters that are part of the HTTP protocol, not settings.
TRANSPORT_PARAMS = {
    "query",
    "database",
    "default_format",
    "query_id",
    "session_id",
    "session_timeout",
    "session_check",
    "compress",
    "decompress",
    "user",
    "password",
    "quota_key",
    "buffer_size",
    "wait_end_of_query",
    "client_protocol_version",
    "role",
    "stacktrace",
}
# Settings the HTTP layer itself acts on (the double answers them, chDB never sees them).
HTTP_SETTINGS = {
    "enable_http_compression",
    "send_progress_in_http_headers",
    "http_headers_progress_interval_ms",
    "cancel_http_readonly_queries_on_client_close",
    "http_zlib_compression_level",
    "http_response_buffer_size",
    "http_wait_end_of_query",
    "http_native_compression_disable_checksumming_on_decompress",
}
READ_KEYWORDS = ("SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "EXISTS")
COMPRESSORS = {
    "lz4": lz4.frame.compress,
    "zstd": zstd.compress,
    "gzip": gzip.compress,
    "deflate": zlib.compress,
}
DECOMPRESSORS = {
    "lz4": lz4.frame.decompress,
    "zstd": zstd.decompress,
    "gzip": gzip.decompress,
    "deflate": zlib.decompress,
}


class DoubleServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], engine: Engine) -> None:
        self.engine = engine
        super().__init__(address, Handler)


def make_server(host: str, port: int, path: str) -> DoubleServer:
    return DoubleServer((host, port), Engine(path))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clickhouse-connect pools its connections
    # Headers and body go out as two writes; with Nagle's algorithm the body waits for the
    # client's delayed ACK, ~40 ms on every request (a ClickHouse server answers in one go).
    disable_nagle_algorithm = True
    server: DoubleServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        return  # one line per statement would drown the test logs

    # -- routing --------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urlsplit(self.path)
        if url.path == "/ping" or (url.path == "/" and "query" not in dict(parse_qsl(url.query))):
            self._send(200, b"Ok.\n", {"Content-Type": "text/html; charset=UTF-8"})
            return
        if url.path == "/_double/queries":
            self._send_json(list(self.server.engine.log))
            return
        if url.path == "/_double/running":
            self._send_json(self.server.engine.running())
            return
        self._query(url.query, b"", readonly=True)

    def do_POST(self) -> None:  # noqa: N802
        url = urlsplit(self.path)
        body = self._read_body()
        if url.path == "/_double/faults":
            faults = [Fault(**item) for item in json.loads(body or b"[]")]
            self.server.engine.set_faults(faults)
            self._send_json({"faults": len(faults)})
            return
        self._query(url.query, body, readonly=False)

    # -- queries --------------------------------------------------------------------

    def _query(self, query_string: str, body: bytes, *, readonly: bool) -> None:
        engine = self.server.engine
        params = dict(parse_qsl(query_string, keep_blank_values=True))
        query_id = params.get("query_id", "")
        headers: dict[str, str] = {}
        try:
            body = self._decompress(body)
            if self.headers.get("Content-Type", "").startswith("multipart/form-data"):
                params.update(self._form_fields(body))
                body = b""
                query_id = params.get("query_id", query_id)
            statement, data = statements.split_body(params.get("query"), body)
            if not statement.strip():
                raise DoubleError(62, "SYNTAX_ERROR", "Empty query")
            if readonly and statements.first_keyword(statement) not in READ_KEYWORDS:
                raise DoubleError(164, "READONLY", "Cannot execute query in readonly mode (GET request)")
            # A request's readonly lasts for that request on a server; SET on the shared chDB
            # connection would last for good (chDB refuses to lift it), so the double enforces it.
            if (
                params.pop("readonly", "0") not in ("0", "")
                and statements.first_keyword(statement) not in READ_KEYWORDS
            ):
                raise DoubleError(164, "READONLY", "Cannot execute query in readonly mode")
            request = Request(
                statement=statement,
                data=data,
                params={key[6:]: value for key, value in params.items() if key.startswith("param_")},
                settings={
                    key: value
                    for key, value in params.items()
                    if key not in TRANSPORT_PARAMS
                    and key not in HTTP_SETTINGS
                    and not key.startswith("param_")
                },
                database=params.get("database"),
                default_format=params.get("default_format"),
                query_id=query_id,
                session_id=params.get("session_id"),
                client_gone=self._hung_up if _cancel_on_close(params, statement) else None,
            )
            outcome = engine.run(request)
        except DoubleError as error:
            headers["X-ClickHouse-Exception-Code"] = str(error.code)
            headers["X-ClickHouse-Query-Id"] = query_id
            self._send(error.http_status, error.text(engine.version).encode(), headers)
            return
        payload = outcome.body
        headers["X-ClickHouse-Query-Id"] = request.query_id
        headers["X-ClickHouse-Timezone"] = engine.timezone
        headers["X-ClickHouse-Server-Display-Name"] = "clickhouse-double"
        headers["X-ClickHouse-Summary"] = json.dumps(
            {key: str(value) for key, value in outcome.summary.items()}
        )
        if outcome.fmt:
            headers["X-ClickHouse-Format"] = outcome.fmt
        headers["Content-Type"] = "text/plain; charset=UTF-8"
        encoding = self._response_encoding(params)
        if encoding and payload:
            payload = COMPRESSORS[encoding](payload)
            headers["Content-Encoding"] = encoding
        self._send(200, payload, headers)

    def _hung_up(self) -> bool:
        """The client closed its connection (it sends nothing while it waits for an answer)."""
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _response_encoding(self, params: dict[str, str]) -> str | None:
        if params.get("enable_http_compression") not in ("1", "true"):
            return None
        accepted = [
            item.split(";")[0].strip().lower() for item in self.headers.get("Accept-Encoding", "").split(",")
        ]
        return next((name for name in accepted if name in COMPRESSORS), None)

    def _form_fields(self, body: bytes) -> dict[str, str]:
        """A multipart body (clickhouse-connect sends long queries and parameters so)."""
        head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        fields: dict[str, str] = {}
        for part in message.iter_parts():  # type: ignore[attr-defined]
            if part.get_filename():
                raise DoubleError(48, "NOT_IMPLEMENTED", "the double reads no external data tables")
            name = part.get_param("name", header="content-disposition")
            fields[str(name)] = part.get_payload(decode=True).decode()
        return fields

    def _decompress(self, body: bytes) -> bytes:
        encoding = (self.headers.get("Content-Encoding") or "").strip().lower()
        if not encoding or encoding == "identity" or not body:
            return body
        if encoding not in DECOMPRESSORS:
            raise DoubleError(48, "NOT_IMPLEMENTED", f"the double reads no '{encoding}' request bodies")
        return DECOMPRESSORS[encoding](body)

    # -- HTTP plumbing --------------------------------------------------------------

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_json(self, value: Any) -> None:
        self._send(200, json.dumps(value).encode(), {"Content-Type": "application/json"})

    def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _cancel_on_close(params: dict[str, str], statement: str) -> bool:
    """ClickHouse cancels a read-only query whose client hung up when the request asks for it."""
    asked = params.get("cancel_http_readonly_queries_on_client_close") in ("1", "true")
    return asked and statements.first_keyword(statement) in ("SELECT", "WITH")
