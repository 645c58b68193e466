"""Reads of precomputed recommendations (``train_recommender`` writes them); a few indexed
queries, no model in the request.

- ``recommendations_for_user``: the learner's rows of the newest finished run (one query with
  the run as a subquery), the reasons' titles and topic names (at most two more). A learner
  with no row yet (signed up after the last run) gets a cheap cold start computed on the spot:
  published courses of their needs-survey topics near their level, most enrolled first, that
  they have not taken (three or four queries).
- ``also_took_for_course``: the course's "learners who took this also took" rows of that run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Subquery
from django.urls import reverse

from lyceum.accounts.models import LearnerGoal, TopicInterest
from lyceum.courses.models import Course, CourseStatus
from lyceum.learning.models import Enrollment

from .engine.data import level_index
from .models import Recommendation, RecommenderRun, SimilarCourse
from .reasons import reason_lookups, reason_text

MAX_LIMIT = 50


@dataclass
class Recommended:
    course: Course
    rank: int
    score: float
    reason: dict[str, Any]
    text: str

    @property
    def url(self) -> str:
        return f"/courses/{self.course.slug}/"

    @property
    def click_url(self) -> str:
        """The home page's link: records the click (``clicks.py``), then opens the course."""
        return reverse("recommendations:clicked", args=[self.course.pk]) + f"?from=home&rank={self.rank}"


def _latest_run() -> Subquery:
    return Subquery(
        RecommenderRun.objects.filter(finished_at__isnull=False).order_by("-started_at", "-id").values("pk")[:1]
    )


def recommendations_for_user(*, user: Any, limit: int = 10) -> list[Recommended]:
    """The learner's recommendations, best first (``limit`` 1..50), with reasons in words."""
    if not getattr(user, "is_authenticated", False):
        return []
    limit = max(1, min(limit, MAX_LIMIT))
    rows = list(
        Recommendation.objects.filter(run=_latest_run(), user=user, course__status=CourseStatus.PUBLISHED)
        .select_related("course", "course__category")
        .order_by("rank")[:limit]
    )
    if rows:
        pairs = [(r.course, r.rank, r.score, r.reason if isinstance(r.reason, dict) else {}) for r in rows]
    else:
        pairs = _cold_start(user, limit)
    titles, topics = reason_lookups(p[3] for p in pairs)
    return [
        Recommended(
            course=c, rank=rank, score=score, reason=reason, text=reason_text(reason, titles=titles, topics=topics)
        )
        for c, rank, score, reason in pairs
    ]


def _cold_start(user: Any, limit: int) -> list[tuple[Course, int, float, dict[str, Any]]]:
    """Popular courses of the learner's survey topics at (or one level around) their level; with
    no survey, the platform's most enrolled courses."""
    levels = {
        t: level_index(lvl)
        for t, lvl in TopicInterest.objects.filter(profile__user=user).values_list("topic_id", "level")
    }
    goal = (
        LearnerGoal.objects.filter(profile__user=user).order_by("goal").values_list("goal", flat=True).first()
        if levels
        else None
    )
    taken = Enrollment.objects.filter(user=user, course=OuterRef("pk"))
    courses = Course.objects.filter(status=CourseStatus.PUBLISHED).exclude(pk__in=Subquery(taken.values("course_id")))
    order = ("-enrollment_count", "-rating_avg", "pk")
    found: list[Course] = []
    if levels:
        found = list(
            courses.filter(category__topic_id__in=list(levels)).select_related("category").order_by(*order)[: limit * 3]
        )
    if not found:  # no survey, or nothing published in its topics: the platform's most taken
        found = list(courses.select_related("category").order_by(*order)[: limit * 3])
    scored: list[tuple[float, Course, dict[str, Any]]] = []
    for c in found:
        topic = c.category.topic_id if c.category else None
        if topic is None or topic not in levels:
            scored.append(
                (float(c.enrollment_count), c, {"kind": "popular"} if c.enrollment_count else {"kind": "picked"})
            )
            continue
        gap = level_index(c.level) - levels[topic]
        if gap >= 2:
            continue  # far above the learner's level
        fit = 1.0 if gap == 0 else 0.6
        reason: dict[str, Any] = (
            {"kind": "goal", "goal": goal, "topic": topic} if goal else {"kind": "topic", "topic": topic}
        )
        scored.append((fit * (1.0 + c.enrollment_count), c, reason))
    scored.sort(key=lambda s: (-s[0], s[1].pk))
    top = scored[:limit]
    high = max((s[0] for s in top), default=1.0) or 1.0
    return [(c, rank, round(score / high, 6), reason) for rank, (score, c, reason) in enumerate(top, start=1)]


def also_took_for_course(*, course: Any, limit: int = 4) -> list[Course]:
    """Published courses that learners of ``course`` also took (one query)."""
    rows = (
        SimilarCourse.objects.filter(
            run=_latest_run(), course_id=course.pk, kind="also_took", other__status=CourseStatus.PUBLISHED
        )
        .select_related("other", "other__category")
        .order_by("rank")[:limit]
    )
    return [r.other for r in rows]
