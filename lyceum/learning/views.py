from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lyceum.accounts.selectors import learner_profile_for_user
from lyceum.core import hooks
from lyceum.core.cache_pages import anonymous_page_cache
from lyceum.core.errors import ApplicationError, NotFound, PaymentRequired, PermissionDenied
from lyceum.core.http import protected_file_response, ranged_file_response

from . import selectors, services
from .certificates import certificate_pdf
from .media import media_token_check, media_url, watermark_pdf, watermark_text


@anonymous_page_cache
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        page = selectors.course_page(user=request.user, slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    offers = [] if page.has_access else hooks.collect("course_page.offers", course=page.course, user=request.user)
    sections = hooks.collect("course_page.sections", course=page.course, user=request.user)
    return render(
        request,
        "learning/course_detail.html",
        {
            "page": page,
            "course": page.course,
            "continue_lesson": _continue_lesson(page),
            "offers": offers,
            "sections": sections,
        },
    )


def _continue_lesson(page: selectors.CoursePage) -> Any:
    if page.enrollment is not None and page.enrollment.last_lesson_id:
        for module in page.modules:
            for row in module.lessons:
                if row.lesson.pk == page.enrollment.last_lesson_id and row.access.allowed:
                    return row.lesson
    return page.first_open_lesson()


@require_POST
@login_required
def course_enroll(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        course = selectors.published_course_get(slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    try:
        services.enrollment_create(user=request.user, course=course)
    except PaymentRequired as exc:
        messages.info(request, exc.message)
        return redirect("learning:course-detail", slug=slug)
    messages.success(request, _("You are enrolled. Enjoy the course!"))
    page = selectors.course_page(user=request.user, slug=slug)
    first = page.first_open_lesson()
    if first is not None:
        return redirect("learning:lesson-detail", slug=slug, lesson_id=first.pk)
    return redirect("learning:course-detail", slug=slug)


def lesson_detail(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    try:
        context = selectors.lesson_get_for_user(user=request.user, course_slug=slug, lesson_id=lesson_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except PermissionDenied as exc:
        page = selectors.course_page(user=request.user, slug=slug)
        return render(
            request,
            "learning/lesson_locked.html",
            {"page": page, "course": page.course, "error": exc},
            status=exc.status,  # 403, or 451 for a lesson withdrawn pending a copyright review
        )
    progress = (
        services.lesson_view_record(user=request.user, lesson=context.lesson, progress=context.progress)
        or context.progress
    )
    lesson = context.lesson
    quiz = selectors.quiz_for_lesson(lesson=lesson)
    attempts = (
        list(selectors.quiz_attempts_for(user=request.user, quiz=quiz))
        if quiz and request.user.is_authenticated
        else []
    )
    # The two cached fragments (the outline as this viewer sees it, the lesson's body) in one round trip.
    keys = [
        key
        for key in (_outline_html_key(context.page, current=lesson), selectors.lesson_body_html_key(lesson=lesson))
        if key
    ]
    found = cache.get_many(keys) if keys else {}
    return render(
        request,
        "learning/lesson_detail.html",
        {
            "ctx": context,
            "page": context.page,
            "outline_html": _outline_html(context.page, current=lesson, found=found),
            "course": context.page.course,
            "lesson": lesson,
            "progress": progress,
            "body_html": selectors.lesson_body_html(lesson=lesson, found=found),
            "quiz": quiz,
            "attempts": attempts,
            "media_src": media_url(request=request, lesson_id=lesson.pk) if lesson.media else "",
            "watermark": watermark_text(request.user),
        },
    )


OUTLINE_HTML_SECONDS = 6 * 3600


def _outline_html_key(page: selectors.CoursePage, *, current: Any) -> str | None:
    """The cache key of the lesson page's outline as this viewer sees it (None: not cacheable).

    The HTML is a function of the cached outline (its token), the current lesson, the language,
    the timezone and, per lesson, what this viewer may do (open or not and why, when it opens)
    and whether they completed it: all of that is in the key, so two viewers share a copy only
    when it would be byte-identical for both. Nothing else about the viewer is in it."""
    if page.outline_token is None:  # the outline was read from the database: nothing to key on
        return None
    state: list[Any] = [current.pk, page.has_access, get_language(), timezone.get_current_timezone_name()]
    for module in page.modules:
        for row in module.lessons:
            access = row.access
            state.append(
                (
                    row.lesson.pk,
                    access.allowed,
                    access.reason,
                    access.opens_at.isoformat() if access.opens_at else "",
                    row.progress is not None and row.progress.completed_at is not None,
                )
            )
    digest = hashlib.sha256(repr(state).encode()).hexdigest()[:32]
    return f"learning:outline-html:{page.course.pk}:{page.outline_token}:{digest}"


def _outline_html(page: selectors.CoursePage, *, current: Any, found: dict[str, Any] | None = None) -> SafeString:
    """The lesson page's outline (``learning/partials/_outline.html``), rendered once per state
    (``_outline_html_key``). ``found``: a ``get_many`` result that included the key."""
    key = _outline_html_key(page, current=current)
    html = None if key is None else (found.get(key) if found is not None else cache.get(key))
    if html is None:
        html = render_to_string("learning/partials/_outline.html", {"page": page, "current": current})
        if key is not None:
            cache.set(key, html, timeout=OUTLINE_HTML_SECONDS)
    return mark_safe(html)  # noqa: S308 - a template rendering, autoescaped, cached as rendered


@require_POST
@login_required
def lesson_complete(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    try:
        context = selectors.lesson_get_for_user(user=request.user, course_slug=slug, lesson_id=lesson_id)
        services.lesson_complete(user=request.user, lesson_id=lesson_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("learning:lesson-detail", slug=slug, lesson_id=lesson_id)
    if context.next is not None:
        return redirect("learning:lesson-detail", slug=slug, lesson_id=context.next.pk)
    return redirect("learning:course-detail", slug=slug)


@require_POST
@login_required
def quiz_submit(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    try:
        context = selectors.lesson_get_for_user(user=request.user, course_slug=slug, lesson_id=lesson_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except PermissionDenied:
        return HttpResponse(status=403)
    quiz = selectors.quiz_for_lesson(lesson=context.lesson)
    if quiz is None:
        raise Http404
    answers: dict[str, Any] = {}
    for question in quiz.questions.all():
        key = f"q{question.pk}"
        if question.kind == "multiple":
            values = request.POST.getlist(key)
            answers[str(question.pk)] = [int(v) for v in values if v.isdigit()] if values else None
        elif question.kind == "short":
            answers[str(question.pk)] = request.POST.get(key) or None
        else:
            raw = request.POST.get(key, "")
            if raw in ("true", "false") and not question.choices.exists():
                answers[str(question.pk)] = raw == "true"
            else:
                answers[str(question.pk)] = int(raw) if raw.isdigit() else None
    try:
        attempt = services.quiz_attempt_submit(user=request.user, quiz_id=quiz.pk, answers=answers)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if attempt.passed:
            messages.success(request, _("Passed with %(p)s%%. Well done!") % {"p": attempt.percent})
        else:
            messages.warning(
                request,
                _("%(p)s%% — the pass mark is %(m)s%%. Review and try again.")
                % {"p": attempt.percent, "m": quiz.pass_percent},
            )
    return redirect(reverse("learning:lesson-detail", args=[slug, lesson_id]) + "#results")


def lesson_media(request: HttpRequest, lesson_id: int, token: str) -> HttpResponseBase:
    """The only way to a lesson's file: signed for this viewer and re-checked for access."""
    try:
        media_token_check(request=request, lesson_id=lesson_id, token=token)
        context = selectors.lesson_get_for_user(user=request.user, lesson_id=lesson_id)
    except NotFound as exc:
        raise Http404 from exc
    except PermissionDenied:
        return HttpResponse(status=403)
    lesson = context.lesson
    if not lesson.media or not default_storage.exists(lesson.media.name):
        raise Http404
    course = context.page.course
    download = request.GET.get("download") == "1" and course.downloads_allowed
    filename = f"{lesson.title[:80]}{_extension(lesson.media.name)}"
    content_type = lesson.media_type or "application/octet-stream"
    if content_type == "application/pdf" and not context.page.is_course_staff:
        import io

        with default_storage.open(lesson.media.name, "rb") as source:
            data = watermark_pdf(source, watermark_text(request.user))
        response = ranged_file_response(
            request,
            io.BytesIO(data),
            size=len(data),
            content_type=content_type,
            filename=filename,
            as_attachment=download,
        )
        response["Cache-Control"] = "private, no-store"
        return response
    return protected_file_response(
        request,
        default_storage,
        lesson.media.name,
        content_type=content_type,
        filename=filename,
        as_attachment=download,
    )


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:] if dot > name.rfind("/") else ""


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """My learning: continue where I left off, every course, certificates, preferences."""
    enrollments = selectors.learner_enrollments(user=request.user)
    profile = learner_profile_for_user(user=request.user)
    sections = hooks.collect("learning_dashboard.sections", user=request.user)
    return render(
        request,
        "learning/dashboard.html",
        {
            "in_progress": [e for e in enrollments if e.completed_at is None],
            "completed": [e for e in enrollments if e.completed_at is not None],
            "certificates": selectors.learner_certificates(user=request.user),
            "learner_profile": profile,
            "needs_survey": profile is None or not profile.completed_at,
            "sections": sections,
        },
    )


def certificate_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        certificate = selectors.certificate_get(code=code)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(request, "learning/certificate_detail.html", {"certificate": certificate})


def certificate_download(request: HttpRequest, code: str) -> HttpResponse:
    try:
        certificate = selectors.certificate_get(code=code)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    verify = request.build_absolute_uri(reverse("learning:certificate-detail", args=[certificate.code]))
    response = HttpResponse(certificate_pdf(certificate, verify_url=verify), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.code}.pdf"'
    return response
