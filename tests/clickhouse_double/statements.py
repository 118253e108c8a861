"""The little SQL reading the double needs: statement kind, FORMAT, INSERT data, SET and KILL."""

from __future__ import annotations

import re

from tests.clickhouse_double.errors import DoubleError

_COMMENT = re.compile(r"\A(?:\s+|--[^\n]*\n?|/\*.*?\*/)*", re.DOTALL)
_KEYWORD = re.compile(r"\(|[A-Za-z]+")
_TRAILING_FORMAT = re.compile(r"\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*\Z", re.IGNORECASE)
# An INSERT's statement ends at ``FORMAT name``; its data starts after the next line break.
_INSERT_FORMAT = re.compile(
    rb"\A(\s*INSERT\b.*?\bFORMAT\s+([A-Za-z0-9_]+))[ \t]*(?:\r?\n)?", re.IGNORECASE | re.DOTALL
)
_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NUMBER = re.compile(r"-?\d+(\.\d+)?\Z")
_SET = re.compile(r"\A\s*SET\s+(.*?)\s*;?\s*\Z", re.IGNORECASE | re.DOTALL)
_ASSIGNMENT = re.compile(
    r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^'\\]|\\.)*'|[^,]+?)\s*(?:,|\Z)", re.DOTALL
)
_KILL = re.compile(
    r"\A\s*KILL\s+QUERY\s+WHERE\s+query_id\s*=\s*(?:'((?:[^'\\]|\\.)*)'|\{(\w+)\s*:\s*String\s*\})"
    r"(?:\s+(SYNC|ASYNC|TEST))?\s*;?\s*\Z",
    re.IGNORECASE,
)
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f"}


def first_keyword(statement: str) -> str:
    rest = statement[_COMMENT.match(statement).end() :]  # type: ignore[union-attr]
    match = _KEYWORD.match(rest)
    return match.group(0).upper() if match else ""


def split_body(query_param: str | None, body: bytes) -> tuple[str, bytes | None]:
    """The statement and an INSERT's data, from the ``query`` parameter and the POST body.

    ClickHouse reads the statement from ``query=`` followed by the body; an INSERT's
    data is whatever follows its ``FORMAT name``.
    """
    if query_param is not None:
        if first_keyword(query_param) == "INSERT" and _TRAILING_FORMAT.search(query_param):
            return query_param, body
        return (query_param + ("\n" + body.decode() if body else "")), None
    if first_keyword(body[:64].decode("utf-8", "replace")) == "INSERT":
        match = _INSERT_FORMAT.match(body[:65536])
        if match is not None:
            return match.group(1).decode(), body[match.end() :]
    return body.decode(), None


# ``INSERT INTO t [(cols)] SELECT|WITH …``: rows come from a query, not from the body.
INSERT_SELECT = re.compile(r"\s*INSERT\s+INTO\s+[^\s(]+\s*(\([^)]*\))?\s*(SELECT|WITH|\()", re.IGNORECASE)


def split_insert_format(statement: str) -> tuple[str, str]:
    """``INSERT INTO t (a) FORMAT X`` → (``INSERT INTO t (a)``, ``X``)."""
    match = _TRAILING_FORMAT.search(statement)
    if match is None:
        raise DoubleError(
            62, "SYNTAX_ERROR", "an INSERT with data needs FORMAT (the double reads no VALUES data)"
        )
    return statement[: match.start()].rstrip(), match.group(1)


def output_format(statement: str, default_format: str | None) -> str | None:
    match = _TRAILING_FORMAT.search(statement)
    return match.group(1) if match else default_format


def quote_name(name: str) -> str:
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def setting_name(name: str) -> str:
    if not _SETTING_NAME.match(name):
        raise DoubleError(115, "UNKNOWN_SETTING", f"Unknown setting '{name}'")
    return name


def setting_literal(value: str) -> str:
    if _NUMBER.match(value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def parse_set(statement: str) -> dict[str, str]:
    match = _SET.match(statement)
    if match is None:
        raise DoubleError(62, "SYNTAX_ERROR", "cannot read this SET statement")
    result: dict[str, str] = {}
    for name, raw in _ASSIGNMENT.findall(match.group(1)):
        result[name] = unquote(raw) if raw.startswith("'") else raw.strip()
    if not result:
        raise DoubleError(62, "SYNTAX_ERROR", "cannot read this SET statement")
    return result


def parse_kill(statement: str, params: dict[str, str]) -> tuple[str, str]:
    """(query_id, SYNC|ASYNC|TEST): the double kills by one query_id only."""
    match = _KILL.match(statement)
    if match is None:
        raise DoubleError(
            48, "NOT_IMPLEMENTED", "the ClickHouse double kills queries by `query_id = ...` only"
        )
    literal, param, mode = match.groups()
    if param is not None:
        if param not in params:
            raise DoubleError(456, "UNKNOWN_QUERY_PARAMETER", f"Substitution `{param}` is not set")
        query_id = unescape(params[param])
    else:
        query_id = unescape(literal)
    return query_id, (mode or "SYNC").upper()


def unquote(literal: str) -> str:
    return unescape(literal[1:-1])


def unescape(text: str) -> str:
    """ClickHouse's backslash escapes (the form of string literals and ``param_*`` values)."""
    return _UNESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def tsv_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
