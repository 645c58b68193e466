"""What the player's progress heartbeat needs to decide access, cached: the lesson's release and
status columns (with its course's and module's) and the learner's enrollment columns.

``selectors.lesson_open_for_user`` is called for every heartbeat (about a quarter of a learning
platform's requests). Its rule (``selectors.lesson_access``) stays in Python and runs on every
call with the current time; only the rows it reads come from here, in one ``get_many``:

* ``learning:open:<lesson id>``: the lesson's, course's and module's columns the rule reads,
  stored with the outline token (``outline_cache.TOKEN_KEY``): every change that retires the
  cached outlines (a save of a course, module or lesson, the courses events) retires these too.
* ``learning:access-enrollment:<user id>:<course id>``: the enrollment's columns (or "none";
  also the lesson pages' enrollment, ``selectors.course_page(outline_only=True)``),
  stored with that user's enrollment token ``learning:access-enrollment-token:<user id>``, which
  is replaced after the commit of any save or delete of one of their enrollments. An entry
  stored by a request that read the database before that commit carries the old token and is a
  miss: no stale access survives a revocation, a refund or an expiry change.

Inside a transaction that changed an enrollment or an outline and has not committed, the rows
are read from the database and nothing is stored. Without the cache every call reads the rows.
The course of a lesson (for the enrollment key) is remembered per process: a lesson never moves
to another course, and a wrong guess is only a second round trip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from lyceum.core.cache import after_commit, cache_token, cache_token_retire, changed_in_transaction

from . import outline_cache

ENTRY_SECONDS = 6 * 3600
PENDING_TAG = "learning:access-enrollment"
# The enrollment columns cached (what the access rule and the lesson pages read): a save that
# writes none of them (the last lesson and activity, written on every lesson view) keeps the entries.
ACCESS_FIELDS = frozenset(
    {"created_at", "access_until", "revoked_at", "source", "user", "user_id", "course", "course_id"}
)

Row = tuple[tuple[str, ...], tuple[Any, ...]]  # (attnames, values)
_COURSE_OF: dict[int, int] = {}


def _lesson_key(lesson_id: int) -> str:
    return f"learning:open:{lesson_id}"


def _enrollment_key(user_id: int, course_id: int) -> str:
    return f"learning:access-enrollment:{user_id}:{course_id}"


def _user_token_key(user_id: int) -> str:
    return f"learning:access-enrollment-token:{user_id}"


def _valid(entry: Any, token: Any) -> bool:
    return token is not None and isinstance(entry, tuple) and len(entry) == 2 and entry[0] == token


def access_rows(
    *,
    lesson_id: int,
    user_id: int | None,
    load_lesson: Callable[[], dict[str, Row] | None],
    load_enrollment: Callable[[int], Row | None],
) -> tuple[dict[str, Row] | None, Row | None]:
    """(the lesson's rows by model name, or None: no such lesson; the user's enrollment row for
    its course, or None: not enrolled / anonymous). ``load_*`` read the database."""
    lesson: dict[str, Row] | None
    if outline_cache._changes_pending() or changed_in_transaction(PENDING_TAG):
        lesson = load_lesson()
        if lesson is None or user_id is None:
            return lesson, None
        return lesson, load_enrollment(lesson["course"][1][0])
    guess = _COURSE_OF.get(lesson_id)
    keys = [outline_cache.TOKEN_KEY, _lesson_key(lesson_id)]
    if user_id is not None:
        keys.append(_user_token_key(user_id))
        if guess is not None:
            keys.append(_enrollment_key(user_id, guess))
    found = cache.get_many(keys)
    outline_token = found.get(outline_cache.TOKEN_KEY)
    entry: Any = found.get(_lesson_key(lesson_id))
    if _valid(entry, outline_token):
        lesson = entry[1]
    else:
        if outline_token is None:
            outline_token = cache_token(outline_cache.TOKEN_KEY)
        lesson = load_lesson()
        if lesson is not None and outline_token is not None:
            cache.set(_lesson_key(lesson_id), (outline_token, lesson), timeout=ENTRY_SECONDS)
    if lesson is None:
        _COURSE_OF.pop(lesson_id, None)
        return None, None
    course_id = lesson["course"][1][0]  # the course row's first column is its id
    _COURSE_OF[lesson_id] = course_id
    if user_id is None:
        return lesson, None
    found_enrollment = found if guess == course_id else None
    return lesson, enrollment_row(user_id=user_id, course_id=course_id, load=load_enrollment, found=found_enrollment)


def enrollment_keys(user_id: int, course_id: int) -> list[str]:
    """The keys ``enrollment_row`` reads, for a caller that reads them with others (``found``)."""
    return [_user_token_key(user_id), _enrollment_key(user_id, course_id)]


def enrollment_row(
    *, user_id: int, course_id: int, load: Callable[[int], Row | None], found: dict[str, Any] | None = None
) -> Row | None:
    """The user's enrollment row for the course (None: not enrolled), from the cache when it holds
    a current copy (``found``: what an earlier ``get_many`` already read, with the user's token)."""
    if changed_in_transaction(PENDING_TAG):
        return load(course_id)
    key = _enrollment_key(user_id, course_id)
    if found is None:
        found = cache.get_many([_user_token_key(user_id), key])
    user_token = found.get(_user_token_key(user_id))
    entry: Any = found.get(key)
    if _valid(entry, user_token):
        return entry[1]  # type: ignore[no-any-return]
    if user_token is None:
        user_token = cache_token(_user_token_key(user_id))
    enrollment = load(course_id)
    if user_token is not None:
        cache.set(key, (user_token, enrollment), timeout=ENTRY_SECONDS)
    return enrollment


def enrollments_changed(user_id: int) -> None:
    """Call when one of the user's enrollments changed in the current transaction (or just now):
    their entries are retired after the commit; until then the transaction reads the database."""
    after_commit(PENDING_TAG, lambda: cache_token_retire(_user_token_key(user_id)))


def _on_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and not (set(update_fields) & ACCESS_FIELDS):
        return
    enrollments_changed(instance.user_id)


def _on_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    enrollments_changed(instance.user_id)


def connect() -> None:
    from .models import Enrollment

    post_save.connect(_on_saved, sender=Enrollment, dispatch_uid="lyceum.learning.access_cache.saved")
    post_delete.connect(_on_deleted, sender=Enrollment, dispatch_uid="lyceum.learning.access_cache.deleted")
