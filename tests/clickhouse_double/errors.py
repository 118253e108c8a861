"""ClickHouse's error form: ``Code: N. DB::Exception: text. (NAME) (version V)`` and its HTTP status."""

from __future__ import annotations

import re

_CODE = re.compile(r"Code: (\d+)\. ")
_NAME = re.compile(r"\(([A-Z][A-Z0-9_]+)\)\s*$")

# ClickHouse answers these codes with 4xx statuses (the rest are 500).
_FORBIDDEN = {192, 194, 195, 291, 497, 516}
_BAD_REQUEST = {6, 25, 26, 27, 32, 33, 34, 35, 36, 38, 41, 42, 43, 44, 48, 53, 62, 69, 70, 72, 113, 115, 117, 130, 395}  # fmt: skip
_NOT_FOUND = {46, 47, 60, 81, 83, 85}


class DoubleError(Exception):
    def __init__(self, code: int, name: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.name = name
        self.message = message

    @classmethod
    def cancelled(cls) -> DoubleError:
        return cls(394, "QUERY_WAS_CANCELLED", "Query was cancelled")

    def text(self, version: str) -> str:
        return f"Code: {self.code}. DB::Exception: {self.message}. ({self.name}) (version {version})\n"

    @property
    def http_status(self) -> int:
        if self.code in _FORBIDDEN:
            return 403
        if self.code in _BAD_REQUEST:
            return 400
        if self.code in _NOT_FOUND:
            return 404
        return 500


def from_chdb(exc: BaseException) -> DoubleError:
    """chDB's exception text is ClickHouse's (``Code: N. DB::Exception: ... (NAME)``), maybe prefixed."""
    text = str(exc).strip()
    match = _CODE.search(text)
    if match is None:
        return DoubleError(1001, "STD_EXCEPTION", text or type(exc).__name__)
    body = text[match.end() :].removeprefix("DB::Exception: ")
    name_match = _NAME.search(body)
    name = name_match.group(1) if name_match else "UNKNOWN_EXCEPTION"
    if name_match:
        body = body[: name_match.start()].rstrip().rstrip(".")
    return DoubleError(int(match.group(1)), name, body)
