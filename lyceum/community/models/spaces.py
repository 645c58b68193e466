"""Spaces, threads, replies, votes, accepted answers, mentions, follows and bookmarks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lyceum.core.models import TimeStampedModel

TITLE_MAX = 200
BODY_MAX = 20_000


class SpaceKind(models.TextChoices):
    GLOBAL = "global", _("Community-wide")
    COURSE = "course", _("Course space")
    PAID = "paid", _("Members-only space")


class PostPolicy(models.TextChoices):
    MEMBERS = "members", _("Everyone who can read it")
    STAFF = "staff", _("Instructors, moderators and operators only")


class Space(TimeStampedModel):
    """Where threads live. Who may read it follows ``kind``:

    - ``global``: every signed-in member (visitors may read, not post);
    - ``course``: learners with an active enrollment in ``course`` and its instructors;
    - ``paid``: learners with an active enrollment in any of ``access_courses`` or an active
      membership of any plan in ``access_plans`` (plan product slugs; empty list with no
      courses = any active membership). Memberships are asked through the
      ``member.active_plans`` hook, so community never imports commerce.
    Staff (moderators, operators) read everything.
    """

    slug = models.SlugField(_("address"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    rules = models.TextField(_("rules summary"), max_length=4000, blank=True, help_text=_("Markdown."))
    kind = models.CharField(_("kind"), max_length=8, choices=SpaceKind.choices, default=SpaceKind.GLOBAL)
    course = models.OneToOneField(
        "courses.Course", null=True, blank=True, on_delete=models.CASCADE, related_name="space"
    )
    access_courses = models.ManyToManyField("courses.Course", blank=True, related_name="+")
    access_plans = models.JSONField(_("membership plans"), default=list, blank=True)
    post_policy = models.CharField(
        _("who may start threads"), max_length=8, choices=PostPolicy.choices, default=PostPolicy.MEMBERS
    )
    position = models.PositiveSmallIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    thread_count = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="course") | Q(course__isnull=False), name="community_space_course_has_course"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CommunityTag(models.Model):
    slug = models.SlugField(max_length=40, unique=True, allow_unicode=True)
    name = models.CharField(max_length=40)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HiddenReason(models.TextChoices):
    """Why a post, group or profile is out of sight pending (or after) moderation."""

    HELD = "held", _("Held for review by the spam filter")
    REPORTS = "reports", _("Hidden after reports from members")
    MODERATOR = "moderator", _("Hidden by a moderator")
    TAKEDOWN = "takedown", _("Taken down after a copyright complaint")


class ThreadKind(models.TextChoices):
    DISCUSSION = "discussion", _("Discussion")
    QUESTION = "question", pgettext_lazy("thread kind", "Question")
    ANNOUNCEMENT = "announcement", _("Announcement")


class Thread(TimeStampedModel):
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="threads")
    kind = models.CharField(_("kind"), max_length=12, choices=ThreadKind.choices, default=ThreadKind.DISCUSSION)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("body"), max_length=BODY_MAX, help_text=_("Markdown."))
    body_html = models.TextField(blank=True)  # sanitised render of ``body``, written by the service
    tags = models.ManyToManyField(CommunityTag, blank=True, related_name="threads")
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_locked = models.BooleanField(_("locked"), default=False)
    accepted_reply = models.ForeignKey(
        "community.Reply", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # out of sight for everyone but its author and staff (``HiddenReason``), not deleted
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=12, choices=HiddenReason.choices, blank=True)
    # Denormalised counters, kept by the services (lists never count rows).
    reply_count = models.PositiveIntegerField(default=0)
    score = models.IntegerField(default=0)
    view_count = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_pinned", "-last_activity_at"]
        indexes = [
            models.Index(fields=["space", "-last_activity_at"], name="community_thread_space_recent"),
            models.Index(fields=["space", "-score"], name="community_thread_space_top"),
            models.Index(fields=["space", "kind", "reply_count"], name="community_thread_unanswered"),
            models.Index(fields=["author", "-created_at"], name="community_thread_author"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class Reply(TimeStampedModel):
    """A reply to a thread; ``parent`` nests one level (a reply to a top-level reply)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="replies")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="replies")
    body = models.TextField(_("reply"), max_length=BODY_MAX)
    body_html = models.TextField(blank=True)
    score = models.IntegerField(default=0)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=12, choices=HiddenReason.choices, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "replies"
        indexes = [models.Index(fields=["thread", "created_at"], name="community_reply_thread")]

    def __str__(self) -> str:
        return f"reply {self.pk} on {self.thread_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class Revision(models.Model):
    """The text of a thread or reply *before* an edit (the edit history)."""

    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    body = models.TextField(max_length=BODY_MAX)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(thread__isnull=False, reply__isnull=True) | Q(thread__isnull=True, reply__isnull=False),
                name="community_revision_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"revision {self.pk}"


class Vote(models.Model):
    """One upvote by one user on a thread or a reply."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="votes")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "thread"], condition=Q(thread__isnull=False), name="community_vote_thread_once"
            ),
            models.UniqueConstraint(
                fields=["user", "reply"], condition=Q(reply__isnull=False), name="community_vote_reply_once"
            ),
            models.CheckConstraint(
                condition=Q(thread__isnull=False, reply__isnull=True) | Q(thread__isnull=True, reply__isnull=False),
                name="community_vote_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"vote by {self.user_id}"


class Mention(models.Model):
    """``@someone`` in a thread or reply body (recorded once per post and person)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="mentions")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="mentions")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "thread"], condition=Q(reply__isnull=True), name="community_mention_thread_once"
            ),
            models.UniqueConstraint(
                fields=["user", "reply"], condition=Q(reply__isnull=False), name="community_mention_reply_once"
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.thread_id}"


class ThreadFollow(models.Model):
    """Following a thread: its new replies notify the follower. Authors follow their own."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="community_follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.thread_id}"


class Bookmark(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="community_bookmark_once")]

    def __str__(self) -> str:
        return f"{self.user_id} bookmarked {self.thread_id}"
