"""Course reviews: write, edit, reply, vote helpful, hide — and the course's rating counters.

Decisions (see the report in docs):

- **Who may review**: a learner with an enrollment in the course that is active now or was
  completed (``completed_at`` set). A refunded or expired enrollment that never finished does
  not count. Instructors of the course may not review it.
- **Text** is plain text (≤ 5000 characters, stripped, NUL removed): templates escape it and
  keep line breaks, so no Markdown or HTML ever renders from a review.
- **Counters**: after every change of what counts (a rating posted or edited, a review hidden
  or shown) the course's ``rating_avg``/``rating_count`` are recomputed from the visible
  reviews while the course row is locked, and stored through
  ``courses.services.catalog.course_rating_set``. Hidden reviews do not count.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.accounts.models import Role
from lyceum.core import events, ratelimit, screening
from lyceum.core.errors import NotAuthenticated, NotFound, PermissionDenied, RateLimited, ValidationFailed
from lyceum.courses.models import Course, CourseInstructor, CourseStatus
from lyceum.courses.services.catalog import course_rating_set
from lyceum.learning.models import Enrollment

from ..models import Review, ReviewHelpful
from ..models.reviews import REVIEW_TEXT_MAX

DEFAULT_REVIEW_RATE = "10/h"
HELD = "held"
HIDDEN_REASONS = ("held", "reports", "moderator", "takedown")  # the community's HiddenReason values
DEFAULT_HELPFUL_RATE = "60/min"


# --- rules (also used by the selectors to decide what to show) -----------------------------------


def enrollment_may_review(enrollment: Enrollment | None) -> bool:
    """An enrollment that is active now, or one the learner completed."""
    if enrollment is None:
        return False
    return enrollment.is_active or enrollment.completed_at is not None


def user_may_review(*, user: Any, course: Course) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    enrollment = Enrollment.objects.filter(user=user, course=course).first()
    return enrollment_may_review(enrollment)


def user_is_course_instructor(*, user: Any, course_id: int) -> bool:
    """The course's own instructors while they hold the instructor role."""
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.INSTRUCTOR):
        return False
    return CourseInstructor.objects.filter(course_id=course_id, user=user).exists()


def user_may_moderate_reviews(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.has_role(Role.MODERATOR) or user.has_role(Role.OPERATOR)
    )


# --- helpers -------------------------------------------------------------------------------------


def _require_user(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotAuthenticated(_("Sign in to review courses."))


def _rate_limit(actor: Any, what: str, setting: str, default: str) -> None:
    if not ratelimit.hit(f"feedback:{what}:{actor.pk}", str(getattr(settings, setting, default))):
        raise RateLimited(_("You are doing that too often. Please wait a while and try again."))


def _clean_rating(value: Any) -> int:
    if isinstance(value, bool):
        raise ValidationFailed(_("Choose a rating from 1 to 5 stars."), field="rating")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationFailed(_("Choose a rating from 1 to 5 stars."), field="rating")
    return value


def _clean_text(value: Any, *, field: str = "text") -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed(_("Write your text as plain text."), field=field)
    text = value.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > REVIEW_TEXT_MAX:
        raise ValidationFailed(
            _("Keep it under %(max)d characters (you wrote %(n)d).") % {"max": REVIEW_TEXT_MAX, "n": len(text)},
            field=field,
        )
    return text


def _lock_course(course_id: int) -> None:
    Course.objects.select_for_update().filter(pk=course_id).values_list("pk", flat=True).first()


def course_rating_refresh(*, course_id: int) -> tuple[Decimal, int]:
    """Recompute the course's rating from its visible reviews and store it. Call it inside a
    transaction that already holds the course row (``_lock_course``)."""
    row = Review.objects.filter(course_id=course_id, hidden_at__isnull=True).aggregate(
        avg=Avg("rating"), count=Count("id")
    )
    count = int(row["count"] or 0)
    avg = Decimal(str(row["avg"] or 0))
    course_rating_set(course_id=course_id, avg=avg, count=count)
    return avg, count


# --- services ------------------------------------------------------------------------------------


@transaction.atomic
def review_save(
    *,
    actor: Any,
    course: Course,
    rating: Any,
    text: Any = "",
    at: datetime | None = None,
    rate_limit: bool = True,
) -> tuple[Review, bool]:
    """Create the actor's review of ``course`` or edit it. Returns (review, created)."""
    _require_user(actor)
    if course.status not in (CourseStatus.PUBLISHED, CourseStatus.ARCHIVED):
        raise NotFound(_("No such course."))
    enrollment = Enrollment.objects.filter(user=actor, course=course).first()
    if not enrollment_may_review(enrollment):
        raise PermissionDenied(_("Only learners enrolled in this course can review it."), code="enrollment_required")
    if CourseInstructor.objects.filter(course=course, user=actor).exists():
        raise PermissionDenied(_("You teach this course, so you cannot review it."), code="own_course")
    clean_rating = _clean_rating(rating)
    clean_text = _clean_text(text)
    if rate_limit:
        _rate_limit(actor, "review", "LYCEUM_FEEDBACK_REVIEW_RATE", DEFAULT_REVIEW_RATE)
    when = at or timezone.now()
    _lock_course(course.pk)
    review = Review.objects.select_for_update().filter(course=course, user=actor).first()
    created = review is None
    if review is None:
        verdict = screening.screen(author=actor, kind="review", text=clean_text, where=str(course.pk))
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    course=course,
                    user=actor,
                    rating=clean_rating,
                    text=clean_text,
                    hidden_at=when if verdict.held else None,
                    hidden_reason=HELD if verdict.held else "",
                )
        except IntegrityError:  # pragma: no cover - the course lock serialises writers
            raise ValidationFailed(_("You have already reviewed this course."), field="rating") from None
        if at is not None:
            Review.objects.filter(pk=review.pk).update(created_at=at, updated_at=at)
            review.created_at = review.updated_at = at
        events.emit(
            "review.posted",
            actor=actor,
            obj=review,
            at=at,
            course=course.pk,
            rating=clean_rating,
            screen=verdict.as_props(),
        )
    else:
        previous = review.rating
        if previous == clean_rating and review.text == clean_text:
            return review, False
        verdict = screening.Verdict()
        fields = ["rating", "text", "edited_at", "updated_at"]
        if review.text != clean_text:  # a new rating alone has no text to screen
            verdict = screening.screen(author=actor, kind="review", text=clean_text, where=str(course.pk), obj=review)
            if verdict.held and review.hidden_at is None:
                review.hidden_at, review.hidden_reason = when, HELD
                fields += ["hidden_at", "hidden_reason"]
        review.rating = clean_rating
        review.text = clean_text
        review.edited_at = when
        review.save(update_fields=fields)
        events.emit(
            "review.edited",
            actor=actor,
            obj=review,
            at=at,
            course=course.pk,
            rating=clean_rating,
            previous=previous,
            screen=verdict.as_props(),
        )
    course_rating_refresh(course_id=course.pk)
    return review, created


