"""Reads for the feedback analysis pages: the texts of reviews and free-text survey answers per
course, fed to the pure ``feedback.analysis`` functions.

Who sees what: operators every course; instructors the courses they teach (they act on
what their learners say). Hidden reviews are left out. Queries are fixed (three for the
overview, four for one course), whatever the number of courses and texts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lyceum.accounts.models import Role
from lyceum.core.errors import NotFound, PermissionDenied
from lyceum.courses.models import Course, CourseInstructor

from ..analysis import NEGATIVE_MAX_RATING, Analysis, Document, Term, analyse
from ..models import QuestionKind, Review, SurveyAnswer
from .reviews import RatingSummary, rating_summary_from_counts

OVERVIEW_COMPLAINTS = 3
PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}  # ?period= on the analysis pages (days)
DEFAULT_PERIOD = "all"
PERIOD_LABELS = [
    ("30", gettext_lazy("last 30 days")),
    ("90", gettext_lazy("last 90 days")),
    ("365", gettext_lazy("last 12 months")),
    ("all", gettext_lazy("all time")),
]


def period_since(period: str, now: datetime) -> tuple[str, datetime | None]:
    """The period key the pages understand (unknown values fall back to all time) and its start."""
    key = period if period in PERIODS else DEFAULT_PERIOD
    days = PERIODS[key]
    return key, (now - timedelta(days=days) if days else None)


def user_may_see_analysis(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.has_role(Role.OPERATOR) or user.has_role(Role.INSTRUCTOR)
    )


def _courses_for(user: Any) -> QuerySet[Course]:
    if not user_may_see_analysis(user):
        raise PermissionDenied(_("Only operators and instructors see feedback analysis."))
    courses = Course.objects.all()
    if not user.has_role(Role.OPERATOR):
        courses = courses.filter(pk__in=CourseInstructor.objects.filter(user=user).values("course_id"))
    return courses


def _documents(
    course_ids: Iterable[int] | None, since: datetime | None = None
) -> tuple[dict[int, list[Document]], dict[int, dict[int, int]]]:
    """Texts per course, and every visible rating per course (for the summaries). Two queries.
    ``since`` keeps reviews posted and survey answers submitted from then on."""
    reviews = Review.objects.filter(hidden_at__isnull=True)
    answers = SurveyAnswer.objects.filter(question__kind=QuestionKind.TEXT, question__survey__course__isnull=False)
    if since is not None:
        reviews = reviews.filter(created_at__gte=since)
        answers = answers.filter(response__submitted_at__gte=since)
    if course_ids is not None:
        ids = list(course_ids)
        reviews = reviews.filter(course_id__in=ids)
        answers = answers.filter(question__survey__course_id__in=ids)
    docs: dict[int, list[Document]] = defaultdict(list)
    ratings: dict[int, dict[int, int]] = defaultdict(lambda: dict.fromkeys(range(1, 6), 0))
    for course_id, rating, text in reviews.values_list("course_id", "rating", "text").iterator():
        ratings[course_id][rating] += 1
        if text.strip():
            docs[course_id].append(Document(text=text, rating=rating))
    for course_id, text in answers.exclude(text="").values_list("question__survey__course_id", "text").iterator():
        docs[course_id].append(Document(text=text))
    return docs, ratings


@dataclass(frozen=True)
class CourseFeedback:
    course: Course
    summary: RatingSummary
    analysis: Analysis

    @property
    def negative_count(self) -> int:
        return sum(row.count for row in self.summary.distribution if row.stars <= NEGATIVE_MAX_RATING)

    @property
    def negative_share(self) -> float | None:
        return self.negative_count / self.summary.count if self.summary.count else None

    @property
    def negative_percent(self) -> int | None:
        share = self.negative_share
        return None if share is None else round(share * 100)

    @property
    def top_complaints(self) -> list[Term]:
        return self.analysis.complaints[:OVERVIEW_COMPLAINTS]


@dataclass(frozen=True)
class Overview:
    courses: list[CourseFeedback]  # courses with any feedback, most negative reviews first
    overall: Analysis  # every course together


def feedback_overview(*, user: Any, since: datetime | None = None, limit: int = 20) -> Overview:
    """Every course the viewer may analyse that has reviews or survey texts, with its rating,
    count, share of negative reviews and its top complaint terms; plus all of them together."""
    courses = {c.pk: c for c in _courses_for(user).only("pk", "slug", "title", "rating_avg", "rating_count")}
    docs, ratings = _documents(None if user.has_role(Role.OPERATOR) else list(courses), since)
    rows = []
    for course_id in set(docs) | set(ratings):
        course = courses.get(course_id)
        if course is None:
            continue
        summary = rating_summary_from_counts(ratings.get(course_id, dict.fromkeys(range(1, 6), 0)))
        rows.append(
            CourseFeedback(course=course, summary=summary, analysis=analyse(docs.get(course_id, []), limit=limit))
        )
    rows.sort(key=lambda r: (-r.negative_count, -(r.negative_share or 0), -r.summary.count, r.course.title))
    everything = [d for course_id, course_docs in docs.items() if course_id in courses for d in course_docs]
    return Overview(courses=rows, overall=analyse(everything, limit=limit))


def feedback_for_course(*, user: Any, slug: str, since: datetime | None = None, limit: int = 30) -> CourseFeedback:
    """One course's rating summary and analysis (operators; the course's instructors)."""
    course = _courses_for(user).filter(slug=slug).first()
    if course is None:
        if Course.objects.filter(slug=slug).exists():
            raise PermissionDenied(_("You can see the feedback of the courses you teach only."))
        raise NotFound(_("No such course."))
    docs, ratings = _documents([course.pk], since)
    summary = rating_summary_from_counts(ratings.get(course.pk, dict.fromkeys(range(1, 6), 0)))
    return CourseFeedback(course=course, summary=summary, analysis=analyse(docs.get(course.pk, []), limit=limit))
