"""Reads for live events: lists, the event page, attendees, calendars and the page hooks.

Who sees what (``event_visible_q``): free and members-only events are listed for
everyone, visitors included (members-only ones cannot be joined without a plan);
enrolled-only events only for the course's learners and instructors, the hosts and
staff. An event one may not see answers 404, so guessing its address reveals nothing.
The meeting link is shown only to registered attendees, hosts and staff.

Every list and page runs a fixed number of queries whatever the number of events,
hosts or registrations (tests assert it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.core.errors import NotFound, PermissionDenied

from ..access import can_attend_event, can_manage_event, is_event_host, standing
from ..models import (
    CalendarFeed,
    EventAudience,
    EventKind,
    EventStatus,
    LiveEvent,
    Registration,
    RegistrationStatus,
)

HOME_LIMIT = 4
COURSE_PAGE_LIMIT = 3
FEED_PAST_DAYS = 30
HOST_STATUS = "host"  # a feed row for an event the owner hosts


@dataclass
class EventCard:
    """One event in a list, with the viewer's place in it."""

    event: LiveEvent
    status: str = ""  # the viewer's registration status ("" when none or cancelled)
    now: datetime = field(default_factory=timezone.now)

    @property
    def seats_left(self) -> int | None:
        return seats_left(self.event)

    @property
    def is_live(self) -> bool:
        return self.event.starts_at <= self.now < self.event.ends_at

    @property
    def is_over(self) -> bool:
        return self.event.ends_at <= self.now

    @property
    def is_full(self) -> bool:
        left = self.seats_left
        return left is not None and left <= 0


def seats_left(event: LiveEvent) -> int | None:
    if event.capacity is None:
        return None
    return max(0, event.capacity - event.registered_count)


def can_create_events(actor: Any) -> bool:
    """Operators, and instructors (for the courses they teach)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return standing(actor).operator or actor.has_role("instructor")


def can_edit_event(actor: Any, event: LiveEvent) -> bool:
    """Operators, the event's hosts, and the instructors of the event's course."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if can_manage_event(actor, event):
        return True
    return (
        event.course_id is not None
        and event.course_id in standing(actor).instructed_course_ids
        and actor.has_role("instructor")
    )


def event_visible_q(user: Any) -> Q:
    s = standing(user)
    if s.staff:
        return Q()
    q = Q(audience__in=[EventAudience.FREE, EventAudience.MEMBERS])
    if s.authenticated:
        q |= Q(course_id__in=s.course_ids | s.instructed_course_ids)
        q |= Q(pk__in=LiveEvent.hosts.through.objects.filter(user_id=user.pk).values("liveevent_id"))
    return q


def event_visible(user: Any, event: LiveEvent) -> bool:
    s = standing(user)
    if s.staff or event.audience != EventAudience.ENROLLED:
        return True
    if event.course_id in s.course_ids or event.course_id in s.instructed_course_ids:
        return True
    return is_event_host(user, event)


def _base() -> QuerySet[LiveEvent]:
    return LiveEvent.objects.select_related("course").prefetch_related("hosts")


def _cards(user: Any, events: list[LiveEvent], now: datetime) -> list[EventCard]:
    statuses: dict[int, str] = {}
    if getattr(user, "is_authenticated", False) and events:
        statuses = dict(
            Registration.objects.filter(user=user, event_id__in=[e.pk for e in events])
            .exclude(status=RegistrationStatus.CANCELLED)
            .values_list("event_id", "status")
        )
    return [EventCard(event=e, status=statuses.get(e.pk, ""), now=now) for e in events]


@dataclass(frozen=True)
class EventFilters:
    when: str = "upcoming"  # or "past"
    kind: str = ""
    course: str = ""  # course slug


def event_filters_clean(params: Any) -> EventFilters:
    """Keep the valid filters from a query string; unknown values are dropped."""
    when = params.get("when", "upcoming")
    kind = params.get("kind", "")
    course = str(params.get("course", ""))[:120]
    return EventFilters(
        when=when if when in ("upcoming", "past") else "upcoming",
        kind=kind if kind in EventKind.values else "",
        course=course if course.replace("-", "").replace("_", "").isalnum() else "",
    )


