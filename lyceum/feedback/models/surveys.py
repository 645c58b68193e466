"""Surveys: operator-built questionnaires targeted at groups of learners, answered in-site."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lyceum.core.models import TimeStampedModel


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")  # published; open between opens_at and closes_at
    CLOSED = "closed", _("Closed")


class SurveyAudience(models.TextChoices):
    ALL = "all", _("All learners")
    COURSE = "course", _("Learners of a course")
    COMPLETED = "completed", _("Learners who completed a course")
    DROPPED = "dropped", _("Learners who dropped a course")


class Survey(TimeStampedModel):
    title = models.CharField(_("title"), max_length=160)
    intro = models.TextField(_("introduction"), max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT)
    audience = models.CharField(_("who is asked"), max_length=10, choices=SurveyAudience.choices,
                                default=SurveyAudience.ALL)  # fmt: skip
    course = models.ForeignKey("courses.Course", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opens_at = models.DateTimeField(_("opens"), default=timezone.now)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    response_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(audience="all") | Q(course__isnull=False), name="feedback_survey_course_audience"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SCALE = "scale", _("Scale 1–5")
    NPS = "nps", _("Net Promoter Score 0–10")
    TEXT = "text", _("Free text")


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    options = models.JSONField(default=list, blank=True)  # choice labels for single/multiple
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class SurveyResponse(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_responses")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [models.UniqueConstraint(fields=["survey", "user"], name="feedback_response_once")]

    def __str__(self) -> str:
        return f"{self.user_id} answered {self.survey_id}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    choices = models.JSONField(default=list, blank=True)  # option indexes (single/multiple)
    number = models.SmallIntegerField(null=True, blank=True)  # scale 1–5 or NPS 0–10
    text = models.TextField(max_length=4000, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="feedback_answer_once")]

    def __str__(self) -> str:
        return f"answer to {self.question_id}"
