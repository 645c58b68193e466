from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from lyceum.accounts.models import Level
from lyceum.core.models import BilingualNamed, TimeStampedModel


class Category(BilingualNamed):
    topic = models.ForeignKey(
        "accounts.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="categories"
    )

    class Meta(BilingualNamed.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class Tag(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class CourseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class CourseLanguage(models.TextChoices):
    ENGLISH = "en", "English"
    CHINESE = "zh-hans", "简体中文"


class Course(TimeStampedModel):
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=160)
    subtitle = models.CharField(_("subtitle"), max_length=240, blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown is supported."))
    objectives = models.TextField(_("what you will learn"), blank=True, help_text=_("One objective per line."))
    cover = models.ImageField(_("cover image"), upload_to="covers/%Y/%m/", blank=True)
    language = models.CharField(_("language"), max_length=8, choices=CourseLanguage.choices, default="zh-hans")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="courses", verbose_name=_("category")
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="courses", verbose_name=_("tags"))
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.BEGINNER)
    estimated_hours = models.DecimalField(
        _("estimated hours"), max_digits=5, decimal_places=1, default=1, validators=[MinValueValidator(0)]
    )
    instructors: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CourseInstructor", related_name="taught_courses"
    )
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="required_by", verbose_name=_("prerequisites")
    )
    # Commerce sets prices on products later; until then a course is free or "for sale".
    is_free = models.BooleanField(_("free"), default=True)
    downloads_allowed = models.BooleanField(_("allow downloads"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=CourseStatus.choices, default=CourseStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    content_updated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    # Denormalised counters, changed only through courses.services with F().
    enrollment_count = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, default=0)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        indexes = [
            models.Index(fields=["status", "-published_at"], name="courses_status_published"),
            models.Index(fields=["status", "-enrollment_count"], name="courses_status_popular"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == CourseStatus.PUBLISHED

    def objective_list(self) -> list[str]:
        return [line.strip(" -*\t") for line in self.objectives.splitlines() if line.strip(" -*\t")]


class CourseInstructor(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="course_instructors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="instructor_links")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="courses_instructor_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} teaches {self.course_id}"


class ReleaseRule(models.Model):
    """Drip release: open on a date, or N days after the learner enrolled."""

    release_at = models.DateTimeField(_("opens on"), null=True, blank=True)
    release_after_days = models.PositiveSmallIntegerField(
        _("opens after days enrolled"), null=True, blank=True, validators=[MaxValueValidator(3650)]
    )

    class Meta:
        abstract = True

    def opens_at(self, enrolled_at: datetime | None) -> datetime | None:
        """When this opens for a learner who enrolled at ``enrolled_at`` (None: open now)."""
        candidates = []
        if self.release_at is not None:
            candidates.append(self.release_at)
        if self.release_after_days and enrolled_at is not None:
            candidates.append(enrolled_at + timedelta(days=self.release_after_days))
        return max(candidates) if candidates else None


class Module(ReleaseRule):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(_("title"), max_length=160)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def __str__(self) -> str:
        return self.title


class LessonKind(models.TextChoices):
    TEXT = "text", _("Text")
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Audio")
    FILE = "file", _("File download")
    QUIZ = "quiz", _("Quiz")
    LIVE = "live", _("Live session")


def lesson_media_path(instance: Lesson, filename: str) -> str:
    # Protected media: never under a public prefix; served only by the checked view.
    return f"protected/lessons/{instance.course_id}/{filename}"


class Lesson(ReleaseRule, TimeStampedModel):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(_("title"), max_length=160)
    kind = models.CharField(_("kind"), max_length=8, choices=LessonKind.choices, default=LessonKind.TEXT)
    position = models.PositiveIntegerField(default=0)
    body = models.TextField(_("content"), blank=True, help_text=_("Markdown is supported."))
    is_preview = models.BooleanField(_("free preview"), default=False)
    is_required = models.BooleanField(_("required for completion"), default=True)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), default=0)
    media = models.FileField(_("media file"), upload_to=lesson_media_path, blank=True, max_length=255)
    media_type = models.CharField(max_length=100, blank=True)
    media_size = models.PositiveBigIntegerField(default=0)
    # taken down pending a copyright (侵权) review: nobody but the course's staff can open it
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("why it is withdrawn"), max_length=200, blank=True)
    live_url = models.URLField(_("live session link"), blank=True)
    live_starts_at = models.DateTimeField(_("live session starts"), null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        indexes = [models.Index(fields=["course", "position"], name="courses_lesson_course_pos")]

    def __str__(self) -> str:
        return self.title


class Quiz(models.Model):
    lesson = models.OneToOneField(Lesson, on_delete=models.CASCADE, related_name="quiz")
    pass_percent = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=60, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed (0 = unlimited)"), default=0)

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    def __str__(self) -> str:
        return f"quiz of {self.lesson_id}"


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")
    SHORT = "short", _("Short answer")


class MatchMode(models.TextChoices):
    EXACT = "exact", _("Exact text")
    REGEX = "regex", _("Regular expression")


class Question(models.Model):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("kind"), max_length=12, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    prompt = models.TextField(_("question"), help_text=_("Markdown is supported."))
    explanation = models.TextField(_("explanation"), blank=True)
    position = models.PositiveIntegerField(default=0)
    points = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    # Short answers: accepted answers (exact, case-insensitive unless case_sensitive) or regexes.
    accepted_answers = models.JSONField(default=list, blank=True)
    match_mode = models.CharField(max_length=8, choices=MatchMode.choices, default=MatchMode.EXACT)
    case_sensitive = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.prompt[:60]


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("answer"), max_length=500)
    is_correct = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class ReviewDecision(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    CHANGES_REQUESTED = "changes_requested", _("Sent back with comments")


REVIEW_CHECKLIST = [
    ("objectives", _("Learning objectives are stated")),
    ("outline", _("The outline is complete (every module has lessons)")),
    ("media", _("Videos and audio play; files open")),
    ("accessibility", _("Accessible: readable text, captions or transcripts where needed")),
    ("rights", _("No infringing material; the instructor holds the rights")),
]


class CourseReview(models.Model):
    """One round of the quality review (课程质量审核) of one version of a course."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="reviews")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    note = models.TextField(_("note to the reviewer"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices, default=ReviewDecision.PENDING)
    checklist = models.JSONField(default=dict, blank=True)
    comments = models.TextField(_("reviewer comments"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course"],
                condition=models.Q(decision="pending"),
                name="courses_one_pending_review",
            )
        ]

    def __str__(self) -> str:
        return f"review of {self.course_id} ({self.decision})"


class CourseChange(models.Model):
    """The changelog learners see: what changed in each published update."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField()
    summary = models.TextField(_("what changed"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["course", "version"], name="courses_change_version_unique")]

    def __str__(self) -> str:
        return f"{self.course_id} v{self.version}"
