"""Session fields (spec sessions.md §3) read from the ``sessions`` aggregate table.

``sessions_select`` merges a project's partial session rows into one row per session with
every ``$…`` field; insights reach it three ways:

* filters (``type: session``): ``session_filter`` keeps events whose session matches, by
  ``$session_id IN (…)`` (no join, so it works in every insight's WHERE clause);
* breakdowns and per-session math: ``session_join`` joins the fields to events as ``session``
  (only sessions of the query's events in its range are merged);
* HogQL's ``sessions`` table reads ``sessions_select`` as a subquery.
"""

from __future__ import annotations

from datetime import datetime

from query_engine.errors import QueryError
from query_engine.sql.channel_type import channel_type_expr
from query_engine.sql.params import Params

DATETIME = "DateTime64(6, 'UTC')"
BOUNCE_DURATION_SECONDS = 10

# Each partial-state column merged (inner level), under a name of its own.
_MERGED = {
    "raw_distinct_id": "argMaxMerge(distinct_id)",
    "raw_start": "min(min_timestamp)",
    "raw_end": "max(max_timestamp)",
    "raw_inserted_at": "max(max_inserted_at)",
    "raw_urls": "groupUniqArrayArray(urls)",
    "raw_entry_url": "argMinMerge(entry_url)",
    "raw_end_url": "argMaxMerge(end_url)",
    "raw_referring_domain": "argMinMerge(initial_referring_domain)",
    "raw_utm_source": "argMinMerge(initial_utm_source)",
    "raw_utm_campaign": "argMinMerge(initial_utm_campaign)",
    "raw_utm_medium": "argMinMerge(initial_utm_medium)",
    "raw_utm_term": "argMinMerge(initial_utm_term)",
    "raw_utm_content": "argMinMerge(initial_utm_content)",
    "raw_gclid": "argMinMerge(initial_gclid)",
    "raw_gad_source": "argMinMerge(initial_gad_source)",
    "raw_fbclid": "argMinMerge(initial_fbclid)",
    "raw_pageviews": "uniqMerge(pageview_uniq)",
    "raw_autocaptures": "uniqMerge(autocapture_uniq)",
    "raw_screens": "uniqMerge(screen_uniq)",
}


def _text(raw: str) -> str:
    """Empty and the literal ``null`` read as NULL, as PostHog's session strings do."""
    return f"nullIf(nullIf({raw}, ''), 'null')"


# Field → (SQL over the merged columns and earlier fields, kind). Kinds: String, Numeric,
# Duration, DateTime, Boolean, Array. Every field is Nullable so events without a session
# read NULL through the join.
FIELDS: dict[str, tuple[str, str]] = {
    "distinct_id": ("toNullable(raw_distinct_id)", "String"),
    "$start_timestamp": ("toNullable(raw_start)", "DateTime"),
    "$end_timestamp": ("toNullable(raw_end)", "DateTime"),
    "$session_duration": ("toNullable(dateDiff('second', raw_start, raw_end))", "Duration"),
    "duration": ("`$session_duration`", "Duration"),
    "$urls": ("raw_urls", "Array"),
    "$num_uniq_urls": ("toNullable(length(raw_urls))", "Numeric"),
    "$entry_current_url": (_text("raw_entry_url"), "String"),
    "$entry_pathname": ("nullIf(path(`$entry_current_url`), '')", "String"),
    "$entry_hostname": ("nullIf(domain(`$entry_current_url`), '')", "String"),
    "$end_current_url": (_text("raw_end_url"), "String"),
    "$end_pathname": ("nullIf(path(`$end_current_url`), '')", "String"),
    "$end_hostname": ("nullIf(domain(`$end_current_url`), '')", "String"),
    "$exit_current_url": ("`$end_current_url`", "String"),
    "$exit_pathname": ("`$end_pathname`", "String"),
    "$entry_referring_domain": (_text("raw_referring_domain"), "String"),
    "$entry_utm_source": (_text("raw_utm_source"), "String"),
    "$entry_utm_campaign": (_text("raw_utm_campaign"), "String"),
    "$entry_utm_medium": (_text("raw_utm_medium"), "String"),
    "$entry_utm_term": (_text("raw_utm_term"), "String"),
    "$entry_utm_content": (_text("raw_utm_content"), "String"),
    "$entry_gclid": (_text("raw_gclid"), "String"),
    "$entry_gad_source": (_text("raw_gad_source"), "String"),
    "$entry_fbclid": (_text("raw_fbclid"), "String"),
    "$pageview_count": ("toNullable(raw_pageviews)", "Numeric"),
    "$autocapture_count": ("toNullable(raw_autocaptures)", "Numeric"),
    "$screen_count": ("toNullable(raw_screens)", "Numeric"),
    "$channel_type": (
        "toNullable("
        + channel_type_expr(
            source="`$entry_utm_source`",
            medium="`$entry_utm_medium`",
            campaign="`$entry_utm_campaign`",
            referring_domain="`$entry_referring_domain`",
            gclid="`$entry_gclid`",
            gad_source="`$entry_gad_source`",
            fbclid="`$entry_fbclid`",
        )
        + ")",
        "String",
    ),
    # bounceRatePageViewMode count_pageviews, bounceRateDurationSeconds 10 (PostHog's defaults).
    "$is_bounce": (
        "if(raw_pageviews = 0, NULL, toNullable(toUInt8(NOT (raw_pageviews > 1 OR raw_autocaptures > 0"
        f" OR `$session_duration` >= {BOUNCE_DURATION_SECONDS}))))",
        "Boolean",
    ),
    "max_inserted_at": ("toNullable(raw_inserted_at)", "DateTime"),
}
NUMERIC_KINDS = ("Numeric", "Duration", "Boolean")


