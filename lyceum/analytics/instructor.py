"""Instructor analytics: reads of one course (or one instructor's courses) from the live tables.

Each read is bounded by a course (or an instructor's handful of courses) and runs a fixed
number of grouped queries, whatever the number of learners, lessons or attempts. Figures:
enrollments and completions over time, the progress distribution, lesson drop-off (how
many enrolled learners reached and completed each lesson, in outline order), quiz item
difficulty (the share of attempts that answered each question right, as graded by
``learning.services.quiz_attempt_submit``), ratings and earnings (``commerce.reports``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.accounts.models import Role
from lyceum.commerce import reports
from lyceum.commerce.models import LedgerEntry, LedgerKind
from lyceum.core.errors import NotFound
from lyceum.courses.models import Course, Lesson, Question
from lyceum.courses.selectors import course_user_can_edit
from lyceum.feedback.models import Review
from lyceum.learning.models import Enrollment, LessonProgress, QuizAttempt

from .report import CourseRow, Series

CER_MATURITY_DAYS = 30  # METRICS.md: CER counts enrollments started at least N = 30 days ago
TIMELINE_DAYS = 90
PROGRESS_BUCKETS = [(lo, lo + 10) for lo in range(0, 100, 10)] + [(100, 101)]


@dataclass(frozen=True)
class LessonStep:
    lesson_id: int
    title: str
    module: str
    reached: int
    completed: int
    dropped: int  # reached this lesson but not the next one (in outline order)


@dataclass(frozen=True)
class QuizItem:
    question_id: int
    quiz: str  # the quiz lesson's title
    prompt: str
    kind: str
    attempts: int
    right: int

    @property
    def share_right(self) -> float | None:
        return self.right / self.attempts if self.attempts else None


@dataclass(frozen=True)
class CourseAnalytics:
    course: Course
    enrolled: int
    timeline: list[Series]
    progress: list[tuple[str, int]]
    lessons: list[LessonStep]
    quiz_items: list[QuizItem]
    ratings: dict[int, int]
    earnings: list[dict[str, Any]]  # per currency: sales, refunds, net and (instructors) your share
    row: CourseRow

    @property
    def rating_count(self) -> int:
        return sum(self.ratings.values())

    @property
    def rating_avg(self) -> float | None:
        total = self.rating_count
        return sum(k * n for k, n in self.ratings.items()) / total if total else None


# --- which courses ----------------------------------------------------------------------------


def courses_for_user(*, user: Any) -> QuerySet[Course]:
    """Operators: every course; instructors: the courses they teach."""
    courses = Course.objects.order_by("title", "id")
    if user.has_role(Role.OPERATOR):
        return courses
    return courses.filter(course_instructors__user=user).distinct()


def course_get_for_user(*, user: Any, slug: str) -> Course:
    """A course the user may see analytics of (its instructors, operators); NotFound otherwise."""
    course = Course.objects.filter(slug=slug).first()
    if course is None or not course_user_can_edit(user=user, course=course):
        raise NotFound(_("No such course."))
    return course


# --- course rows (the per-course table) ---------------------------------------------------------


def course_rows(*, courses: list[Course], now: datetime | None = None) -> list[CourseRow]:
    """All-time figures of each course in four queries (courses given, enrollments, reviews, ledger)."""
    now = now or timezone.now()
    ids = [c.pk for c in courses]
    mature = Q(created_at__lte=now - timedelta(days=CER_MATURITY_DAYS))
    enrollments = {
        r["course_id"]: r
        for r in Enrollment.objects.filter(course_id__in=ids)
        .values("course_id")
        .annotate(
            total=Count("id"),
            mature=Count("id", filter=mature),
            done=Count("id", filter=mature & Q(completed_at__isnull=False)),
        )
    }
    ratings = {
        r["course_id"]: r
        for r in Review.objects.filter(course_id__in=ids, hidden_at__isnull=True)
        .values("course_id")
        .annotate(n=Count("id"), total=Sum("rating"))
    }
    money: dict[int, dict[str, Any]] = {}
    for r in (
        LedgerEntry.objects.filter(course_id__in=ids)
        .values("course_id", "currency")
        .annotate(
            sales=Sum("gross", filter=Q(kind=LedgerKind.SALE)),
            refunds=Sum("gross", filter=Q(kind=LedgerKind.REFUND)),
        )
    ):
        best = money.get(r["course_id"])
        if best is None or (r["sales"] or 0) > (best["sales"] or 0):  # one currency per row: the main one
            money[r["course_id"]] = r
    rows = []
    for course in courses:
        e = enrollments.get(course.pk, {})
        rv = ratings.get(course.pk, {})
        m = money.get(course.pk, {})
        rows.append(
            CourseRow(
                course_id=course.pk,
                slug=course.slug,
                title=course.title,
                enrollments=e.get("total", 0),
                completion_rate=e["done"] / e["mature"] if e.get("mature") else None,
                rating_avg=rv["total"] / rv["n"] if rv.get("n") else None,
                rating_count=rv.get("n", 0),
                revenue=m.get("sales") or 0,
                refunds=-(m.get("refunds") or 0),
                currency=m.get("currency", ""),
            )
        )
    return rows


# --- one course -------------------------------------------------------------------------------


def _daily(rows: QuerySet, start: date, end: date, key: str, label: str) -> Series:
    counts = {r["day"]: r["n"] for r in rows}
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return Series(key=key, label=label, points=[(d, float(counts.get(d, 0))) for d in days])


def _timeline(course: Course, today: date) -> list[Series]:
    start = today - timedelta(days=TIMELINE_DAYS - 1)
    zone = timezone.get_current_timezone()
    since = datetime(start.year, start.month, start.day, tzinfo=zone)
    enrolled = (
        Enrollment.objects.filter(course=course, created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("id"))
    )
    completed = (
        Enrollment.objects.filter(course=course, completed_at__gte=since)
        .annotate(day=TruncDate("completed_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("id"))
    )
    return [
        _daily(enrolled, start, today, "enrollments", _("Enrollments")),
        _daily(completed, start, today, "completions", _("Completions")),
    ]


def _progress(course: Course, now: datetime) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """Enrollment counts (total, and for CER the mature and completed ones) and the progress histogram."""
    mature = Q(created_at__lte=now - timedelta(days=CER_MATURITY_DAYS))
    counts = Enrollment.objects.filter(course=course).aggregate(
        total=Count("id"),
        mature=Count("id", filter=mature),
        done=Count("id", filter=mature & Q(completed_at__isnull=False)),
        **{
            f"b{lo}": Count("id", filter=Q(progress_percent__gte=lo, progress_percent__lt=hi))
            for lo, hi in PROGRESS_BUCKETS
        },
    )
    buckets = [(f"{lo}–{hi - 1}" if hi <= 100 else "100", counts[f"b{lo}"]) for lo, hi in PROGRESS_BUCKETS]
    return counts, buckets


def _outline(course: Course) -> list[Lesson]:
    return list(
        Lesson.objects.filter(course=course)
        .select_related("module")
        .order_by("module__position", "module_id", "position", "id")
    )


def _dropoff(course: Course, lessons: list[Lesson]) -> list[LessonStep]:
    learners = Enrollment.objects.filter(course=course).values("user_id")
    counts = {
        r["lesson_id"]: r
        for r in LessonProgress.objects.filter(course=course, user_id__in=learners)
        .values("lesson_id")
        .annotate(reached=Count("id"), completed=Count("id", filter=Q(completed_at__isnull=False)))
    }
    reached = [counts.get(lesson.pk, {}).get("reached", 0) for lesson in lessons]
    steps = []
    for i, lesson in enumerate(lessons):
        following = reached[i + 1] if i + 1 < len(lessons) else None
        steps.append(
            LessonStep(
                lesson_id=lesson.pk,
                title=lesson.title,
                module=lesson.module.title,
                reached=reached[i],
                completed=counts.get(lesson.pk, {}).get("completed", 0),
                dropped=max(0, reached[i] - following) if following is not None else 0,
            )
        )
    return steps


def _quiz_items(course: Course) -> list[QuizItem]:
    questions = list(
        Question.objects.filter(quiz__lesson__course=course)
        .select_related("quiz__lesson__module")
        .order_by("quiz__lesson__module__position", "quiz__lesson__position", "quiz__lesson_id", "position", "id")
    )
    if not questions:
        return []
    attempts: Counter[str] = Counter()
    right: Counter[str] = Counter()
    graded = QuizAttempt.objects.filter(quiz__lesson__course=course).values_list("answers", flat=True)
    for answers in graded.iterator(chunk_size=2000):
        results = answers.get("correct") if isinstance(answers, dict) else None
        if not isinstance(results, dict):
            continue
        for qid, ok in results.items():
            attempts[str(qid)] += 1
            right[str(qid)] += 1 if ok is True else 0
    return [
        QuizItem(
            question_id=q.pk,
            quiz=q.quiz.lesson.title,
            prompt=q.prompt,
            kind=q.get_kind_display(),
            attempts=attempts[str(q.pk)],
            right=right[str(q.pk)],
        )
        for q in questions
    ]


def _ratings(course: Course) -> dict[int, int]:
    counts = dict.fromkeys(range(1, 6), 0)
    for r in Review.objects.filter(course=course, hidden_at__isnull=True).values("rating").annotate(n=Count("id")):
        counts[r["rating"]] = r["n"]
    return counts


def _earnings(course: Course, viewer: Any) -> list[dict[str, Any]]:
    """Course sales and refunds per currency; for the course's instructors also their own share,
    from the same computation as the earnings page (``commerce.reports.earnings_by_course``)."""
    totals = (
        LedgerEntry.objects.filter(course=course)
        .values("currency")
        .annotate(
            sales=Sum("gross", filter=Q(kind=LedgerKind.SALE)),
            refunds=Sum("gross", filter=Q(kind=LedgerKind.REFUND)),
            net=Sum("gross"),
        )
        .order_by("currency")
    )
    rows: dict[str, dict[str, Any]] = defaultdict(dict)
    for r in totals:
        rows[r["currency"]] = {
            "currency": r["currency"],
            "sales": r["sales"] or 0,
            "refunds": r["refunds"] or 0,
            "net": r["net"] or 0,
            "yours": None,
        }
    if viewer.has_role(Role.INSTRUCTOR):
        for r in reports.earnings_by_course(instructor=viewer):
            if r["course_id"] == course.pk and r["currency"] in rows:
                rows[r["currency"]]["yours"] = r["instructor_net"]
    return list(rows.values())


def course_analytics(*, course: Course, viewer: Any, now: datetime | None = None) -> CourseAnalytics:
    """Everything the instructor course page shows, in a fixed number of queries."""
    now = now or timezone.now()
    counts, progress = _progress(course, now)
    ratings = _ratings(course)
    earnings = _earnings(course, viewer)
    main = max(earnings, key=lambda e: e["sales"], default=None)
    rated = sum(ratings.values())
    row = CourseRow(
        course_id=course.pk,
        slug=course.slug,
        title=course.title,
        enrollments=counts["total"],
        completion_rate=counts["done"] / counts["mature"] if counts["mature"] else None,
        rating_avg=sum(k * n for k, n in ratings.items()) / rated if rated else None,
        rating_count=rated,
        revenue=main["sales"] if main else 0,
        refunds=-main["refunds"] if main else 0,
        currency=main["currency"] if main else "",
    )
    return CourseAnalytics(
        course=course,
        enrolled=counts["total"],
        timeline=_timeline(course, timezone.localdate(now)),
        progress=progress,
        lessons=_dropoff(course, _outline(course)),
        quiz_items=_quiz_items(course),
        ratings=ratings,
        earnings=earnings,
        row=row,
    )
