from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from lyceum.core.errors import NotFound, PaymentRequired
from lyceum.core.markdown import render_markdown

from . import selectors, services
from .media import media_url

router = Router(tags=["learning"])


class EnrollmentOut(Schema):
    id: int
    course: str
    source: str
    access_until: datetime | None
    completed_at: datetime | None
    progress_percent: int
    created_at: datetime


class OutlineLessonOut(Schema):
    id: int
    title: str
    kind: str
    duration_seconds: int
    is_preview: bool
    is_required: bool
    can_open: bool
    locked_reason: str
    opens_at: datetime | None
    completed: bool


class OutlineModuleOut(Schema):
    id: int
    title: str
    lessons: list[OutlineLessonOut]


class OutlineOut(Schema):
    slug: str
    title: str
    enrolled: bool
    progress_percent: int
    modules: list[OutlineModuleOut]


class LessonOut(Schema):
    id: int
    course: str
    title: str
    kind: str
    body_html: str
    duration_seconds: int
    media_url: str | None
    live_url: str | None
    live_starts_at: datetime | None
    position_seconds: int
    percent: int
    completed: bool
    previous_id: int | None
    next_id: int | None


class ProgressIn(Schema):
    position_seconds: Any = Field(..., description="Seconds from the start of the video or audio.")


class ProgressOut(Schema):
    lesson_id: int
    position_seconds: int
    percent: int
    completed: bool


class ChoiceOut(Schema):
    id: int
    text: str


class QuestionOut(Schema):
    id: int
    kind: str
    prompt_html: str
    points: int
    choices: list[ChoiceOut]


class QuizOut(Schema):
    id: int
    lesson_id: int
    pass_percent: int
    max_attempts: int
    attempts_used: int
    questions: list[QuestionOut]


class AttemptIn(Schema):
    answers: dict[str, Any] = Field(..., description="question id -> choice id, [choice ids], text or true/false")


class QuestionResultOut(Schema):
    question_id: int
    correct: bool
    explanation_html: str


class AttemptOut(Schema):
    id: int
    number: int
    score: int
    max_score: int
    percent: int
    passed: bool
    submitted_at: datetime
    results: list[QuestionResultOut]


class CertificateOut(Schema):
    code: str
    learner_name: str
    course_title: str
    course_slug: str
    issued_at: datetime
    valid: bool
    pdf_url: str


def _enrollment_out(e: Any) -> dict[str, Any]:
    return {
        "id": e.pk, "course": e.course.slug, "source": e.source, "access_until": e.access_until,
        "completed_at": e.completed_at, "progress_percent": e.progress_percent, "created_at": e.created_at,
    }  # fmt: skip


@router.post(
    "/courses/{slug}/enroll", response={201: EnrollmentOut, 200: EnrollmentOut}, summary="Enroll in a free course"
)
def enroll(request: HttpRequest, slug: str) -> Status:
    course = selectors.published_course_get(slug=slug)
    existed = selectors.enrollment_for(user=request.auth, course=course)
    try:
        enrollment = services.enrollment_create(user=request.auth, course=course)
    except PaymentRequired as exc:
        exc.message = _("This course is for sale. Buy it at %(url)s") % {
            "url": request.build_absolute_uri(reverse("learning:course-detail", args=[slug]))
        }
        raise
    status = 200 if existed is not None and existed.is_active else 201
    return Status(status, _enrollment_out(enrollment))


@router.get("/me/enrollments", response=list[EnrollmentOut], summary="Your courses")
def my_enrollments(request: HttpRequest) -> list[dict[str, Any]]:
    return [_enrollment_out(e) for e in selectors.learner_enrollments(user=request.auth)]


@router.get("/courses/{slug}/outline", response=OutlineOut, auth=None, summary="A course's modules and lessons")
def outline(request: HttpRequest, slug: str) -> dict[str, Any]:
    page = selectors.course_page(user=request.user, slug=slug)
    return {
        "slug": page.course.slug,
        "title": page.course.title,
        "enrolled": page.enrollment is not None and page.enrollment.is_active,
        "progress_percent": page.enrollment.progress_percent if page.enrollment else 0,
        "modules": [
            {
                "id": m.module.pk,
                "title": m.module.title,
                "lessons": [
                    {
                        "id": r.lesson.pk,
                        "title": r.lesson.title,
                        "kind": r.lesson.kind,
                        "duration_seconds": r.lesson.duration_seconds,
                        "is_preview": r.lesson.is_preview,
                        "is_required": r.lesson.is_required,
                        "can_open": r.access.allowed,
                        "locked_reason": r.access.reason,
                        "opens_at": r.access.opens_at,
                        "completed": bool(r.progress and r.progress.completed_at),
                    }
                    for r in m.lessons
                ],
            }
            for m in page.modules
        ],
    }