def field_kind(key: str, attr: str) -> str:
    if key not in FIELDS:
        raise QueryError(f"Unknown session property {key[:80]!r}.", attr=attr)
    return FIELDS[key][1]


def sessions_select(params: Params, team_id: int, *, ids: str | None = None) -> str:
    """One row per session of the project with every field; ``ids`` (a subquery of
    session ids) limits which sessions are merged."""
    return sessions_select_sql(params.named("team_id", team_id, "Int64"), ids=ids)


def sessions_select_sql(team: str, *, ids: str | None = None) -> str:
    """``sessions_select`` for a team placeholder already in the statement's parameters."""
    merged = ",\n    ".join(f"{sql} AS {name}" for name, sql in _MERGED.items())
    fields = ",\n  ".join(f"{sql} AS `{name}`" for name, (sql, _) in FIELDS.items())
    where = f"team_id = {team}" + (f" AND session_id IN ({ids})" if ids else "")
    return (
        f"SELECT session_id,\n  {fields}\nFROM (\n  SELECT session_id,\n    {merged}\n"
        f"  FROM sessions\n  WHERE {where}\n  GROUP BY session_id\n)"
    )


def session_text(key: str, attr: str = "properties") -> str:
    """A session field as the text property filters and breakdowns compare."""
    kind = field_kind(key, attr)
    column = f"session.`{key}`"
    if kind == "Boolean":
        return f"if(isNull({column}), NULL, if({column} = 1, 'true', 'false'))"
    if kind == "Array":
        raise QueryError(f"Session property {key!r} is a list; it cannot be compared.", attr=attr)
    if kind == "String":
        return column
    return f"toString({column})"


def session_number(key: str, attr: str) -> str:
    """A numeric session field (per-session math)."""
    if field_kind(key, attr) not in NUMERIC_KINDS:
        raise QueryError(f"Session property {key!r} is not numeric.", attr=attr)
    return f"toFloat64(session.`{key}`)"


def _ids_in_range(params: Params, team_id: int, date_from: datetime | None, date_to: datetime | None) -> str:
    team = params.named("team_id", team_id, "Int64")
    parts = [f"team_id = {team}", "`$session_id` != ''"]
    if date_from is not None:
        parts.append(f"timestamp >= {params.add(date_from, DATETIME)}")
    if date_to is not None:
        parts.append(f"timestamp <= {params.add(date_to, DATETIME)}")
    return f"SELECT DISTINCT `$session_id` FROM events WHERE {' AND '.join(parts)}"


def session_join(
    params: Params,
    team_id: int,
    date_from: datetime | None,
    date_to: datetime | None,
    *,
    on: str = "events.`$session_id`",
) -> str:
    """``LEFT JOIN … AS session`` giving each event (or each row whose session id is ``on``)
    its session's fields (NULL without one).

    A session's fields come from all its events, whatever the query's own filters; only
    sessions with an event in the range are merged.
    """
    ids = _ids_in_range(params, team_id, date_from, date_to)
    return (
        f"LEFT JOIN (\n{sessions_select(params, team_id, ids=ids)}\n) AS session ON session.session_id = {on}"
    )


def session_filter(
    condition: str, *, matches_missing: bool, params: Params, team_id: int | None = None
) -> str:
    """Events whose session satisfies ``condition`` (0/1 SQL over ``session.…``).

    ``matches_missing``: the condition holds for a NULL field (negative operators), so
    events without a session pass too; the set is then the sessions that fail it.
    The project is ``team_id``, else the statement's bound ``team_id``.
    """
    team = team_id if team_id is not None else params.values.get("team_id")
    if team is None:
        raise QueryError("Session property filters are not supported here.", attr="properties")
    inner = sessions_select(params, team)
    if matches_missing:
        return f"(`$session_id` NOT IN (SELECT session_id FROM ({inner}) AS session WHERE NOT ({condition})))"
    return f"(`$session_id` IN (SELECT session_id FROM ({inner}) AS session WHERE {condition}))"
