"""Writes for live events: create and edit, cancel, RSVP with capacity and waitlist,
reminders, attendance, recordings and the personal calendar feed token.

Every function is ``noun_verb(*, actor, ...)``, runs in one transaction, raises
``lyceum.core.errors`` and emits its event. Seats are counted under a row lock on the
event (``select_for_update``), so the last seat is never sold twice.

Props the notifications app relies on (keep them exactly):

- ``event.reminder_due``   obj=Registration  {event: event_id, window: "24h" | "1h"}
- ``event.promoted``       obj=Registration  {event: event_id}
- ``event.cancelled``      obj=LiveEvent     {}
- ``event.recording_added`` obj=LiveEvent    {}
- ``event.attended``       obj=Registration  {event: event_id, user: user_id}
"""

from __future__ import annotations

import re
import secrets
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lyceum.accounts.models import Role, User
from lyceum.core import events, ratelimit
from lyceum.core.errors import Conflict, NotAuthenticated, PermissionDenied, RateLimited, ValidationFailed
from lyceum.core.markdown import render_markdown
from lyceum.courses.models import Course

from ..access import can_attend_event, can_manage_event, standing
from ..models import CalendarFeed, EventAudience, EventKind, EventStatus, LiveEvent, Registration, RegistrationStatus
from ..selectors.events import can_create_events, can_edit_event

MAX_TITLE = 160
MAX_DESCRIPTION = 10_000
MAX_DURATION = timedelta(hours=12)
MAX_CAPACITY = 100_000
MAX_HOSTS = 5
RATE_RSVP = "30/min"  # RSVPs and cancellations per person (each may notify someone)
RATE_CREATE = "20/h"
RESERVED_SLUGS = frozenset({"new", "calendar"})
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
PLAN_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,119}$")
_url_validator = URLValidator(schemes=["http", "https"])

# Reminder windows: (name, field, how long before the start it opens, where it closes).
REMINDER_WINDOWS = (
    ("1h", "reminded_1h_at", timedelta(hours=1), timedelta(0)),
    ("24h", "reminded_24h_at", timedelta(hours=24), timedelta(hours=1)),
)


# --- checks -----------------------------------------------------------------------------


