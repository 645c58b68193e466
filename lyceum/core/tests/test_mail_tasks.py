"""E-mail off the request (core/mail.py): allauth's mails and notification mails go through a
Celery task when a broker is configured, once per message however often the task runs, with
retries on SMTP errors; the embedded runtime keeps sending in-process."""

from __future__ import annotations

import re
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from conftest import make_user
from lyceum.core import mail as core_mail
from lyceum.core import tasks
from lyceum.core.models import MailDelivery
from lyceum.notifications import services as notifications
from lyceum.notifications import tasks as notification_tasks
from lyceum.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db

BROKER = "redis://127.0.0.1:1/0"
SEND = "django.core.mail.EmailMultiAlternatives.send"


class Queue:
    """``mail_send_task.delay`` as a broker that accepts (or refuses) and keeps the messages."""

    def __init__(self) -> None:
        self.refuse = False
        self.messages: list[tuple[str, dict]] = []

    def delay(self, message_id: str, payload: dict) -> None:
        if self.refuse:
            raise OperationalError("Connection refused")
        self.messages.append((message_id, payload))

    def run(self, index: int = 0) -> bool:
        """A worker running the queued task (its body, as Celery would)."""
        message_id, payload = self.messages[index]
        return tasks.mail_send_task.run(message_id, payload)


@pytest.fixture
def queue(settings, monkeypatch):
    settings.CELERY_BROKER_URL = BROKER
    fake = Queue()
    monkeypatch.setattr(tasks.mail_send_task, "delay", fake.delay)
    return fake


def _message(to: str = "someone@example.org") -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject="Hello", body="Plain body", to=[to])
    message.attach_alternative("<p>HTML body</p>", "text/html")
    return message


# --- the embedded runtime: unchanged --------------------------------------------------------------


