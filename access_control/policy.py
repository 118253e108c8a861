"""What a personal API key may do: the one predicate every path that authorizes a key asks.

DRF's permissions (``TeamMemberPermission``, ``APIScopePermission``) and the response-cache
middleware, which answers before any view runs, both decide through ``key_decision`` (or its
two halves), so a rule added here holds on both paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from access_control.scopes import grants

NO_KEY_ACCESS = "This action does not support Personal API Key access"


class ScopedKey(Protocol):
    """What the policy reads from a key (``PersonalAPIKey`` has it)."""

    scopes: list[str]
    scoped_teams: list[int]
    scoped_organizations: list[str]


@dataclass(frozen=True)
class KeyDecision:
    allowed: bool
    detail: str | None = None  # why not: the 403's message

    @classmethod
    def refused(cls, detail: str) -> KeyDecision:
        return cls(False, detail)


ALLOWED = KeyDecision(True)


def reach_decision(key: ScopedKey, *, team_id: int, organization_id: object) -> KeyDecision:
    """A key limited to some teams or organizations may not reach the others."""
    if key.scoped_teams and team_id not in key.scoped_teams:
        return KeyDecision.refused(f"API key does not have access to the requested project: ID {team_id}.")
    if key.scoped_organizations and str(organization_id) not in key.scoped_organizations:
        return KeyDecision.refused(
            f"API key does not have access to the requested organization: ID {organization_id}."
        )
    return ALLOWED


def scope_decision(key: ScopedKey, required: Sequence[str] | None) -> KeyDecision:
    """The key holds every scope the action needs; ``None``: the action takes no key at all."""
    if required is None:
        return KeyDecision.refused(NO_KEY_ACCESS)
    for scope in required:
        if not grants(key.scopes or [], scope):
            return KeyDecision.refused(f"API key missing required scope '{scope}'")
    return ALLOWED


def key_decision(
    key: ScopedKey, *, required: Sequence[str] | None, team_id: int, organization_id: object
) -> KeyDecision:
    """Both checks, in the order DRF runs them (reach, then scopes): the first refusal wins."""
    reach = reach_decision(key, team_id=team_id, organization_id=organization_id)
    if not reach.allowed:
        return reach
    return scope_decision(key, required)
