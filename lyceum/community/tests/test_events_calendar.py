"""iCalendar: one event's .ics and the personal feed, read back with ``icalendar``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from lyceum.community.models import CalendarFeed, EventStatus, LiveEvent, Registration, RegistrationStatus
from lyceum.community.services import events as services

from .test_events_helpers import make_event

pytestmark = pytest.mark.django_db

SECRET = "https://meet.example.net/secret-room-42"


def _vevents(body: bytes):
    cal = Calendar.from_ical(body)
    return cal, list(cal.walk("VEVENT"))


def test_event_ics_has_uid_utc_times_url_and_the_link_only_for_attendees(client, client_for, instructor, learner):
    start = datetime(2031, 3, 4, 12, 0, tzinfo=UTC)
    event = LiveEvent.objects.create(slug="ics", title="机器学习 Lecture", starts_at=start,
                                     ends_at=start + timedelta(hours=2), meeting_url=SECRET,
                                     description="Bring *questions*.")  # fmt: skip
    event.hosts.set([instructor])
    response = client.get(reverse("events:ics", args=["ics"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert 'filename="ics.ics"' in response["Content-Disposition"]
    cal, (vevent,) = _vevents(response.content)
    assert str(cal["version"]) == "2.0" and "Lyceum" in str(cal["prodid"])
    assert str(vevent["uid"]).startswith(f"event-{event.pk}@")
    assert vevent.decoded("dtstart") == start and vevent.decoded("dtend") == start + timedelta(hours=2)
    assert str(vevent["summary"]) == "机器学习 Lecture"
    assert str(vevent["url"]) == "http://testserver/events/ics/"
    assert str(vevent["status"]) == "CONFIRMED"
    assert SECRET not in response.content.decode() and "Asia/Shanghai" in str(vevent["description"])

    assert client_for(learner).get(reverse("events:ics", args=["ics"])).content.find(SECRET.encode()) == -1
    Registration.objects.create(event=event, user=learner, status=RegistrationStatus.REGISTERED)
    _, (mine,) = _vevents(client_for(learner).get(reverse("events:ics", args=["ics"])).content)
    assert str(mine["location"]) == SECRET and SECRET in str(mine["description"])


def test_personal_feed_lists_my_events_by_secret_token(client, client_for, instructor, learner, outsider):
    seat = make_event(instructor, title="Seat", starts_in=timedelta(days=1))
    waiting = make_event(instructor, title="Waiting", starts_in=timedelta(days=2), capacity=1)
    recent = make_event(
        instructor, title="Recent", starts_in=-timedelta(days=3), recording_url="https://v.example.net/r"
    )
    old = make_event(instructor, title="Old", starts_in=-timedelta(days=90))
    off = make_event(instructor, title="Called off", starts_in=timedelta(days=4), status=EventStatus.CANCELLED)
    gone = make_event(instructor, title="Left", starts_in=timedelta(days=5))
    other = make_event(instructor, title="Not mine", starts_in=timedelta(days=1))
    hosting = make_event(learner, title="I host this", starts_in=timedelta(days=6))
    for event, status in ((seat, "registered"), (recent, "registered"), (old, "registered"), (off, "registered"),
                          (waiting, "waitlisted"), (gone, "cancelled")):  # fmt: skip
        Registration.objects.create(event=event, user=learner, status=status)
    Registration.objects.create(event=other, user=outsider, status="registered")

    assert client_for(learner).get(reverse("events:calendar")).status_code == 200
    assert not CalendarFeed.objects.exists()  # showing the page writes nothing
    client_for(learner).post(reverse("events:calendar"))
    feed = CalendarFeed.objects.get(user=learner)
    page = client_for(learner).get(reverse("events:calendar")).content.decode()
    assert f"/events/calendar/{feed.token}.ics" in page

    response = client.get(reverse("events:calendar-feed", args=[feed.token]))  # no session: the token is enough
    assert response.status_code == 200
    _, vevents = _vevents(response.content)
    by_title = {str(v["summary"]): v for v in vevents}
    assert set(by_title) == {"Seat", "[Waitlist] Waiting", "Recent", "Called off", "I host this"}
    assert str(by_title["I host this"]["location"]) == SECRET and hosting.pk
    assert str(by_title["Called off"]["status"]) == "CANCELLED"
    assert str(by_title["[Waitlist] Waiting"]["status"]) == "TENTATIVE"
    assert str(by_title["Seat"]["location"]) == SECRET
    assert SECRET not in str(by_title["[Waitlist] Waiting"].get("description"))
    assert "https://v.example.net/r" in str(by_title["Recent"]["description"])

    old_token = feed.token
    client_for(learner).post(reverse("events:calendar"))
    feed.refresh_from_db()
    assert feed.token != old_token
    assert client.get(reverse("events:calendar-feed", args=[old_token])).status_code == 404
    assert client.get(reverse("events:calendar-feed", args=[feed.token])).status_code == 200
    assert client.get("/events/calendar/not-a-token.ics").status_code == 404


def test_feed_of_a_deactivated_account_is_gone(client, learner):
    feed = services.calendar_feed_rotate(actor=learner)
    type(learner).objects.filter(pk=learner.pk).update(is_active=False)
    assert client.get(reverse("events:calendar-feed", args=[feed.token])).status_code == 404


def test_calendar_page_needs_sign_in(client):
    response = client.get(reverse("events:calendar"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
