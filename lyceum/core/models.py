from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class BilingualNamed(models.Model):
    """A small taxonomy row named in English and Chinese (survey topics, course categories)."""

    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (Chinese for zh-*, else English)."""
        lang = translation.get_language() or "en"
        return self.name_zh if lang.startswith("zh") and self.name_zh else self.name_en


class Event(models.Model):
    """One domain action, as announced through ``core.events.emit``.

    Append-only behaviour data: analytics, churn and recommendations read it. The
    actor is kept as a nullable reference so erasing a user anonymises, not deletes,
    their history.
    """

    name = models.CharField(max_length=64)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    props = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["name", "occurred_at"], name="core_event_name_time"),
            models.Index(fields=["actor", "occurred_at"], name="core_event_actor_time"),
            models.Index(fields=["object_type", "object_id"], name="core_event_object"),
        ]

    def __str__(self) -> str:
        return f"{self.name} by {self.actor_id} at {self.occurred_at:%Y-%m-%d %H:%M}"


class PendingDispatch(models.Model):
    """An event whose handlers could not be handed to the broker (``core.events._dispatch``).

    Written only when publishing the Celery task failed after the event's transaction committed;
    the ``redispatch_events`` job publishes it again (or runs the handlers in-process when no
    broker is configured) and deletes the row once that succeeded. A small side table, so the
    large append-only ``Event`` table needs no status column.
    """

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="+")
    failed_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=1)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["next_attempt_at", "id"]

    def __str__(self) -> str:
        return f"dispatch of event #{self.event_id} ({self.attempts} attempts)"


class MailDelivery(models.Model):
    """The sent-marker of one e-mail handed to the ``mail_send_task`` Celery task (core/mail.py).

    ``message_id`` is made when the mail is enqueued; the task claims the row before talking to
    SMTP and stamps ``sent_at`` after, so a retried or redelivered task does not send twice.
    Rows of sent mail are pruned after ``core.mail.KEEP_DAYS``.
    """

    message_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"mail {self.message_id} ({'sent' if self.sent_at else 'pending'})"
