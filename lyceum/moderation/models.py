"""Moderation's tables: the community rules, reports, the review queue, the moderation log,
sanctions, appeals, copyright takedown requests and the spam classifier's trained weights.

Everything moderated is named by a ``Target``: a kind (``TargetKind``) and the object's id in
the app that owns it (community threads, replies, groups and group posts; feedback reviews;
accounts profiles, i.e. users; courses lessons). Moderation changes those objects only through
their apps' services (``thread_set_hidden``, ``review_hide``, ``profile_set_hidden``,
``lesson_set_withdrawn``...), which emit the events.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TargetKind(models.TextChoices):
    THREAD = "thread", pgettext_lazy("moderation target", "Thread")
    REPLY = "reply", pgettext_lazy("moderation target", "Reply")
    REVIEW = "review", pgettext_lazy("moderation target", "Review")
    PROFILE = "profile", pgettext_lazy("moderation target", "Profile")
    GROUP = "group", pgettext_lazy("moderation target", "Study group")
    GROUP_POST = "group_post", pgettext_lazy("moderation target", "Group post")
    LESSON = "lesson", pgettext_lazy("moderation target", "Lesson")


# --- community rules --------------------------------------------------------------------------


class CommunityRules(models.Model):
    """One version of the community rules (社区规范); the newest version is in force. Members
    accept the version in force before their first post (and again after a new version)."""

    version = models.PositiveIntegerField(unique=True)
    body_en = models.TextField(_("rules (English)"), max_length=20_000, help_text=_("Markdown."))
    body_zh = models.TextField(_("rules (Chinese)"), max_length=20_000, help_text=_("Markdown."))
    body_en_html = models.TextField(blank=True)  # sanitised renders, written by the service
    body_zh_html = models.TextField(blank=True)
    summary = models.CharField(_("what changed"), max_length=200, blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "community rules"

    def __str__(self) -> str:
        return f"rules v{self.version}"


class RulesAcceptance(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "version"], name="moderation_rules_accept_once")]

    def __str__(self) -> str:
        return f"{self.user_id} accepted v{self.version}"


# --- reports and the queue ----------------------------------------------------------------------


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    HARASSMENT = "harassment", _("Harassment or abuse")
    OFF_TOPIC = "off_topic", _("Off-topic")
    INFRINGEMENT = "infringement", _("Infringement or piracy")
    OTHER = "other", _("Something else")


class CaseSource(models.TextChoices):
    REPORTS = "reports", _("Member reports")
    DETECTOR = "detector", _("Spam filter")
    TAKEDOWN = "takedown", _("Copyright complaint")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Waiting for review")
    RESOLVED = "resolved", _("Resolved")


class Case(models.Model):
    """An item in the moderation queue: one open case per target at a time; reports on the
    same target join it. ``text`` is the content as it was when queued (context for the
    moderator, and a labelled example for ``train_spam`` once decided)."""

    target_kind = models.CharField(max_length=12, choices=TargetKind.choices)
    target_id = models.PositiveBigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=10, choices=CaseSource.choices)
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    text = models.TextField(blank=True)
    detector_score = models.FloatField(null=True, blank=True)
    detector_signals = models.JSONField(default=list, blank=True)
    held = models.BooleanField(default=False)  # out of sight while open (held by the filter or hidden by reports)
    report_count = models.PositiveIntegerField(default=0)
    report_weight = models.FloatField(default=0.0)  # reports weighted by the reporters' trust
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=12, blank=True)  # the action that resolved it (ActionKind)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_kind", "target_id"], condition=Q(status="open"), name="moderation_case_one_open"
            )
        ]
        indexes = [
            models.Index(fields=["status", "-opened_at"], name="moderation_case_queue"),
            models.Index(fields=["target_kind", "target_id"], name="moderation_case_target"),
        ]

    def __str__(self) -> str:
        return f"case {self.pk}: {self.target_kind} {self.target_id}"


class Report(models.Model):
    """A member's report of one target (one per member and target: a second one is the same)."""

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target_kind = models.CharField(max_length=12, choices=TargetKind.choices)
    target_id = models.PositiveBigIntegerField()
    reason = models.CharField(_("reason"), max_length=12, choices=ReportReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    weight = models.FloatField(default=1.0)  # the reporter's trust when they reported
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["reporter", "target_kind", "target_id"], name="moderation_report_once")
        ]

    def __str__(self) -> str:
        return f"report by {self.reporter_id} on {self.target_kind} {self.target_id}"


