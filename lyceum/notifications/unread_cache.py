"""The header badge's unread count, cached per member between requests.

Every signed-in page shows how many notifications are unread (``context_processors.unread``):
a COUNT per page. Here the count is kept under ``notifications:unread:<user id>`` behind a
version token per member (``lyceum.accounts.versioned_cache``), replaced after the commit of
anything that changes which of their notifications are unread:

* a notification saved or deleted one at a time (``post_save``/``post_delete``: ``notify``,
  ``notification_mark_read``, an admin delete);
* the bulk writes, which send no signals, name their recipients: ``notify_many`` (new rows and
  roll-ups), ``notifications_mark_all_read``, ``notifications_erase_for_user``.

Inside a transaction that changed notifications and has not committed, the count is read from
the database and not stored. While the cache is unavailable the count is simply read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models.signals import post_delete, post_save

from lyceum.accounts.versioned_cache import MISS, versioned_get, versioned_set, versions_retire
from lyceum.core.cache import changed_in_transaction

TAG = "notifications:unread"
COUNT_SECONDS = 600
VERSION_SECONDS = 7 * 24 * 3600


def _entry_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def _version_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}:v"


def _count(user_id: int) -> int:
    from .models import Notification

    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


# Bumped by every ``unread_forget`` in this process: a count fetched before (with the signed-in
# user's row, ``viewer_prefetched``) is not trusted after a change made by this very request.
_forgets = 0


def _viewer_keys(user_id: int) -> tuple[list[str], int]:
    return [_version_key(user_id), _entry_key(user_id)], _forgets


def _prefetched(user_id: int, prefetched: tuple[Any, dict[str, Any]] | None) -> int | None:
    if prefetched is None or prefetched[0] != _forgets:
        return None
    found = prefetched[1]
    version, entry = found.get(_version_key(user_id)), found.get(_entry_key(user_id))
    if version is not None and isinstance(entry, tuple) and len(entry) == 2 and entry[0] == (str(version),):
        return int(entry[1])
    return None


def unread_count(*, user_id: int, prefetched: tuple[Any, dict[str, Any]] | None = None) -> int:
    """How many of the member's notifications are unread. ``prefetched``: what was fetched for
    ``unread`` with the signed-in user's row (``lyceum.accounts.user_cache.viewer_prefetched``),
    used when it holds a current count and nothing changed here since."""
    if changed_in_transaction(TAG):
        return _count(user_id)
    known = _prefetched(user_id, prefetched)
    if known is not None:
        return known
    count, versions = versioned_get([_version_key(user_id)], _entry_key(user_id), timeout=VERSION_SECONDS)
    if count is not MISS:
        return int(count)
    count = _count(user_id)
    versioned_set(_entry_key(user_id), versions, count, timeout=COUNT_SECONDS)
    return count


def unread_forget(user_ids: Iterable[int]) -> None:
    """These members' counts are read again once the current transaction commits."""
    global _forgets
    _forgets += 1
    versions_retire([_version_key(int(pk)) for pk in set(user_ids)], tag=TAG, timeout=VERSION_SECONDS)


def _on_notification_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    unread_forget([instance.recipient_id])


def connect() -> None:
    from lyceum.accounts.user_cache import viewer_keys_register

    from .models import Notification

    viewer_keys_register("unread", _viewer_keys)  # fetched with the signed-in user's row

    post_save.connect(_on_notification_changed, sender=Notification, dispatch_uid="lyceum.notifications.unread.saved")
    post_delete.connect(
        _on_notification_changed, sender=Notification, dispatch_uid="lyceum.notifications.unread.deleted"
    )
