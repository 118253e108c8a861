"""Django's Redis cache, keeping one redis-py client per connection pool.

Django's client builds a new ``redis.Redis`` for every cache operation, and
building one fills its table of ~170 response callbacks: about a third of a
millisecond of CPU per operation, more than the Redis round trip itself. A
``redis.Redis`` is safe to share between threads (each command checks a
connection out of the pool), so one per pool is enough.

Every command goes through the cache breaker (``insights_api.store_failures``): with
Redis refused or hung, reads are misses, writes are dropped and ``add`` succeeds (a lock
nobody else can see is a computation that is not shared), within one socket timeout.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from insights_api.store_failures import cache_breaker


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Private RedisCacheClient members, absent from django-stubs.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def answering(self) -> bool:
        """False while the breaker serves misses: a miss then is not proof that a key is gone."""
        return not cache_breaker().is_open

    def _guard(self, operation: Any, fallback: Any, *, write: bool) -> Any:
        return cache_breaker().call(operation, fallback, write=write)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        parent: Any = super()  # the stubs omit BaseCache methods RedisCache has
        return self._guard(lambda: parent.get(key, default, version), default, write=False)

    def get_many(self, keys: Any, version: int | None = None) -> dict[str, Any]:
        parent: Any = super()  # the stubs omit BaseCache methods RedisCache has
        return self._guard(lambda: parent.get_many(keys, version), {}, write=False)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        parent: Any = super()  # the stubs omit BaseCache methods RedisCache has
        return self._guard(lambda: parent.has_key(key, version), False, write=False)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        parent: Any = super()  # the stubs omit BaseCache methods RedisCache has
        self._guard(lambda: parent.set(key, value, timeout, version), None, write=True)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        parent: Any = super()  # the stubs omit BaseCache methods RedisCache has
        return self._guard(lambda: parent.add(key, value, timeout, version), True, write=True)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        parent: Any = super()  # the stubs omit BaseCache methods RedisCache has
        return self._guard(lambda: parent.touch(key, timeout, version), False, write=True)

    def delete(self, key: Any, version: int | None = None) -> bool:
        parent: Any = super()  # the stubs omit BaseCache methods RedisCache has
        return self._guard(lambda: parent.delete(key, version), False, write=True)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list:
        parent: Any = super()  # the stubs omit BaseCache methods RedisCache has
        return self._guard(lambda: parent.set_many(data, timeout, version), list(data), write=True)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        parent: Any = super()  # the stubs omit BaseCache methods RedisCache has
        self._guard(lambda: parent.delete_many(keys, version), None, write=True)

    def get_many_and_exists(self, keys: list[str], probe: str) -> tuple[dict[str, Any], bool]:
        return self._guard(lambda: self._get_many_and_exists(keys, probe), ({}, False), write=False)

    def _get_many_and_exists(self, keys: list[str], probe: str) -> tuple[dict[str, Any], bool]:
        """``get_many(keys)`` and ``has_key(probe)`` in one round trip (a pipeline, not a transaction)."""
        names = {self.make_and_validate_key(key): key for key in keys}
        pipeline = self._cache.get_client(write=False).pipeline(transaction=False)
        pipeline.mget(list(names))
        pipeline.exists(self.make_and_validate_key(probe))
        values, exists = pipeline.execute()
        loads = self._cache._serializer.loads  # type: ignore[attr-defined]  # private, not in the stubs
        pairs = zip(names, values, strict=True)
        return {names[name]: loads(value) for name, value in pairs if value is not None}, bool(exists)