def event_list(*, user: Any, filters: EventFilters | None = None, now: datetime | None = None) -> QuerySet[LiveEvent]:
    """Scheduled events ``user`` may see: upcoming ones (not ended yet, soonest first) or
    past ones (latest first). Decorate a page of them with ``event_cards``."""
    filters = filters or EventFilters()
    now = now or timezone.now()
    qs = _base().filter(event_visible_q(user), status=EventStatus.SCHEDULED)
    if filters.when == "past":
        qs = qs.filter(ends_at__lte=now).order_by("-starts_at", "-pk")
    else:
        qs = qs.filter(ends_at__gt=now).order_by("starts_at", "pk")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.course:
        qs = qs.filter(course__slug=filters.course)
    return qs


def filter_course(filters: EventFilters) -> Any:
    """The course a list is filtered by (for its heading), or None."""
    from lyceum.courses.models import Course

    return Course.objects.filter(slug=filters.course).only("slug", "title").first() if filters.course else None


def event_cards(*, user: Any, events: Any, now: datetime | None = None) -> list[EventCard]:
    return _cards(user, list(events), now or timezone.now())


# --- the event page ---------------------------------------------------------------------------


@dataclass
class EventPage:
    event: LiveEvent
    registration: Registration | None  # not cancelled
    waitlist_position: int | None
    seats_left: int | None
    can_register: bool  # allowed to attend (visitors: False; they are asked to sign in)
    show_meeting_link: bool
    show_recording: bool
    can_edit: bool
    can_manage: bool
    is_host: bool
    is_live: bool
    is_over: bool
    is_cancelled: bool
    hosts: list[Any]

    @property
    def status(self) -> str:
        return self.registration.status if self.registration else ""

    @property
    def is_full(self) -> bool:
        return self.seats_left is not None and self.seats_left <= 0


def event_get_visible(*, user: Any, slug: str) -> LiveEvent:
    event = _base().filter(slug=slug).first()
    if event is None or not event_visible(user, event):
        raise NotFound(_("No such event."))
    return event


def event_page(*, user: Any, slug: str, now: datetime | None = None) -> EventPage:
    now = now or timezone.now()
    event = event_get_visible(user=user, slug=slug)
    s = standing(user)
    registration = None
    position = None
    if s.authenticated:
        registration = (
            Registration.objects.filter(event=event, user=user).exclude(status=RegistrationStatus.CANCELLED).first()
        )
        if registration is not None and registration.status == RegistrationStatus.WAITLISTED:
            position = waitlist_position(registration)
    host = is_event_host(user, event)
    may_attend = can_attend_event(user, event)
    registered = registration is not None and registration.status == RegistrationStatus.REGISTERED
    return EventPage(
        event=event,
        registration=registration,
        waitlist_position=position,
        seats_left=seats_left(event),
        can_register=may_attend,
        show_meeting_link=bool(event.meeting_url) and (registered or host or s.staff),
        show_recording=bool(event.recording_url) and (registered or may_attend),
        can_edit=can_edit_event(user, event),
        can_manage=can_manage_event(user, event),
        is_host=host,
        is_live=event.starts_at <= now < event.ends_at,
        is_over=event.ends_at <= now,
        is_cancelled=event.status == EventStatus.CANCELLED,
        hosts=list(event.hosts.all()),
    )


def waitlist_position(registration: Registration) -> int:
    """1 for the first person waiting."""
    ahead = Registration.objects.filter(event_id=registration.event_id, status=RegistrationStatus.WAITLISTED).filter(
        Q(waitlisted_at__lt=registration.waitlisted_at)
        | Q(waitlisted_at=registration.waitlisted_at, pk__lt=registration.pk)
    )
    return ahead.count() + 1


