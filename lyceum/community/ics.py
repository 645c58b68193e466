"""iCalendar (RFC 5545) for live events: one event's ``.ics`` and a person's calendar feed.

Built with the ``icalendar`` library. Times are written in UTC (``DTSTART:...Z``), which
every calendar client converts to its own zone; the host's zone is named in the
description. The meeting link goes in only when the caller says the reader may see it
(registered attendees, hosts, staff): a feed is its owner's, an event file is the
viewer's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import Any

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vText

from .models import EventStatus, LiveEvent, RegistrationStatus

PRODID = "-//Lyceum//Live events//EN"


def event_uid(event: LiveEvent) -> str:
    domain = settings.LYCEUM_SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "lyceum"
    return f"event-{event.pk}@{domain}"


def _calendar(name: str = "") -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _vevent(event: LiveEvent, *, url: str, show_meeting_link: bool, registration_status: str = "") -> Event:
    item = Event()
    item.add("uid", event_uid(event))
    item.add("dtstamp", timezone.now().astimezone(UTC))
    item.add("dtstart", event.starts_at.astimezone(UTC))
    item.add("dtend", event.ends_at.astimezone(UTC))
    item.add("last-modified", event.updated_at.astimezone(UTC))
    summary = event.title
    if registration_status == RegistrationStatus.WAITLISTED:
        summary = f"[Waitlist] {summary}"
    item.add("summary", summary)
    item.add("url", url)
    hosts = ", ".join(h.get_short_name() for h in event.hosts.all())
    lines = [f"Hosts: {hosts}"] if hosts else []
    lines.append(f"Host's time zone: {event.timezone}")
    if show_meeting_link and event.meeting_url:
        lines.append(f"Join: {event.meeting_url}")
        item.add("location", vText(event.meeting_url))
    else:
        item.add("location", vText(url))
    if event.recording_url:
        lines.append(f"Recording: {event.recording_url}")
    lines.append(f"Event page: {url}")
    if event.description:
        lines += ["", event.description]
    item.add("description", "\n".join(lines))
    if event.status == EventStatus.CANCELLED:
        item.add("status", "CANCELLED")
    elif registration_status == RegistrationStatus.WAITLISTED:
        item.add("status", "TENTATIVE")
    else:
        item.add("status", "CONFIRMED")
    return item


def event_ics(event: LiveEvent, *, url: str, show_meeting_link: bool) -> bytes:
    cal = _calendar()
    cal.add_component(_vevent(event, url=url, show_meeting_link=show_meeting_link))
    return cal.to_ical()


def feed_ics(rows: Iterable[tuple[LiveEvent, str]], *, url_for: Any, name: str) -> bytes:
    """``rows``: (event, registration status or ``"host"``) of the feed's owner; the meeting
    link goes in for seats held and hosted events."""
    cal = _calendar(name)
    for event, status in rows:
        cal.add_component(
            _vevent(
                event,
                url=url_for(event),
                show_meeting_link=status in (RegistrationStatus.REGISTERED, "host"),
                registration_status=status,
            )
        )
    return cal.to_ical()
