"""Live events (专家讲座 · 在线研讨 · 课程答疑 · office hours) with RSVP, waitlist and calendars.

Named ``LiveEvent`` because ``core.Event`` is the behaviour-event row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lyceum.core.models import TimeStampedModel


class EventKind(models.TextChoices):
    LECTURE = "lecture", _("Expert lecture")
    SEMINAR = "seminar", _("Online seminar")
    COURSE_QA = "course_qa", _("Course Q&A session")
    OFFICE_HOURS = "office_hours", _("Office hours")


class EventAudience(models.TextChoices):
    FREE = "free", _("Free for every member")
    MEMBERS = "members", _("Members only")
    ENROLLED = "enrolled", _("Learners enrolled in the course")


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class LiveEvent(TimeStampedModel):
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices, default=EventKind.LECTURE)
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), max_length=10_000, blank=True, help_text=_("Markdown."))
    description_html = models.TextField(blank=True)
    hosts = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="hosted_events")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    course = models.ForeignKey(
        "courses.Course", null=True, blank=True, on_delete=models.SET_NULL, related_name="live_events"
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")  # the host's
    starts_at = models.DateTimeField(_("starts"))  # UTC
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("seats"), null=True, blank=True, help_text=_("Empty: unlimited."))
    audience = models.CharField(_("who may attend"), max_length=8, choices=EventAudience.choices,
                                default=EventAudience.FREE)  # fmt: skip
    access_plans = models.JSONField(default=list, blank=True)  # members-only: plan slugs; empty = any plan
    meeting_url = models.URLField(_("meeting link"), max_length=500, blank=True)
    recording_url = models.URLField(_("recording link"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.SCHEDULED)
    registered_count = models.PositiveIntegerField(default=0)
    waitlist_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["status", "starts_at"], name="community_event_upcoming")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="community_event_ends_after"),
            models.CheckConstraint(
                condition=~Q(audience="enrolled") | Q(course__isnull=False), name="community_event_enrolled_course"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITLISTED = "waitlisted", _("On the waitlist")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(models.Model):
    event = models.ForeignKey(LiveEvent, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_registrations")
    status = models.CharField(max_length=10, choices=RegistrationStatus.choices)
    created_at = models.DateTimeField(default=timezone.now)
    waitlisted_at = models.DateTimeField(null=True, blank=True)  # waitlist order: first come, first promoted
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attended_at = models.DateTimeField(null=True, blank=True)
    reminded_24h_at = models.DateTimeField(null=True, blank=True)
    reminded_1h_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="community_registration_once")]
        indexes = [models.Index(fields=["event", "status", "waitlisted_at"], name="community_reg_waitlist")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.event_id} ({self.status})"


class CalendarFeed(models.Model):
    """A secret token for a learner's personal iCalendar feed URL (revocable by rotating it)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar of {self.user_id}"
