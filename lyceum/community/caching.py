"""Between-request caches of the community pages: a member's standing and a thread's page data.

**Standing** (``access.standing``): the courses a member is enrolled in or teaches and the
membership plans they hold cost three queries on every community page. They are kept under
``community:standing:<user id>`` stamped with a per-user token (``community:standing:tok:<id>``);
a change replaces the token after commit, so an entry stored by a request that read the rows
before the commit is never trusted. Roles (staff, operator) are not part of the entry: they come
from ``user.roles`` (the roles cache) each time. Membership plans (the ``member.active_plans``
hook) are stored only when there are none: a live membership ends with its period, which the
hook does not tell, so a member holding one asks the hook on each request; a member without one
(almost everyone) needs a membership row to gain one.

* enrollments (``learning.Enrollment`` saved with a change of user, course, ``revoked_at`` or
  ``access_until``, or deleted) and instructor links (``courses.CourseInstructor`` saved or
  deleted): model signals, so services, the admin and shell edits are all seen;
* memberships: ``commerce.Membership`` saved or deleted, a model signal connected by the model's
  name (commerce is a sibling layer: nothing is imported from it; without commerce installed the
  signal is simply never connected, and nothing else answers the hook);
* time: an enrollment with an ``access_until`` makes the entry valid only until the first such
  date (an expired one is not counted, whatever the entry says).

**Thread page data** (``thread_bundle``): the thread row (with its space and author), its tags
and, for a thread of at most ``SMALL_THREAD_REPLIES`` replies, every reply with its author —
hidden and deleted ones included, the selectors filter them per viewer exactly as the SQL did.
Nothing per viewer is stored. Kept under ``community:thread:<id>`` stamped with the thread's
token (``community:thread:tok:<id>``) and the shared ``community:threadpage:gen`` token:

* the thread's token is replaced after commit when the thread or one of its replies is saved or
  deleted (model signals), its tags change, and by the services that change counters with
  ``UPDATE`` (views, votes, reply counts: ``thread_changed``);
* the shared token is replaced when a space, a space's access courses, a tag, or a user's
  public face (name, avatar, hidden profile, active, erased, email) changes: rare events that
  may touch any thread.

**The viewer's marks** (``viewer_marks``): their votes on the thread and its replies, bookmark
and follow, under ``community:marks:<user id>:<thread id>``, stamped with the viewer's marks token
(``community:marks:tok:<user id>``: replaced when a ``Vote``, ``Bookmark`` or ``ThreadFollow`` of
theirs is saved or deleted, model signals; nobody else's action changes them).

The thread page reads all of these, and whether the viewer's view was counted lately
(``view_key``), with one ``get_many`` (``prefetch``).

All caches follow ``core.cache``: inside a transaction that changed what they hold (and has
not committed) the database is read and nothing is stored; while the cache is unavailable the
database is read.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

from lyceum.core.cache import after_commit, cache_token, changed_in_transaction

STANDING_TAG = "community:standing"
THREADS_TAG = "community:threads"
THREADPAGE_GEN_KEY = "community:threadpage:gen"
MARKS_TAG = "community:marks"
STANDING_SECONDS = 3600
MARKS_SECONDS = 3600
THREAD_SECONDS = 3600


def _new_token() -> str:
    import uuid

    return uuid.uuid4().hex[:16]


def _standing_tok_key(user_id: int) -> str:
    return f"community:standing:tok:{user_id}"


def _standing_key(user_id: int) -> str:
    return f"community:standing:{user_id}"


def _thread_tok_key(thread_id: int) -> str:
    return f"community:thread:tok:{thread_id}"


def _thread_key(thread_id: int) -> str:
    return f"community:thread:{thread_id}"


def _marks_tok_key(user_id: int) -> str:
    return f"community:marks:tok:{user_id}"


def _marks_key(user_id: int, thread_id: int) -> str:
    return f"community:marks:{user_id}:{thread_id}"


def view_key(viewer: str, thread_id: int) -> str:
    """The key that remembers a counted view of ``thread_id`` by ``viewer`` (``thread_view``)."""
    return f"community:view:{viewer}:{thread_id}"


# --- reading ------------------------------------------------------------------------------------

# StandingParts: (course ids, instructed course ids, plans (None: some, ask the hook), valid until)
StandingParts = tuple[frozenset[int], frozenset[int], frozenset[str] | None, float | None]


def standing_parts(
    user_id: int, load: Callable[[], StandingParts], found: dict[str, Any] | None = None
) -> StandingParts:
    """The cached database part of a user's standing, or ``load()`` (stored when it may be).
    ``found`` is a ``get_many`` answer already holding this user's keys (``prefetch``)."""
    if changed_in_transaction(STANDING_TAG):
        return load()
    tok_key, key = _standing_tok_key(user_id), _standing_key(user_id)
    if found is None or not _fetched(found, key):
        found = cache.get_many([tok_key, key])
    token = found.get(tok_key)
    entry = found.get(key)
    if token is not None and isinstance(entry, tuple) and len(entry) == 5 and entry[0] == token:
        valid_until = entry[4]
        if valid_until is None or time.time() < valid_until:
            return entry[1], entry[2], entry[3], entry[4]
    if token is None:
        token = cache_token(tok_key)
    parts = load()
    if token is not None:
        cache.set(key, (token, *parts), timeout=STANDING_SECONDS)
    return parts


