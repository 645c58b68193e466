"""Every write to learning data: enrollment (the one access record), progress, quizzes,
completion and certificates."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.core import events
from lyceum.core.errors import Conflict, NotFound, PaymentRequired, ValidationFailed
from lyceum.courses.models import Course, CourseStatus, Lesson, LessonKind, MatchMode, QuestionKind, Quiz

from . import selectors
from .models import Certificate, Enrollment, EnrollmentSource, LessonProgress, QuizAttempt

COMPLETE_AT_PERCENT = 95  # watching this much of a video counts as finishing it
MAX_SHORT_ANSWER = 1000


# --- Enrollment ------------------------------------------------------------------------------


@transaction.atomic
def enrollment_create(
    *,
    user: Any,
    course: Course,
    source: str = EnrollmentSource.FREE,
    access_until: datetime | None = None,
    at: datetime | None = None,
) -> Enrollment:
    """Give ``user`` access to ``course``. Idempotent: an active enrollment is returned as is.

    Free enrollment needs a published free course; purchases and memberships (commerce)
    pass their own source and ``access_until``.
    """
    if source not in EnrollmentSource.values:
        raise ValidationFailed(_("Unknown enrollment source."), field="source")
    if course.status != CourseStatus.PUBLISHED:
        raise NotFound(_("No such course."))
    if source == EnrollmentSource.FREE and not course.is_free:
        raise PaymentRequired(_("This course is for sale. Buy it to enroll."))
    enrollment = Enrollment.objects.select_for_update().filter(user=user, course=course).first()
    if enrollment is not None:
        # An active enrollment stays as is unless the new grant lasts longer: lifetime (None)
        # beats any date, a later date beats an earlier one.
        lasts_longer = enrollment.access_until is not None and (
            access_until is None or access_until > enrollment.access_until
        )
        if enrollment.is_active and not lasts_longer:
            return enrollment
        enrollment.revoked_at = None
        enrollment.source = source
        enrollment.access_until = access_until
        enrollment.save(update_fields=["revoked_at", "source", "access_until", "updated_at"])
        events.emit("enrollment.created", actor=user, obj=enrollment, at=at, source=source, renewed=True)
        return enrollment
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                user=user,
                course=course,
                source=source,
                access_until=access_until,
                last_activity_at=at or timezone.now(),
            )
            if at is not None:
                Enrollment.objects.filter(pk=enrollment.pk).update(created_at=at)
                enrollment.created_at = at
    except IntegrityError:  # a concurrent request enrolled first
        return Enrollment.objects.get(user=user, course=course)
    from lyceum.courses.services import course_enrollment_count_increment

    course_enrollment_count_increment(course=course)
    events.emit("enrollment.created", actor=user, obj=enrollment, at=at, course=course.pk, source=source)
    return enrollment


@transaction.atomic
def enrollment_revoke(*, actor: Any, enrollment: Enrollment, reason: str = "") -> Enrollment:
    """Remove access (refund, expiry). Progress and certificates are kept."""
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.revoked_at is None:
        enrollment.revoked_at = timezone.now()
        enrollment.save(update_fields=["revoked_at", "updated_at"])
        events.emit("enrollment.revoked", actor=actor, obj=enrollment, reason=reason[:200])
    return enrollment


# --- Progress ---------------------------------------------------------------------------------


def _active_enrollment(user: Any, course: Course) -> Enrollment | None:
    enrollment = Enrollment.objects.select_for_update().filter(user=user, course=course).first()
    return enrollment if enrollment is not None and enrollment.is_active else None


def _progress_row(user: Any, lesson: Lesson, at: datetime | None = None) -> LessonProgress:
    progress = LessonProgress.objects.select_for_update().filter(user=user, lesson=lesson).first()
    if progress is None:
        try:
            with transaction.atomic():
                progress = LessonProgress.objects.create(
                    user=user, lesson=lesson, course_id=lesson.course_id, first_viewed_at=at or timezone.now()
                )
        except IntegrityError:
            progress = LessonProgress.objects.select_for_update().get(user=user, lesson=lesson)
    return progress


_LAST_LESSON_SQL = (
    "UPDATE learning_enrollment SET last_lesson_id = %s, last_activity_at = %s, updated_at = %s"
    " WHERE user_id = %s AND course_id = %s AND revoked_at IS NULL AND (access_until IS NULL OR access_until > %s)"
)


def lesson_view_record(
    *, user: Any, lesson: Lesson, at: datetime | None = None, progress: LessonProgress | None = None
) -> LessonProgress | None:
    """A signed-in learner opened a lesson: remember it for "continue where I left off".
    ``progress``: the learner's row for the lesson when the caller has already read it (the
    lesson page), which saves looking it up again; without it the row is found or created.

    With the row at hand (every view after the first) the two writes, the enrollment's last
    lesson and the ``lesson.viewed`` event, go out without a transaction around them: neither
    needs the other, and the commit round trip was a tenth of the lesson page's database time."""
    if not user.is_authenticated:
        return None
    if progress is None or progress.user_id != user.pk or progress.lesson_id != lesson.pk:
        with transaction.atomic():  # the row is locked or created (a concurrent first view meets it)
            progress = _progress_row(user, lesson, at)
            _view_record(user, lesson, at)
        return progress
    _view_record(user, lesson, at)
    return progress


