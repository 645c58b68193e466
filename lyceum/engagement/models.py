"""Points ledger, balances, badges, study days and rewards.

The ledger is append-only: an award is a positive row, a revocation a negative row that
points at the award it takes back, a redemption a negative row for the reward. Rows are
never edited or deleted; ``PointBalance`` is the running total (and lifetime earnings,
which set the level).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from lyceum.core.models import TimeStampedModel


class PointEntry(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="point_entries")
    points = models.IntegerField(_("points"))
    action = models.CharField(_("action"), max_length=40)  # lesson_completed, upvote_received, reward, ...
    reason = models.CharField(_("reason"), max_length=40)  # a key the pages translate
    source_event_id = models.BigIntegerField(null=True, blank=True)
    source_key = models.CharField(max_length=80)  # "reply:123", "lesson:5", "day:2026-11-25"
    course_id = models.BigIntegerField(null=True, blank=True)
    group_id = models.BigIntegerField(null=True, blank=True)
    day = models.DateField(_("day"))  # the member's local day of the source action
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    created_at = models.DateTimeField(_("created"), db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        constraints = [
            # a handler run twice awards once; a revocation is unique through ``reverses``
            models.UniqueConstraint(
                fields=["user", "action", "source_key"],
                condition=Q(reverses__isnull=True),
                name="engagement_entry_once_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "action", "day"], name="engagement_entry_user_day"),
            models.Index(fields=["created_at", "user"], name="engagement_entry_time_user"),
            models.Index(fields=["course_id", "created_at"], name="engagement_entry_course"),
            models.Index(fields=["group_id", "created_at"], name="engagement_entry_group"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.points:+d} {self.action} {self.source_key}"


class PointBalance(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="point_balance"
    )
    balance = models.IntegerField(_("balance"), default=0)
    lifetime = models.IntegerField(_("lifetime points"), default=0)
    top_level = models.PositiveSmallIntegerField(_("highest level reached"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("points balance")
        verbose_name_plural = _("points balances")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="engagement_balance_not_negative"),
            models.CheckConstraint(condition=Q(lifetime__gte=0), name="engagement_lifetime_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.balance}"


class BadgeAward(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges")
    badge = models.CharField(_("badge"), max_length=40)
    period = models.CharField(max_length=10, blank=True)  # "2026-10" for monthly badges
    awarded_at = models.DateTimeField(_("awarded"))

    class Meta:
        ordering = ["-awarded_at", "-id"]
        verbose_name = _("badge award")
        verbose_name_plural = _("badge awards")
        constraints = [
            models.UniqueConstraint(fields=["user", "badge", "period"], name="engagement_badge_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.badge} {self.period}".strip()


class StudyDay(models.Model):
    """A day (in the member's time zone) on which they studied or checked in."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_days")
    day = models.DateField(_("day"))

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="engagement_study_day_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


class Reward(TimeStampedModel):
    title_en = models.CharField(_("title (English)"), max_length=120)
    title_zh = models.CharField(_("title (Chinese)"), max_length=120, blank=True)
    points_cost = models.PositiveIntegerField(_("points cost"))
    percent_off = models.PositiveSmallIntegerField(_("percent off"), null=True, blank=True)
    amount_off = models.PositiveIntegerField(_("amount off (minor units)"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    valid_days = models.PositiveSmallIntegerField(_("coupon valid for (days)"), default=30)
    stock = models.PositiveIntegerField(_("stock"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["points_cost", "id"]
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        constraints = [
            models.CheckConstraint(
                condition=(Q(percent_off__isnull=False, amount_off__isnull=True))
                | (Q(percent_off__isnull=True, amount_off__isnull=False)),
                name="engagement_reward_one_discount",
            ),
            models.CheckConstraint(condition=Q(points_cost__gte=1), name="engagement_reward_cost_positive"),
        ]

    def __str__(self) -> str:
        return self.title_en

    @property
    def title(self) -> str:
        lang = translation.get_language() or "en"
        return self.title_zh if lang.startswith("zh") and self.title_zh else self.title_en


class Redemption(models.Model):
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="redemptions")
    points = models.PositiveIntegerField()
    coupon = models.ForeignKey("commerce.Coupon", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")

    def __str__(self) -> str:
        return f"{self.user_id} {self.reward_id}"


class DailyCheckIn(models.Model):
    """签到: one per member and local day (the points come from the ``daily.checked_in`` handler)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_checkins")
    day = models.DateField(_("day"))
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="engagement_daily_checkin_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
