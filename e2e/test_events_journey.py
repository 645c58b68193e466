"""A learner RSVPs to the last seat of a live event; the next learner lands on the waitlist
and moves up when a seat frees."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.community.models import LiveEvent, Registration, RegistrationStatus
from lyceum.community.services.events import event_create, event_register, registration_cancel

from .conftest import requires_chromium, sign_in

pytestmark = [pytest.mark.browser, requires_chromium, pytest.mark.django_db(transaction=True)]

MEETING = "https://meet.example.net/sql-workshop-room"


def _sign_in(page, email):
    sign_in(page, email)
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def _seats_text(page) -> str:
    # The CSP forbids eval, so no wait_for_function: poll the DOM with evaluate instead.
    return page.evaluate("() => document.querySelector('[data-testid=seats]').textContent.trim()")


def test_last_seat_then_waitlist_then_promotion(new_page, screenshot):
    operator = make_user("ops@example.org", Role.OPERATOR, display_name="Lin Operator")
    host = make_user("host@example.org", Role.INSTRUCTOR, display_name="Wang Lei")
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    event = event_create(
        actor=operator, hosts=[host], title="Hands-on workshop: SQL window functions", kind="seminar",
        starts_at=start, ends_at=start + timedelta(hours=2), timezone_name="Asia/Shanghai", capacity=2,
        meeting_url=MEETING, description="Live exercises on `ROW_NUMBER` and running totals.",
    )  # fmt: skip
    event_create(
        actor=operator, hosts=[host], title="专家讲座：数据分析的思维方式", kind="lecture",
        starts_at=start + timedelta(days=1), ends_at=start + timedelta(days=1, hours=1), timezone_name="Asia/Shanghai",
    )  # fmt: skip
    early = make_user("early@example.org", display_name="Early Bird")
    event_register(actor=early, event=event)  # one of the two seats is taken
    mei = make_user("mei@example.org", display_name="Mei Learner")
    tom = make_user("tom@example.org", display_name="Tom Learner")

    # Mei finds the event in the list and takes the last seat.
    page = new_page()
    _sign_in(page, mei.email)
    page.goto("/events/")
    card = page.get_by_test_id("event-card").filter(has_text="SQL window functions")
    expect(card).to_contain_text("1 seat left")
    screenshot(page, "1-list")
    card.get_by_role("link", name="Hands-on workshop: SQL window functions").click()
    expect(page).to_have_url(re.compile(rf"/events/{event.slug}/$"))
    assert "1 of 2 seats left" in _seats_text(page)
    expect(page.get_by_test_id("meeting-link")).to_have_count(0)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_test_id("my-status")).to_have_text("You're registered")
    expect(page.get_by_test_id("meeting-link")).to_have_attribute("href", MEETING)
    assert "All 2 seats taken" in _seats_text(page)
    screenshot(page, "2-registered")

    # Tom, in another browser, finds it full and joins the waitlist: no meeting link for him.
    other = new_page(locale="en-US")
    _sign_in(other, tom.email)
    other.goto(f"/events/{event.slug}/")
    other.get_by_role("button", name="Join the waitlist").click()
    expect(other.get_by_test_id("my-status")).to_have_text("You're #1 on the waitlist")
    expect(other.get_by_test_id("meeting-link")).to_have_count(0)
    assert MEETING not in other.content()
    screenshot(other, "3-waitlisted")
    assert Registration.objects.get(user=tom).status == RegistrationStatus.WAITLISTED
    event = LiveEvent.objects.get(pk=event.pk)
    assert (event.registered_count, event.waitlist_count) == (2, 1)

    # A seat frees up: Tom is promoted automatically and sees the link after a reload.
    registration_cancel(actor=early, event=event)
    other.reload()
    expect(other.get_by_test_id("my-status")).to_have_text("You're registered")
    expect(other.get_by_test_id("meeting-link")).to_have_attribute("href", MEETING)
    screenshot(other, "4-promoted")
