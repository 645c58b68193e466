"""Course review pages and the feedback analysis pages. Thin: parse, call, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lyceum.accounts.decorators import role_required
from lyceum.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from lyceum.core.forms import form_add_application_error

from ..forms_reviews import ReplyForm, ReviewForm
from ..models import Review
from ..selectors import analysis as analysis_selectors
from ..selectors import reviews as selectors
from ..services import reviews as services


def _course(request: HttpRequest, slug: str) -> Any:
    try:
        return selectors.course_for_reviews(user=request.user, slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _review(request: HttpRequest, pk: int) -> Review:
    try:
        return selectors.review_get(pk=pk, user=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _back(request: HttpRequest, review: Review) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(reverse("feedback:course-reviews", args=[review.course.slug]) + f"#review-{review.pk}")


def _denied(exc: ApplicationError) -> None:
    if isinstance(exc, PermissionDenied):
        raise DjangoPermissionDenied(exc.message) from exc
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc


def course_reviews(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    try:
        page_number = int(request.GET.get("page", "1"))
    except ValueError:
        page_number = 1
    listing = selectors.review_list(
        course=course, user=request.user, sort=request.GET.get("sort", ""), page=page_number
    )
    form = None
    if listing.viewer.can_review:
        mine = listing.viewer.my_review
        form = ReviewForm(initial={"rating": mine.rating, "text": mine.text} if mine else None)
    return render(request, "feedback/reviews/course_reviews.html", {"course": course, "listing": listing, "form": form})


@login_required
def review_write(request: HttpRequest, slug: str) -> HttpResponse:
    """Write or edit one's review (GET shows the form, POST saves)."""
    course = _course(request, slug)
    viewer = selectors.viewer_for(user=request.user, course=course)
    if not viewer.can_review:
        raise DjangoPermissionDenied(_("Only learners enrolled in this course can review it."))
    mine = viewer.my_review
    status = 200
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                _review_obj, created = services.review_save(
                    actor=request.user,
                    course=course,
                    rating=form.cleaned_data["rating"],
                    text=form.cleaned_data["text"],
                )
            except ValidationFailed as exc:
                form_add_application_error(form, exc)
            except ApplicationError as exc:
                if isinstance(exc, NotFound):
                    raise Http404(exc.message) from exc
                # e.g. moderation's screening: muted, rules not accepted, new-member limits
                form_add_application_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Thank you for your review!") if created else _("Your review is updated."))
                return redirect("feedback:course-reviews", slug=course.slug)
    else:
        form = ReviewForm(initial={"rating": mine.rating, "text": mine.text} if mine else None)
    context = {"course": course, "form": form, "mine": mine}
    return render(request, "feedback/reviews/review_form.html", context, status=status)


@require_POST
@login_required
def review_helpful(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    try:
        marked, _count = services.review_helpful_toggle(actor=request.user, review=review)
    except ApplicationError as exc:
        _denied(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Marked as helpful.") if marked else _("Helpful mark removed."))
    return _back(request, review)


@login_required
def review_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The course's instructors reply to a review (GET shows the form, POST saves)."""
    review = _review(request, pk)
    if not services.user_is_course_instructor(user=request.user, course_id=review.course_id):
        raise DjangoPermissionDenied(_("Only the course's instructors can reply to its reviews."))
    if request.method == "POST":
        form = ReplyForm(request.POST)
        if form.is_valid():
            try:
                services.review_reply(actor=request.user, review=review, text=form.cleaned_data["text"])
            except ApplicationError as exc:
                _denied(exc)
                form_add_application_error(form, exc)
            else:
                messages.success(
                    request, _("Your reply is saved.") if form.cleaned_data["text"] else _("Reply removed.")
                )
                return _back(request, review)
    else:
        form = ReplyForm(initial={"text": review.instructor_reply})
    return render(
        request, "feedback/reviews/reply_form.html", {"review": review, "course": review.course, "form": form}
    )


@require_POST
@login_required
def review_hide(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    hidden = request.POST.get("action", "hide") != "show"
    try:
        services.review_hide(actor=request.user, review=review, hidden=hidden, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        _denied(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Review hidden.") if hidden else _("Review shown again."))
    return _back(request, review)


def _period(request: HttpRequest) -> tuple[str, Any]:
    return analysis_selectors.period_since(request.GET.get("period", ""), timezone.now())


@role_required("operator")
def analysis(request: HttpRequest) -> HttpResponse:
    period, since = _period(request)
    overview = analysis_selectors.feedback_overview(user=request.user, since=since)
    return render(
        request,
        "feedback/reviews/analysis.html",
        {"overview": overview, "period": period, "periods": analysis_selectors.PERIOD_LABELS},
    )


@role_required("operator", "instructor")
def analysis_course(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        period, since = _period(request)
        feedback = analysis_selectors.feedback_for_course(user=request.user, slug=slug, since=since)
    except ApplicationError as exc:
        _denied(exc)
        raise
    return render(
        request,
        "feedback/reviews/analysis_course.html",
        {
            "feedback": feedback,
            "course": feedback.course,
            "period": period,
            "periods": analysis_selectors.PERIOD_LABELS,
        },
    )
