"""Quality review (课程质量审核): draft → in review → published → archived, and the changelog."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lyceum.accounts.models import User
from lyceum.core import events
from lyceum.core.errors import Conflict, PermissionDenied, ValidationFailed

from ..models import (
    REVIEW_CHECKLIST,
    Course,
    CourseChange,
    CourseReview,
    CourseStatus,
    ReviewDecision,
)
from ..selectors import (
    course_readiness,
    course_user_is_instructor,
    user_is_reviewer,
)
from ._common import _clean_text, _emit_course_updated, _require_editor, _search_reindex

# --- Quality review (课程质量审核): draft → in review → published → archived --------------------


def _locked(course: Course) -> Course:
    """The course row, locked for this transaction and freshly read."""
    return Course.objects.select_for_update().get(pk=course.pk)


@transaction.atomic
def course_submit(*, actor: User, course: Course, note: str = "") -> CourseReview:
    """An instructor asks for the quality review of a draft."""
    _require_editor(actor, course)
    note = _clean_text(note, field="note", max_length=5000)
    fresh = _locked(course)
    if fresh.status != CourseStatus.DRAFT:
        raise Conflict(_("Only a draft can be submitted for review."), field="status")
    problems = course_readiness(course=fresh)
    if problems:
        raise ValidationFailed(_("The course is not ready for review: %(p)s") % {"p": " ".join(problems)})
    now = timezone.now()
    fresh.status = CourseStatus.IN_REVIEW
    fresh.submitted_at = now
    fresh.save(update_fields=["status", "submitted_at", "updated_at"])
    review = CourseReview.objects.create(course=fresh, submitted_by=actor, submitted_at=now, note=note)
    course.status, course.submitted_at = fresh.status, fresh.submitted_at
    events.emit("course.submitted", actor=actor, obj=fresh, review_id=review.pk, version=fresh.version)
    return review


def _check_reviewer(actor: User, review: CourseReview) -> None:
    if not user_is_reviewer(user=actor):
        raise PermissionDenied(_("Only reviewers can decide on a course review."))
    if review.submitted_by_id == actor.pk or course_user_is_instructor(user=actor, course=review.course):
        raise PermissionDenied(_("You cannot review your own course."))


def _clean_checklist(checklist: dict[str, bool] | list[str]) -> dict[str, bool]:
    ticked = {key for key, value in checklist.items() if value} if isinstance(checklist, dict) else set(checklist)
    known = {key for key, _label in REVIEW_CHECKLIST}
    if unknown := sorted(ticked - known):
        raise ValidationFailed(_("Unknown checklist item: %(k)s") % {"k": ", ".join(unknown)}, field="checklist")
    return {key: key in ticked for key, _label in REVIEW_CHECKLIST}


def _open_review(review: CourseReview) -> tuple[CourseReview, Course]:
    fresh = CourseReview.objects.select_for_update().select_related("course").get(pk=review.pk)
    if fresh.decision != ReviewDecision.PENDING:
        raise Conflict(_("This review was already decided."))
    course = _locked(fresh.course)
    if course.status != CourseStatus.IN_REVIEW:
        raise Conflict(_("The course is no longer waiting for review."))
    fresh.course = course
    return fresh, course


@transaction.atomic
def review_approve(
    *, actor: User, review: CourseReview, checklist: dict[str, bool] | list[str], comments: str = ""
) -> CourseReview:
    """Approve: every checklist item ticked; the course is published as a new version."""
    _check_reviewer(actor, review)
    ticked = _clean_checklist(checklist)
    comments = _clean_text(comments, field="comments", max_length=10_000)
    if not all(ticked.values()):
        raise ValidationFailed(_("Tick every checklist item before approving."), field="checklist")
    review, course = _open_review(review)
    now = timezone.now()
    review.reviewer = actor
    review.decision = ReviewDecision.APPROVED
    review.checklist = ticked
    review.comments = comments
    review.decided_at = now
    review.save(update_fields=["reviewer", "decision", "checklist", "comments", "decided_at"])

    first_time = course.published_at is None
    course.status = CourseStatus.PUBLISHED
    course.published_at = course.published_at or now
    if not first_time:
        course.content_updated_at = now
    course.version += 1
    course.save(update_fields=["status", "published_at", "content_updated_at", "version", "updated_at"])
    with translation.override(course.language):
        summary = (
            _("First version published.")
            if first_time
            else _("Version %(v)s published after review.") % {"v": course.version}
        )
    CourseChange.objects.create(course=course, version=course.version, summary=summary, author=review.submitted_by)
    events.emit("course.review_decided", actor=actor, obj=course, review_id=review.pk, decision=review.decision)
    events.emit("course.published", actor=actor, obj=course, version=course.version, first_time=first_time)
    _search_reindex(course)
    return review


@transaction.atomic
def review_send_back(
    *, actor: User, review: CourseReview, comments: str, checklist: dict[str, bool] | list[str] | None = None
) -> CourseReview:
    """Send the course back to draft with comments the instructors will see."""
    _check_reviewer(actor, review)
    ticked = _clean_checklist(checklist or [])
    comments = _clean_text(comments, field="comments", max_length=10_000)
    if not comments:
        raise ValidationFailed(_("Tell the instructor what to change."), field="comments")
    review, course = _open_review(review)
    review.reviewer = actor
    review.decision = ReviewDecision.CHANGES_REQUESTED
    review.checklist = ticked
    review.comments = comments
    review.decided_at = timezone.now()
    review.save(update_fields=["reviewer", "decision", "checklist", "comments", "decided_at"])
    course.status = CourseStatus.DRAFT
    course.save(update_fields=["status", "updated_at"])
    events.emit("course.review_decided", actor=actor, obj=course, review_id=review.pk, decision=review.decision)
    return review


@transaction.atomic
def course_archive(*, actor: User, course: Course) -> Course:
    """Take a published course out of the catalog (enrolled learners keep access)."""
    _require_editor(actor, course)
    fresh = _locked(course)
    if fresh.status != CourseStatus.PUBLISHED:
        raise Conflict(_("Only a published course can be archived."), field="status")
    fresh.status = CourseStatus.ARCHIVED
    fresh.archived_at = timezone.now()
    fresh.save(update_fields=["status", "archived_at", "updated_at"])
    course.status, course.archived_at = fresh.status, fresh.archived_at
    events.emit("course.archived", actor=actor, obj=fresh)
    _search_reindex(fresh)
    return fresh


@transaction.atomic
def course_unarchive(*, actor: User, course: Course) -> Course:
    """Archived → draft, to rework the course and submit it again."""
    _require_editor(actor, course)
    fresh = _locked(course)
    if fresh.status != CourseStatus.ARCHIVED:
        raise Conflict(_("Only an archived course can go back to draft."), field="status")
    fresh.status = CourseStatus.DRAFT
    fresh.save(update_fields=["status", "updated_at"])
    course.status = fresh.status
    _emit_course_updated(actor, fresh, part="status", action="unarchived")
    _search_reindex(fresh)
    return fresh


@transaction.atomic
def course_change_record(*, actor: User, course: Course, summary: str) -> CourseChange:
    """Tell learners what changed in a published course: a new version in its changelog."""
    _require_editor(actor, course)
    summary = _clean_text(summary, field="summary", max_length=2000)
    if not summary:
        raise ValidationFailed(_("Describe what changed."), field="summary")
    fresh = _locked(course)
    if fresh.status != CourseStatus.PUBLISHED:
        raise Conflict(_("Record changes once the course is published."), field="status")
    fresh.version += 1
    fresh.content_updated_at = timezone.now()
    fresh.save(update_fields=["version", "content_updated_at", "updated_at"])
    change = CourseChange.objects.create(course=fresh, version=fresh.version, summary=summary, author=actor)
    course.version, course.content_updated_at = fresh.version, fresh.content_updated_at
    _emit_course_updated(actor, fresh, part="changelog", action="recorded", version=fresh.version)
    _search_reindex(fresh)
    return change
