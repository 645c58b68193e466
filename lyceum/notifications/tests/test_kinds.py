from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from lyceum.notifications import kinds
from lyceum.notifications.models import DeliverySettings, Kind, Notification

from .helpers import make_notification

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "data", "text"),
    [
        (Kind.REPLY, {"thread": "T"}, "Otto Outsider replied to “T”"),
        (Kind.MENTION, {"thread": "T"}, "Otto Outsider mentioned you in “T”"),
        (Kind.ACCEPTED, {"thread": "T"}, "Otto Outsider accepted your answer in “T”"),
        (Kind.EVENT_REMINDER, {"event": "E", "what": kinds.REMINDER_24H}, "“E” starts in 24 hours"),
        (Kind.EVENT_REMINDER, {"event": "E", "what": kinds.REMINDER_1H}, "“E” starts in 1 hour"),
        (Kind.EVENT_REMINDER, {"event": "E", "what": kinds.PROMOTED},
         "You have a seat at “E” (moved up from the waitlist)"),
        (Kind.EVENT_REMINDER, {"event": "E", "what": kinds.CANCELLED}, "“E” was cancelled"),
        (Kind.EVENT_REMINDER, {"event": "E", "what": kinds.RECORDING}, "Recording of “E” is available"),
        (Kind.GROUP_ACTIVITY, {"group": "G", "what": kinds.CHECKIN, "minutes": 40},
         "Otto Outsider checked in at G: 40 min"),
        (Kind.GROUP_ACTIVITY, {"group": "G", "what": kinds.POSTED}, "Otto Outsider posted in G"),
        (Kind.GROUP_ACTIVITY, {"group": "G", "what": kinds.JOINED}, "Otto Outsider joined G"),
        (Kind.ANNOUNCEMENT, {"space": "S", "thread": "T"}, "New announcement in S: “T”"),
    ],
)  # fmt: skip
def test_every_kind_reads_as_a_sentence(learner, outsider, kind, data, text):
    n = make_notification(learner, actor=outsider, kind=kind, data=data)
    assert kinds.notification_text(n) == text


def test_missing_data_or_actor_never_breaks_rendering(learner):
    n = make_notification(learner, kind=Kind.REPLY, data={})
    assert kinds.notification_text(n) == "Someone replied to “”"
    n.data = ["not", "a", "dict"]
    assert kinds.notification_text(n) == "Someone replied to “”"


def test_digest_command(learner, outsider):
    DeliverySettings.objects.create(user=learner, daily_digest=True)
    make_notification(learner, actor=outsider, email_due=True)
    call_command("send_notification_digest")
    assert Notification.objects.get().emailed_at is not None
    assert Notification.objects.get().emailed_at <= timezone.now()