@router.get("/lessons/{lesson_id}", response=LessonOut, summary="A lesson you can open")
def lesson(request: HttpRequest, lesson_id: int) -> dict[str, Any]:
    context = selectors.lesson_get_for_user(user=request.auth, lesson_id=lesson_id)
    lesson = context.lesson
    progress = context.progress
    return {
        "id": lesson.pk,
        "course": context.page.course.slug,
        "title": lesson.title,
        "kind": lesson.kind,
        "body_html": str(selectors.lesson_body_html(lesson=lesson)),
        "duration_seconds": lesson.duration_seconds,
        "media_url": request.build_absolute_uri(media_url(request=request, lesson_id=lesson.pk))
        if lesson.media
        else None,
        "live_url": lesson.live_url or None,
        "live_starts_at": lesson.live_starts_at,
        "position_seconds": progress.position_seconds if progress else 0,
        "percent": progress.percent if progress else 0,
        "completed": bool(progress and progress.completed_at),
        "previous_id": context.previous.pk if context.previous else None,
        "next_id": context.next.pk if context.next else None,
    }


@router.post("/lessons/{lesson_id}/progress", response=ProgressOut, summary="Report the video/audio position")
def progress(request: HttpRequest, lesson_id: int, payload: ProgressIn) -> dict[str, Any]:
    row = services.lesson_progress_update(
        user=request.auth, lesson_id=lesson_id, position_seconds=payload.position_seconds
    )
    return {
        "lesson_id": lesson_id,
        "position_seconds": row.position_seconds,
        "percent": row.percent,
        "completed": row.completed_at is not None,
    }


@router.post("/lessons/{lesson_id}/complete", response=ProgressOut, summary="Mark a lesson done")
def complete(request: HttpRequest, lesson_id: int) -> dict[str, Any]:
    row = services.lesson_complete(user=request.auth, lesson_id=lesson_id)
    return {"lesson_id": lesson_id, "position_seconds": row.position_seconds, "percent": row.percent, "completed": True}


def _quiz_or_404(request: HttpRequest, quiz_id: int) -> Any:
    from lyceum.courses.models import Quiz

    quiz = Quiz.objects.select_related("lesson").filter(pk=quiz_id).first()
    if quiz is None:
        raise NotFound(_("No such quiz."))
    selectors.lesson_get_for_user(user=request.auth, lesson_id=quiz.lesson_id)
    return selectors.quiz_for_lesson(lesson=quiz.lesson)


@router.get("/quizzes/{quiz_id}", response=QuizOut, summary="A quiz's questions (never the answers)")
def quiz_detail(request: HttpRequest, quiz_id: int) -> dict[str, Any]:
    quiz = _quiz_or_404(request, quiz_id)
    return {
        "id": quiz.pk,
        "lesson_id": quiz.lesson_id,
        "pass_percent": quiz.pass_percent,
        "max_attempts": quiz.max_attempts,
        "attempts_used": selectors.quiz_attempts_for(user=request.auth, quiz=quiz).count(),
        "questions": [
            {
                "id": q.pk,
                "kind": q.kind,
                "prompt_html": str(render_markdown(q.prompt)),
                "points": q.points,
                "choices": [{"id": c.pk, "text": c.text} for c in q.choices.all()],
            }
            for q in quiz.questions.all()
        ],
    }


def _attempt_out(attempt: Any, quiz: Any) -> dict[str, Any]:
    correct = attempt.answers.get("correct", {})
    return {
        "id": attempt.pk, "number": attempt.number, "score": attempt.score, "max_score": attempt.max_score,
        "percent": attempt.percent, "passed": attempt.passed, "submitted_at": attempt.submitted_at,
        "results": [
            {
                "question_id": q.pk,
                "correct": bool(correct.get(str(q.pk))),
                "explanation_html": str(render_markdown(q.explanation)),
            }
            for q in quiz.questions.all()
        ],
    }  # fmt: skip


@router.post("/quizzes/{quiz_id}/attempts", response={201: AttemptOut}, summary="Submit answers; graded at once")
def quiz_attempt(request: HttpRequest, quiz_id: int, payload: AttemptIn) -> Status:
    quiz = _quiz_or_404(request, quiz_id)
    attempt = services.quiz_attempt_submit(user=request.auth, quiz_id=quiz.pk, answers=payload.answers)
    return Status(201, _attempt_out(attempt, quiz))


@router.get("/quizzes/{quiz_id}/attempts", response=list[AttemptOut], summary="Your attempts")
def quiz_attempts(request: HttpRequest, quiz_id: int) -> list[dict[str, Any]]:
    quiz = _quiz_or_404(request, quiz_id)
    return [_attempt_out(a, quiz) for a in selectors.quiz_attempts_for(user=request.auth, quiz=quiz)]


@router.get("/certificates/{code}", response=CertificateOut, auth=None, summary="Verify a certificate")
def certificate(request: HttpRequest, code: str) -> dict[str, Any]:
    cert = selectors.certificate_get(code=code)
    return {
        "code": cert.code, "learner_name": cert.learner_name, "course_title": cert.course_title,
        "course_slug": cert.course.slug, "issued_at": cert.issued_at, "valid": cert.revoked_at is None,
        "pdf_url": request.build_absolute_uri(reverse("learning:certificate-pdf", args=[cert.code])),
    }  # fmt: skip
