"""The events API (``community/api_events.py`` under ``/api/v1``): lists, detail, RSVP, errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from lyceum.accounts.services import token_create
from lyceum.community.models import EventAudience, Registration, RegistrationStatus
from lyceum.learning.tests.factories import make_course

from .test_events_helpers import enroll, make_event, plans_via_hook

pytestmark = pytest.mark.django_db

SECRET = "https://meet.example.net/secret-room-42"


@pytest.fixture
def plans(monkeypatch):
    return plans_via_hook(monkeypatch)


def call_api(method: str, path: str, *, user: Any = None, token: str = "") -> tuple[int, Any]:
    """``/api/v1`` through Django's test client: a session for ``user`` or a bearer ``token``."""
    client = Client()
    if user is not None:
        client.force_login(user)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = getattr(client, method)(f"/api/v1{path}", headers=headers)
    return response.status_code, response.json()


@pytest.fixture
def call():
    return call_api


@pytest.fixture
def course(instructor):
    return make_course(instructor=instructor)


def test_list_shows_free_and_members_events_to_everyone(call, instructor, learner, course):
    make_event(instructor, title="Free", slug="free")
    make_event(instructor, title="Pro", slug="pro", audience=EventAudience.MEMBERS, access_plans=["pro"])
    make_event(instructor, title="Enrolled", slug="enrolled", audience=EventAudience.ENROLLED, course=course)
    make_event(instructor, title="Past", slug="past", starts_in=-timedelta(days=2), recording_url="https://v/r")
    status, body = call("get", "/events")
    assert status == 200 and [e["slug"] for e in body["items"]] == ["free", "pro"]
    assert all(e.get("meeting_url") is None for e in body["items"])
    enroll(learner, course)
    status, body = call("get", "/events", user=learner)
    assert [e["slug"] for e in body["items"]] == ["free", "pro", "enrolled"]
    status, body = call("get", "/events?when=past")
    assert [e["slug"] for e in body["items"]] == ["past"] and body["items"][0]["has_recording"] is True


def test_detail_hides_the_meeting_link_until_registered(call, instructor, learner, outsider, course):
    make_event(instructor, slug="free", capacity=1)
    make_event(instructor, slug="enrolled", audience=EventAudience.ENROLLED, course=course)
    status, body = call("get", "/events/free")
    assert status == 200 and body["meeting_url"] is None and body["can_register"] is False
    assert call("get", "/events/enrolled", user=outsider)[0] == 404
    assert call("get", "/events/nope")[0] == 404

    status, body = call("post", "/events/free/rsvp", user=learner)
    assert status == 201 and body["status"] == "registered" and body["meeting_url"] == SECRET
    status, body = call("post", "/events/free/rsvp", user=learner)
    assert status == 200 and body["status"] == "registered"  # idempotent
    status, body = call("get", "/events/free", user=learner)
    assert body["meeting_url"] == SECRET and body["my_status"] == "registered" and body["seats_left"] == 0

    status, body = call("post", "/events/free/rsvp", user=outsider)
    assert status == 201 and body["status"] == "waitlisted" and body["waitlist_position"] == 1
    assert body["meeting_url"] is None
    status, body = call("get", "/events/free", user=outsider)
    assert body["meeting_url"] is None

    status, body = call("delete", "/events/free/rsvp", user=learner)
    assert status == 200 and body["status"] == "cancelled" and body["meeting_url"] is None
    assert Registration.objects.get(user=outsider).status == RegistrationStatus.REGISTERED
    status, body = call("get", "/events/free", user=outsider)
    assert body["meeting_url"] == SECRET


def test_rsvp_errors(call, instructor, learner, outsider, course, plans):
    make_event(instructor, slug="pro", audience=EventAudience.MEMBERS, access_plans=["pro"])
    make_event(instructor, slug="enrolled", audience=EventAudience.ENROLLED, course=course)
    make_event(instructor, slug="over", starts_in=-timedelta(hours=3))
    status, body = call("post", "/events/pro/rsvp")
    assert status == 401
    status, body = call("post", "/events/pro/rsvp", user=outsider)
    assert status == 403 and body["code"] == "membership_required"
    assert call("post", "/events/enrolled/rsvp", user=outsider)[0] == 404
    status, body = call("post", "/events/over/rsvp", user=outsider)
    assert status == 409 and body["code"] == "event_over"
    plans[learner.pk] = {"pro"}
    assert call("post", "/events/pro/rsvp", user=learner)[0] == 201


def test_rsvp_cancel_bad_input(call, instructor, learner, outsider, course):
    make_event(instructor, slug="free")
    make_event(instructor, slug="enrolled", audience=EventAudience.ENROLLED, course=course)
    assert call("delete", "/events/free/rsvp")[0] == 401
    assert call("delete", "/events/nope/rsvp", user=learner)[0] == 404
    assert call("delete", "/events/enrolled/rsvp", user=outsider)[0] == 404
    status, body = call("delete", "/events/free/rsvp", user=learner)  # never registered: nothing to give up
    assert status == 200 and body["status"] == "cancelled" and body["meeting_url"] is None
    assert not Registration.objects.filter(user=learner).exists()


def test_bearer_tokens_identify_the_reader(call, instructor, learner):
    make_event(instructor, slug="free")
    Registration.objects.create(event_id=make_event(instructor, slug="mine").pk, user=learner, status="registered")
    key = token_create(user=learner, name="cal")[1]
    status, body = call("get", "/events/mine", token=key)
    assert status == 200 and body["meeting_url"] == SECRET
    assert call("get", "/events/mine", token="lyc_wrong")[0] == 401