def event_for_manager(*, user: Any, slug: str) -> LiveEvent:
    event = event_get_visible(user=user, slug=slug)
    if not can_manage_event(user, event):
        raise PermissionDenied(_("Only the event's hosts and operators can see this."))
    return event


def attendee_list(*, user: Any, event: LiveEvent) -> list[Registration]:
    """Everyone who registered or waits (hosts and operators only), seats first."""
    if not can_manage_event(user, event):
        raise PermissionDenied(_("Only the event's hosts and operators can see this."))
    return list(
        Registration.objects.filter(event=event)
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("user")
        .order_by("status", "waitlisted_at", "created_at", "id")  # "registered" sorts before "waitlisted"
    )


# --- calendars --------------------------------------------------------------------------------


def calendar_feed_for_user(*, user: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def my_registrations(*, user: Any, now: datetime | None = None) -> list[Registration]:
    """The user's seats and waitlist places for events that have not ended."""
    now = now or timezone.now()
    return list(
        Registration.objects.filter(user=user, event__ends_at__gt=now)
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("event__course")
        .prefetch_related("event__hosts")
        .order_by("event__starts_at", "id")
    )


def calendar_feed_rows(*, token: str, now: datetime | None = None) -> tuple[Any, list[tuple[LiveEvent, str]]]:
    """The feed owner and their (event, status) rows: events they registered or wait for, and
    events they host (status ``"host"``), upcoming and of the last 30 days, cancelled ones
    included (marked CANCELLED so calendars drop them). Unknown token: 404."""
    now = now or timezone.now()
    token = (token or "").strip()
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first() if token else None
    if feed is None or not feed.user.is_active:
        raise NotFound(_("No such calendar."))
    registrations = (
        Registration.objects.filter(user=feed.user, event__ends_at__gt=now - timedelta(days=FEED_PAST_DAYS))
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("event")
        .prefetch_related(Prefetch("event__hosts"))
        .order_by("event__starts_at", "id")
    )
    rows: dict[int, tuple[LiveEvent, str]] = {r.event_id: (r.event, r.status) for r in registrations}
    hosted = (
        LiveEvent.objects.filter(hosts=feed.user, ends_at__gt=now - timedelta(days=FEED_PAST_DAYS))
        .exclude(pk__in=list(rows))
        .prefetch_related("hosts")
    )
    rows.update({e.pk: (e, HOST_STATUS) for e in hosted})
    return feed.user, sorted(rows.values(), key=lambda row: (row[0].starts_at, row[0].pk))


# --- page hooks -------------------------------------------------------------------------------


def _next_visible(user: Any, qs: QuerySet[LiveEvent], limit: int, now: datetime) -> list[LiveEvent]:
    """The next ``limit`` events of ``qs`` the viewer may see. One query when there are none
    (pages that include the section pay little); the viewer's standing is read only when an
    enrolled-only event is among the candidates."""
    qs = qs.filter(status=EventStatus.SCHEDULED, ends_at__gt=now).order_by("starts_at", "pk")
    if not getattr(user, "is_authenticated", False):
        qs = qs.exclude(audience=EventAudience.ENROLLED)
    candidates = list(qs[: limit * 5])
    return [e for e in candidates if e.audience != EventAudience.ENROLLED or event_visible(user, e)][:limit]


def upcoming_events_for_course_page(*, course: Any, user: Any) -> list[dict[str, Any]]:
    """The ``course_page.sections`` hook: this course's next events (its Q&A sessions too)."""
    now = timezone.now()
    events = _next_visible(user, _base().filter(course=course), COURSE_PAGE_LIMIT, now)
    if not events:
        return []
    return [
        {
            "template": "community/events/_course_section.html",
            "cards": _cards(user, events, now),
            "course": course,
        }
    ]


def upcoming_events_for_home(*, user: Any) -> list[dict[str, Any]]:
    """The ``home_page.sections`` hook: the next community events the viewer may see."""
    now = timezone.now()
    events = _next_visible(user, _base(), HOME_LIMIT, now)
    if not events:
        return []
    return [{"template": "community/events/_home_section.html", "cards": _cards(user, events, now)}]
