"""Helpers shared by the authoring and review services (checks, cleaning, touch)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.accounts.models import User
from lyceum.core import events
from lyceum.core.errors import PermissionDenied, ValidationFailed

from ..models import (
    Course,
    CourseStatus,
)
from ..selectors import (
    course_user_can_edit,
    user_can_author,
)
from .catalog import course_search_index_update

# --- Authoring: courses, instructors, modules, lessons, quizzes (studio) ----------------------

# ``course_update(category=UNSET)`` leaves the category alone; ``None`` clears it.
UNSET: Any = object()

SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
MAX_TAGS = 12
MAX_DESCRIPTION = 50_000
MAX_BODY = 200_000
MAX_CHOICES = 8


def _require_author(actor: User) -> None:
    if not user_can_author(user=actor):
        raise PermissionDenied(_("Only instructors can create courses."))


def _require_editor(actor: User, course: Course) -> None:
    if not course_user_can_edit(user=actor, course=course):
        raise PermissionDenied(_("Only this course's instructors can change it."))


def _clean_line(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(value) > max_length:
        raise ValidationFailed(
            _("Use at most %(n)s characters (it has %(len)s).") % {"n": max_length, "len": len(value)}, field=field
        )
    return value


def _clean_text(value: str, *, field: str, max_length: int) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > max_length:
        raise ValidationFailed(_("Use at most %(n)s characters.") % {"n": max_length}, field=field)
    return value


def _clean_release(release_at: datetime | None, release_after_days: int | None) -> None:
    if release_at is not None and timezone.is_naive(release_at):
        raise ValidationFailed(_("Give the opening time with a time zone."), field="release_at")
    if release_after_days is not None and not 0 <= release_after_days <= 3650:
        raise ValidationFailed(_("Days after enrolment must be between 0 and 3650."), field="release_after_days")


def _emit_course_updated(actor: User, course: Course, **props: Any) -> None:
    events.emit("course.updated", actor=actor, obj=course, **props)


def _search_reindex(course: Course) -> None:
    """Keep the catalog's search entry in step (indexed while published, removed otherwise)."""
    course_search_index_update(course=course)


def _touch(course: Course) -> None:
    """Mark the course as changed (the studio list sorts by it); a published course's
    search entry follows its outline (lesson titles are indexed)."""
    Course.objects.filter(pk=course.pk).update(updated_at=timezone.now())
    if course.status == CourseStatus.PUBLISHED:
        _search_reindex(course)
