"""``manage.py run_jobs`` (the embedded scheduler) runs the community's periodic commands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from lyceum.community.models import LiveEvent, Registration, RegistrationStatus
from lyceum.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_one_pass_sends_due_event_reminders_once(learner, instructor, settings, django_capture_on_commit_callbacks):
    settings.LYCEUM_JOBS = [("send_event_reminders", 300), ("send_notification_digest", 3600)]
    start = timezone.now() + timedelta(minutes=40)
    event = LiveEvent.objects.create(slug="soon", title="Soon", starts_at=start, ends_at=start + timedelta(hours=1))
    event.hosts.add(instructor)
    registration = Registration.objects.create(event=event, user=learner, status=RegistrationStatus.REGISTERED)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_jobs", once=True)
        call_command("run_jobs", once=True)  # idempotent: a second pass sends nothing new

    registration.refresh_from_db()
    assert registration.reminded_1h_at is not None
    assert Notification.objects.filter(recipient=learner, kind="event_reminder").count() == 1


def test_a_failing_job_does_not_stop_the_others(learner, settings, caplog):
    settings.LYCEUM_JOBS = [("no_such_command", 60), ("send_event_reminders", 300)]
    call_command("run_jobs", once=True)
    assert "scheduled job no_such_command failed" in caplog.text
