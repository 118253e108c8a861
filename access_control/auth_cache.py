"""A few seconds' cache of who a request is and where: key → key with user,
(user, organization) → membership, team id → team with organization and project.

Every cached retrieve used to pay a query (and its ORM compilation) for each of
these. Entries live in the Django cache, so processes sharing Redis share them,
and every change that could alter an answer deletes the entry at once
(``access_control.signals``): revoking or deleting a key, saving or deleting a
user (deactivation), a membership, a team, its organization or its project. The TTL only bounds what
a change made outside the ORM's signals (raw SQL, ``QuerySet.update``) could
leave behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction

from insights_api import local_invalidation

TTL_SECONDS = 10
NO_MEMBERSHIP = "none"  # cached "not a member" (None cannot be told from a miss)


def _delete(entries: list[str]) -> None:
    """Deletes now and again after the surrounding transaction commits.

    Between the change and its commit another request still reads the old row
    and could cache it again; the second delete removes that.
    """
    if entries:
        cache.delete_many(entries)
        local_invalidation.record(entries)  # other processes' own caches (embedded mode)

        def after_commit() -> None:
            cache.delete_many(entries)
            local_invalidation.record(entries)

        transaction.on_commit(after_commit)


def key_entry(secure_value: str) -> str:
    return f"auth:key:{secure_value}"


def membership_entry(user_id: int, organization_id: Any) -> str:
    return f"auth:member:{user_id}:{organization_id}"


def get_key(secure_value: str) -> Any:
    """The cached active key (with its user loaded), or None on a miss."""
    return cache.get(key_entry(secure_value))


def set_key(key: Any) -> None:
    cache.set(key_entry(key.secure_value), key, TTL_SECONDS)


def forget_keys(secure_values: Iterable[str]) -> None:
    _delete([key_entry(value) for value in secure_values])


def membership(user_id: int, organization_id: Any, load: Callable[[], Any]) -> Any:
    """The membership (or None) for a user and organization, loaded on a miss."""
    entry = membership_entry(user_id, organization_id)
    found = cache.get(entry)
    if found is None:
        loaded = load()
        cache.set(entry, NO_MEMBERSHIP if loaded is None else loaded, TTL_SECONDS)
        return loaded
    return None if found == NO_MEMBERSHIP else found


def forget_membership(user_id: int, organization_id: Any) -> None:
    _delete([membership_entry(user_id, organization_id)])


def team_entry(team_id: int) -> str:
    return f"auth:team:{team_id}"


def team(team_id: int, load: Callable[[], Any]) -> Any:
    """The team (organization and project loaded) for an id, loaded on a miss; unknown ids are not cached."""
    entry = team_entry(team_id)
    found = cache.get(entry)
    if found is None:
        found = load()
        if found is not None:
            cache.set(entry, found, TTL_SECONDS)
    return found


def forget_teams(team_ids: Iterable[int]) -> None:
    _delete([team_entry(team_id) for team_id in team_ids])
