"""Course reviews: 1–5 stars and text by enrolled learners, one per learner and course."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lyceum.core.models import TimeStampedModel

REVIEW_TEXT_MAX = 5000
POSITIVE_MIN_RATING = 4  # METRICS.md: a review is positive when rating >= 4 of 5


class Review(TimeStampedModel):
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="learner_reviews")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_reviews")
    rating = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.TextField(_("review"), max_length=REVIEW_TEXT_MAX, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    instructor_reply = models.TextField(_("instructor's reply"), max_length=REVIEW_TEXT_MAX, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)
    helpful_count = models.PositiveIntegerField(default=0)
    hidden_at = models.DateTimeField(null=True, blank=True)  # hidden by a moderator; kept for the record
    # why (the community's HiddenReason values): "held" by the spam filter, "reports", "moderator", "takedown"
    hidden_reason = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="feedback_review_once"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_review_rating_range"),
        ]
        indexes = [models.Index(fields=["course", "-created_at"], name="feedback_review_course")]

    def __str__(self) -> str:
        return f"{self.rating}★ by {self.user_id} on {self.course_id}"

    @property
    def is_positive(self) -> bool:
        return self.rating >= POSITIVE_MIN_RATING


class ReviewHelpful(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="helpful_votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "user"], name="feedback_helpful_once")]

    def __str__(self) -> str:
        return f"{self.user_id} found {self.review_id} helpful"
