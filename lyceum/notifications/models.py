"""In-app notifications, per-kind delivery preferences and e-mail digests.

A notification stores *what happened* (``kind`` + ``data``), not a sentence: the text is
rendered in the recipient's language when it is shown or mailed (``kinds.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    REPLY = "reply", _("Replies to threads I started or follow")
    MENTION = "mention", _("Mentions of me")
    ACCEPTED = "accepted", _("My answer was accepted")
    EVENT_REMINDER = "event_reminder", _("Event reminders and waitlist changes")
    GROUP_ACTIVITY = "group_activity", _("Activity in my study groups")
    ANNOUNCEMENT = "announcement", _("Announcements in my courses and spaces")
    FEEDBACK = "feedback", _("Replies to my reviews and surveys for me")
    OFFERS = "offers", _("Messages and offers from the team")
    MODERATION = "moderation", _("Moderation decisions about my posts and reports")
    ACHIEVEMENTS = "achievements", _("Badges, levels and rewards")


class Channel(models.TextChoices):
    EMAIL = "email", _("In-app and e-mail")
    IN_APP = "in_app", _("In-app only")
    OFF = "off", _("Off")


# What a member gets before choosing anything.
DEFAULT_CHANNELS: dict[str, str] = {
    Kind.REPLY: Channel.EMAIL,
    Kind.MENTION: Channel.EMAIL,
    Kind.ACCEPTED: Channel.EMAIL,
    Kind.EVENT_REMINDER: Channel.EMAIL,
    Kind.GROUP_ACTIVITY: Channel.IN_APP,
    Kind.ANNOUNCEMENT: Channel.EMAIL,
    Kind.FEEDBACK: Channel.IN_APP,
    Kind.OFFERS: Channel.EMAIL,
    Kind.MODERATION: Channel.EMAIL,
    Kind.ACHIEVEMENTS: Channel.IN_APP,
}


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")  # fmt: skip
    data = models.JSONField(default=dict, blank=True)  # what the text needs: titles, names, counts
    url = models.CharField(max_length=500, blank=True)  # site-relative link to the thing
    # Idempotency: a handler run twice (Celery retries) finds the row it made the first time.
    dedupe_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # E-mail state: ``email_due`` when the member wants e-mail for this kind; ``emailed_at``
    # once sent (immediately, or in the daily digest).
    email_due = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notifications_dedupe"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notifications_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notifications_recent"),
            models.Index(fields=["email_due", "emailed_at"], name="notifications_email_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class Preference(models.Model):
    """A member's channel for one kind (absent: ``DEFAULT_CHANNELS``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notifications_pref_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} → {self.channel}"


class DeliverySettings(models.Model):
    """How e-mail arrives: each notification as it happens, or one daily digest."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    daily_digest = models.BooleanField(_("one daily digest instead of separate e-mails"), default=False)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"delivery for {self.user_id}"
