"""Generation tokens: one for the whole installation, one per team.

A stored response carries the tokens read before it was rendered; it may be served
only while both are unchanged. Tokens are random (not counters), so a token that was
evicted from the cache and created again can never match an old response.
"""

from __future__ import annotations

import secrets

from django.core.cache import cache
from django.db import transaction

from insights_api import local_invalidation

GLOBAL_ENTRY = "insight-response:gen"

Generations = tuple[str | None, str | None]


def team_entry(team_id: int) -> str:
    return f"{GLOBAL_ENTRY}:{team_id}"


def entries(team_id: int) -> tuple[str, str]:
    return GLOBAL_ENTRY, team_entry(team_id)


def _token() -> str:
    return secrets.token_hex(8)


def of(found: dict[str, object], team_id: int) -> Generations:
    """The tokens in a ``get_many`` answer that asked for ``entries(team_id)``."""
    global_token, team_token = (found.get(name) for name in entries(team_id))
    return (
        global_token if isinstance(global_token, str) else None,
        team_token if isinstance(team_token, str) else None,
    )


def current(team_id: int) -> tuple[str, str]:
    """The tokens for a team, creating missing ones (a response is only stored under real tokens)."""
    names = entries(team_id)
    found = cache.get_many(names)
    for name in names:
        if not isinstance(found.get(name), str):
            cache.add(name, _token(), None)
    if all(isinstance(found.get(name), str) for name in names):
        return found[names[0]], found[names[1]]
    found = cache.get_many(names)
    return str(found.get(names[0])), str(found.get(names[1]))


def bump(team_id: int | None, *, on_commit: bool = True) -> None:
    """Invalidate every stored response of a team (``None``: of every team).

    With ``on_commit`` the token changes again when the surrounding transaction
    commits: a request that read the old rows in between cannot keep its response.
    """
    name = GLOBAL_ENTRY if team_id is None else team_entry(team_id)
    cache.set(name, _token(), None)
    if on_commit:  # a metadata write: processes with their own cache must drop the token too
        local_invalidation.record([name])

        def after_commit() -> None:
            cache.set(name, _token(), None)
            local_invalidation.record([name])

        transaction.on_commit(after_commit)
