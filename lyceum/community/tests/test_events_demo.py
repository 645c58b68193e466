"""The demo events: past ones with attendance and recordings, upcoming ones of every kind,
a members-only event, one nearly full with a waitlist; seeding twice changes nothing."""

from __future__ import annotations

import importlib
import io
import random

import pytest
from django.utils import timezone

from lyceum.community import demo_events
from lyceum.community.models import EventAudience, EventKind, LiveEvent, Registration, RegistrationStatus
from lyceum.core.management.commands.seed_demo import DemoContext
from lyceum.core.models import Event

pytestmark = pytest.mark.django_db

BEFORE = ["lyceum.accounts.demo", "lyceum.courses.demo", "lyceum.learning.demo", "lyceum.commerce.demo"]


def _ctx() -> DemoContext:
    from django.core.management.base import OutputWrapper
    from django.core.management.color import no_style

    return DemoContext(users=40, rng=random.Random(2026), now=timezone.now(), stdout=OutputWrapper(io.StringIO()),
                       style=no_style())  # fmt: skip


@pytest.fixture
def seeded():
    ctx = _ctx()
    for name in BEFORE:
        importlib.import_module(name).seed(ctx)
    demo_events.seed(ctx)  # about 0.6 s for the events part
    return ctx


def _snapshot():
    return (
        sorted(LiveEvent.objects.values_list("slug", "registered_count", "waitlist_count", "recording_url")),
        sorted(Registration.objects.values_list("event__slug", "user__email", "status")),
        Event.objects.filter(name__startswith="event.").count(),
    )


def test_demo_events_cover_every_case_and_reseeding_changes_nothing(seeded):
    now = timezone.now()
    events = list(LiveEvent.objects.prefetch_related("hosts"))
    assert len(events) == len(demo_events.SPECS)
    assert {e.kind for e in events} == set(EventKind.values)
    assert any(e.ends_at < now and e.recording_url for e in events)
    assert Registration.objects.filter(event__ends_at__lt=now, attended_at__isnull=False).exists()
    assert Event.objects.filter(name="event.attended").exists()
    members = LiveEvent.objects.get(audience=EventAudience.MEMBERS)
    assert members.access_plans == demo_events.MEMBER_PLANS
    qa = LiveEvent.objects.get(slug="demo-course-qa")
    assert qa.course is not None and qa.starts_at > now and qa.audience == EventAudience.ENROLLED
    full = LiveEvent.objects.get(slug="demo-sql-workshop")
    assert full.registered_count == full.capacity and full.waitlist_count > 0
    assert Registration.objects.filter(event=full, status=RegistrationStatus.WAITLISTED).count() == full.waitlist_count
    assert any(e.title.isascii() for e in events) and any(not e.title.isascii() for e in events)
    assert "instructor@example.com" in {h.email for e in events for h in e.hosts.all()}

    before = _snapshot()
    demo_events.seed(_ctx())
    assert _snapshot() == before
