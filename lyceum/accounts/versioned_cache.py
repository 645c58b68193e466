"""Cache entries guarded by version tokens, so a reader racing a change cannot leave them stale.

An entry is stored as ``(versions, value)``: the tokens under its version keys at the time the
value was read from the database. A change replaces a version token after its commit
(``versions_retire``): every entry stored under the old token, including one written by a
request that read the database just before the commit and stored it just after, no longer
matches and is read again. One ``get_many`` answers a lookup (the version keys and the entry).

Used by the signed-in user's row (``user_cache``) and the notification badge count
(``lyceum.notifications.unread_cache``). Callers also check ``changed_in_transaction(tag)``:
inside a transaction that changed the data and has not committed, they read the database and
store nothing. While the cache is unavailable every lookup misses and nothing is stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.cache import cache

from lyceum.core.cache import after_commit

MISS: Any = object()


def _token() -> str:
    return uuid.uuid4().hex[:16]


def versioned_get(version_keys: Sequence[str], entry_key: str, *, timeout: int) -> tuple[Any, tuple[str, ...] | None]:
    """``(value, versions)``: the value stored under the current versions, or ``MISS`` and the
    versions to store a freshly read value under (``None`` while the cache is unavailable)."""
    value, versions, _found = versioned_get_with(version_keys, entry_key, (), timeout=timeout)
    return value, versions


def versioned_get_with(
    version_keys: Sequence[str], entry_key: str, extra_keys: Sequence[str], *, timeout: int
) -> tuple[Any, tuple[str, ...] | None, dict[str, Any]]:
    """``versioned_get``, fetching ``extra_keys`` in the same round trip (the third item: what
    the cache holds under them)."""
    found = cache.get_many([*version_keys, entry_key, *extra_keys])
    extra = {key: found[key] for key in extra_keys if key in found}
    versions = [found.get(key) for key in version_keys]
    entry = found.get(entry_key)
    if (
        None not in versions
        and isinstance(entry, tuple)
        and len(entry) == 2
        and entry[0] == tuple(str(v) for v in versions)
    ):
        return entry[1], None, extra
    if not getattr(cache, "available", True):
        return MISS, None, extra
    for i, key in enumerate(version_keys):
        if versions[i] is None:
            token = _token()
            # add is atomic (SET NX): a concurrent reader or a retire may have put one first
            versions[i] = token if cache.add(key, token, timeout=timeout) else cache.get(key)
    if None in versions:
        return MISS, None, extra
    return MISS, tuple(str(v) for v in versions), extra


def versioned_set(entry_key: str, versions: tuple[str, ...] | None, value: Any, *, timeout: int) -> None:
    """Store ``value`` read from the database under the ``versions`` ``versioned_get`` gave."""
    if versions is not None:
        cache.set(entry_key, (versions, value), timeout=timeout)


def versions_retire(version_keys: Iterable[str], *, tag: str, timeout: int) -> None:
    """Replace these version tokens once the current transaction commits (at once outside one);
    until then ``changed_in_transaction(tag)`` is true in this transaction."""
    keys = list(version_keys)
    if not keys:
        return
    after_commit(tag, lambda: cache.set_many({key: _token() for key in keys}, timeout=timeout))
