"""Builders and fixtures shared by the live-event tests (imported by ``test_events_*``)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from django.utils import timezone

from lyceum.community import access, caching
from lyceum.community.models import EventAudience, EventKind, LiveEvent
from lyceum.core import hooks
from lyceum.learning.services import enrollment_create

_seq = itertools.count(1)


def make_event(*hosts: Any, starts_in: timedelta = timedelta(days=2), hours: float = 1, **fields: Any) -> LiveEvent:
    n = next(_seq)
    start = timezone.now() + starts_in
    event = LiveEvent.objects.create(
        slug=fields.pop("slug", f"event-{n}"),
        title=fields.pop("title", f"Event {n}"),
        kind=fields.pop("kind", EventKind.LECTURE),
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        timezone=fields.pop("timezone", "Asia/Shanghai"),
        meeting_url=fields.pop("meeting_url", "https://meet.example.net/secret-room-42"),
        audience=fields.pop("audience", EventAudience.FREE),
        **fields,
    )
    if hosts:
        event.hosts.set(hosts)
    return event


def fresh(*users: Any) -> None:
    """Forget cached community standing (after enrolling or joining a plan in a test): the one on
    the user object and the one between requests (the fake plans below have no membership row,
    whose signal would do it)."""
    for user in users:
        access.forget(user)
    caching.standing_changed([user.pk for user in users])


def enroll(user: Any, course: Any) -> None:
    enrollment_create(user=user, course=course)
    fresh(user)


def plans_via_hook(monkeypatch: Any) -> dict[int, set[str]]:
    """``plans[user.pk] = {"pro"}``: memberships through the ``member.active_plans`` hook
    (community may not import commerce, so the tests answer the hook themselves)."""
    held: dict[int, set[str]] = {}

    def provider(*, user: Any) -> list[str]:
        return sorted(held.get(getattr(user, "pk", None) or 0, set()))

    original = list(hooks._providers.get("member.active_plans", []))
    monkeypatch.setitem(hooks._providers, "member.active_plans", [*original, provider])
    return held