# --- the moderation log, sanctions, appeals -----------------------------------------------------


class ActionKind(models.TextChoices):
    APPROVE = "approve", _("Approve")
    HIDE = "hide", _("Hide")
    UNHIDE = "unhide", _("Show again")
    DELETE = "delete", _("Delete")
    EDIT = "edit", _("Edit")
    WARN = "warn", _("Warn")
    MUTE = "mute", _("Mute")
    BAN = "ban", _("Ban")
    LIFT = "lift", _("Lift a sanction")
    HOLD = "hold", _("Held by the spam filter")
    AUTO_HIDE = "auto_hide", _("Hidden after reports")
    WITHDRAW = "withdraw", _("Take down (copyright)")
    RESTORE = "restore", _("Restore after a copyright review")


class Action(models.Model):
    """The moderation log: every action, by whom (``moderator`` None: the system), on what, and
    why. Append-only; moderators and operators read it."""

    kind = models.CharField(max_length=12, choices=ActionKind.choices)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    target_kind = models.CharField(max_length=12, choices=TargetKind.choices, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = models.ForeignKey(  # the member the action concerns (the author, or the sanctioned)
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=1000)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "-created_at"], name="moderation_action_subject"),
            models.Index(fields=["target_kind", "target_id"], name="moderation_action_target"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_kind} {self.target_id}"


class SanctionKind(models.TextChoices):
    WARN = "warn", _("Warning")
    MUTE = "mute", _("Muted")
    BAN = "ban", _("Banned")


class Sanction(models.Model):
    """A warning, a mute (no posting until ``ends_at``) or a ban (no posting; ``ends_at`` None:
    for good). Lifted early by a moderator or by an upheld appeal."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions")
    kind = models.CharField(max_length=8, choices=SanctionKind.choices)
    reason = models.TextField(max_length=1000)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    action = models.ForeignKey(Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["user", "kind"], name="moderation_sanction_user")]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id}"


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    UPHELD = "upheld", _("Appeal accepted: the action was undone")
    REJECTED = "rejected", _("Appeal rejected: the action stands")


class Appeal(models.Model):
    """The author's one appeal against one action (a second appeal on the same action is refused)."""

    action = models.OneToOneField(Action, on_delete=models.CASCADE, related_name="appeal")
    appellant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("why the decision should change"), max_length=2000)
    status = models.CharField(max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"appeal {self.pk} on action {self.action_id}"


# --- copyright (侵权) -----------------------------------------------------------------------------


class TakedownStatus(models.TextChoices):
    OPEN = "open", _("Under review")
    UPHELD = "upheld", _("Upheld: the content was taken down")
    REJECTED = "rejected", _("Rejected")


class TakedownRequest(models.Model):
    """A rights holder's complaint: the work, the evidence, where it is copied, and contact."""

    claimant_name = models.CharField(_("your name"), max_length=120)
    claimant_email = models.EmailField(_("e-mail"))
    organisation = models.CharField(_("organisation"), max_length=160, blank=True)
    work = models.TextField(_("the original work"), max_length=2000)
    evidence = models.TextField(_("evidence that you hold the rights"), max_length=4000)
    location = models.CharField(_("where it is copied on this site (address)"), max_length=500)
    target_kind = models.CharField(max_length=12, choices=TargetKind.choices, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    good_faith = models.BooleanField(default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=TakedownStatus.choices, default=TakedownStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"takedown {self.pk}"


# --- the spam/ad classifier ---------------------------------------------------------------------


class SpamModel(models.Model):
    """One trained spam/ad text classifier (``train_spam``); the newest active one scores posts.

    ``weights`` holds plain numeric arrays (``numpy.savez``, loaded with ``allow_pickle=False``),
    never a pickle; ``metrics`` the held-out precision and recall."""

    created_at = models.DateTimeField(default=timezone.now)
    params = models.JSONField(default=dict)
    weights = models.BinaryField()
    metrics = models.JSONField(default=dict)
    examples = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"spam model {self.pk}"
