"""Search index and denormalised counters for the catalog."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from lyceum.core import events

from .. import search
from ..models import (
    Course,
    CourseStatus,
)

# --- Search index and counters (catalog) ------------------------------------------------------


@transaction.atomic
def course_search_index_update(*, course: Course) -> bool:
    """Refresh the course's search entry: indexed while published, removed otherwise.

    Call it whenever a course is published, archived or its content (title, subtitle,
    description, objectives, lesson titles) changes. Returns whether it is now indexed.
    """
    return search.course_search_index(course)


@transaction.atomic
def course_search_reindex_all() -> int:
    """Rebuild the whole index (``manage.py reindex_courses``); returns how many are indexed."""
    search.course_search_clear()
    indexed = 0
    for course in Course.objects.filter(status=CourseStatus.PUBLISHED).iterator():
        indexed += search.course_search_index(course)
    return indexed


@transaction.atomic
def course_enrollment_count_increment(*, course: Course, by: int = 1) -> None:
    """Adjust the denormalised enrollment counter (``by`` may be negative; never below 0)."""
    if by:
        Course.objects.filter(pk=course.pk).update(enrollment_count=Greatest(F("enrollment_count") + by, 0))
        course.refresh_from_db(fields=["enrollment_count"])


@transaction.atomic
def course_rating_set(*, course_id: int, avg: Decimal | float, count: int) -> None:
    """Store the denormalised rating the catalog sorts by (``sort=rating``).

    The feedback app recomputes ``avg``/``count`` from its visible reviews while holding the
    course row (``select_for_update``) and calls this; nothing here reads reviews.
    """
    value = Decimal(str(avg)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if count else Decimal("0")
    value = min(max(value, Decimal("0")), Decimal("5"))
    Course.objects.filter(pk=course_id).update(rating_avg=value, rating_count=max(int(count), 0))


def catalog_search_record(*, user: object, query: str, results: int) -> None:
    """A catalog search happened (the interest profile matches its words to topics).

    Called once per search, on its first page: turning pages is not searching again."""
    events.emit("catalog.searched", actor=user, query=query[:200], results=results)
