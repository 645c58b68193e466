"""A Redis cache that degrades to "always a miss" while Redis is unreachable.

Django's ``RedisCache`` raises ``redis.exceptions.ConnectionError`` (or ``TimeoutError``) from
every call when the server is down, which turns every page that touches the cache into a 500.
``ResilientRedisCache`` catches those two errors and answers as an empty cache would:

* reads (``get``, ``get_many``, ``has_key``) miss and return the default;
* writes (``set``, ``set_many``, ``touch``, ``delete``, ``delete_many``, ``clear``) are dropped;
* ``add`` answers True and ``incr`` answers ``delta``: callers see "the first time". Rate limits
  (``lyceum.core.ratelimit``) and de-duplication (thread view counts) therefore **fail open**
  during an outage: nobody is refused, some views may be counted twice.

Sessions use ``cached_db`` with Redis, so they fall back to the database. After a failure the
backend stops trying for ``RETRY_AFTER`` seconds (one slow connect per interval, not one per
call) and logs one warning per interval; the first call after the interval tries Redis again,
so everything recovers by itself when Redis returns (redis-py reconnects its pool).

Short socket timeouts belong in ``OPTIONS`` (``socket_connect_timeout``, ``socket_timeout``):
see ``CACHES`` in ``config/settings.py``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


class _ReusedClient(RedisCacheClient):
    """Django builds a new ``redis.Redis`` per call (≈0.2 ms of CPU: its response-callback table);
    one per connection pool is enough (the pool hands out the connections)."""

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None or client.connection_pool is not pool:
            client = clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class ResilientRedisCache(RedisCache):
    RETRY_AFTER = 5.0  # seconds without trying Redis after a failure (also the log interval)

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClient
        self._down_until = 0.0

    # --- the guard ---------------------------------------------------------------------------

    @property
    def available(self) -> bool:
        """False while the backend is resting after a failure."""
        return time.monotonic() >= self._down_until

    def _guard(self, call: Callable[[], T], fallback: T) -> T:
        if not self.available:
            return fallback
        try:
            return call()
        except UNAVAILABLE as exc:
            self._down_until = time.monotonic() + self.RETRY_AFTER
            logger.warning("cache: Redis unavailable (%s); serving without the cache for %.0f s", exc, self.RETRY_AFTER)
            return fallback

    # --- reads: a miss -----------------------------------------------------------------------

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guard(lambda: super(ResilientRedisCache, self).get(key, default, version), default)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._guard(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    # --- writes: dropped ---------------------------------------------------------------------

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._guard(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None)

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        return self._guard(lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), [])

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._guard(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def clear(self) -> None:
        self._guard(lambda: super(ResilientRedisCache, self).clear(), None)

    # --- counters: fail open -----------------------------------------------------------------

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), True)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._guard(lambda: super(ResilientRedisCache, self).incr(key, delta, version), delta)


# --- Shared generation tokens and "changed in this transaction" markers ---------------------------
#
# The page cache, the lesson outlines and the roles all cache under a token that a change replaces
# after commit (so every entry stored under the old one is retired at once), and all must not
# trust their entries inside a transaction that changed what they hold but has not committed yet
# (the token is still the old one, and the change may roll back). These helpers are that pattern.


def cache_token(key: str) -> str | None:
    """The current token under ``key``, created when missing; None while the cache is unavailable
    (callers then neither read nor store entries)."""
    from django.core.cache import cache

    token = cache.get(key)
    if token is not None:
        return str(token)
    if not getattr(cache, "available", True):
        return None
    cache.add(key, uuid.uuid4().hex[:16], timeout=None)
    token = cache.get(key)
    return str(token) if token is not None else None


def cache_token_retire(key: str) -> None:
    """Replace the token under ``key``: every entry stored under the old one is retired."""
    from django.core.cache import cache

    cache.set(key, uuid.uuid4().hex[:16], timeout=None)


class _AfterCommit:
    """Queued with ``transaction.on_commit``: runs ``action`` once the change is committed. Until
    then (``done`` False) it marks the transaction as holding an uncommitted change of ``tag``;
    a rollback, of the transaction or of the savepoint it was queued in, drops it."""

    __slots__ = ("action", "done", "tag")

    def __init__(self, tag: str, action: Callable[[], Any] | None) -> None:
        self.tag = tag
        self.action = action
        self.done = False

    def __call__(self) -> None:
        self.done = True
        if self.action is not None:
            self.action()


def after_commit(tag: str, action: Callable[[], Any] | None = None) -> None:
    """Run ``action`` after the current transaction commits (at once outside one), and mark the
    transaction as changing ``tag`` until then (``changed_in_transaction``)."""
    from django.db import transaction

    transaction.on_commit(_AfterCommit(tag, action))


def changed_in_transaction(tag: str, using: str = "default") -> bool:
    """True inside a transaction that queued ``after_commit(tag)`` and has not committed yet."""
    from django.db import connections

    connection = connections[using]
    if not connection.in_atomic_block:
        return False
    # run_on_commit entries are (savepoint ids, callable, robust)
    return any(
        isinstance(entry[1], _AfterCommit) and entry[1].tag == tag and not entry[1].done
        for entry in connection.run_on_commit
    )


# --- Fixed-window counters ----------------------------------------------------------------------


def window_hit(key: str, seconds: int) -> int:
    """Count one hit in the ``seconds``-long window stored under ``key`` and return the count so
    far (the first hit creates the window, which expires ``seconds`` later). On Redis this is one
    round trip (``SET NX EX`` then ``INCR`` in one MULTI, so a counter never outlives its window)
    and atomic across processes; on other caches ``add`` then ``incr``. While the cache is
    unavailable every hit counts as the first: limits fail open, as the rest of the cache does."""
    from django.core.cache import caches

    backend = caches["default"]
    if isinstance(backend, ResilientRedisCache):
        if not backend.available:
            return 1
        name = backend.make_and_validate_key(key)

        def hit() -> int:
            pipe = backend._cache.get_client(write=True).pipeline(transaction=True)  # type: ignore[attr-defined]
            pipe.set(name, 0, ex=seconds, nx=True)
            pipe.incr(name)
            return int(pipe.execute()[1])

        return backend._guard(hit, 1)
    if backend.add(key, 1, timeout=seconds):
        return 1
    try:
        return int(backend.incr(key))
    except ValueError:  # the window expired between add and incr
        backend.add(key, 1, timeout=seconds)
        return 1
