"""``/api/v1`` routes for live events (the integrator mounts ``router`` next to the community's).

- ``GET /events`` (public; ``when=upcoming|past``, ``kind``, ``course``; 20 per page)
- ``GET /events/{slug}`` (public for free and members events; enrolled-only ones answer 404
  to everyone else). ``meeting_url`` is present only for registered attendees, hosts and staff.
- ``POST /events/{slug}/rsvp`` a seat or a waitlist place (idempotent; 201 when new)
- ``DELETE /events/{slug}/rsvp`` give it up (the first person waiting is promoted)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Router, Schema, Status

from lyceum.accounts.services import token_authenticate

from .models import RegistrationStatus
from .selectors import events as selectors
from .services import events as services

router = Router(tags=["events"])

PER_PAGE = 20


def optional_auth(request: HttpRequest) -> Any:
    """Public reads: a bearer token if one is sent (a wrong one is 401), else the session
    user, else a visitor."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = token_authenticate(key=header[7:].strip())
        if user is None:
            return None
        request.user = user
        return user
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        return user
    return AnonymousUser()


class HostOut(Schema):
    id: int
    name: str


def _viewer(request: HttpRequest) -> Any:
    return getattr(request, "auth", None) or request.user


class EventOut(Schema):
    slug: str
    title: str
    kind: str
    audience: str
    course: str | None
    timezone: str
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    seats_left: int | None
    registered_count: int
    waitlist_count: int
    status: str
    hosts: list[HostOut]
    my_status: str
    has_recording: bool


class EventDetailOut(EventOut):
    description_html: str
    recording_url: str | None
    meeting_url: str | None
    waitlist_position: int | None
    can_register: bool


class EventPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[EventOut]


class RsvpOut(Schema):
    event: str
    status: str
    waitlist_position: int | None
    meeting_url: str | None


def _event_out(event: Any, *, my_status: str) -> dict[str, Any]:
    return {
        "slug": event.slug,
        "title": event.title,
        "kind": event.kind,
        "audience": event.audience,
        "course": event.course.slug if event.course_id else None,
        "timezone": event.timezone,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "capacity": event.capacity,
        "seats_left": selectors.seats_left(event),
        "registered_count": event.registered_count,
        "waitlist_count": event.waitlist_count,
        "status": event.status,
        "hosts": [{"id": h.pk, "name": h.get_short_name()} for h in event.hosts.all()],
        "my_status": my_status,
        "has_recording": bool(event.recording_url),
    }


@router.get("/events", response=EventPageOut, auth=optional_auth, summary="Upcoming (or past) live events")
def event_list(request: HttpRequest, when: str = "upcoming", kind: str = "", course: str = "", page: int = 1) -> Any:
    user = _viewer(request)
    filters = selectors.event_filters_clean({"when": when, "kind": kind, "course": course})
    paginator = Paginator(selectors.event_list(user=user, filters=filters), PER_PAGE)
    current = paginator.get_page(page)
    cards = selectors.event_cards(user=user, events=current.object_list)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "items": [_event_out(c.event, my_status=c.status) for c in cards],
    }


@router.get("/events/{slug}", response=EventDetailOut, auth=optional_auth, summary="One live event")
def event_detail(request: HttpRequest, slug: str) -> Any:
    page = selectors.event_page(user=_viewer(request), slug=slug)
    data = _event_out(page.event, my_status=page.status)
    data.update(
        description_html=page.event.description_html,
        recording_url=page.event.recording_url if page.show_recording else None,
        meeting_url=page.event.meeting_url if page.show_meeting_link else None,
        waitlist_position=page.waitlist_position,
        can_register=page.can_register,
    )
    return data


def _rsvp_out(request: HttpRequest, slug: str) -> dict[str, Any]:
    page = selectors.event_page(user=_viewer(request), slug=slug)
    return {
        "event": slug,
        "status": page.status or RegistrationStatus.CANCELLED,
        "waitlist_position": page.waitlist_position,
        "meeting_url": page.event.meeting_url if page.show_meeting_link else None,
    }


@router.post("/events/{slug}/rsvp", response={200: RsvpOut, 201: RsvpOut}, summary="Register (or join the waitlist)")
def event_rsvp(request: HttpRequest, slug: str) -> Status:
    user = _viewer(request)
    event = selectors.event_get_visible(user=user, slug=slug)
    before = selectors.event_page(user=user, slug=slug).status
    services.event_register(actor=user, event=event)
    return Status(200 if before else 201, _rsvp_out(request, slug))


@router.delete("/events/{slug}/rsvp", response=RsvpOut, summary="Give up your seat or waitlist place")
def event_rsvp_cancel(request: HttpRequest, slug: str) -> Any:
    user = _viewer(request)
    event = selectors.event_get_visible(user=user, slug=slug)
    services.registration_cancel(actor=user, event=event)
    return _rsvp_out(request, slug)
