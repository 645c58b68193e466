"""Personalisation's own tables: interest profiles, precomputed recommendations, learning paths.

Serving reads these rows only (a request costs a few indexed queries); the jobs that write
them (``build_profiles``, ``train_recommender``) run nightly and after ``seed_demo``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- interest profile (用户兴趣分析) -------------------------------------------------------------


class TopicAffinity(models.Model):
    """How much a learner is into a topic, from their behaviour with time decay (``profile.py``).

    ``sources`` keeps the decayed contribution of each signal (``{"survey": 1.0, "enrolled": 0.6,
    "study": 0.3, ...}``) so the learner can see why a topic is in their profile."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="topic_affinities")
    topic = models.ForeignKey("accounts.Topic", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(default=0.0)
    sources = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score", "topic_id"]
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="recs_affinity_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.topic_id} {self.score:.2f}"


class OverrideAction(models.TextChoices):
    HIDE = "hide", _("Hidden")
    ADD = "add", _("Added")


class InterestOverride(models.Model):
    """The learner's correction of their profile: hide a topic, or add one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interest_overrides")
    topic = models.ForeignKey("accounts.Topic", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=8, choices=OverrideAction.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="recs_override_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.topic_id}"


# --- course recommendations (课程推荐) ------------------------------------------------------------


class RecommenderRun(models.Model):
    """One ``train_recommender`` run; serving reads the newest finished run's rows."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    params = models.JSONField(default=dict)  # factors, regularisation, blend weights...
    stats = models.JSONField(default=dict)  # users, items, interactions, seconds per stage

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"recommender run {self.pk}"


class Recommendation(models.Model):
    """A course recommended to a learner by a run, with the reason the learner reads.

    ``reason`` stores facts (``{"kind": "finished", "course": id}``, ``{"kind": "goal", "goal":
    "career_change"}``, ``{"kind": "popular_topic", "topic": id}``...), rendered in the viewer's
    language when shown."""

    run = models.ForeignKey(RecommenderRun, on_delete=models.CASCADE, related_name="recommendations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    reason = models.JSONField(default=dict)

    class Meta:
        ordering = ["rank"]
        constraints = [models.UniqueConstraint(fields=["run", "user", "course"], name="recs_rec_unique")]
        indexes = [models.Index(fields=["run", "user", "rank"], name="recs_rec_serving")]

    def __str__(self) -> str:
        return f"{self.user_id} #{self.rank} {self.course_id}"


class SimilarCourse(models.Model):
    """ "Learners who took this also took" (co-enrollment) and content-similar courses, per run."""

    run = models.ForeignKey(RecommenderRun, on_delete=models.CASCADE, related_name="similar")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    kind = models.CharField(max_length=16, default="also_took")  # also_took | similar

    class Meta:
        ordering = ["rank"]
        constraints = [models.UniqueConstraint(fields=["run", "course", "other"], name="recs_similar_unique")]
        indexes = [models.Index(fields=["run", "course", "rank"], name="recs_similar_serving")]

    def __str__(self) -> str:
        return f"{self.course_id} ~ {self.other_id}"


# --- learning paths (学习路径规划) ----------------------------------------------------------------


class CuratedPath(models.Model):
    """An ordered path defined by operators or instructors ("Become a data analyst")."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    is_published = models.BooleanField(_("published"), default=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class CuratedPathStep(models.Model):
    path = models.ForeignKey(CuratedPath, on_delete=models.CASCADE, related_name="steps")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["path", "course"], name="recs_pathstep_unique")]

    def __str__(self) -> str:
        return f"{self.path_id} #{self.position} {self.course_id}"


class PathStatus(models.TextChoices):
    ACTIVE = "active", _("In progress")
    COMPLETED = "completed", _("Completed")
    ABANDONED = "abandoned", _("Stopped")


class LearningPath(models.Model):
    """A learner's started path: the goal, their weekly budget, and the current plan.

    ``plan`` is the planner's output (``paths.Plan`` as JSON: ordered course ids with minutes
    and the week-by-week schedule); it is rebuilt when the learner falls behind or changes the
    budget (``replanned_at``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learning_paths")
    goal = models.CharField(max_length=120)  # "course:<id>", "topic:<slug>:<level>", "curated:<slug>"
    weekly_minutes = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=PathStatus.choices, default=PathStatus.ACTIVE)
    plan = models.JSONField(default=dict)
    started_at = models.DateTimeField(default=timezone.now)
    replanned_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(status="active"), name="recs_one_active_path")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.goal}"
