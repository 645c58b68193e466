"""The instructor studio (authoring), the review queue and the public changelog.

Views parse a form, call one selector or service and render. Permission checks live
in the selectors and services; ``studio_view``/``reviewer_view`` turn their errors
into 403/404 pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lyceum.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from lyceum.core.forms import form_add_application_error
from lyceum.core.http import protected_file_response
from lyceum.core.markdown import render_markdown

from .. import selectors, services
from ..forms import (
    ChangeForm,
    CourseCreateForm,
    CourseForm,
    InstructorAddForm,
    LessonForm,
    ModuleForm,
    PreviewForm,
    QuestionForm,
    QuizSettingsForm,
    ReviewForm,
    SubmitForm,
)
from ..models import REVIEW_CHECKLIST, CourseStatus, LessonKind, Quiz

View = Callable[..., HttpResponse]


def _guarded(view: View, allowed: Callable[[Any], bool]) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not allowed(request.user):
            raise DjangoPermissionDenied
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except NotFound as exc:
            raise Http404(exc.message) from exc

    return wrapper


def studio_view(view: View) -> View:
    """Signed-in instructors and operators; the selectors decide per course."""
    return _guarded(view, lambda user: selectors.user_can_author(user=user))


def reviewer_view(view: View) -> View:
    """Operators and moderators designated as expert reviewers."""
    return _guarded(view, lambda user: selectors.user_is_reviewer(user=user))


def _studio_url(course_id: int, anchor: str = "") -> str:
    url = reverse("courses:course-studio", args=[course_id])
    return f"{url}#{anchor}" if anchor else url


def _form_error(form: Any, exc: ApplicationError) -> None:
    """Show a service's error on the form; denials stay denials (403/404)."""
    if isinstance(exc, PermissionDenied | NotFound):
        raise exc
    form_add_application_error(form, exc)


def _message_error(request: HttpRequest, exc: ApplicationError) -> None:
    if isinstance(exc, PermissionDenied | NotFound):
        raise exc
    messages.error(request, exc.message)


def _int_list(values: list[str]) -> list[int] | None:
    try:
        return [int(v) for value in values for v in value.split(",") if v.strip()]
    except ValueError:
        return None


# --- Studio: courses ---


@studio_view
def studio_home(request: HttpRequest) -> HttpResponse:
    courses = selectors.course_list_for_studio(user=request.user)
    return render(
        request,
        "courses/studio_list.html",
        {"courses": courses, "is_reviewer": selectors.user_is_reviewer(user=request.user)},
    )


@studio_view
def course_create(request: HttpRequest) -> HttpResponse:
    form = CourseCreateForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Course created. Add its details, modules and lessons."))
            return redirect("courses:course-edit", course_id=course.pk)
    return render(request, "courses/course_form_create.html", {"form": form})


def _render_studio(request: HttpRequest, course: Any, status: int = 200, **forms: Any) -> HttpResponse:
    context = {
        "course": course,
        "outline": selectors.course_outline_for_studio(course=course),
        "instructors": course.course_instructors.select_related("user"),
        "reviews": selectors.course_reviews_for_course(course=course),
        "readiness": selectors.course_readiness(course=course) if course.status == CourseStatus.DRAFT else [],
        "changes": selectors.course_changes(course=course),
        "instructor_form": forms.get("instructor_form") or InstructorAddForm(),
        "module_form": forms.get("module_form") or ModuleForm(),
        "submit_form": forms.get("submit_form") or SubmitForm(),
        "change_form": forms.get("change_form") or ChangeForm(),
    }
    return render(request, "courses/studio_course.html", context, status=status)


