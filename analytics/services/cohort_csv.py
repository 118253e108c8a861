"""Reading a static cohort's CSV upload: which column holds what, as PostHog reads it.

A one-column file is distinct ids (a first row that reads like a header is skipped);
a header naming ``person_id`` or ``email`` switches to those. A file with several
columns needs a recognised header (``distinct_id``, ``person_id``, ``email`` or a
spelling variant), else it is refused. Blank cells are skipped; values are kept
in file order without repeats.
"""

from __future__ import annotations

import csv
import io
from typing import IO

from query_engine.errors import QueryError

MAX_ROWS = 1_000_000
HEADERS = {
    "distinct_id": "distinct_id",
    "distinct_ids": "distinct_id",
    "distinctid": "distinct_id",
    "distinct id": "distinct_id",
    "person_id": "person_id",
    "person_ids": "person_id",
    "personid": "person_id",
    "person id": "person_id",
    "uuid": "person_id",
    "email": "email",
    "emails": "email",
    "e-mail": "email",
    "email address": "email",
}
# First cells of a one-column file that are a header, not an id.
HEADER_WORDS = {*HEADERS, "id", "ids", "user", "user_id", "userid", "user id"}


def _header(cell: str) -> str | None:
    key = cell.strip().lower()
    return HEADERS.get(key) or HEADERS.get(key.replace("-", "_"))


def read_csv(upload: IO[bytes]) -> tuple[str, list[str]]:
    """``(kind, values)`` with kind ``distinct_id``, ``person_id`` or ``email``."""
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise QueryError("The CSV file must be UTF-8 text.", attr="csv") from None
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        raise QueryError("The CSV file is empty.", attr="csv")
    if len(rows) > MAX_ROWS:
        raise QueryError(f"A CSV upload holds at most {MAX_ROWS} rows.", attr="csv")
    header = [_header(cell) for cell in rows[0]]
    known = [(index, kind) for index, kind in enumerate(header) if kind is not None]
    if known:
        # distinct_id first, then person_id, then email, as PostHog prefers them.
        order = {"distinct_id": 0, "person_id": 1, "email": 2}
        index, kind = min(known, key=lambda item: order[item[1]])
        body = rows[1:]
    elif max(len(row) for row in rows) > 1:
        raise QueryError(
            "A CSV file with several columns needs a header naming its distinct_id, person_id or email"
            " column.",
            attr="csv",
        )
    else:
        index, kind = 0, "distinct_id"
        body = rows[1:] if rows[0][0].strip().lower() in HEADER_WORDS else rows
    values: dict[str, None] = {}
    for row in body:
        if index < len(row) and row[index].strip():
            values[row[index].strip()] = None
    return kind, list(values)
