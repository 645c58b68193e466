"""Writes: create notifications (one or fanned out), mail them, read them, preferences, unsubscribe.

Delivery follows the recipient's channel for the kind (``Preference``, else
``DEFAULT_CHANNELS``): ``off`` → nothing; ``in_app`` → a row; ``email`` → a row marked
``email_due``, mailed right after commit, or in the next daily digest when the member chose
one. E-mail is claimed by setting ``emailed_at`` with a conditional UPDATE before sending, so
a retried task never mails twice; a failed send clears it again, the Celery task retries it
with backoff (``MailNotSent``), and the digest run picks up what is still unsent later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lyceum.core import events
from lyceum.core.errors import ValidationFailed

from . import selectors
from .kinds import notification_text
from .models import Channel, DeliverySettings, Kind, Notification, Preference
from .unread_cache import unread_forget

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "lyceum.notifications.unsubscribe"
ALL_KINDS = "all"
FAN_OUT_CHUNK = 500
# Pending e-mail of members without the digest that is this old was not sent right away
# (mail outage, switched the digest off): the digest run sends it as a catch-up.
STRAGGLER_AGE = timedelta(hours=1)
DIGEST_MAX_ITEMS = 50
# A happening older than this when its notification is made (a backdated import or demo
# event, a queue that was down for a day) is shown in the centre but not mailed.
EMAIL_MAX_AGE = timedelta(days=1)
# Older still, it is history (an import, the demo's backdated weeks): created already read,
# so the bell counts what is new.
HISTORIC_AGE = timedelta(days=7)


def _mail_worthy(channel: str, at: datetime) -> bool:
    return channel == Channel.EMAIL and timezone.now() - at < EMAIL_MAX_AGE


def _read_at(at: datetime) -> datetime | None:
    return at if timezone.now() - at >= HISTORIC_AGE else None


def _deliverable(user: Any) -> bool:
    return bool(user is not None and user.is_active and user.erased_at is None)


def _check(kind: str, url: str, dedupe_key: str) -> None:
    if kind not in Kind.values:
        raise ValidationFailed(f"Unknown notification kind {kind!r}.", field="kind")
    if not dedupe_key or len(dedupe_key) > 120:
        raise ValidationFailed("dedupe_key must be 1 to 120 characters.", field="dedupe_key")
    if len(url) > 500 or (url and not url.startswith("/")):
        raise ValidationFailed("url must be a site-relative path.", field="url")


# --- Creating -----------------------------------------------------------------------------------


@transaction.atomic
def notify(
    *,
    recipient: Any,
    kind: str,
    actor: Any = None,
    data: dict[str, Any],
    url: str,
    dedupe_key: str,
    at: datetime | None = None,
) -> Notification | None:
    """Tell ``recipient`` that something happened; ``None`` when nothing is to be shown.

    Never notifies the actor themself, nor inactive or erased accounts. Idempotent: the
    same ``dedupe_key`` for the same recipient returns the row made the first time. ``at``
    is when it happened (the event's time; default now).
    """
    _check(kind, url, dedupe_key)
    if not _deliverable(recipient) or (actor is not None and actor.pk == recipient.pk):
        return None
    channel = selectors.channels_for_users(user_ids=[recipient.pk], kind=kind)[recipient.pk]
    if channel == Channel.OFF:
        return None
    existing = Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    at = at or timezone.now()
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient, kind=kind, actor=actor if getattr(actor, "pk", None) else None, data=data,
                url=url, dedupe_key=dedupe_key, created_at=at, read_at=_read_at(at),
                email_due=_mail_worthy(channel, at),
            )  # fmt: skip
    except IntegrityError:  # a concurrent run of the same handler made it first
        return Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).first()
    if notification.email_due and not selectors.digest_user_ids(user_ids=[recipient.pk]):
        transaction.on_commit(lambda: _email_later(notification_ids=[notification.pk]), robust=True)
    return notification


@transaction.atomic
def notify_many(
    *,
    recipient_ids: Iterable[int],
    kind: str,
    actor: Any = None,
    data: dict[str, Any],
    url: str,
    dedupe_key: str,
    at: datetime | None = None,
    rollup_source: str = "",
) -> int:
    """Fan one happening out to many members (a course announcement to thousands of learners).

    Same rules as ``notify``, in chunks: one bulk insert per chunk (conflicts on the dedupe key
    ignored, so a rerun adds nothing), e-mail queued after commit. Returns how many rows
    were added.

    ``rollup_source`` turns repeated happenings under one ``dedupe_key`` (a group's check-ins
    of one day) into one notice that counts them: a recipient who already has the row gets
    it updated (``data["count"]``, latest actor, unread again) instead of a second row. The
    source id makes a rerun of the same happening count once. Updates are never mailed.
    """
    _check(kind, url, dedupe_key)
    from lyceum.accounts.models import User

    actor_id = getattr(actor, "pk", None)
    at = at or timezone.now()
    wanted = sorted({int(i) for i in recipient_ids} - {actor_id})
    created = 0
    for start in range(0, len(wanted), FAN_OUT_CHUNK):
        chunk = wanted[start : start + FAN_OUT_CHUNK]
        live = list(
            User.objects.filter(pk__in=chunk, is_active=True, erased_at__isnull=True).values_list("pk", flat=True)
        )
        done = set(
            Notification.objects.filter(dedupe_key=dedupe_key, recipient_id__in=live).values_list(
                "recipient_id", flat=True
            )
        )
        if rollup_source and done:
            unread_forget(done)  # a rolled-up notice is unread again
            _rollup(dedupe_key=dedupe_key, recipient_ids=done, actor_id=actor_id, data=data, at=at,
                    source=rollup_source)  # fmt: skip
        if rollup_source:
            data = {**data, "count": 1, "sources": [rollup_source]}
        channels = selectors.channels_for_users(user_ids=[u for u in live if u not in done], kind=kind)
        rows = [
            Notification(
                recipient_id=uid,
                kind=kind,
                actor_id=actor_id,
                data=data,
                url=url,
                dedupe_key=dedupe_key,
                created_at=at,
                read_at=_read_at(at),
                email_due=_mail_worthy(channel, at),
            )
            for uid, channel in channels.items()
            if channel != Channel.OFF
        ]
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        unread_forget(row.recipient_id for row in rows)
        created += len(rows)
    if created:
        transaction.on_commit(lambda: _email_later(dedupe_key=dedupe_key), robust=True)
    return created


ROLLUP_SOURCES_KEPT = 200


def _rollup(
    *, dedupe_key: str, recipient_ids: set[int], actor_id: int | None, data: dict[str, Any], at: datetime, source: str
) -> None:
    rows = list(Notification.objects.select_for_update().filter(dedupe_key=dedupe_key, recipient_id__in=recipient_ids))
    changed = []
    for row in rows:
        sources = [str(x) for x in row.data.get("sources", [])]
        if source in sources:
            continue  # this happening is already counted (a handler rerun)
        count = int(row.data.get("count") or 1) + 1
        row.data = {**data, "count": count, "sources": [*sources, source][-ROLLUP_SOURCES_KEPT:]}
        if at >= row.created_at:
            row.actor_id = actor_id
            row.created_at = at
            row.read_at = _read_at(at)
        changed.append(row)
    Notification.objects.bulk_update(changed, ["data", "actor", "created_at", "read_at"])


# --- E-mail -------------------------------------------------------------------------------------


class MailNotSent(Exception):
    """Some notification e-mails failed (SMTP error, mail server away): the task retries them."""


def _email_later(*, notification_ids: list[int] | None = None, dedupe_key: str | None = None) -> None:
    """After commit: mail on a Celery worker when a broker is configured, else here."""
    if settings.CELERY_BROKER_URL:
        from .tasks import email_send_pending_task

        try:
            email_send_pending_task.delay(notification_ids=notification_ids, dedupe_key=dedupe_key)
            return
        except Exception as exc:  # the broker is away: mail now rather than an hour late
            logger.warning("could not queue notification mail (%r); sending in-process", exc)
    email_send_pending(notification_ids=notification_ids, dedupe_key=dedupe_key)


def email_send_pending(
    *, notification_ids: list[int] | None = None, dedupe_key: str | None = None, raise_on_failure: bool = False
) -> int:
    """Mail the given notifications now (those still due, not for digest members); returns how many.

    With ``raise_on_failure`` (the Celery task) a failed send raises ``MailNotSent`` once the
    others were tried, so the task retries with backoff; the sent ones are claimed
    (``emailed_at``) and are not mailed again by the retry."""
    pending = Notification.objects.filter(email_due=True, emailed_at__isnull=True).select_related("recipient", "actor")
    if notification_ids is not None:
        pending = pending.filter(pk__in=notification_ids)
    if dedupe_key is not None:
        pending = pending.filter(dedupe_key=dedupe_key)
    outcomes = {"sent": 0, "skipped": 0, "failed": 0}
    digest_members = DeliverySettings.objects.filter(daily_digest=True).values("user_id")
    for chunk in _chunks(list(pending.exclude(recipient_id__in=digest_members)), FAN_OUT_CHUNK):
        wanted = _still_wanted(chunk)
        for notification in chunk:
            if notification.pk in wanted:
                outcomes[_email_send_one(notification)] += 1
    if raise_on_failure and outcomes["failed"]:
        raise MailNotSent(f"{outcomes['failed']} notification e-mail(s) failed, {outcomes['sent']} sent")
    return outcomes["sent"]


def _chunks(items: list[Notification], size: int) -> Iterable[list[Notification]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _still_wanted(notifications: list[Notification]) -> set[int]:
    """Ids whose recipient still wants e-mail for the kind; the others stop being due."""
    by_kind: dict[str, list[Notification]] = {}
    for n in notifications:
        by_kind.setdefault(n.kind, []).append(n)
    wanted: set[int] = set()
    for kind, items in by_kind.items():
        channels = selectors.channels_for_users(user_ids=list({n.recipient_id for n in items}), kind=kind)
        wanted |= {n.pk for n in items if channels[n.recipient_id] == Channel.EMAIL}
    dropped = [n.pk for n in notifications if n.pk not in wanted]
    if dropped:
        Notification.objects.filter(pk__in=dropped, emailed_at__isnull=True).update(email_due=False)
    return wanted


def absolute_url(path: str) -> str:
    return settings.LYCEUM_SITE_URL.rstrip("/") + path


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """A signed, non-expiring token naming the member and the kind (or ``"all"``)."""
    return signing.dumps([user_id, kind], salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    return absolute_url(reverse("notifications:unsubscribe", args=[unsubscribe_token(user_id=user_id, kind=kind)]))


def _language(user: Any) -> str:
    return str(user.locale or settings.LANGUAGE_CODE)


def _one_line(text: str, limit: int = 180) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _email_message(*, recipient: Any, subject: str, template: str, context: dict[str, Any],
                   unsubscribe_kind: str) -> EmailMultiAlternatives:  # fmt: skip
    """Render ``template`` (.txt and .html) for ``recipient``; call inside their language."""
    unsubscribe = unsubscribe_url(user_id=recipient.pk, kind=unsubscribe_kind)
    context = {
        **context,
        "recipient": recipient,
        "site_url": settings.LYCEUM_SITE_URL.rstrip("/"),
        "site_name": settings.LYCEUM_SITE_NAME,
        "unsubscribe_url": unsubscribe,
        "unsubscribe_all_url": unsubscribe_url(user_id=recipient.pk, kind=ALL_KINDS),
        "unsubscribe_kind": unsubscribe_kind,
        "preferences_url": absolute_url(reverse("notifications:preferences")),
        "list_url": absolute_url(reverse("notifications:list")),
    }
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=_one_line(f"[{settings.LYCEUM_SITE_NAME}] {subject}"),
        body=text,
        to=[recipient.email],
        headers={
            # RFC 2369 + RFC 8058: mail clients offer their own unsubscribe button and POST to it.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _item(notification: Notification) -> dict[str, Any]:
    return {
        "notification": notification,
        "text": notification_text(notification),
        "url": absolute_url(reverse("notifications:open", args=[notification.pk])),
    }


def email_send(notification: Notification) -> bool:
    """Mail one notification in its recipient's language; ``False`` when not sent (already, or failed)."""
    return _email_send_one(notification) == "sent"


def _email_send_one(notification: Notification) -> str:
    """``"sent"``, ``"skipped"`` (not deliverable, or mailed already) or ``"failed"``."""
    recipient = notification.recipient
    if not _deliverable(recipient):
        return "skipped"
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return "skipped"
    try:
        with translation.override(_language(recipient)):
            item = _item(notification)
            message = _email_message(
                recipient=recipient, subject=item["text"], template="notification", context={"item": item},
                unsubscribe_kind=notification.kind,
            )  # fmt: skip
        message.send()
    except Exception:  # a mail outage must not lose the notification: the digest run retries it
        logger.exception("notification mail %s failed", notification.pk)
        Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
        return "failed"
    events.emit("notification.emailed", actor=None, obj=notification, kind=notification.kind, digest=False)
    return "sent"


def digest_send(*, now: datetime | None = None) -> int:
    """Send the daily digests due at ``now``; returns how many e-mails went out.

    One e-mail per member who chose the daily digest and has notifications waiting, at most
    once per UTC day; members without the digest whose immediate e-mail did not go out
    (older than ``STRAGGLER_AGE``) get theirs as a catch-up digest.
    """
    now = now or timezone.now()
    day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    waiting = Notification.objects.filter(email_due=True, emailed_at__isnull=True, created_at__lte=now)
    digest_members = DeliverySettings.objects.filter(daily_digest=True).values("user_id")
    due_today = DeliverySettings.objects.filter(daily_digest=True).filter(
        Q(last_digest_at__isnull=True) | Q(last_digest_at__lt=day_start)
    )
    user_ids = set(waiting.filter(recipient_id__in=due_today.values("user_id")).values_list("recipient_id", flat=True))
    user_ids |= set(
        waiting.filter(created_at__lt=now - STRAGGLER_AGE)
        .exclude(recipient_id__in=digest_members)
        .values_list("recipient_id", flat=True)
    )
    return sum(1 for user_id in sorted(user_ids) if _digest_one(user_id=user_id, now=now, day_start=day_start))


@transaction.atomic
def _digest_one(*, user_id: int, now: datetime, day_start: datetime) -> bool:
    delivery, _created = DeliverySettings.objects.get_or_create(user_id=user_id)
    delivery = DeliverySettings.objects.select_for_update().select_related("user").get(pk=delivery.pk)
    recipient = delivery.user
    if not _deliverable(recipient):
        return False
    if delivery.daily_digest and delivery.last_digest_at is not None and delivery.last_digest_at >= day_start:
        return False  # already sent today
    pending = list(
        Notification.objects.filter(recipient_id=user_id, email_due=True, emailed_at__isnull=True,
                                    created_at__lte=now)
        .select_related("actor", "recipient")
        .order_by("-created_at", "-id")
    )  # fmt: skip
    wanted = _still_wanted(pending)
    pending = [n for n in pending if n.pk in wanted]
    if not pending:
        return False
    shown = pending[:DIGEST_MAX_ITEMS]
    with translation.override(_language(recipient)):
        items = [_item(n) for n in shown]
        count = len(pending)
        subject = ngettext(
            "Your daily summary: %(count)s new notification", "Your daily summary: %(count)s new notifications", count
        ) % {"count": count}
        message = _email_message(
            recipient=recipient, subject=subject, template="digest",
            context={"items": items, "count": count, "more": count - len(shown)}, unsubscribe_kind=ALL_KINDS,
        )  # fmt: skip
    message.send()  # inside the transaction: a failure leaves everything pending for the next run
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=now)
    delivery.last_digest_at = now
    delivery.save(update_fields=["last_digest_at"])
    events.emit("digest.sent", actor=None, obj=delivery, user=user_id, count=count)
    return True


