"""Project token → team id, cached briefly in-process (capture sees many requests per token)."""

from __future__ import annotations

import threading
import time

from analytics.ingestion.errors import InvalidToken
from tenancy.models import Team

CACHE_SECONDS = 30.0
_cache: dict[str, tuple[int, float]] = {}
_lock = threading.Lock()


def team_id_for_token(token: str) -> int:
    """The team whose ``api_token`` this is, else ``InvalidToken`` (401).

    Only hits are cached, for ``CACHE_SECONDS``: a new project's token works at once,
    a replaced token keeps working for at most that long.
    """
    now = time.monotonic()
    cached = _cache.get(token)
    if cached is not None and cached[1] > now:
        return cached[0]
    if token.startswith("phx_"):
        raise InvalidToken("A personal API key cannot send events; use the project API key (phc_...).")
    team_id = Team.objects.filter(api_token=token).values_list("id", flat=True).first()
    if team_id is None:
        raise InvalidToken("Project API key invalid. The project's API key is in its settings (phc_...).")
    with _lock:
        _cache[token] = (team_id, now + CACHE_SECONDS)
    return team_id
