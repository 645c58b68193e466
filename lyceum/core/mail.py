"""E-mail off the request: ``mail_send(message)`` sends through a Celery task when a broker is
configured, in-process otherwise (the embedded runtime, and the fallback when the broker refuses).

The message is rendered where it is made (in the request's language, with its URLs) and handed
to ``core.tasks.mail_send_task`` as plain JSON, with a ``message_id`` made here. The task is
idempotent: it claims ``core.MailDelivery(message_id)`` before talking to SMTP and stamps
``sent_at`` after, so a retried task (SMTP errors back off and retry) or a message delivered
twice by the broker sends once. A worker killed between the SMTP hand-over and the stamp is the
one case that may send twice, once its claim expired (``CLAIM_SECONDS``).

Publishing waits for the caller's transaction to commit (no mail about a rolled-back sign-up).
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import timedelta
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from lyceum.core.models import MailDelivery

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 600  # a claim older than this (its worker died mid-send) may be taken again
KEEP_DAYS = 30  # sent-markers are kept this long (longer than any redelivery)


class MailPermanentlyRefused(Exception):
    """The SMTP server refused the message for good (5xx): retrying will not help."""


def _domain() -> str:
    return urlsplit(settings.LYCEUM_SITE_URL).hostname or "lyceum.local"


def message_payload(message: EmailMessage) -> dict[str, Any]:
    """``message`` as JSON-safe data for the task (attachments are not supported)."""
    if message.attachments:
        raise ValueError("mail with attachments is sent in-process")
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {str(k): str(v) for k, v in (message.extra_headers or {}).items()},
        "alternatives": [[str(content), str(mimetype)] for content, mimetype in getattr(message, "alternatives", [])],
        "content_subtype": message.content_subtype,
    }


def message_from_payload(payload: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload.get("from_email"),
        to=payload.get("to") or [],
        cc=payload.get("cc") or [],
        bcc=payload.get("bcc") or [],
        reply_to=payload.get("reply_to") or [],
        headers=payload.get("headers") or {},
    )
    for content, mimetype in payload.get("alternatives") or []:
        message.attach_alternative(content, mimetype)
    message.content_subtype = payload.get("content_subtype") or "plain"
    return message


def mail_send(message: EmailMessage) -> str | None:
    """Send ``message``: queued on Celery with a broker (returns its message id), else now."""
    if not settings.CELERY_BROKER_URL or message.attachments:
        message.send()
        return None
    message_id = uuid.uuid4().hex
    message.extra_headers = {**(message.extra_headers or {})}
    message.extra_headers.setdefault("Message-ID", make_msgid(idstring=message_id, domain=_domain()))
    payload = message_payload(message)
    transaction.on_commit(lambda: _publish(message_id, payload, message))
    return message_id


def _publish(message_id: str, payload: dict[str, Any], message: EmailMessage) -> None:
    from lyceum.core.tasks import mail_send_task

    try:
        mail_send_task.delay(message_id, payload)
    except Exception as exc:  # the broker is away: send it here rather than lose it
        logger.warning("could not queue mail %s (%r); sending it in-process", message_id, exc)
        mail_deliver(message_id=message_id, payload=payload)


def mail_deliver(*, message_id: str, payload: dict[str, Any]) -> bool:
    """Send the message once per ``message_id`` (the task's body). ``False``: sent already, or
    another worker is sending it. Raises on SMTP failure after releasing the claim, so the task
    retries; a permanent refusal (5xx, every recipient refused) raises ``MailPermanentlyRefused``."""
    now = timezone.now()
    MailDelivery.objects.get_or_create(message_id=message_id)
    stale = now - timedelta(seconds=CLAIM_SECONDS)
    claimed = (
        MailDelivery.objects.filter(message_id=message_id, sent_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    try:
        message_from_payload(payload).send()
    except Exception as exc:
        MailDelivery.objects.filter(message_id=message_id).update(
            claimed_at=None, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        if _permanent(exc):
            raise MailPermanentlyRefused(str(exc)) from exc
        raise
    MailDelivery.objects.filter(message_id=message_id).update(sent_at=timezone.now(), last_error="")
    MailDelivery.objects.filter(sent_at__lt=now - timedelta(days=KEEP_DAYS)).delete()
    return True


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600