def _fetched(found: dict[str, Any], key: str) -> bool:
    return key in found.get("__asked__", ())


def thread_bundle(thread_id: int, load: Callable[[], Any], found: dict[str, Any] | None = None) -> Any:
    """The cached viewer-independent data of a thread page, or ``load()`` (stored when it may be;
    ``load`` answers None for a thread that does not exist, which is not stored)."""
    if changed_in_transaction(THREADS_TAG):
        return load()
    tok_key, key = _thread_tok_key(thread_id), _thread_key(thread_id)
    if found is None or not _fetched(found, key):
        found = cache.get_many([tok_key, key, THREADPAGE_GEN_KEY])
    token, gen = found.get(tok_key), found.get(THREADPAGE_GEN_KEY)
    entry = found.get(key)
    if (
        token is not None
        and gen is not None
        and isinstance(entry, tuple)
        and len(entry) == 3
        and entry[0] == token
        and entry[1] == gen
    ):
        return entry[2]
    # the tokens are read before the rows: a change committed after this read retires them
    token = str(token) if token is not None else cache_token(tok_key)
    gen = str(gen) if gen is not None else cache_token(THREADPAGE_GEN_KEY)
    data = load()
    if data is not None and token is not None and gen is not None:
        cache.set(key, (token, gen, data), timeout=THREAD_SECONDS)
    return data


def viewer_marks(user_id: int, thread_id: int, load: Callable[[], Any], found: dict[str, Any] | None = None) -> Any:
    """The viewer's votes, bookmark and follow on a thread, cached or ``load()``. Valid while the
    viewer's marks token is the one it was stored with: only a ``Vote``, ``Bookmark`` or
    ``ThreadFollow`` of theirs changes them (saved or deleted: model signals). Not tied to the
    thread's token: a counted view or someone else's reply does not change them."""
    if changed_in_transaction(MARKS_TAG):
        return load()
    keys = [_marks_tok_key(user_id), _marks_key(user_id, thread_id)]
    if found is None or not _fetched(found, keys[1]):
        found = cache.get_many(keys)
    mine, entry = found.get(keys[0]), found.get(keys[1])
    if mine is not None and isinstance(entry, tuple) and len(entry) == 2 and entry[0] == mine:
        return entry[1]
    mine = str(mine) if mine is not None else cache_token(keys[0])
    marks = load()
    if mine is not None:
        cache.set(keys[1], (mine, marks), timeout=MARKS_SECONDS)
    return marks


def prefetch(*, user_id: int | None, thread_id: int) -> dict[str, Any]:
    """One ``get_many`` for everything the thread page reads from the cache (the viewer's standing,
    the thread's data, the viewer's marks and whether their view was counted lately); pass the
    answer to ``standing_parts``, ``thread_bundle`` and ``viewer_marks``."""
    keys = [_thread_tok_key(thread_id), _thread_key(thread_id), THREADPAGE_GEN_KEY]
    if user_id is not None:
        keys += [_standing_tok_key(user_id), _standing_key(user_id)]
        keys += [_marks_tok_key(user_id), _marks_key(user_id, thread_id), view_key(f"u{user_id}", thread_id)]
    found = dict(cache.get_many(keys))
    found["__asked__"] = frozenset(keys)
    return found


# --- invalidation -------------------------------------------------------------------------------


def _retire_later(tag: str, keys: list[str]) -> None:
    """Replace these tokens now and once more after the commit (marking the transaction until then)."""

    def retire() -> None:
        cache.set_many({k: _new_token() for k in keys}, timeout=None)

    retire()
    after_commit(tag, retire)


def standing_changed(user_ids: Any) -> None:
    keys = [_standing_tok_key(int(pk)) for pk in user_ids if pk is not None]
    if keys:
        _retire_later(STANDING_TAG, keys)


def thread_changed(thread_ids: Any) -> None:
    """Retire the cached page data of these threads (call after changing them with ``UPDATE``)."""
    keys = [_thread_tok_key(int(pk)) for pk in set(thread_ids) if pk is not None]
    if keys:
        _retire_later(THREADS_TAG, keys)


