"""The analytics read replica: reads go there only inside an explicit ``replica_reads()`` scope.

``LYCEUM_REPLICA_DATABASE_URL`` adds ``DATABASES["replica"]`` and lists ``ReplicaRouter`` in
``DATABASE_ROUTERS`` (config/settings.py, Data section). Without it there is no router and every
query goes to ``default``, as before.

The router is deliberately narrow:

- **writes always go to default**, and so does every read outside a scope. A scope is entered
  by code that reads in bulk and can live with replica lag (the operator dashboards, their CSV
  exports, the churn list): ``with replica_reads(): ...`` or ``@replica_reads()`` on a function.
- **inside a transaction the replica is never used**: while the default connection is in an
  ``atomic`` block the router answers ``default``. A read that a write in the same transaction
  depends on ("read the balance, then write the new one") must see the primary's current data
  and the row locks of that transaction; the replica would answer with data from before the
  transaction, or up to the replication lag older, and the write would be based on it. This also
  keeps ``get_or_create``/``select_for_update`` and every service (they run in ``atomic``) on
  the primary even when they are called inside a scope.
- migrations run only on default (the replica receives them through replication).
- a replica that cannot be reached when a scope starts is skipped (logged, retried after
  ``REPLICA_RETRY_SECONDS``): the pages read from the primary rather than fail.

The scope is a context variable, so it follows the current thread (and asyncio task) and never
leaks into another request. ``replica_stream(rows)`` applies it to a lazily consumed iterator
(a streamed CSV response is iterated after the view returned, outside the view's scope).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA_DB_ALIAS = "replica"
ROUTER_PATH = "lyceum.core.dbrouter.ReplicaRouter"

logger = logging.getLogger(__name__)

_replica_scope: ContextVar[bool] = ContextVar("lyceum_replica_reads", default=False)

T = TypeVar("T")


# A replica that could not be reached is left alone this long; reads go to default meanwhile.
REPLICA_RETRY_SECONDS = 30.0
_replica_down_until = 0.0


def replica_available() -> bool:
    """Whether a replica is configured and reachable (connects if needed). A failed connection
    is logged and remembered for ``REPLICA_RETRY_SECONDS``: the analytics pages then read from
    the primary instead of failing."""
    global _replica_down_until
    if REPLICA_DB_ALIAS not in connections:
        return False
    if time.monotonic() < _replica_down_until:
        return False
    try:
        connections[REPLICA_DB_ALIAS].ensure_connection()
    except DatabaseError as exc:
        _replica_down_until = time.monotonic() + REPLICA_RETRY_SECONDS
        logger.warning("read replica unreachable (%s); reading from default for %ss", exc, REPLICA_RETRY_SECONDS)
        return False
    return True


@contextmanager
def replica_reads() -> Iterator[None]:
    """Send the reads made inside this block (or decorated function) to the replica when one is
    configured and reachable. Writes, and reads inside a transaction, stay on default (see the
    module doc)."""
    token = _replica_scope.set(replica_available())
    try:
        yield
    finally:
        _replica_scope.reset(token)


def replica_stream(rows: Iterable[T]) -> Iterator[T]:
    """Iterate ``rows`` with each step inside ``replica_reads()`` (for streamed responses): the
    scope is entered and left around every ``next()``, so it never stays set in the consumer."""
    iterator = iter(rows)
    while True:
        with replica_reads():
            try:
                row = next(iterator)
            except StopIteration:
                return
        yield row


def in_replica_scope() -> bool:
    return _replica_scope.get()


def read_alias() -> str:
    """Where a read made now goes: ``replica`` inside a scope, outside any transaction on the
    default connection, with a replica configured; ``default`` otherwise."""
    if not _replica_scope.get() or REPLICA_DB_ALIAS not in connections:
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA_DB_ALIAS


class ReplicaRouter:
    """Listed in ``DATABASE_ROUTERS`` only when ``LYCEUM_REPLICA_DATABASE_URL`` is set."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Both aliases hold the same data (one replicates the other).
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
