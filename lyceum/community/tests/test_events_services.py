"""Live event services: create and edit, RSVP with capacity and waitlist, promotion,
reminders, attendance, recordings, cancellation and the events they emit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.community.models import EventAudience, EventKind, EventStatus, LiveEvent, Registration, RegistrationStatus
from lyceum.community.services import events as services
from lyceum.core.errors import Conflict, PermissionDenied, ValidationFailed
from lyceum.core.models import Event
from lyceum.learning.tests.factories import make_course

from .test_events_helpers import enroll, fresh, make_event, plans_via_hook

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(monkeypatch):
    return plans_via_hook(monkeypatch)


def _future(days: int = 3, hour: int = 19) -> datetime:
    day = (timezone.now() + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, 0)


def _events(name: str) -> list[Event]:
    return list(Event.objects.filter(name=name).order_by("pk"))


@pytest.fixture
def course(instructor):
    return make_course(instructor=instructor, title="Python 入门")


def _create(actor, **overrides):
    start = _future()
    data = {
        "title": "Ask me anything about Python",
        "starts_at": start,
        "ends_at": start + timedelta(hours=1, minutes=30),
        "timezone_name": "Asia/Shanghai",
    }
    data.update(overrides)
    return services.event_create(actor=actor, **data)


# --- create and edit ---------------------------------------------------------------------------


def test_instructor_creates_an_event_for_their_course_in_their_time_zone(instructor, course):
    start = _future(hour=20)
    event = _create(
        instructor, course=course, kind=EventKind.COURSE_QA, capacity=30, audience=EventAudience.ENROLLED,
        description="Bring **questions**<script>alert(1)</script>", starts_at=start, ends_at=start + timedelta(hours=1),
        meeting_url="https://meet.example.net/room",
    )  # fmt: skip
    assert event.starts_at == start.replace(tzinfo=UTC) - timedelta(hours=8)  # 20:00 in Shanghai is 12:00 UTC
    assert event.timezone == "Asia/Shanghai"
    assert list(event.hosts.all()) == [instructor]
    assert "<strong>questions</strong>" in event.description_html and "<script" not in event.description_html
    assert event.slug == "ask-me-anything-about-python"
    (created,) = _events("event.created")
    assert created.object_id == str(event.pk) and created.actor == instructor


def test_dst_switch_is_respected_for_a_host_in_berlin(operator):
    event = _create(operator, timezone_name="Europe/Berlin", starts_at=datetime(2030, 7, 1, 18, 0),
                    ends_at=datetime(2030, 7, 1, 19, 0))  # fmt: skip
    assert event.starts_at == datetime(2030, 7, 1, 16, 0, tzinfo=UTC)  # summer time: UTC+2
    winter = _create(operator, title="Winter", timezone_name="Europe/Berlin", starts_at=datetime(2030, 1, 10, 18, 0),
                     ends_at=datetime(2030, 1, 10, 19, 0))  # fmt: skip
    assert winter.starts_at == datetime(2030, 1, 10, 17, 0, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as exc:  # 02:30 does not exist on the spring-forward night
        _create(operator, title="Gap", timezone_name="Europe/Berlin", starts_at=datetime(2030, 3, 31, 2, 30),
                ends_at=datetime(2030, 3, 31, 4, 0))  # fmt: skip
    assert exc.value.field == "starts_at"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 161}, "title"),
        ({"kind": "party"}, "kind"),
        ({"timezone_name": "Mars/Olympus"}, "timezone"),
        ({"starts_at": None}, "starts_at"),
        ({"ends_at": _future() - timedelta(minutes=1)}, "ends_at"),
        ({"ends_at": _future()}, "ends_at"),
        ({"ends_at": _future() + timedelta(hours=13)}, "ends_at"),
        ({"starts_at": _future(days=-2), "ends_at": _future(days=-2) + timedelta(hours=1)}, "starts_at"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": -3}, "capacity"),
        ({"audience": "vip"}, "audience"),
        ({"audience": EventAudience.ENROLLED}, "course"),
        ({"audience": EventAudience.MEMBERS, "access_plans": ["Pro Plan!"]}, "access_plans"),
        ({"meeting_url": "javascript:alert(1)"}, "meeting_url"),
        ({"meeting_url": "ftp://files.example.net/x"}, "meeting_url"),
        ({"meeting_url": "https://" + "a" * 500 + ".com"}, "meeting_url"),
        ({"description": "x" * 10_001}, "description"),
    ],
)
def test_create_rejects_bad_input_with_the_field_at_fault(operator, overrides, field):
    with pytest.raises(ValidationFailed) as exc:
        _create(operator, **overrides)
    assert exc.value.field == field
    assert not LiveEvent.objects.exists() and not Event.objects.filter(name="event.created").exists()


def test_who_creates_and_edits(learner, instructor, operator, course):
    with pytest.raises(PermissionDenied):
        _create(learner)
    other = make_course(title="Not mine")
    with pytest.raises(ValidationFailed) as exc:
        _create(instructor, course=other)
    assert exc.value.field == "course"
    with pytest.raises(ValidationFailed):
        _create(instructor)  # instructors schedule events for their courses
    event = _create(operator)  # operators may schedule community-wide events
    with pytest.raises(PermissionDenied):
        services.event_update(
            actor=instructor, event=event, title="Mine now", starts_at=_future(),
            ends_at=_future() + timedelta(hours=1), timezone_name="UTC", kind=EventKind.LECTURE,
        )  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        _create(operator, hosts=[learner])
    assert exc.value.field == "hosts"


def test_update_changes_fields_and_keeps_seats(instructor, course, learner, outsider):
    event = _create(instructor, course=course, capacity=2)
    services.event_register(actor=learner, event=event)
    services.event_register(actor=outsider, event=event)
    start = _future(days=5, hour=9)
    common = {"title": "New title", "starts_at": start, "ends_at": start + timedelta(hours=1),
              "timezone_name": "Europe/Berlin", "kind": EventKind.SEMINAR, "course": course}  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        services.event_update(actor=instructor, event=event, capacity=1, **common)
    assert exc.value.field == "capacity"
    services.event_update(actor=instructor, event=event, capacity=3, **common)
    event.refresh_from_db()
    assert (event.title, event.kind, event.capacity, event.timezone) == ("New title", "seminar", 3, "Europe/Berlin")
    assert event.starts_at.astimezone(UTC).hour == 7 or event.starts_at.astimezone(UTC).hour == 8
    updated = _events("event.updated")[-1]
    assert {"title", "kind", "capacity", "starts_at", "timezone"} <= set(updated.props["changed"])


def test_raising_the_capacity_promotes_the_waitlist(operator, learner, outsider):
    event = _create(operator, capacity=1)
    services.event_register(actor=learner, event=event)
    waiting = services.event_register(actor=outsider, event=event)
    assert waiting.status == RegistrationStatus.WAITLISTED
    services.event_update(actor=operator, event=event, title=event.title, starts_at=event.starts_at,
                          ends_at=event.ends_at, timezone_name=event.timezone, kind=event.kind, capacity=2)  # fmt: skip
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.REGISTERED and waiting.promoted_at is not None
    (promoted,) = _events("event.promoted")
    assert promoted.object_id == str(waiting.pk) and promoted.props == {"event": event.pk}


# --- RSVP, capacity, waitlist, promotion ----------------------------------------------------------


def test_rsvp_fills_seats_then_the_waitlist_and_promotes_on_cancel(operator):
    event = _create(operator, capacity=2)
    people = [make_user(f"p{i}@example.org") for i in range(4)]
    regs = [services.event_register(actor=p, event=event) for p in people]
    assert [r.status for r in regs] == ["registered", "registered", "waitlisted", "waitlisted"]
    assert regs[2].waitlisted_at is not None and regs[0].waitlisted_at is None
    event.refresh_from_db()
    assert (event.registered_count, event.waitlist_count) == (2, 2)
    assert len(_events("event.registered")) == 2 and len(_events("event.waitlisted")) == 2

    services.registration_cancel(actor=people[0], event=event)
    regs = [Registration.objects.get(pk=r.pk) for r in regs]
    assert [r.status for r in regs] == ["cancelled", "registered", "registered", "waitlisted"]
    assert regs[2].promoted_at is not None
    event.refresh_from_db()
    assert (event.registered_count, event.waitlist_count) == (2, 1)
    (promoted,) = _events("event.promoted")
    assert (promoted.object_type, promoted.object_id, promoted.props) == (
        "community.registration", str(regs[2].pk), {"event": event.pk},
    )  # fmt: skip
    cancelled = _events("event.registration_cancelled")[-1]
    assert cancelled.props == {"event": event.pk, "was": "registered"}

    # Leaving the waitlist frees no seat and promotes nobody.
    services.registration_cancel(actor=people[3], event=event)
    assert len(_events("event.promoted")) == 1


def test_rsvp_is_idempotent_and_works_again_after_a_cancel(operator, learner):
    event = _create(operator, capacity=5)
    first = services.event_register(actor=learner, event=event)
    again = services.event_register(actor=learner, event=event)
    assert first.pk == again.pk and Registration.objects.count() == 1
    assert len(_events("event.registered")) == 1
    services.registration_cancel(actor=learner, event=event)
    services.registration_cancel(actor=learner, event=event)  # twice: nothing more happens
    assert len(_events("event.registration_cancelled")) == 1
    back = services.event_register(actor=learner, event=event)
    assert back.pk == first.pk and back.status == RegistrationStatus.REGISTERED and back.cancelled_at is None
    event.refresh_from_db()
    assert event.registered_count == 1


def test_a_cancelled_seat_rejoins_behind_the_waitlist(operator, learner, outsider):
    event = _create(operator, capacity=1)
    services.event_register(actor=learner, event=event)
    services.event_register(actor=outsider, event=event)
    services.registration_cancel(actor=learner, event=event)  # outsider is promoted
    again = services.event_register(actor=learner, event=event)
    assert again.status == RegistrationStatus.WAITLISTED


def test_unlimited_events_never_waitlist(operator):
    event = _create(operator, capacity=None)
    regs = [services.event_register(actor=make_user(f"u{i}@example.org"), event=event) for i in range(5)]
    assert {r.status for r in regs} == {"registered"}


def test_no_rsvp_for_cancelled_or_finished_events(operator, learner):
    event = _create(operator)
    services.event_cancel(actor=operator, event=event)
    with pytest.raises(Conflict):
        services.event_register(actor=learner, event=event)
    past = make_event(operator, starts_in=-timedelta(hours=3))
    with pytest.raises(Conflict):
        services.event_register(actor=learner, event=past)


# --- audiences ------------------------------------------------------------------------------------


def test_members_only_events_need_the_named_plan(operator, learner, outsider, plans):
    event = _create(operator, audience=EventAudience.MEMBERS, access_plans=["membership-monthly"])
    with pytest.raises(PermissionDenied) as exc:
        services.event_register(actor=learner, event=event)
    assert exc.value.code == "membership_required"
    plans[outsider.pk] = {"basic"}
    fresh(outsider)
    with pytest.raises(PermissionDenied):
        services.event_register(actor=outsider, event=event)
    plans[learner.pk] = {"membership-monthly"}
    fresh(learner)
    assert services.event_register(actor=learner, event=event).status == RegistrationStatus.REGISTERED


def test_enrolled_only_events_need_an_enrollment(instructor, course, learner):
    event = _create(instructor, course=course, audience=EventAudience.ENROLLED)
    with pytest.raises(PermissionDenied) as exc:
        services.event_register(actor=learner, event=event)
    assert exc.value.code == "enrollment_required"
    enroll(learner, course)
    assert services.event_register(actor=learner, event=event).status == RegistrationStatus.REGISTERED


# --- cancel -----------------------------------------------------------------------------------------


def test_cancel_event_emits_once_with_empty_props(operator, learner):
    event = _create(operator)
    services.event_register(actor=learner, event=event)
    with pytest.raises(PermissionDenied):
        services.event_cancel(actor=learner, event=event)
    services.event_cancel(actor=operator, event=event)
    services.event_cancel(actor=operator, event=event)
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    (cancelled,) = _events("event.cancelled")
    assert (cancelled.object_type, cancelled.object_id, cancelled.props) == ("community.liveevent", str(event.pk), {})


# --- reminders ----------------------------------------------------------------------------------------


def test_reminders_24h_then_1h_each_once(operator, learner, outsider):
    now = timezone.now()
    event = make_event(operator, starts_in=timedelta(hours=20), capacity=1)
    Registration.objects.create(event=event, user=learner, status=RegistrationStatus.REGISTERED)
    Registration.objects.create(event=event, user=outsider, status=RegistrationStatus.WAITLISTED, waitlisted_at=now)
    far = make_event(operator, starts_in=timedelta(hours=50))
    Registration.objects.create(event=far, user=learner, status=RegistrationStatus.REGISTERED)

    assert services.event_reminders_send(now=now) == {"24h": 1, "1h": 0}
    assert services.event_reminders_send(now=now + timedelta(minutes=5)) == {"24h": 0, "1h": 0}
    (due,) = _events("event.reminder_due")
    reg = Registration.objects.get(event=event, user=learner)
    assert (due.object_type, due.object_id, due.props) == ("community.registration", str(reg.pk),
                                                           {"event": event.pk, "window": "24h"})  # fmt: skip
    assert reg.reminded_24h_at == now

    later = now + timedelta(hours=19, minutes=30)  # 30 minutes before the start
    assert services.event_reminders_send(now=later) == {"24h": 0, "1h": 1}
    assert services.event_reminders_send(now=later) == {"24h": 0, "1h": 0}
    assert _events("event.reminder_due")[-1].props == {"event": event.pk, "window": "1h"}

    # Once the event has started, nothing more is sent.
    assert services.event_reminders_send(now=now + timedelta(hours=21)) == {"24h": 0, "1h": 0}


def test_late_registrants_get_only_the_1h_reminder_and_cancelled_events_none(operator, learner, outsider):
    now = timezone.now()
    soon = make_event(operator, starts_in=timedelta(minutes=40))
    Registration.objects.create(event=soon, user=learner, status=RegistrationStatus.REGISTERED)
    off = make_event(operator, starts_in=timedelta(hours=5), status=EventStatus.CANCELLED)
    Registration.objects.create(event=off, user=outsider, status=RegistrationStatus.REGISTERED)
    assert services.event_reminders_send(now=now) == {"24h": 0, "1h": 1}
    assert [e.props["window"] for e in _events("event.reminder_due")] == ["1h"]


def test_moving_an_event_resets_its_reminders(operator, learner):
    event = _create(operator, starts_at=_future(days=1, hour=12), ends_at=_future(days=1, hour=13))
    services.event_register(actor=learner, event=event)
    Registration.objects.filter(event=event).update(reminded_24h_at=timezone.now())
    start = _future(days=6)
    services.event_update(
        actor=operator, event=event, title=event.title, starts_at=start, ends_at=start + timedelta(hours=1),
        timezone_name=event.timezone, kind=event.kind,
    )  # fmt: skip
    assert Registration.objects.get(event=event).reminded_24h_at is None


def test_send_event_reminders_command(operator, learner):
    from io import StringIO

    from django.core.management import call_command

    event = make_event(operator, starts_in=timedelta(hours=3))
    Registration.objects.create(event=event, user=learner, status=RegistrationStatus.REGISTERED)
    out = StringIO()
    call_command("send_event_reminders", stdout=out)
    assert "24h: 1" in out.getvalue()
    assert Registration.objects.get(event=event).reminded_24h_at is not None


# --- attendance and recordings --------------------------------------------------------------------------


def test_attendance_after_the_start_by_hosts_only(instructor, learner, outsider):
    event = make_event(instructor, starts_in=timedelta(hours=1))
    reg = Registration.objects.create(event=event, user=learner, status=RegistrationStatus.REGISTERED)
    with pytest.raises(Conflict):
        services.attendance_mark(actor=instructor, event=event, user_ids=[learner.pk])
    LiveEvent.objects.filter(pk=event.pk).update(starts_at=timezone.now() - timedelta(minutes=10))
    event.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.attendance_mark(actor=learner, event=event, user_ids=[learner.pk])
    with pytest.raises(ValidationFailed) as exc:
        services.attendance_mark(actor=instructor, event=event, user_ids=[outsider.pk])
    assert exc.value.field == "user_ids"
    services.attendance_mark(actor=instructor, event=event, user_ids=[learner.pk])
    services.attendance_mark(actor=instructor, event=event, user_ids=[learner.pk])  # idempotent
    reg.refresh_from_db()
    assert reg.attended_at is not None
    (attended,) = _events("event.attended")
    assert (attended.object_id, attended.props) == (str(reg.pk), {"event": event.pk, "user": learner.pk})
    services.attendance_set(actor=instructor, event=event, attended_user_ids=[])
    reg.refresh_from_db()
    assert reg.attended_at is None


def test_recording_link_is_checked_and_announced(instructor, learner):
    event = make_event(instructor, starts_in=-timedelta(hours=2))
    with pytest.raises(PermissionDenied):
        services.recording_set(actor=learner, event=event, url="https://video.example.net/rec")
    with pytest.raises(ValidationFailed) as exc:
        services.recording_set(actor=instructor, event=event, url="data:text/html,hi")
    assert exc.value.field == "recording_url"
    services.recording_set(actor=instructor, event=event, url="https://video.example.net/rec")
    services.recording_set(actor=instructor, event=event, url="https://video.example.net/rec")
    (added,) = _events("event.recording_added")
    assert (added.object_type, added.object_id, added.props) == ("community.liveevent", str(event.pk), {})


def test_calendar_feed_rotates(learner):
    first = services.calendar_feed_rotate(actor=learner)
    token = first.token
    second = services.calendar_feed_rotate(actor=learner)
    assert second.pk == first.pk and second.token != token and len(second.token) >= 40
    assert len(_events("calendar.feed_rotated")) == 2


def test_hosts_must_hold_a_teaching_or_staff_role(operator):
    helper = make_user("helper@example.org", Role.INSTRUCTOR)
    event = _create(operator, hosts=[operator, helper])
    assert {h.pk for h in event.hosts.all()} == {operator.pk, helper.pk}


def test_rsvp_toggling_is_rate_limited(operator, learner):
    from lyceum.core.errors import RateLimited

    event = _create(operator, capacity=3)
    with pytest.raises(RateLimited):
        for _ in range(40):
            services.event_register(actor=learner, event=event)
            services.registration_cancel(actor=learner, event=event)
    assert Registration.objects.filter(user=learner).count() == 1