def _view_record(user: Any, lesson: Lesson, at: datetime | None) -> None:
    now = timezone.now()
    # the active enrollment (not revoked, not expired), in one statement: no row to lock and re-read;
    # written out once (the ORM compiled this UPDATE on every lesson page: three quarters of its CPU)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            _LAST_LESSON_SQL, [lesson.pk, adapt(at or now), adapt(now), user.pk, lesson.course_id, adapt(now)]
        )
    events.emit("lesson.viewed", actor=user, obj=lesson, at=at, course=lesson.course_id)


def _clean_position(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed(_("Position must be a number of seconds."), field="position_seconds")
    if value != value or value < 0 or value > 7 * 24 * 3600:  # NaN, negative, absurd
        raise ValidationFailed(_("Position must be between 0 and the lesson's length."), field="position_seconds")
    return int(value)


# One statement on PostgreSQL: lock the row, read the percent before, advance it and return both.
# The CTE's FOR UPDATE waits for a concurrent heartbeat of the same learner and lesson and then reads
# its committed row, so "before" is exact and the 10 % step is announced once.
_ADVANCE_SQL = """
WITH before AS (
    SELECT id, percent FROM learning_lessonprogress WHERE user_id = %(user)s AND lesson_id = %(lesson)s FOR UPDATE
)
UPDATE learning_lessonprogress AS p SET
    position_seconds = %(position)s,
    furthest_seconds = GREATEST(p.furthest_seconds, %(position)s),
    percent = CASE WHEN %(duration)s > 0
        THEN GREATEST(p.percent, LEAST(100, GREATEST(p.furthest_seconds, %(position)s) * 100 / %(duration)s))
        ELSE p.percent END,
    updated_at = %(now)s
FROM before WHERE p.id = before.id
RETURNING p.id, p.position_seconds, p.furthest_seconds, p.percent, p.completed_at, p.first_viewed_at, before.percent
"""


# The common heartbeat, one statement in autocommit: move the row only when the move crosses no
# 10 % step and does not complete the lesson (nothing to announce, nothing else to write). The
# condition is re-checked on the newest row version when a concurrent heartbeat updated it first
# (READ COMMITTED re-evaluates the WHERE after the row lock), so a step is never skipped: a
# heartbeat that would cross one finds no row here and takes the transactional path below.
_NEW_PERCENT = """CASE WHEN %(duration)s > 0
    THEN GREATEST(p.percent, LEAST(100, GREATEST(p.furthest_seconds, %(position)s) * 100 / %(duration)s))
    ELSE p.percent END"""
_ADVANCE_QUIET_SQL = """
UPDATE learning_lessonprogress AS p SET
    position_seconds = %(position)s,
    furthest_seconds = GREATEST(p.furthest_seconds, %(position)s),
    percent = {_NEW_PERCENT},
    updated_at = %(now)s
WHERE p.user_id = %(user)s AND p.lesson_id = %(lesson)s
    AND {_NEW_PERCENT} / 10 = p.percent / 10
    AND ({_NEW_PERCENT} < %(complete_at)s OR p.completed_at IS NOT NULL)
RETURNING p.id, p.position_seconds, p.furthest_seconds, p.percent, p.completed_at, p.first_viewed_at
""".replace("{_NEW_PERCENT}", _NEW_PERCENT)


def _progress_advance_quietly(user: Any, lesson: Lesson, position: int) -> LessonProgress | None:
    """The row moved to ``position`` when that announces nothing (PostgreSQL), else None."""
    if connection.vendor != "postgresql":
        return None
    now = timezone.now()
    found = _advance_statement(_ADVANCE_QUIET_SQL, user, lesson, position, now)
    return None if found is None else _returned_row(user, lesson, found, now)


def _advance_statement(sql: str, user: Any, lesson: Lesson, position: int, now: datetime) -> Any:
    """Run one of the advancing statements for the learner's row of the lesson: the row it
    returned, or None (no row, or the quiet statement's condition did not hold)."""
    params = {
        "user": user.pk, "lesson": lesson.pk, "position": position, "duration": lesson.duration_seconds or 0,
        "now": now, "complete_at": COMPLETE_AT_PERCENT,
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _returned_row(user: Any, lesson: Lesson, found: Any, now: datetime) -> LessonProgress:
    """The progress row an advancing statement returned (id, position, furthest, percent,
    completed_at, first_viewed_at), as a saved instance."""
    pk, position_seconds, furthest, percent, completed_at, first_viewed_at = found[:6]
    row = LessonProgress(
        id=pk, user=user, lesson=lesson, course_id=lesson.course_id, position_seconds=position_seconds,
        furthest_seconds=furthest, percent=percent, completed_at=completed_at,
        first_viewed_at=first_viewed_at, updated_at=now,
    )  # fmt: skip
    row._state.adding = False
    row._state.db = connection.alias
    return row


def _progress_advance(user: Any, lesson: Lesson, position: int) -> tuple[LessonProgress, int] | None:
    """Move an existing progress row to ``position``: (the row, its percent before), or None when
    the learner has no row for the lesson yet."""
    if connection.vendor == "postgresql":
        now = timezone.now()
        found = _advance_statement(_ADVANCE_SQL, user, lesson, position, now)
        return None if found is None else (_returned_row(user, lesson, found, now), found[6])
    progress = LessonProgress.objects.select_for_update().filter(user=user, lesson=lesson).first()
    if progress is None:
        return None
    before = progress.percent
    _advance(progress, lesson, position)
    return progress, before


def _advance(progress: LessonProgress, lesson: Lesson, position: int) -> None:
    progress.position_seconds = position
    progress.furthest_seconds = max(progress.furthest_seconds, position)
    if lesson.duration_seconds:
        percent = min(100, progress.furthest_seconds * 100 // lesson.duration_seconds)
        progress.percent = max(progress.percent, percent)
    progress.save(update_fields=["position_seconds", "furthest_seconds", "percent", "updated_at"])


def lesson_progress_update(*, user: Any, lesson_id: int, position_seconds: Any) -> LessonProgress:
    """Video/audio position from the player. Resume point follows the learner; progress never
    goes backwards and never past 100 %, however the updates arrive.

    The hottest write of the site: the access check comes from the cache (``lesson_open_for_user``)
    and, on PostgreSQL, a heartbeat that crosses no 10 % step is one statement in autocommit; the
    event and the completion come only when a step is crossed, inside one transaction with the
    update."""
    position = _clean_position(position_seconds)
    lesson = selectors.lesson_open_for_user(user=user, lesson_id=lesson_id)
    if lesson.kind not in (LessonKind.VIDEO, LessonKind.AUDIO):
        raise ValidationFailed(_("Only video and audio lessons track a position."), field="position_seconds")
    if lesson.duration_seconds:
        position = min(position, lesson.duration_seconds)
    quiet = _progress_advance_quietly(user, lesson, position)
    if quiet is not None:
        return quiet
    with transaction.atomic():
        advanced = _progress_advance(user, lesson, position)
        if advanced is None:  # the first heartbeat: create the row (or meet a concurrent one), then advance
            progress = _progress_row(user, lesson)
            before = progress.percent
            _advance(progress, lesson, position)
        else:
            progress, before = advanced
        if progress.percent // 10 > before // 10:  # one event per 10 % step, not per heartbeat
            events.emit("video.progressed", actor=user, obj=lesson, course=lesson.course_id, percent=progress.percent)
        if progress.percent >= COMPLETE_AT_PERCENT and progress.completed_at is None:
            _complete(user, lesson, progress)
    return progress


@transaction.atomic
def lesson_complete(*, user: Any, lesson_id: int, at: datetime | None = None) -> LessonProgress:
    """The learner marks a lesson done. Quizzes complete only by passing them."""
    context = selectors.lesson_get_for_user(user=user, lesson_id=lesson_id)
    if context.lesson.kind == LessonKind.QUIZ:
        raise ValidationFailed(_("Pass the quiz to complete this lesson."), field="lesson")
    if not user.is_authenticated:
        raise ValidationFailed(_("Sign in to track progress."), field="lesson")
    progress = _progress_row(user, context.lesson, at)
    if progress.completed_at is None:
        _complete(user, context.lesson, progress, at)
    return progress


def _complete(user: Any, lesson: Lesson, progress: LessonProgress, at: datetime | None = None) -> None:
    progress.completed_at = at or timezone.now()
    progress.percent = 100
    progress.save(update_fields=["completed_at", "percent", "updated_at"])
    events.emit("lesson.completed", actor=user, obj=lesson, at=at, course=lesson.course_id)
    _course_progress_refresh(user, lesson.course, at)


def _course_progress_refresh(user: Any, course: Course, at: datetime | None = None) -> None:
    enrollment = _active_enrollment(user, course)
    if enrollment is None:
        return
    required = Lesson.objects.filter(course=course, is_required=True).count()
    done = LessonProgress.objects.filter(
        user=user, course=course, lesson__is_required=True, completed_at__isnull=False
    ).count()
    enrollment.progress_percent = 100 if required == 0 else min(100, done * 100 // required)
    enrollment.last_activity_at = at or timezone.now()
    fields = ["progress_percent", "last_activity_at", "updated_at"]
    newly_completed = required > 0 and done >= required and enrollment.completed_at is None
    if newly_completed:
        enrollment.completed_at = at or timezone.now()
        fields.append("completed_at")
    enrollment.save(update_fields=fields)
    if newly_completed:
        events.emit("course.completed", actor=user, obj=course, at=at, enrollment=enrollment.pk)
        certificate_issue(enrollment=enrollment, at=at)


# --- Quizzes ---------------------------------------------------------------------------------------


def _normalise(text: str, case_sensitive: bool) -> str:
    text = " ".join(text.split())
    return text if case_sensitive else text.casefold()


def _grade_question(question: Any, answer: Any, field: str) -> bool:
    choices = list(question.choices.all())
    correct_ids = {c.pk for c in choices if c.is_correct}
    if question.kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and choices:
        if answer is None:
            return False
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise ValidationFailed(_("Choose one answer."), field=field)
        if answer not in {c.pk for c in choices}:
            raise ValidationFailed(_("That answer is not one of the choices."), field=field)
        return answer in correct_ids
    if question.kind == QuestionKind.TRUE_FALSE:  # stored without choices: accepted_answers = [true|false]
        if answer is None:
            return False
        if not isinstance(answer, bool):
            raise ValidationFailed(_("Answer true or false."), field=field)
        expected = question.accepted_answers[0] if question.accepted_answers else None
        if isinstance(expected, str):
            expected = expected.strip().lower() in {"true", "1", "yes", "t"}
        return answer is expected
    if question.kind == QuestionKind.MULTIPLE:
        if answer is None:
            return False
        if not isinstance(answer, list) or any(isinstance(a, bool) or not isinstance(a, int) for a in answer):
            raise ValidationFailed(_("Choose a list of answers."), field=field)
        if not set(answer) <= {c.pk for c in choices}:
            raise ValidationFailed(_("That answer is not one of the choices."), field=field)
        return set(answer) == correct_ids
    # Short answer.
    if answer is None:
        return False
    if not isinstance(answer, str):
        raise ValidationFailed(_("Type your answer as text."), field=field)
    if len(answer) > MAX_SHORT_ANSWER:
        raise ValidationFailed(_("The answer is too long."), field=field)
    accepted = [str(a) for a in (question.accepted_answers or [])]
    if question.match_mode == MatchMode.REGEX:
        flags = 0 if question.case_sensitive else re.IGNORECASE
        for pattern in accepted:
            try:
                if re.fullmatch(pattern, answer.strip(), flags):
                    return True
            except re.error:
                continue
        return False
    given = _normalise(answer, question.case_sensitive)
    return any(given == _normalise(a, question.case_sensitive) for a in accepted)


@transaction.atomic
def quiz_attempt_submit(*, user: Any, quiz_id: int, answers: Any, at: datetime | None = None) -> QuizAttempt:
    """Grade a quiz attempt on the server. Answers: {question_id: choice id | [ids] | text | bool}."""
    quiz = Quiz.objects.select_related("lesson").filter(pk=quiz_id).first()
    if quiz is None:
        raise NotFound(_("No such quiz."))
    selectors.lesson_get_for_user(user=user, lesson_id=quiz.lesson_id)  # 403/404 for no access
    if not user.is_authenticated:
        raise ValidationFailed(_("Sign in to take the quiz."), field="answers")
    if not isinstance(answers, dict):
        raise ValidationFailed(_("Answers must map question ids to answers."), field="answers")
    quiz = selectors.quiz_for_lesson(lesson=quiz.lesson) or quiz
    questions = {str(q.pk): q for q in quiz.questions.all()}
    if unknown := sorted(set(map(str, answers)) - set(questions)):
        raise ValidationFailed(_("Unknown question: %(ids)s") % {"ids": ", ".join(unknown)}, field="answers")
    # Lock the learner's attempts on this quiz so the attempts limit holds under races.
    enrollment = _active_enrollment(user, quiz.lesson.course)
    previous = QuizAttempt.objects.select_for_update().filter(user=user, quiz=quiz)
    used = previous.count()
    if quiz.max_attempts and used >= quiz.max_attempts:
        raise Conflict(_("You have used all %(n)s attempts.") % {"n": quiz.max_attempts}, code="attempts_exhausted")
    score = max_score = 0
    results: dict[str, bool] = {}
    clean_answers = {str(k): v for k, v in answers.items()}
    for qid, question in questions.items():
        correct = _grade_question(question, clean_answers.get(qid), f"answers.{qid}")
        results[qid] = correct
        max_score += question.points
        score += question.points if correct else 0
    percent = 100 if max_score == 0 else score * 100 // max_score
    passed = percent >= quiz.pass_percent
    attempt = QuizAttempt.objects.create(
        user=user,
        quiz=quiz,
        number=used + 1,
        answers={"given": clean_answers, "correct": results},
        score=score,
        max_score=max_score,
        percent=percent,
        passed=passed,
        submitted_at=at or timezone.now(),
    )
    events.emit(
        "quiz.submitted", actor=user, obj=quiz, at=at, course=quiz.lesson.course_id, percent=percent, passed=passed,
        attempt=attempt.number,
    )  # fmt: skip
    if passed and enrollment is not None:
        progress = _progress_row(user, quiz.lesson, at)
        if progress.completed_at is None:
            _complete(user, quiz.lesson, progress, at)
    return attempt


# --- Certificates ------------------------------------------------------------------------------------

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def _certificate_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"LYC-{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def certificate_issue(*, enrollment: Enrollment, at: datetime | None = None) -> Certificate:
    existing = Certificate.objects.filter(user=enrollment.user, course=enrollment.course).first()
    if existing is not None:
        return existing
    user = enrollment.user
    certificate = Certificate.objects.create(
        user=user,
        course=enrollment.course,
        code=_certificate_code(),
        learner_name=(user.display_name or user.email.split("@")[0])[:120],
        course_title=enrollment.course.title[:160],
        issued_at=at or timezone.now(),
    )
    events.emit("certificate.issued", actor=user, obj=certificate, at=at, course=enrollment.course_id)
    return certificate