def marks_changed(user_ids: Any) -> None:
    keys = [_marks_tok_key(int(pk)) for pk in set(user_ids) if pk is not None]
    if keys:
        _retire_later(MARKS_TAG, keys)


def _on_mark_changed(sender: Any, instance: Any, **kw: Any) -> None:
    marks_changed([instance.user_id])


def threads_all_changed() -> None:
    _retire_later(THREADS_TAG, [THREADPAGE_GEN_KEY])


_ENROLLMENT_FIELDS = frozenset({"user", "user_id", "course", "course_id", "revoked_at", "access_until"})
_AUTHOR_FIELDS = frozenset({"display_name", "avatar", "profile_hidden_at", "is_active", "erased_at", "email"})


def _on_enrollment_saved(sender: Any, instance: Any, created: bool, update_fields: Any = None, **kw: Any) -> None:
    if update_fields is not None and not (set(update_fields) & _ENROLLMENT_FIELDS):
        return  # e.g. last_activity_at on every progress call
    standing_changed([instance.user_id])


def _on_user_link_deleted(sender: Any, instance: Any, **kw: Any) -> None:
    standing_changed([instance.user_id])


def _on_user_link_saved(sender: Any, instance: Any, **kw: Any) -> None:  # instructor links, memberships
    standing_changed([instance.user_id])


def _on_thread_saved(sender: Any, instance: Any, **kw: Any) -> None:
    thread_changed([instance.pk])


def _on_reply_saved(sender: Any, instance: Any, **kw: Any) -> None:
    thread_changed([instance.thread_id])


def _on_thread_tags(sender: Any, instance: Any, action: str, reverse: bool, **kw: Any) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # tag.threads.<action>(...): which threads is not always known
        threads_all_changed()
    else:
        thread_changed([instance.pk])


def _on_shared_changed(sender: Any, **kw: Any) -> None:
    threads_all_changed()


def _on_space_courses(sender: Any, action: str, **kw: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        threads_all_changed()


def _on_user_saved(sender: Any, instance: Any, created: bool, update_fields: Any = None, **kw: Any) -> None:
    if created or (update_fields is not None and not (set(update_fields) & _AUTHOR_FIELDS)):
        return  # a new user has written nothing yet; last_login, locale... are not shown
    threads_all_changed()


def connect() -> None:
    from django.contrib.auth import get_user_model

    from lyceum.courses.models import CourseInstructor
    from lyceum.learning.models import Enrollment

    from .models import Bookmark, CommunityTag, Reply, Space, Thread, ThreadFollow, Vote

    uid = "lyceum.community.caching."
    post_save.connect(_on_enrollment_saved, sender=Enrollment, dispatch_uid=uid + "enrollment_saved")
    post_delete.connect(_on_user_link_deleted, sender=Enrollment, dispatch_uid=uid + "enrollment_deleted")
    post_save.connect(_on_user_link_saved, sender=CourseInstructor, dispatch_uid=uid + "instructor_saved")
    # by name, no import: commerce is a sibling (the ``member.active_plans`` hook answers from it)
    post_save.connect(_on_user_link_saved, sender="commerce.Membership", dispatch_uid=uid + "membership_saved")
    post_delete.connect(_on_user_link_deleted, sender="commerce.Membership", dispatch_uid=uid + "membership_deleted")
    post_delete.connect(_on_user_link_deleted, sender=CourseInstructor, dispatch_uid=uid + "instructor_deleted")

    post_save.connect(_on_thread_saved, sender=Thread, dispatch_uid=uid + "thread_saved")
    post_delete.connect(_on_thread_saved, sender=Thread, dispatch_uid=uid + "thread_deleted")
    post_save.connect(_on_reply_saved, sender=Reply, dispatch_uid=uid + "reply_saved")
    post_delete.connect(_on_reply_saved, sender=Reply, dispatch_uid=uid + "reply_deleted")
    m2m_changed.connect(_on_thread_tags, sender=Thread.tags.through, dispatch_uid=uid + "thread_tags")
    m2m_changed.connect(_on_space_courses, sender=Space.access_courses.through, dispatch_uid=uid + "space_courses")
    for model in (Space, CommunityTag):
        post_save.connect(_on_shared_changed, sender=model, dispatch_uid=uid + f"{model.__name__}_saved")
        post_delete.connect(_on_shared_changed, sender=model, dispatch_uid=uid + f"{model.__name__}_deleted")
    for mark in (Vote, Bookmark, ThreadFollow):
        post_save.connect(_on_mark_changed, sender=mark, dispatch_uid=uid + f"{mark.__name__}_mark_saved")
        post_delete.connect(_on_mark_changed, sender=mark, dispatch_uid=uid + f"{mark.__name__}_mark_deleted")
    post_save.connect(_on_user_saved, sender=get_user_model(), dispatch_uid=uid + "user_saved")