# --- Reading ------------------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, actor: Any, notification_id: int) -> Notification:
    """Mark one of ``actor``'s notifications read (another member's: ``NotFound``)."""
    notification = selectors.notification_get_for_user(user=actor, notification_id=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        events.emit("notification.read", actor=actor, obj=notification, kind=notification.kind)
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: Any) -> int:
    count = Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
    unread_forget([actor.pk])
    if count:
        events.emit("notification.read_all", actor=actor, count=count)
    return count


# --- Preferences and unsubscribing --------------------------------------------------------------


@transaction.atomic
def preferences_save(*, actor: Any, channels: dict[str, str], daily_digest: bool) -> dict[str, str]:
    """Store ``actor``'s channel per kind and the digest choice; returns every kind's channel."""
    for kind, channel in channels.items():
        if kind not in Kind.values:
            raise ValidationFailed(_("Unknown kind of notification."), field=str(kind))
        if channel not in Channel.values:
            raise ValidationFailed(_("Choose in-app and e-mail, in-app only or off."), field=str(kind))
    if not isinstance(daily_digest, bool):
        raise ValidationFailed(_("The daily digest is either on or off."), field="daily_digest")
    for kind, channel in channels.items():
        Preference.objects.update_or_create(user=actor, kind=kind, defaults={"channel": channel})
    DeliverySettings.objects.update_or_create(user=actor, defaults={"daily_digest": daily_digest})
    events.emit("notification.preferences_updated", actor=actor, channels=channels, daily_digest=daily_digest)
    return selectors.channels_for_user(user_id=actor.pk)


