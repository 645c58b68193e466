from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lyceum.core.models import TimeStampedModel


class EnrollmentSource(models.TextChoices):
    FREE = "free", _("Free enrollment")
    PURCHASE = "purchase", _("Purchase")
    MEMBERSHIP = "membership", _("Membership")
    GRANT = "grant", _("Granted by an operator")


class Enrollment(TimeStampedModel):
    """The one access record: a learner may open a course's lessons while it is active."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="enrollments")
    source = models.CharField(_("source"), max_length=16, choices=EnrollmentSource.choices)
    access_until = models.DateTimeField(_("access until"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    progress_percent = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    last_lesson = models.ForeignKey(
        "courses.Lesson", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_activity_at", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="learning_enrollment_unique")]
        indexes = [models.Index(fields=["user", "-last_activity_at"], name="learning_enroll_user_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.course_id}"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.access_until is None or self.access_until > timezone.now()


class LessonProgress(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey("courses.Lesson", on_delete=models.CASCADE, related_name="progress")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    position_seconds = models.PositiveIntegerField(default=0)
    furthest_seconds = models.PositiveIntegerField(default=0)
    percent = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    completed_at = models.DateTimeField(null=True, blank=True)
    first_viewed_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="learning_progress_unique"),
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="learning_progress_percent_range"),
        ]
        indexes = [models.Index(fields=["user", "course"], name="learning_progress_user_course")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.lesson_id}: {self.percent}%"


class QuizAttempt(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    quiz = models.ForeignKey("courses.Quiz", on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    answers = models.JSONField(default=dict)
    score = models.PositiveIntegerField(default=0)
    max_score = models.PositiveIntegerField(default=0)
    percent = models.PositiveSmallIntegerField(default=0)
    passed = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "quiz", "number"], name="learning_attempt_number")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.user_id} on {self.quiz_id}"


class Certificate(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates")
    course = models.ForeignKey("courses.Course", on_delete=models.PROTECT, related_name="certificates")
    code = models.CharField(max_length=24, unique=True)
    # Snapshots: the certificate states what was true when it was issued.
    learner_name = models.CharField(max_length=120)
    course_title = models.CharField(max_length=160)
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="learning_certificate_unique")]

    def __str__(self) -> str:
        return self.code
