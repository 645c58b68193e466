"""RSVP races at the last seats never exceed the capacity (PostgreSQL: real row locks)."""

from __future__ import annotations

import os

import pytest

from conftest import make_user, run_concurrently
from lyceum.accounts.models import Role
from lyceum.community.models import LiveEvent, Registration, RegistrationStatus
from lyceum.community.services import events as services

from .test_events_helpers import make_event

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("capacity", [1, 3])
def test_racing_for_the_last_seats_registers_exactly_capacity(capacity):
    host = make_user("host@example.org", Role.INSTRUCTOR)
    event = make_event(host, capacity=capacity)
    racers = [make_user(f"racer{i}@example.org") for i in range(10)]

    errors = run_concurrently(lambda i: services.event_register(actor=racers[i], event=event), len(racers))

    assert errors == []
    statuses = list(Registration.objects.filter(event=event).values_list("status", flat=True))
    assert statuses.count(RegistrationStatus.REGISTERED) == capacity
    assert statuses.count(RegistrationStatus.WAITLISTED) == len(racers) - capacity
    event = LiveEvent.objects.get(pk=event.pk)
    assert (event.registered_count, event.waitlist_count) == (capacity, len(racers) - capacity)


def test_cancels_and_rsvps_racing_keep_the_seat_count():
    host = make_user("host@example.org", Role.INSTRUCTOR)
    event = make_event(host, capacity=2)
    holders = [make_user(f"holder{i}@example.org") for i in range(2)]
    for user in holders:
        services.event_register(actor=user, event=event)
    newcomers = [make_user(f"new{i}@example.org") for i in range(6)]

    def act(i):
        if i < 2:
            services.registration_cancel(actor=holders[i], event=event)
        else:
            services.event_register(actor=newcomers[i - 2], event=event)

    errors = run_concurrently(act, 6)

    assert errors == []
    registered = Registration.objects.filter(event=event, status=RegistrationStatus.REGISTERED).count()
    assert registered == 2
    event = LiveEvent.objects.get(pk=event.pk)
    assert event.registered_count == 2 and event.waitlist_count == 2