@dataclass(frozen=True)
class Unsubscribed:
    user: Any
    kinds: list[str]  # the kinds that no longer send e-mail
    changed: bool


def _token_read(token: str) -> tuple[int, str]:
    bad = ValidationFailed(
        _("This unsubscribe link is not valid. Open your notification settings to change what we e-mail you."),
        code="bad_token", field="token",
    )  # fmt: skip
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as exc:
        raise bad from exc
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not isinstance(payload[0], int)
        or payload[1] not in [*Kind.values, ALL_KINDS]
    ):
        raise bad
    return payload[0], payload[1]


@transaction.atomic
def unsubscribe(*, token: str) -> Unsubscribed:
    """One click, no sign-in: stop e-mail for the token's kind (or all kinds), keep the in-app notice.

    The signed token is the credential. Kinds set to e-mail become in-app only (kinds
    already off stay off); their unsent e-mail is dropped. Idempotent.
    """
    from lyceum.accounts.models import User

    user_id, kind = _token_read(token)
    user = User.objects.filter(pk=user_id).first()
    if user is None or user.erased_at is not None:
        raise ValidationFailed(_("This unsubscribe link belongs to an account that no longer exists."),
                               code="bad_token", field="token")  # fmt: skip
    kinds = list(Kind.values) if kind == ALL_KINDS else [kind]
    current = selectors.channels_for_user(user_id=user.pk)
    to_change = [k for k in kinds if current[k] == Channel.EMAIL]
    for k in to_change:
        Preference.objects.update_or_create(user=user, kind=k, defaults={"channel": Channel.IN_APP})
    Notification.objects.filter(recipient=user, kind__in=kinds, email_due=True, emailed_at__isnull=True).update(
        email_due=False
    )
    if to_change:
        events.emit("notification.unsubscribed", actor=user, kind=kind, kinds=to_change)
    return Unsubscribed(user=user, kinds=kinds, changed=bool(to_change))


def notifications_erase_for_user(*, user_id: int) -> int:
    """An erased account keeps no notifications or delivery choices (``user.erased`` handler)."""
    deleted, _by_model = Notification.objects.filter(recipient_id=user_id).delete()
    unread_forget([user_id])
    Preference.objects.filter(user_id=user_id).delete()
    DeliverySettings.objects.filter(user_id=user_id).delete()
    return deleted
