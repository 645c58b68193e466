"""The non-personal part of the lesson pages' outline, cached: a course with its modules and
lessons (titles, kinds, durations, release rules, withdrawals) and its instructors' ids.

The lesson page, its complete/quiz posts, the media file and the lesson API all build the
outline (``selectors.lesson_get_for_user``); uncached that is five queries and most of the
page's time. The entry for a course is stored under its slug together with a token; one
``get_many`` reads both the entry and the current token, and an entry with an older token is a
miss. The viewer's enrollment and progress are never in it: they are read per request.

The token is replaced after the commit of anything that changes an outline:

* a save or delete of a Course, Module, Lesson or CourseInstructor (model signals: also the
  admin and shell edits that emit no event);
* the courses events (``course.updated``: reorders are bulk updates without signals;
  ``course.published``/``archived``/...; ``lesson.withdrawn``/``restored``).

Until that commit, the transaction that made the change must see its own writes: a change
marks it (an entry in ``connection.run_on_commit``) and while it is pending this process reads
the outline from the database and stores nothing (a rollback would otherwise leave an outline
that never existed). While the cache is unavailable every read goes to the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_delete, post_save

from lyceum.core import events
from lyceum.core.cache import after_commit, cache_token, cache_token_retire, changed_in_transaction

TOKEN_KEY = "learning:outline:token"
OUTLINE_SECONDS = 6 * 3600

INVALIDATING_EVENTS = (
    "course.created",
    "course.updated",
    "course.submitted",
    "course.review_decided",
    "course.published",
    "course.archived",
    "lesson.withdrawn",
    "lesson.restored",
)

T = TypeVar("T")


def _entry_key(slug: str) -> str:
    return f"learning:outline:{slug}"


def outline_invalidate() -> None:
    """Retire every cached outline."""
    cache_token_retire(TOKEN_KEY)


PENDING_TAG = "learning:outline"


def outline_changed() -> None:
    """Call when an outline changed in the current transaction (or just now, outside one): the
    token is replaced after the commit; until then the transaction reads from the database."""
    after_commit(PENDING_TAG, outline_invalidate)


def _changes_pending(using: str = DEFAULT_DB_ALIAS) -> bool:
    return changed_in_transaction(PENDING_TAG, using)


def _token() -> str | None:
    return cache_token(TOKEN_KEY)


def cached_outline(slug: str, load: Callable[[], T | None]) -> tuple[T | None, str | None]:
    """``load()`` (the course with its outline, or None), cached under the slug and the token.
    Returns it with the token it is valid for (None when it was not cached: pending changes or
    no cache), for fragments derived from it."""
    value, token, _ = cached_outline_with(slug, load, [])
    return value, token


def cached_outline_with(
    slug: str, load: Callable[[], T | None], also: list[str]
) -> tuple[T | None, str | None, dict[str, Any]]:
    """``cached_outline`` that also reads the keys ``also`` in the same ``get_many`` and returns
    what it found for them (empty when the outline was read from the database)."""
    if _changes_pending():
        return load(), None, {}
    key = _entry_key(slug)
    found = cache.get_many([TOKEN_KEY, key, *also])
    token = found.pop(TOKEN_KEY, None)
    entry = found.pop(key, None)
    if token is not None and isinstance(entry, tuple) and len(entry) == 2 and entry[0] == token:
        return entry[1], str(token), found
    if token is None:
        token = _token()
    value = load()
    if token is not None and value is not None:
        cache.set(key, (token, value), timeout=OUTLINE_SECONDS)
    return value, token, found


def _on_model_change(sender: Any, **kwargs: Any) -> None:
    outline_changed()


def _on_event(event: Any) -> None:
    outline_invalidate()


def _on_emit(event: Any) -> None:
    outline_changed()


def connect() -> None:
    from lyceum.courses.models import Course, CourseInstructor, Lesson, Module

    for model in (Course, Module, Lesson, CourseInstructor):
        uid = f"lyceum.learning.outline_cache.{model.__name__}"
        post_save.connect(_on_model_change, sender=model, dispatch_uid=uid + ".saved")
        post_delete.connect(_on_model_change, sender=model, dispatch_uid=uid + ".deleted")
    for name in INVALIDATING_EVENTS:
        events.on(name)(_on_event)
        events.on_emit(name)(_on_emit)