@studio_view
def course_studio(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_get_for_edit(user=request.user, course_id=course_id)
    return _render_studio(request, course)


@studio_view
def course_edit(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_get_for_edit(user=request.user, course_id=course_id)
    form = CourseForm(request.POST or None, request.FILES or None, course=course)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:  # the no-JavaScript preview: show it, save nothing
            preview = render_markdown(data["description"])
        else:
            try:
                services.course_update(
                    actor=request.user,
                    course=course,
                    title=data["title"],
                    subtitle=data["subtitle"],
                    slug=data["slug"],
                    description=data["description"],
                    objectives=data["objectives"],
                    language=data["language"],
                    level=data["level"],
                    estimated_hours=data["estimated_hours"],
                    is_free=data["is_free"],
                    downloads_allowed=data["downloads_allowed"],
                    category=data["category"],
                    tags=form.tag_names(),
                    prerequisites=list(data["prerequisites"]),
                    cover=data.get("cover") or None,
                    remove_cover=data.get("remove_cover", False),
                )
            except ApplicationError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Course details saved."))
                return redirect("courses:course-studio", course_id=course.pk)
    return render(request, "courses/course_form.html", {"form": form, "course": course, "preview": preview})


def _studio_form_post(
    request: HttpRequest,
    course: Any,
    form: Any,
    *,
    form_name: str,
    apply: Callable[[dict[str, Any]], object],
    success: str,
    next_url: str,
) -> HttpResponse:
    """A studio side form posted: valid and accepted by ``apply`` → message and redirect to
    ``next_url``; otherwise the studio page again (400) with ``form`` (as ``form_name``) showing its errors."""
    if form.is_valid():
        try:
            apply(form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, success)
            return redirect(next_url)
    return _render_studio(request, course, status=400, **{form_name: form})


@require_POST
@studio_view
def course_instructor_add(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_get_for_edit(user=request.user, course_id=course_id)
    return _studio_form_post(
        request,
        course,
        InstructorAddForm(request.POST),
        form_name="instructor_form",
        apply=lambda data: services.course_instructor_add(actor=request.user, course=course, email=data["email"]),
        success=_("Co-instructor added."),
        next_url=_studio_url(course.pk, "instructors"),
    )


@require_POST
@studio_view
def course_instructor_remove(request: HttpRequest, course_id: int, user_id: int) -> HttpResponse:
    course = selectors.course_get_for_edit(user=request.user, course_id=course_id)
    try:
        services.course_instructor_remove(actor=request.user, course=course, user_id=user_id)
    except ApplicationError as exc:
        _message_error(request, exc)
    else:
        messages.success(request, _("Co-instructor removed."))
    if user_id == request.user.pk and not selectors.course_user_can_edit(user=request.user, course=course):
        return redirect("courses:studio")
    return redirect(_studio_url(course.pk, "instructors"))


@require_POST
@studio_view
def course_submit(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_get_for_edit(user=request.user, course_id=course_id)
    return _studio_form_post(
        request,
        course,
        SubmitForm(request.POST),
        form_name="submit_form",
        apply=lambda data: services.course_submit(actor=request.user, course=course, note=data["note"]),
        success=_("Submitted. A reviewer will look at the course soon."),
        next_url=_studio_url(course.pk),
    )


@require_POST
@studio_view
def course_archive(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_get_for_edit(user=request.user, course_id=course_id)
    try:
        services.course_archive(actor=request.user, course=course)
    except ApplicationError as exc:
        _message_error(request, exc)
    else:
        messages.success(request, _("The course is archived: it left the catalog; enrolled learners keep access."))
    return redirect("courses:course-studio", course_id=course.pk)


@require_POST
@studio_view
def course_unarchive(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_get_for_edit(user=request.user, course_id=course_id)
    try:
        services.course_unarchive(actor=request.user, course=course)
    except ApplicationError as exc:
        _message_error(request, exc)
    else:
        messages.success(request, _("The course is a draft again. Submit it for review when it is ready."))
    return redirect("courses:course-studio", course_id=course.pk)


@require_POST
@studio_view
def course_change_create(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_get_for_edit(user=request.user, course_id=course_id)
    return _studio_form_post(
        request,
        course,
        ChangeForm(request.POST),
        form_name="change_form",
        apply=lambda data: services.course_change_record(actor=request.user, course=course, summary=data["summary"]),
        success=_("Change recorded: learners see it in the changelog."),
        next_url=_studio_url(course.pk, "changelog"),
    )


# --- Studio: modules ---


@studio_view
def module_create(request: HttpRequest, course_id: int) -> HttpResponse:
    course = selectors.course_get_for_edit(user=request.user, course_id=course_id)
    form = ModuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            module = services.module_create(actor=request.user, course=course, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Module added."))
            return redirect(_studio_url(course.pk, f"module-{module.pk}"))
    return render(request, "courses/module_form.html", {"form": form, "course": course, "module": None})


@studio_view
def module_edit(request: HttpRequest, module_id: int) -> HttpResponse:
    module = selectors.module_get_for_edit(user=request.user, module_id=module_id)
    initial = {"title": module.title, "release_at": module.release_at, "release_after_days": module.release_after_days}
    form = ModuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.module_update(actor=request.user, module=module, **form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Module saved."))
            return redirect(_studio_url(module.course_id, f"module-{module.pk}"))
    return render(request, "courses/module_form.html", {"form": form, "course": module.course, "module": module})


@studio_view
def module_delete(request: HttpRequest, module_id: int) -> HttpResponse:
    module = selectors.module_get_for_edit(user=request.user, module_id=module_id)
    if request.method == "POST":
        services.module_delete(actor=request.user, module=module)
        messages.success(request, _("Module deleted."))
        return redirect("courses:course-studio", course_id=module.course_id)
    context = {"course": module.course, "item": module, "lesson_count": module.lessons.count()}
    return render(request, "courses/module_confirm_delete.html", context)


@require_POST
@studio_view
def module_move(request: HttpRequest, module_id: int) -> HttpResponse:
    module = selectors.module_get_for_edit(user=request.user, module_id=module_id)
    try:
        services.module_move(actor=request.user, module=module, direction=request.POST.get("direction", ""))
    except ApplicationError as exc:
        _message_error(request, exc)
    return redirect(_studio_url(module.course_id, f"module-{module.pk}"))


@require_POST
@studio_view
def module_reorder(request: HttpRequest, course_id: int) -> HttpResponse:
    """Drag and drop (studio.js) posts ``order`` with every module id in the new order."""
    course = selectors.course_get_for_edit(user=request.user, course_id=course_id)
    return _reorder(request, lambda ids: services.module_reorder(actor=request.user, course=course, module_ids=ids))


def _reorder(request: HttpRequest, apply: Callable[[list[int]], object]) -> JsonResponse:
    """Drag and drop (studio.js) posts ``order`` with every id in the new order."""
    ids = _int_list(request.POST.getlist("order"))
    try:
        if ids is None:
            raise ValidationFailed(_("The order must be a list of ids."), field="order")
        apply(ids)
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"ok": True})


# --- Studio: lessons ---


def _lesson_form_context(form: LessonForm, module: Any, lesson: Any, preview: Any = None) -> dict[str, Any]:
    return {
        "form": form,
        "course": module.course,
        "module": module,
        "lesson": lesson,
        "preview": preview,
        "kind_fields": LessonForm.KIND_FIELDS,
    }


@studio_view
def lesson_create(request: HttpRequest, module_id: int) -> HttpResponse:
    module = selectors.module_get_for_edit(user=request.user, module_id=module_id)
    initial = {"kind": request.GET.get("kind", LessonKind.TEXT), "is_required": True}
    form = LessonForm(request.POST or None, request.FILES or None, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = render_markdown(form.cleaned_data["body"])
        else:
            try:
                lesson = services.lesson_create(
                    actor=request.user,
                    module=module,
                    data=form.lesson_data(),
                    upload=form.cleaned_data.get("media"),
                )
            except ApplicationError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Lesson added."))
                if lesson.kind == LessonKind.QUIZ:
                    return redirect("courses:quiz-edit", lesson_id=lesson.pk)
                return redirect(_studio_url(module.course_id, f"lesson-{lesson.pk}"))
    return render(request, "courses/lesson_form.html", _lesson_form_context(form, module, None, preview))


@studio_view
def lesson_edit(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = selectors.lesson_get_for_edit(user=request.user, lesson_id=lesson_id)
    form = LessonForm(request.POST or None, request.FILES or None, initial=LessonForm.initial_for(lesson))
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = render_markdown(form.cleaned_data["body"])
        else:
            try:
                services.lesson_update(
                    actor=request.user, lesson=lesson, data=form.lesson_data(), upload=form.cleaned_data.get("media")
                )
            except ApplicationError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Lesson saved."))
                return redirect(_studio_url(lesson.course_id, f"lesson-{lesson.pk}"))
    return render(request, "courses/lesson_form.html", _lesson_form_context(form, lesson.module, lesson, preview))


@studio_view
def lesson_delete(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = selectors.lesson_get_for_edit(user=request.user, lesson_id=lesson_id)
    if request.method == "POST":
        services.lesson_delete(actor=request.user, lesson=lesson)
        messages.success(request, _("Lesson deleted."))
        return redirect("courses:course-studio", course_id=lesson.course_id)
    return render(request, "courses/lesson_form_confirm_delete.html", {"course": lesson.course, "item": lesson})


@require_POST
@studio_view
def lesson_move(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = selectors.lesson_get_for_edit(user=request.user, lesson_id=lesson_id)
    try:
        services.lesson_move(actor=request.user, lesson=lesson, direction=request.POST.get("direction", ""))
    except ApplicationError as exc:
        _message_error(request, exc)
    return redirect(_studio_url(lesson.course_id, f"lesson-{lesson.pk}"))


@require_POST
@studio_view
def lesson_reorder(request: HttpRequest, module_id: int) -> HttpResponse:
    module = selectors.module_get_for_edit(user=request.user, module_id=module_id)
    return _reorder(request, lambda ids: services.lesson_reorder(actor=request.user, module=module, lesson_ids=ids))


@login_required
def lesson_media(request: HttpRequest, lesson_id: int) -> HttpResponseBase:
    """The lesson's file for its editors and for reviewers (learners use the course player)."""
    try:
        lesson = selectors.lesson_get_for_preview(user=request.user, lesson_id=lesson_id)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if not lesson.media:
        raise Http404(_("This lesson has no file."))
    inline = lesson.kind in (LessonKind.VIDEO, LessonKind.AUDIO) or lesson.media_type == "application/pdf"
    extension = lesson.media.name.rsplit(".", 1)[-1]
    return protected_file_response(
        request,
        lesson.media.storage,
        lesson.media.name,
        content_type=lesson.media_type or "application/octet-stream",
        filename=f"lesson-{lesson.pk}.{extension}",
        as_attachment=not inline,
    )


# --- Studio: quizzes ---


@studio_view
def quiz_edit(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = selectors.lesson_get_for_edit(user=request.user, lesson_id=lesson_id)
    quiz = Quiz.objects.filter(lesson=lesson).first()  # lesson_create/lesson_update make it
    if lesson.kind != LessonKind.QUIZ or quiz is None:
        raise Http404(_("This lesson is not a quiz."))
    settings_form = QuizSettingsForm(
        request.POST if "save_settings" in request.POST else None,
        initial={"pass_percent": quiz.pass_percent, "max_attempts": quiz.max_attempts},
    )
    question_form = QuestionForm(
        request.POST if "add_question" in request.POST else None, language=lesson.course.language
    )
    status = 200
    if request.method == "POST":
        form: Any = settings_form if "save_settings" in request.POST else question_form
        if form.is_valid():
            try:
                if form is settings_form:
                    services.quiz_update(actor=request.user, lesson=lesson, **form.cleaned_data)
                    messages.success(request, _("Quiz settings saved."))
                else:
                    services.question_create(actor=request.user, quiz=quiz, data=form.question_data())
                    messages.success(request, _("Question added."))
            except ApplicationError as exc:
                _form_error(form, exc)
            else:
                return redirect("courses:quiz-edit", lesson_id=lesson.pk)
        status = 400
    context = {
        "course": lesson.course,
        "lesson": lesson,
        "quiz": quiz,
        "questions": selectors.quiz_questions_for_studio(lesson=lesson),
        "settings_form": settings_form,
        "question_form": question_form,
    }
    return render(request, "courses/lesson_form_quiz.html", context, status=status)


@studio_view
def question_edit(request: HttpRequest, question_id: int) -> HttpResponse:
    question = selectors.question_get_for_edit(user=request.user, question_id=question_id)
    lesson = question.quiz.lesson
    form = QuestionForm(request.POST or None, language=lesson.course.language, question=question)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(actor=request.user, question=question, data=form.question_data())
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Question saved."))
            return redirect(reverse("courses:quiz-edit", args=[lesson.pk]) + f"#question-{question.pk}")
    context = {"course": lesson.course, "lesson": lesson, "question": question, "question_form": form}
    return render(request, "courses/lesson_form_question.html", context)


@studio_view
def question_delete(request: HttpRequest, question_id: int) -> HttpResponse:
    question = selectors.question_get_for_edit(user=request.user, question_id=question_id)
    lesson = question.quiz.lesson
    if request.method == "POST":
        services.question_delete(actor=request.user, question=question)
        messages.success(request, _("Question deleted."))
        return redirect("courses:quiz-edit", lesson_id=lesson.pk)
    context = {"course": lesson.course, "item": question, "lesson": lesson}
    return render(request, "courses/lesson_form_question_delete.html", context)


@require_POST
@studio_view
def question_move(request: HttpRequest, question_id: int) -> HttpResponse:
    question = selectors.question_get_for_edit(user=request.user, question_id=question_id)
    try:
        services.question_move(actor=request.user, question=question, direction=request.POST.get("direction", ""))
    except ApplicationError as exc:
        _message_error(request, exc)
    return redirect(reverse("courses:quiz-edit", args=[question.quiz.lesson_id]) + f"#question-{question.pk}")


# --- Markdown preview ---


@require_POST
@login_required
def markdown_preview(request: HttpRequest) -> HttpResponse:
    """Sanitised HTML of the posted Markdown, for the editors' live preview (studio.js)."""
    user = request.user
    if not (selectors.user_can_author(user=user) or selectors.user_is_reviewer(user=user)):
        raise DjangoPermissionDenied
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("The text is too long to preview."), status=400, content_type="text/plain")
    return HttpResponse(render_markdown(form.cleaned_data["text"]), content_type="text/html; charset=utf-8")


# --- Review ---


@reviewer_view
def review_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "courses/review_queue.html", {"reviews": selectors.review_queue(user=request.user)})


@reviewer_view
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    review = selectors.review_get_for_reviewer(user=request.user, review_id=review_id)
    course = review.course
    initial = {"checklist": [key for key, ticked in (review.checklist or {}).items() if ticked]}
    form = ReviewForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "approve":
                    services.review_approve(
                        actor=request.user, review=review, checklist=data["checklist"], comments=data["comments"]
                    )
                    messages.success(request, _("Approved: the course is published."))
                else:
                    services.review_send_back(
                        actor=request.user, review=review, checklist=data["checklist"], comments=data["comments"]
                    )
                    messages.success(request, _("Sent back to the instructors with your comments."))
            except ApplicationError as exc:
                _form_error(form, exc)
            else:
                return redirect("courses:review-queue")
        status = 400
    context = {
        "review": review,
        "course": course,
        "form": form,
        "checklist": REVIEW_CHECKLIST,
        "outline": selectors.course_outline_for_studio(course=course),
        "history": [r for r in selectors.course_reviews_for_course(course=course) if r.pk != review.pk],
        "can_decide": selectors.course_user_can_review(user=request.user, course=course)
        and review.submitted_by_id != request.user.pk,
    }
    return render(request, "courses/review_detail.html", context, status=status)


# --- Changelog (public) ---


def changelog(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        course = selectors.course_get_for_changelog(user=request.user, slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(
        request, "courses/changelog.html", {"course": course, "changes": selectors.course_changes(course=course)}
    )
