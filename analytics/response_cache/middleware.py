"""Answer repeated cached-results insight retrieves with the bytes the view rendered last time.

Served only when, at this request: the key is active (the identity cache, which
revocation and deactivation clear at once), it grants ``insight:read`` for this
team, both generations are those the response was rendered under (no metadata,
results or status write since), the cached results are still there (or still
absent), and the rate limits allow the request (counted once, as the view would).
Anything else goes through the view, which may store its response for next time.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from access_control import auth_cache
from access_control.models import hash_key
from access_control.policy import key_decision
from access_control.services import active_key
from access_control.throttles import THROTTLE_WAITS_ATTR, throttle_waits
from analytics.response_cache import generations
from analytics.response_cache.stored import ENTRY_TTL_SECONDS, Candidate, StoredResponse, candidate

MAX_REMEMBERED = 100_000
ROUTE_CLASS = "insights"  # InsightViewSet.throttle_scope
READ_SCOPE = "insight:read"


def get_many_and_exists(keys: list[str], probe: str) -> tuple[dict[str, object], bool]:
    """``cache.get_many`` and ``cache.has_key``: one round trip where the backend can (Redis)."""
    combined = getattr(cache, "get_many_and_exists", None)
    if combined is not None:
        return combined(keys, probe)
    return cache.get_many(keys), cache.has_key(probe)


class InsightResponseCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Stored entry → the results key it depends on, so one round trip can check both.
        self._results_keys: dict[str, str] = {}

    def _remember(self, entry_key: str, results_key: str) -> None:
        if len(self._results_keys) >= MAX_REMEMBERED:
            self._results_keys.clear()  # a hint only: forgetting costs one more round trip
        self._results_keys[entry_key] = results_key

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = candidate(request)
        if found is None:
            return self.get_response(request)
        served = self._serve(request, found)
        if served is not None:
            return served
        # Read before the view reads anything: a write during rendering makes the response stale.
        tokens = generations.current(found.team_id)
        response = self.get_response(request)
        self._store(found, tokens, response)
        return response

    def _serve(self, request: HttpRequest, found: Candidate) -> HttpResponse | None:
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it behind us (400 otherwise)
        # One round trip for the key's identity entry, the stored response, both generations
        # and (once this process has seen the entry) whether its cached results still exist.
        secure_value = hash_key(found.key_value)
        identity = auth_cache.key_entry(secure_value)
        names = [identity, found.entry_key, *generations.entries(found.team_id)]
        known_results_key = self._results_keys.get(found.entry_key)
        if known_results_key is None:
            hit, results_exist = cache.get_many(names), None
        else:
            hit, results_exist = get_many_and_exists(names, known_results_key)
        key = active_key(secure_value, cached=hit.get(identity))
        if key is None:
            return None
        stored = StoredResponse.from_entry(hit.get(found.entry_key))
        if stored is None or stored.generations != generations.of(hit, found.team_id):
            return None
        if stored.results_key is not None:
            if stored.results_key != known_results_key:
                results_exist = cache.has_key(stored.results_key)
                self._remember(found.entry_key, stored.results_key)
            if results_exist != stored.results_present:
                return None  # the results expired, were evicted or appeared
        # The DRF permissions' own predicate: any refusal is the view's to give, with its message.
        decision = key_decision(
            key, required=[READ_SCOPE], team_id=found.team_id, organization_id=stored.organization_id
        )
        if not decision.allowed:
            return None
        waits = throttle_waits(key, ROUTE_CLASS)
        if waits:
            setattr(request, THROTTLE_WAITS_ATTR, waits)  # the view answers 429 without counting again
            return None
        response = HttpResponse(stored.body, status=stored.status)
        for name, value in stored.headers:
            response[name] = value
        return response

    def _store(self, found: Candidate, tokens: tuple[str, str], response: HttpResponse) -> None:
        hint = getattr(response, "store_hint", None)
        if hint is None or response.status_code != 200 or response.streaming or response.cookies:
            return
        if not response.get("Content-Type", "").startswith("application/json"):
            return
        stored = StoredResponse(
            generations=tokens,
            organization_id=hint.organization_id,
            results_key=hint.results_key,
            results_present=hint.results_present,
            status=response.status_code,
            headers=tuple(response.items()),
            body=response.content,
        )
        cache.set(found.entry_key, stored.to_entry(), ENTRY_TTL_SECONDS)
        if hint.results_key is not None:
            self._remember(found.entry_key, hint.results_key)
