"""Live event pages: list, event page, RSVP, host tools, .ics and the personal calendar.

Thin: parse, call one service or selector, render. Errors from services become form
errors or messages; an event the viewer may not see is a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lyceum.core.errors import ApplicationError, NotFound, PermissionDenied
from lyceum.core.forms import form_add_application_error

from ..forms_events import EventForm, RecordingForm
from ..ics import event_ics, feed_ics
from ..models import EventKind, LiveEvent, RegistrationStatus
from ..selectors import events as selectors
from ..services import events as services

EVENTS_PER_PAGE = 20


def _visible_or_404(request: HttpRequest, slug: str) -> LiveEvent:
    try:
        return selectors.event_get_visible(user=request.user, slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def event_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.event_filters_clean(request.GET)
    page = Paginator(selectors.event_list(user=request.user, filters=filters), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "community/events/list.html",
        {
            "filters": filters,
            "course": selectors.filter_course(filters),
            "page": page,
            "cards": selectors.event_cards(user=request.user, events=page.object_list),
            "kinds": EventKind.choices,
            "can_create": selectors.can_create_events(request.user),
        },
    )


def _detail_context(request: HttpRequest, slug: str) -> dict[str, object]:
    try:
        page = selectors.event_page(user=request.user, slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return {"page": page, "event": page.event}


def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "community/events/detail.html", _detail_context(request, slug))


@login_required
def event_new(request: HttpRequest) -> HttpResponse:
    if not selectors.can_create_events(request.user):
        raise DjangoPermissionDenied
    form = EventForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The event is scheduled."))
            return redirect("events:detail", slug=event.slug)
    return render(request, "community/events/form.html", {"form": form, "event": None})


@login_required
def event_edit(request: HttpRequest, slug: str) -> HttpResponse:
    event = _visible_or_404(request, slug)
    if not selectors.can_edit_event(request.user, event):
        raise DjangoPermissionDenied
    if request.method == "POST":
        form = EventForm(request.POST, actor=request.user, event=event)
    else:
        form = EventForm(initial=EventForm.initial_for(event), actor=request.user, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(actor=request.user, event=event, **form.service_kwargs())
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("The event is updated."))
            return redirect("events:detail", slug=event.slug)
    return render(request, "community/events/form.html", {"form": form, "event": event})


@login_required
@require_POST
def event_register(request: HttpRequest, slug: str) -> HttpResponse:
    event = _visible_or_404(request, slug)
    try:
        registration = services.event_register(actor=request.user, event=event)
    except PermissionDenied as exc:
        messages.error(request, exc.message)
        return render(request, "community/events/detail.html", _detail_context(request, slug), status=403)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if registration.status == RegistrationStatus.REGISTERED:
            messages.success(request, _("You have a seat. See you there!"))
        else:
            messages.info(request, _("The event is full: you are on the waitlist and get the next free seat."))
    return redirect("events:detail", slug=slug)


@login_required
@require_POST
def registration_cancel(request: HttpRequest, slug: str) -> HttpResponse:
    event = _visible_or_404(request, slug)
    try:
        registration = services.registration_cancel(actor=request.user, event=event)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if registration is not None:
            messages.success(request, _("Your registration is cancelled."))
    return redirect("events:detail", slug=slug)


@login_required
@require_POST
def event_cancel(request: HttpRequest, slug: str) -> HttpResponse:
    event = _visible_or_404(request, slug)
    try:
        services.event_cancel(actor=request.user, event=event)
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The event is cancelled; everyone registered will be told."))
    return redirect("events:detail", slug=slug)


def event_ics_download(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        page = selectors.event_page(user=request.user, slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    url = request.build_absolute_uri(reverse("events:detail", args=[slug]))
    return _ics_response(event_ics(page.event, url=url, show_meeting_link=page.show_meeting_link), f"{slug}.ics")


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.calendar_feed_rotate(actor=request.user)
        messages.success(request, _("Your calendar address is new; the old one no longer works."))
        return redirect("events:calendar")
    feed = selectors.calendar_feed_for_user(user=request.user)
    feed_url = request.build_absolute_uri(reverse("events:calendar-feed", args=[feed.token])) if feed else ""
    return render(
        request,
        "community/events/calendar.html",
        {
            "feed": feed,
            "feed_url": feed_url,
            "webcal_url": "webcal://" + feed_url.split("://", 1)[1] if feed_url else "",
            "registrations": selectors.my_registrations(user=request.user),
        },
    )


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    try:
        _owner, rows = selectors.calendar_feed_rows(token=token)
    except NotFound as exc:
        raise Http404(exc.message) from exc

    def url_for(event: LiveEvent) -> str:
        return request.build_absolute_uri(reverse("events:detail", args=[event.slug]))

    name = _("%(site)s events") % {"site": settings.LYCEUM_SITE_NAME}
    return _ics_response(feed_ics(rows, url_for=url_for, name=name), "lyceum-events.ics")


@login_required
def attendance(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        event = selectors.event_for_manager(user=request.user, slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    recording_form = RecordingForm(initial={"recording_url": event.recording_url})
    if request.method == "POST" and request.POST.get("action") == "recording":
        recording_form = RecordingForm(request.POST)
        if recording_form.is_valid():
            try:
                services.recording_set(
                    actor=request.user, event=event, url=recording_form.cleaned_data["recording_url"]
                )
            except ApplicationError as exc:
                form_add_application_error(recording_form, exc)
            else:
                messages.success(request, _("The recording link is saved."))
                return redirect("events:attendance", slug=slug)
    elif request.method == "POST":
        try:
            ids = [int(v) for v in request.POST.getlist("attended")]
            services.attendance_set(actor=request.user, event=event, attended_user_ids=ids)
        except ValueError:
            messages.error(request, _("Unknown attendee."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Attendance is saved."))
            return redirect("events:attendance", slug=slug)
    rows = selectors.attendee_list(user=request.user, event=event)
    return render(
        request,
        "community/events/attendance.html",
        {
            "event": event,
            "rows": rows,
            "registered": [r for r in rows if r.status == RegistrationStatus.REGISTERED],
            "waitlisted": [r for r in rows if r.status == RegistrationStatus.WAITLISTED],
            "recording_form": recording_form,
            "started": event.starts_at <= timezone.now(),
        },
    )