@transaction.atomic
def review_reply(*, actor: Any, review: Review, text: Any, at: datetime | None = None) -> Review:
    """The course's instructors answer a review; replying again edits it, empty text removes it."""
    _require_user(actor)
    if not user_is_course_instructor(user=actor, course_id=review.course_id):
        raise PermissionDenied(_("Only the course's instructors can reply to its reviews."), code="not_instructor")
    clean = _clean_text(text)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if clean:
        review.instructor_reply = clean
        review.replied_by = actor
        review.replied_at = at or timezone.now()
    else:
        review.instructor_reply = ""
        review.replied_by = None
        review.replied_at = None
    review.save(update_fields=["instructor_reply", "replied_by", "replied_at", "updated_at"])
    events.emit("review.replied", actor=actor, obj=review, at=at, course=review.course_id, removed=not clean)
    return review


@transaction.atomic
def review_helpful_toggle(
    *, actor: Any, review: Review, at: datetime | None = None, rate_limit: bool = True
) -> tuple[bool, int]:
    """Mark a review helpful or take the mark back: (marked now, new count). Not one's own."""
    _require_user(actor)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.hidden_at is not None:
        raise PermissionDenied(_("This review is hidden."), code="hidden")
    if review.user_id == actor.pk:
        raise PermissionDenied(_("You cannot mark your own review as helpful."), code="own_review")
    if rate_limit:
        _rate_limit(actor, "helpful", "LYCEUM_FEEDBACK_HELPFUL_RATE", DEFAULT_HELPFUL_RATE)
    deleted, _n = ReviewHelpful.objects.filter(review=review, user=actor).delete()
    if deleted:
        Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") - 1)
        events.emit("review.helpful_unmarked", actor=actor, obj=review, course=review.course_id)
    else:
        ReviewHelpful.objects.create(review=review, user=actor, created_at=at or timezone.now())
        Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") + 1)
        events.emit("review.helpful_marked", actor=actor, obj=review, at=at, course=review.course_id)
    review.refresh_from_db(fields=["helpful_count"])
    return not deleted, review.helpful_count


@transaction.atomic
def review_hide(*, actor: Any, review: Review, hidden: bool = True, reason: str = "") -> Review:
    """Moderators and operators hide a review (kept for the record) or show it again;
    ``actor=None`` is the system acting (enough member reports, the spam filter's hold)."""
    if actor is not None:
        _require_user(actor)
        if not user_may_moderate_reviews(actor):
            raise PermissionDenied(_("Only moderators can hide reviews."), code="not_moderator")
    _lock_course(review.course_id)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if (review.hidden_at is not None) == hidden:
        return review
    review.hidden_at = timezone.now() if hidden else None
    # ``reason`` may name why (one of HIDDEN_REASONS) or be a moderator's free note
    why = reason if reason in HIDDEN_REASONS else ("moderator" if actor is not None else "reports")
    review.hidden_reason = why if hidden else ""
    review.save(update_fields=["hidden_at", "hidden_reason", "updated_at"])
    events.emit(
        "review.hidden", actor=actor, obj=review, course=review.course_id, hidden=hidden, reason=str(reason)[:200]
    )
    course_rating_refresh(course_id=review.course_id)
    return review
