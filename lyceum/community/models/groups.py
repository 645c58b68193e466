"""Study groups (学习小组): members, a group feed, a shared weekly goal and daily check-ins."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lyceum.core.models import TimeStampedModel

from .spaces import HiddenReason

GROUP_SIZE_MAX = 200


class GroupVisibility(models.TextChoices):
    PUBLIC = "public", _("Public: anyone may join")
    INVITE = "invite", _("Invite-only: join with an invite link")


class StudyGroup(TimeStampedModel):
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    course = models.ForeignKey(
        "courses.Course", null=True, blank=True, on_delete=models.SET_NULL, related_name="study_groups"
    )
    topic = models.ForeignKey(
        "accounts.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="study_groups"
    )
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=GroupVisibility.choices, default=GroupVisibility.PUBLIC
    )
    max_members = models.PositiveSmallIntegerField(
        _("size limit"), default=20, validators=[MinValueValidator(2), MaxValueValidator(GROUP_SIZE_MAX)]
    )
    weekly_goal_minutes = models.PositiveSmallIntegerField(
        _("weekly goal (minutes per member)"), default=120, validators=[MaxValueValidator(7 * 24 * 60)]
    )
    weekly_goal_text = models.CharField(_("this week's goal"), max_length=200, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_groups")
    invite_code = models.CharField(max_length=32, unique=True)  # secrets.token_urlsafe, for invite links
    member_count = models.PositiveSmallIntegerField(default=0)
    last_activity_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)  # out of sight pending moderation
    hidden_reason = models.CharField(max_length=12, choices=HiddenReason.choices, blank=True)

    class Meta:
        ordering = ["-last_activity_at"]
        constraints = [
            models.CheckConstraint(condition=Q(member_count__lte=models.F("max_members")), name="community_group_cap")
        ]

    def __str__(self) -> str:
        return self.name


class GroupRole(models.TextChoices):
    OWNER = "owner", _("Organiser")
    MEMBER = "member", _("Member")


class GroupMembership(models.Model):
    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships")
    role = models.CharField(max_length=8, choices=GroupRole.choices, default=GroupRole.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["joined_at"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="community_group_member_once")]

    def __str__(self) -> str:
        return f"{self.user_id} in group {self.group_id}"


class GroupPost(TimeStampedModel):
    """A message in the group feed (the feed also shows check-ins)."""

    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("message"), max_length=4000)
    body_html = models.TextField(blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=12, choices=HiddenReason.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["group", "-created_at"], name="community_grouppost_feed")]


class CheckIn(models.Model):
    """打卡: one per member, group and day (the member's local date)."""

    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="checkins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkins")
    day = models.DateField()
    minutes = models.PositiveSmallIntegerField(_("minutes studied"), validators=[MaxValueValidator(24 * 60)])
    note = models.CharField(_("what you did"), max_length=280, blank=True)
    lesson = models.ForeignKey("courses.Lesson", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["group", "user", "day"], name="community_checkin_daily")]
        indexes = [models.Index(fields=["group", "-day"], name="community_checkin_feed")]

    def __str__(self) -> str:
        return f"{self.user_id} checked in {self.day} ({self.minutes} min)"