def _require_user(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotAuthenticated(_("Please sign in first."))


def _throttle(actor: Any, what: str, rate: str, at: datetime | None) -> None:
    if at is None and not ratelimit.hit(f"events:{what}:{actor.pk}", rate):
        raise RateLimited(_("Too many changes in a short time. Please wait a minute and try again."))


def _require_editor(actor: Any, event: LiveEvent) -> None:
    _require_user(actor)
    if not can_edit_event(actor, event):
        raise PermissionDenied(_("Only the event's hosts and operators can change it."))


def _require_manager(actor: Any, event: LiveEvent) -> None:
    _require_user(actor)
    if not can_manage_event(actor, event):
        raise PermissionDenied(_("Only the event's hosts and operators can do this."))


# --- cleaning -----------------------------------------------------------------------------


def clean_timezone(name: str, *, field: str = "timezone") -> zoneinfo.ZoneInfo:
    name = (name or "").strip()
    try:
        if not name or ("/" not in name and name != "UTC"):
            raise zoneinfo.ZoneInfoNotFoundError(name)
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(_("Choose a time zone from the list."), field=field) from exc


def local_to_utc(value: datetime | None, tz: zoneinfo.ZoneInfo, *, field: str) -> datetime:
    """A wall-clock time in ``tz`` (naive) or an aware time -> UTC. Times skipped by a clock
    change (spring forward) are refused rather than silently moved."""
    if value is None:
        raise ValidationFailed(_("Enter a date and time."), field=field)
    if timezone.is_aware(value):
        return value.astimezone(UTC)
    aware = value.replace(tzinfo=tz)
    utc = aware.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != value:
        raise ValidationFailed(
            _("This time does not exist in %(tz)s (the clocks change then). Pick another time.") % {"tz": tz.key},
            field=field,
        )
    return utc


def clean_url(value: str, *, field: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > 500:
        raise ValidationFailed(_("Links can be at most 500 characters long."), field=field)
    try:
        _url_validator(value)
    except DjangoValidationError as exc:
        raise ValidationFailed(_("Enter a web address starting with http:// or https://."), field=field) from exc
    return value


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationFailed(_("Give the event a title."), field="title")
    if len(title) > MAX_TITLE:
        raise ValidationFailed(_("The title can be at most %(n)d characters long.") % {"n": MAX_TITLE}, field="title")
    return title


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed(
            _("The description can be at most %(n)d characters long.") % {"n": MAX_DESCRIPTION}, field="description"
        )
    return description


def _clean_capacity(capacity: int | None) -> int | None:
    if capacity is None or capacity == "":
        return None
    try:
        value = int(capacity)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("Enter a whole number of seats, or leave it empty."), field="capacity") from exc
    if value < 1:
        raise ValidationFailed(_("An event needs at least one seat (leave it empty for no limit)."), field="capacity")
    if value > MAX_CAPACITY:
        raise ValidationFailed(_("At most %(n)d seats.") % {"n": MAX_CAPACITY}, field="capacity")
    return value


def _clean_plans(plans: Iterable[str] | None) -> list[str]:
    cleaned: list[str] = []
    for raw in plans or []:
        slug = str(raw).strip().lower()
        if not slug:
            continue
        if not PLAN_SLUG_RE.match(slug):
            raise ValidationFailed(
                _("Plan “%(slug)s” is not a valid plan address (lowercase letters, digits, hyphens).") % {"slug": slug},
                field="access_plans",
            )
        if slug not in cleaned:
            cleaned.append(slug)
    return cleaned[:20]


def _clean_hosts(actor: User, hosts: Iterable[User] | None) -> list[User]:
    chosen: list[User] = []
    for host in [*(hosts or []), *([] if hosts else [actor])]:
        if host.pk not in {h.pk for h in chosen}:
            chosen.append(host)
    if not chosen:
        raise ValidationFailed(_("An event needs at least one host."), field="hosts")
    if len(chosen) > MAX_HOSTS:
        raise ValidationFailed(_("At most %(n)d hosts.") % {"n": MAX_HOSTS}, field="hosts")
    for host in chosen:
        if not host.is_active or not (
            host.is_superuser or {Role.INSTRUCTOR, Role.OPERATOR, Role.MODERATOR} & set(host.roles)
        ):
            raise ValidationFailed(
                _("%(name)s cannot host events (hosts are instructors or staff).") % {"name": host.get_short_name()},
                field="hosts",
            )
    return chosen


def _clean_course(actor: User, course: Course | None) -> Course | None:
    s = standing(actor)
    if course is None:
        if not s.operator:
            raise ValidationFailed(_("Choose one of the courses you teach."), field="course")
        return None
    if not s.operator and course.pk not in s.instructed_course_ids:
        raise ValidationFailed(_("You can only create events for the courses you teach."), field="course")
    return course


@dataclass
class _Cleaned:
    title: str
    kind: str
    description: str
    tz: zoneinfo.ZoneInfo
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    audience: str
    access_plans: list[str]
    meeting_url: str


def _clean_fields(
    *,
    title: str,
    kind: str,
    description: str,
    timezone_name: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    capacity: int | None,
    audience: str,
    course: Course | None,
    access_plans: Iterable[str] | None,
    meeting_url: str,
) -> _Cleaned:
    title = _clean_title(title)
    if kind not in EventKind.values:
        raise ValidationFailed(_("Choose what kind of event this is."), field="kind")
    description = _clean_description(description)
    tz = clean_timezone(timezone_name)
    start = local_to_utc(starts_at, tz, field="starts_at")
    end = local_to_utc(ends_at, tz, field="ends_at")
    if end <= start:
        raise ValidationFailed(_("The event must end after it starts."), field="ends_at")
    if end - start > MAX_DURATION:
        raise ValidationFailed(_("An event can last at most 12 hours."), field="ends_at")
    capacity = _clean_capacity(capacity)
    if audience not in EventAudience.values:
        raise ValidationFailed(_("Choose who may attend."), field="audience")
    if audience == EventAudience.ENROLLED and course is None:
        raise ValidationFailed(_("An event for enrolled learners needs a course."), field="course")
    plans = _clean_plans(access_plans) if audience == EventAudience.MEMBERS else []
    meeting_url = clean_url(meeting_url, field="meeting_url")
    return _Cleaned(title, kind, description, tz, start, end, capacity, audience, plans, meeting_url)


def event_slug_generate(*, title: str) -> str:
    """A readable unique address: the title's Latin part plus a short random suffix."""
    base = slugify(title)[:60].strip("-_") or "event"
    if title.isascii() and base not in RESERVED_SLUGS and not LiveEvent.objects.filter(slug=base).exists():
        return base
    for _attempt in range(10):
        candidate = f"{base}-{secrets.token_hex(3)}"
        if not LiveEvent.objects.filter(slug=candidate).exists():
            return candidate
    raise Conflict(_("Could not find a free address for this event; please try again."), field="title")


def _clean_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise ValidationFailed(_("Use lowercase Latin letters, digits and hyphens (at most 80)."), field="slug")
    if LiveEvent.objects.filter(slug=slug).exists():
        raise ValidationFailed(_("Another event already uses this address."), field="slug")
    return slug


# --- create, edit, cancel -------------------------------------------------------------------


@transaction.atomic
def event_create(
    *,
    actor: User,
    title: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    timezone_name: str = "",
    kind: str = EventKind.LECTURE,
    description: str = "",
    capacity: int | None = None,
    audience: str = EventAudience.FREE,
    course: Course | None = None,
    access_plans: Iterable[str] | None = None,
    meeting_url: str = "",
    hosts: Iterable[User] | None = None,
    slug: str = "",
    at: datetime | None = None,
) -> LiveEvent:
    """Schedule an event. ``starts_at``/``ends_at`` are wall-clock times in ``timezone_name``
    (the host's; default the actor's) unless they are aware. ``at`` backdates demo data."""
    _require_user(actor)
    if not can_create_events(actor):
        raise PermissionDenied(_("Only instructors and operators can create events."))
    _throttle(actor, "create", RATE_CREATE, at)
    now = at or timezone.now()
    course = _clean_course(actor, course)
    data = _clean_fields(
        title=title, kind=kind, description=description, timezone_name=timezone_name or actor.timezone,
        starts_at=starts_at, ends_at=ends_at, capacity=capacity, audience=audience, course=course,
        access_plans=access_plans, meeting_url=meeting_url,
    )  # fmt: skip
    if data.starts_at <= now:
        raise ValidationFailed(_("The event must start in the future."), field="starts_at")
    host_list = _clean_hosts(actor, hosts)
    event = LiveEvent.objects.create(
        slug=_clean_slug(slug) if slug else event_slug_generate(title=data.title),
        kind=data.kind,
        title=data.title,
        description=data.description,
        description_html=render_markdown(data.description),
        created_by=actor,
        course=course,
        timezone=data.tz.key,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        capacity=data.capacity,
        audience=data.audience,
        access_plans=data.access_plans,
        meeting_url=data.meeting_url,
        created_at=now,
        updated_at=now,
    )
    event.hosts.set(host_list)
    events.emit(
        "event.created", actor=actor, obj=event, at=at, kind=event.kind, audience=event.audience,
        course=event.course_id, starts_at=event.starts_at,
    )  # fmt: skip
    return event


def _lock(event: LiveEvent) -> LiveEvent:
    return LiveEvent.objects.select_for_update().get(pk=event.pk)


@transaction.atomic
def event_update(
    *,
    actor: User,
    event: LiveEvent,
    title: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    timezone_name: str,
    kind: str,
    description: str = "",
    capacity: int | None = None,
    audience: str = EventAudience.FREE,
    course: Course | None = None,
    access_plans: Iterable[str] | None = None,
    meeting_url: str = "",
    hosts: Iterable[User] | None = None,
) -> LiveEvent:
    """Change an event. Raising the capacity promotes people from the waitlist; lowering it
    below the seats already taken is refused (nobody loses a seat they were given)."""
    _require_editor(actor, event)
    event = _lock(event)
    if event.status == EventStatus.CANCELLED:
        raise Conflict(_("This event was cancelled and can no longer be edited."))
    if course is not None and course.pk != event.course_id:
        course = _clean_course(actor, course)
    elif course is None and event.course_id is not None and not standing(actor).operator:
        raise ValidationFailed(_("Choose one of the courses you teach."), field="course")
    data = _clean_fields(
        title=title, kind=kind, description=description, timezone_name=timezone_name, starts_at=starts_at,
        ends_at=ends_at, capacity=capacity, audience=audience, course=course, access_plans=access_plans,
        meeting_url=meeting_url,
    )  # fmt: skip
    now = timezone.now()
    if data.starts_at != event.starts_at and data.starts_at <= now:
        raise ValidationFailed(_("A new start time must be in the future."), field="starts_at")
    counts = _counts(event)
    if data.capacity is not None and data.capacity < counts["registered"]:
        raise ValidationFailed(
            _("%(n)d people already hold a seat; the capacity cannot be lower.") % {"n": counts["registered"]},
            field="capacity",
        )
    host_list = _clean_hosts(actor, hosts) if hosts is not None else None
    new_values: dict[str, Any] = {
        "title": data.title, "kind": data.kind, "description": data.description, "timezone": data.tz.key,
        "starts_at": data.starts_at, "ends_at": data.ends_at, "capacity": data.capacity,
        "audience": data.audience, "course_id": course.pk if course else None, "access_plans": data.access_plans,
        "meeting_url": data.meeting_url,
    }  # fmt: skip
    changed = sorted(name for name, value in new_values.items() if getattr(event, name) != value)
    for name, value in new_values.items():
        setattr(event, name, value)
    event.description_html = render_markdown(data.description)
    if "starts_at" in changed:
        # A new time deserves new reminders.
        Registration.objects.filter(event=event).update(reminded_24h_at=None, reminded_1h_at=None)
    event.save()
    if host_list is not None and {h.pk for h in host_list} != set(event.hosts.values_list("pk", flat=True)):
        event.hosts.set(host_list)
        changed.append("hosts")
    promoted = _promote_waitlist(event, now=now) if "capacity" in changed else []
    _store_counts(event)
    events.emit("event.updated", actor=actor, obj=event, changed=changed)
    for registration in promoted:
        events.emit("event.promoted", actor=actor, obj=registration, event=event.pk)
    return event


@transaction.atomic
def event_cancel(*, actor: User, event: LiveEvent) -> LiveEvent:
    """Call the event off. Registrants are told through ``event.cancelled`` (idempotent)."""
    _require_editor(actor, event)
    event = _lock(event)
    if event.status == EventStatus.CANCELLED:
        return event
    if event.ends_at <= timezone.now():
        raise Conflict(_("This event is over; it cannot be cancelled."))
    event.status = EventStatus.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    events.emit("event.cancelled", actor=actor, obj=event)
    return event


# --- RSVP -------------------------------------------------------------------------------------


def _counts(event: LiveEvent) -> dict[str, int]:
    rows = dict(
        Registration.objects.filter(event=event)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {
        "registered": rows.get(RegistrationStatus.REGISTERED, 0),
        "waitlisted": rows.get(RegistrationStatus.WAITLISTED, 0),
    }


def _store_counts(event: LiveEvent) -> None:
    counts = _counts(event)
    event.registered_count = counts["registered"]
    event.waitlist_count = counts["waitlisted"]
    LiveEvent.objects.filter(pk=event.pk).update(
        registered_count=event.registered_count, waitlist_count=event.waitlist_count
    )


def _seat_free(event: LiveEvent, registered: int) -> bool:
    return event.capacity is None or registered < event.capacity


def _promote_waitlist(event: LiveEvent, *, now: datetime) -> list[Registration]:
    """Give freed seats to the waitlist, first come first served (caller holds the event lock)."""
    if event.status != EventStatus.SCHEDULED or event.ends_at <= now:
        return []
    registered = _counts(event)["registered"]
    if not _seat_free(event, registered):
        return []
    free = None if event.capacity is None else event.capacity - registered
    queue = Registration.objects.filter(event=event, status=RegistrationStatus.WAITLISTED).order_by(
        "waitlisted_at", "id"
    )
    promoted = list(queue if free is None else queue[:free])
    for registration in promoted:
        registration.status = RegistrationStatus.REGISTERED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at"])
    return promoted


def _refuse_attendance(actor: User, event: LiveEvent) -> None:
    if event.audience == EventAudience.MEMBERS:
        raise PermissionDenied(
            _("This event is for members. Join a membership plan to register."), code="membership_required"
        )
    raise PermissionDenied(
        _("This event is for learners enrolled in its course. Enroll to register."), code="enrollment_required"
    )


@transaction.atomic
def event_register(*, actor: User, event: LiveEvent, at: datetime | None = None) -> Registration:
    """RSVP: a seat while one is free, else the waitlist. Idempotent; works again after a cancel.

    The event row is locked first, so concurrent RSVPs for the last seat queue up and exactly
    ``capacity`` of them get it (the PostgreSQL race test pins this)."""
    _require_user(actor)
    _throttle(actor, "rsvp", RATE_RSVP, at)
    event = _lock(event)
    now = at or timezone.now()
    if event.status == EventStatus.CANCELLED:
        raise Conflict(_("This event was cancelled."), code="event_cancelled")
    if event.ends_at <= now:
        raise Conflict(_("This event is over."), code="event_over")
    if not can_attend_event(actor, event):
        _refuse_attendance(actor, event)
    registration = Registration.objects.select_for_update().filter(event=event, user=actor).first()
    if registration is not None and registration.status != RegistrationStatus.CANCELLED:
        return registration  # already in: nothing changes
    counts = _counts(event)
    if counts["waitlisted"] and _seat_free(event, counts["registered"]):
        # Seats freed outside the services (an admin raised the capacity): the queue goes first.
        for other in _promote_waitlist(event, now=now):
            events.emit("event.promoted", actor=None, obj=other, at=at, event=event.pk)
        counts = _counts(event)
    seat = _seat_free(event, counts["registered"])
    status = RegistrationStatus.REGISTERED if seat else RegistrationStatus.WAITLISTED
    if registration is None:
        try:
            with transaction.atomic():
                registration = Registration.objects.create(
                    event=event, user=actor, status=status, created_at=now,
                    waitlisted_at=None if seat else now,
                )  # fmt: skip
        except IntegrityError as exc:  # a double click that raced past the lock on SQLite
            raise Conflict(_("You are already registered."), code="already_registered") from exc
    else:
        registration.status = status
        registration.created_at = now
        registration.waitlisted_at = None if seat else now
        registration.promoted_at = None
        registration.cancelled_at = None
        registration.reminded_24h_at = None
        registration.reminded_1h_at = None
        registration.save()
    _store_counts(event)
    name = "event.registered" if seat else "event.waitlisted"
    events.emit(name, actor=actor, obj=registration, at=at, event=event.pk)
    return registration


@transaction.atomic
def registration_cancel(*, actor: User, event: LiveEvent, at: datetime | None = None) -> Registration | None:
    """Give up a seat (or a waitlist place). A freed seat goes to the first person waiting,
    in the same transaction. Idempotent: cancelling twice changes nothing."""
    _require_user(actor)
    _throttle(actor, "rsvp", RATE_RSVP, at)
    event = _lock(event)
    now = at or timezone.now()
    registration = Registration.objects.select_for_update().filter(event=event, user=actor).first()
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        return registration
    if event.ends_at <= now:
        raise Conflict(_("This event is over."), code="event_over")
    was = registration.status
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.save(update_fields=["status", "cancelled_at"])
    promoted = _promote_waitlist(event, now=now) if was == RegistrationStatus.REGISTERED else []
    _store_counts(event)
    events.emit("event.registration_cancelled", actor=actor, obj=registration, at=at, event=event.pk, was=was)
    for other in promoted:
        events.emit("event.promoted", actor=actor, obj=other, at=at, event=event.pk)
    return registration


# --- reminders ------------------------------------------------------------------------------


def event_reminders_send(*, now: datetime | None = None) -> dict[str, int]:
    """Mark and announce due reminders: 24 h before (for starts between 1 h and 24 h away)
    and 1 h before (starts within the hour). Each registration gets each reminder at most
    once, even when two runs overlap (the mark is a conditional UPDATE). Events that have
    started, cancelled events and waitlisted or cancelled registrations get none.

    Run every few minutes (``manage.py send_event_reminders``)."""
    now = now or timezone.now()
    sent = {"24h": 0, "1h": 0}
    for window, field, opens, closes in REMINDER_WINDOWS:
        due = (
            Registration.objects.filter(
                status=RegistrationStatus.REGISTERED,
                event__status=EventStatus.SCHEDULED,
                event__starts_at__gt=now + closes,
                event__starts_at__lte=now + opens,
                **{f"{field}__isnull": True},
            )
            .order_by("event__starts_at", "id")
            .values_list("pk", "event_id")
        )
        for pk, event_id in list(due):
            with transaction.atomic():
                claimed = Registration.objects.filter(pk=pk, **{f"{field}__isnull": True}).update(**{field: now})
                if not claimed:
                    continue
                registration = Registration.objects.get(pk=pk)
                events.emit("event.reminder_due", actor=None, obj=registration, event=event_id, window=window)
                sent[window] += 1
    return sent


# --- after the event: attendance and recordings ---------------------------------------------


@transaction.atomic
def attendance_mark(
    *, actor: User, event: LiveEvent, user_ids: Iterable[int], attended: bool = True, at: datetime | None = None
) -> list[Registration]:
    """Hosts and operators mark who attended (or take a mark back) once the event has begun.
    ``event.attended`` is emitted once per newly marked attendee; marking again changes nothing."""
    _require_manager(actor, event)
    now = at or timezone.now()
    if event.status == EventStatus.CANCELLED:
        raise Conflict(_("This event was cancelled."), code="event_cancelled")
    if event.starts_at > now:
        raise Conflict(_("Attendance can be taken once the event has started."), code="not_started")
    try:
        ids = {int(u) for u in user_ids}
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(_("Unknown attendee."), field="user_ids") from exc
    rows = list(
        Registration.objects.select_for_update()
        .filter(event=event, user_id__in=ids)
        .exclude(status=RegistrationStatus.CANCELLED)
    )
    if len(rows) != len(ids):
        raise ValidationFailed(_("Only people registered for this event can be marked."), field="user_ids")
    changed: list[Registration] = []
    for registration in rows:
        if attended and registration.attended_at is None:
            registration.attended_at = now
        elif not attended and registration.attended_at is not None:
            registration.attended_at = None
        else:
            continue
        registration.save(update_fields=["attended_at"])
        changed.append(registration)
        if attended:
            events.emit(
                "event.attended", actor=actor, obj=registration, at=at, event=event.pk, user=registration.user_id
            )
    return changed


@transaction.atomic
def attendance_set(
    *, actor: User, event: LiveEvent, attended_user_ids: Iterable[int], at: datetime | None = None
) -> list[Registration]:
    """The attendance form: exactly these registrants attended (marks and unmarks)."""
    _require_manager(actor, event)
    wanted = {int(u) for u in attended_user_ids}
    marked = set(Registration.objects.filter(event=event, attended_at__isnull=False).values_list("user_id", flat=True))
    changed = attendance_mark(actor=actor, event=event, user_ids=wanted - marked, attended=True, at=at)
    changed += attendance_mark(actor=actor, event=event, user_ids=marked - wanted, attended=False, at=at)
    return changed


@transaction.atomic
def recording_set(*, actor: User, event: LiveEvent, url: str, at: datetime | None = None) -> LiveEvent:
    """Hosts add (or change, or clear) the recording link; a new link is announced."""
    _require_manager(actor, event)
    url = clean_url(url, field="recording_url")
    event = _lock(event)
    if url == event.recording_url:
        return event
    event.recording_url = url
    event.save(update_fields=["recording_url", "updated_at"])
    if url:
        events.emit("event.recording_added", actor=actor, obj=event, at=at)
    return event


# --- calendar feed --------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_rotate(*, actor: User) -> CalendarFeed:
    """A new secret for the personal calendar URL (the old URL stops working at once)."""
    _require_user(actor)
    token = secrets.token_urlsafe(32)
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=actor, defaults={"token": token})
    if not created:
        feed.token = token
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
    events.emit("calendar.feed_rotated", actor=actor, obj=feed, first=created)
    return feed


__all__ = [
    "attendance_mark",
    "attendance_set",
    "calendar_feed_rotate",
    "can_create_events",
    "can_edit_event",
    "event_cancel",
    "event_create",
    "event_register",
    "event_reminders_send",
    "event_slug_generate",
    "event_update",
    "recording_set",
    "registration_cancel",
]