def test_without_a_broker_allauth_mail_is_sent_in_the_request(client, learner):
    response = client.post("/accounts/password/reset/", {"email": learner.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert not MailDelivery.objects.exists()


# --- with a broker: queued, sent once ------------------------------------------------------------


def test_a_password_reset_is_queued_not_sent_in_the_request(client, learner, queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": learner.email})

    assert response.status_code == 302
    assert mail.outbox == []
    assert len(queue.messages) == 1
    message_id, payload = queue.messages[0]
    assert payload["to"] == [learner.email]
    assert "/accounts/password/reset/key/" in payload["body"]
    assert message_id in payload["headers"]["Message-ID"]

    assert queue.run() is True
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [learner.email]
    assert sent.subject == payload["subject"]
    assert sent.extra_headers["Message-ID"] == payload["headers"]["Message-ID"]


def test_the_sign_up_confirmation_is_queued_and_its_link_works(client, db, queue, django_capture_on_commit_callbacks):
    password = "a-long-unusual-pass"
    data = {"display_name": "Q", "email": "queued@example.org", "password1": password, "password2": password}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/accounts/signup/", data).status_code == 302
    assert mail.outbox == []

    queue.run()

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    assert client.post(link.group(1)).status_code == 302


def test_a_task_run_again_does_not_send_again(queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        core_mail.mail_send(_message())

    assert queue.run() is True
    assert queue.run() is False  # a redelivered message, or a retry after the send went out
    assert len(mail.outbox) == 1
    assert mail.outbox[0].alternatives[0][0] == "<p>HTML body</p>"
    delivery = MailDelivery.objects.get()
    assert delivery.sent_at is not None
    assert delivery.attempts == 1


def test_an_smtp_error_releases_the_claim_and_the_retry_sends_once(queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        core_mail.mail_send(_message())

    with mock.patch(SEND, side_effect=smtplib.SMTPServerDisconnected("gone")), pytest.raises(smtplib.SMTPException):
        queue.run()
    delivery = MailDelivery.objects.get()
    assert delivery.sent_at is None and delivery.claimed_at is None
    assert "SMTPServerDisconnected" in delivery.last_error

    assert queue.run() is True
    assert queue.run() is False
    assert len(mail.outbox) == 1
    assert MailDelivery.objects.get().attempts == 2


def test_the_task_retries_smtp_errors_with_backoff_but_not_a_permanent_refusal():
    task = tasks.mail_send_task
    assert smtplib.SMTPException in task.autoretry_for
    assert OSError in task.autoretry_for
    assert task.retry_backoff and task.max_retries and task.acks_late

    refused = smtplib.SMTPRecipientsRefused({"nobody@example.org": (550, b"no such user")})
    with mock.patch(SEND, side_effect=refused):
        assert task.run("permanent-1", core_mail.message_payload(_message("nobody@example.org"))) is False
    assert "SMTPRecipientsRefused" in MailDelivery.objects.get(message_id="permanent-1").last_error
    assert mail.outbox == []


def test_a_claim_held_by_another_worker_is_respected(queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        core_mail.mail_send(_message())
    message_id, _payload = queue.messages[0]
    MailDelivery.objects.create(message_id=message_id, claimed_at=timezone.now())

    assert queue.run() is False
    assert mail.outbox == []


def test_when_the_broker_refuses_the_mail_is_sent_in_process(queue, django_capture_on_commit_callbacks):
    queue.refuse = True
    with django_capture_on_commit_callbacks(execute=True):
        core_mail.mail_send(_message())

    assert len(mail.outbox) == 1
    assert MailDelivery.objects.get().sent_at is not None


def test_nothing_is_queued_for_a_rolled_back_transaction(queue, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        core_mail.mail_send(_message())
        raise RuntimeError("sign-up failed")

    assert callbacks == []
    assert queue.messages == []
    assert mail.outbox == []


def test_a_payload_round_trips_and_attachments_are_refused():
    message = _message()
    message.cc = ["cc@example.org"]
    payload = core_mail.message_payload(message)
    again = core_mail.message_from_payload(payload)

    assert (again.subject, again.body) == ("Hello", "Plain body")
    assert (again.to, again.cc) == (["someone@example.org"], ["cc@example.org"])
    assert again.alternatives[0][0] == "<p>HTML body</p>"
    message.attach("a.txt", "x", "text/plain")
    with pytest.raises(ValueError, match="attachments"):
        core_mail.message_payload(message)


# --- notification e-mails: the task retries failed sends ------------------------------------------


def _due_notification(recipient, actor) -> Notification:
    return Notification.objects.create(
        recipient=recipient, actor=actor, kind=Kind.REPLY, data={"thread": "T", "thread_id": 1},
        url="/community/t/1/", dedupe_key="mail-test:1", email_due=True,
    )  # fmt: skip


def test_a_failed_notification_mail_makes_the_task_retry_and_the_retry_sends_once(learner, outsider):
    n = _due_notification(learner, outsider)

    with mock.patch(SEND, side_effect=OSError("smtp down")), pytest.raises(notifications.MailNotSent):
        notification_tasks.email_send_pending_task.run(notification_ids=[n.pk])
    n.refresh_from_db()
    assert n.emailed_at is None and mail.outbox == []

    assert notification_tasks.email_send_pending_task.run(notification_ids=[n.pk]) == 1
    assert notification_tasks.email_send_pending_task.run(notification_ids=[n.pk]) == 0
    assert len(mail.outbox) == 1
    assert notifications.MailNotSent in notification_tasks.email_send_pending_task.autoretry_for


def test_notification_mail_goes_out_in_process_when_the_broker_refuses(
    learner, outsider, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = BROKER

    def refuse(**kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(notification_tasks.email_send_pending_task, "delay", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            recipient=make_user("fallback@example.org"), kind=Kind.REPLY, actor=outsider,
            data={"thread": "T", "thread_id": 2}, url="/community/t/2/", dedupe_key="fallback:2",
        )  # fmt: skip

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["fallback@example.org"]
