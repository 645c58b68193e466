"""Behaviour features of a learner at a snapshot day, and the churn label that follows it.

Everything is *point in time*: the features of day ``d`` use only history before ``d``
(activity rollups, events and survey answers timestamped earlier), so a model trained on
past snapshots is scored on today's learners exactly as it was evaluated.

Definitions (METRICS.md): a learner is *active* on a day with a qualifying activity
(``analytics.UserDay``). The population at ``d`` is every learner active in
``[d-28, d-1]``; the label is 1 (churned) when the learner has no activity in
``[d, d+29]``.

A feature may be missing (no quiz taken, no needs survey answered): it is ``nan`` and the
model imputes the training mean, so a missing value neither raises nor lowers a risk and
is never given as a reason.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from django.db.models import Min

from lyceum.accounts.models import LearnerProfile, Role, User
from lyceum.core.models import Event

from ..models import UserDay
from ..rollup import platform_tz

LOOKBACK_DAYS = 28  # "active learner": active in the 28 days before the snapshot (METRICS.md)
HORIZON_DAYS = 30  # churned: no activity in the 30 days from the snapshot on
HISTORY_DAYS = 120  # history loaded before the first active day (sign-up, first lessons, purchases)


@dataclass(frozen=True)
class Feature:
    key: str
    log: bool = False  # model on log1p(x) (counts and durations: a few heavy users must not dominate)
    signed_log: bool = False  # model on sign(x) * log1p(|x|) (differences of counts)


# Column order of the model. Adding a feature: add it here, compute it in ``snapshot``, write
# its sentence in ``reasons.py``; the next ``train_churn`` picks it up.
FEATURES: tuple[Feature, ...] = (
    Feature("days_since_active"),
    Feature("active_days_14"),
    Feature("activity_trend", signed_log=True),
    Feature("study_minutes_14", log=True),
    Feature("study_trend", signed_log=True),
    Feature("lessons_14", log=True),
    Feature("days_since_progress", log=True),
    Feature("quiz_mean"),
    Feature("quiz_trend"),
    Feature("community_28", log=True),
    Feature("purchases", log=True),
    Feature("tenure_days", log=True),
    Feature("plan_ratio", log=True),
    Feature("nps_last"),
    Feature("events_56", log=True),
)
FEATURE_KEYS: tuple[str, ...] = tuple(f.key for f in FEATURES)

COMMUNITY_EVENTS = ("thread.created", "reply.created", "group.posted", "checkin.created")
HISTORY_EVENTS = ("lesson.completed", "quiz.submitted", "order.paid", "event.attended", *COMMUNITY_EVENTS)
NAN = float("nan")
STAFF_ROLES: tuple[str, ...] = (Role.INSTRUCTOR, Role.MODERATOR, Role.OPERATOR)


def transform(key: str, value: float) -> float:
    """The value as the model sees it (``nan`` stays ``nan``)."""
    spec = _SPECS[key]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NAN
    if spec.log:
        return math.log1p(max(0.0, float(value)))
    if spec.signed_log:
        return math.copysign(math.log1p(abs(float(value))), float(value))
    return float(value)


_SPECS = {f.key: f for f in FEATURES}


@dataclass
class _Learner:
    joined: date
    active_days: list[int] = field(default_factory=list)  # date ordinals, sorted
    study_seconds: list[int] = field(default_factory=list)  # aligned with active_days
    lessons: list[tuple[int, int, int]] = field(default_factory=list)  # (ordinal, course_id, lesson_id), by time
    quizzes: list[tuple[int, float]] = field(default_factory=list)  # (ordinal, percent 0-100), by time
    community: list[int] = field(default_factory=list)
    purchases: list[int] = field(default_factory=list)
    attended: list[int] = field(default_factory=list)
    nps: list[tuple[int, int]] = field(default_factory=list)  # (ordinal, 0-10), by time
    weekly_hours: int | None = None


@dataclass
class Snapshot:
    """The population at one day: ``rows[i]`` are the features of ``user_ids[i]``."""

    day: date
    user_ids: list[int]
    rows: list[dict[str, float]]
    context: list[dict[str, object]]  # what reasons need beyond numbers (course of a stalled lesson)
    labels: list[int] | None = None  # 1 = churned; None when the horizon is not over yet


def _count_between(sorted_ordinals: list[int], lo: int, hi: int) -> int:
    """How many values lie in [lo, hi]."""
    return bisect.bisect_right(sorted_ordinals, hi) - bisect.bisect_left(sorted_ordinals, lo)


class History:
    """Everything the features need for learners over ``[start, end]`` (platform days), loaded once.

    Training builds dozens of snapshots from one ``History``; scoring builds one. Memory is
    a few lists per learner who was active in the window.
    """

    def __init__(self, *, start: date, end: date, tz: tzinfo | None = None) -> None:
        self.start, self.end = start, end
        self.tz = tz or platform_tz()
        self.learners: dict[int, _Learner] = {}
        self.course_lessons: dict[int, list[int]] = {}  # course -> lesson ids in course order
        self.course_titles: dict[int, str] = {}
        self._load()

    # --- loading -------------------------------------------------------------------------

    def _ordinal(self, moment: datetime) -> int:
        return moment.astimezone(self.tz).date().toordinal()

    def _load(self) -> None:
        rows = (
            UserDay.objects.filter(day__gte=self.start, day__lte=self.end)
            .order_by("user_id", "day")
            .values_list("user_id", "day", "study_seconds")
        )
        per_user: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for user_id, day, seconds in rows.iterator(chunk_size=20_000):
            per_user[user_id].append((day.toordinal(), seconds))
        if not per_user:
            return
        # learners only: staff roles (instructors, moderators, operators) are neither scored nor learnt from
        users = User.objects.filter(pk__in=list(per_user), is_active=True, is_staff=False).exclude(
            groups__name__in=STAFF_ROLES
        )
        for user_id, joined in users.values_list("pk", "date_joined"):
            days = per_user[user_id]
            self.learners[user_id] = _Learner(
                joined=joined.astimezone(self.tz).date(),
                active_days=[d for d, _s in days],
                study_seconds=[s for _d, s in days],
            )
        self._load_events()
        self._load_profiles()
        self._load_nps()
        self._load_courses()

    def _load_events(self) -> None:
        lo = datetime(self.start.year, self.start.month, self.start.day, tzinfo=self.tz)
        end = self.end + timedelta(days=1)
        hi = datetime(end.year, end.month, end.day, tzinfo=self.tz)
        events = (
            Event.objects.filter(name__in=HISTORY_EVENTS, occurred_at__gte=lo, occurred_at__lt=hi)
            .filter(actor_id__in=list(self.learners))
            .order_by("occurred_at", "id")
            .values_list("name", "actor_id", "occurred_at", "object_id", "props")
        )
        for name, actor_id, at, object_id, props in events.iterator(chunk_size=20_000):
            learner = self.learners[actor_id]
            day = self._ordinal(at)
            props = props if isinstance(props, dict) else {}
            if name == "lesson.completed":
                course = props.get("course")
                if isinstance(course, int) and str(object_id).isdigit():
                    learner.lessons.append((day, course, int(object_id)))
            elif name == "quiz.submitted":
                percent = props.get("percent")
                if isinstance(percent, int | float) and not isinstance(percent, bool):
                    learner.quizzes.append((day, float(percent)))
            elif name == "order.paid":
                learner.purchases.append(day)
            elif name == "event.attended":
                learner.attended.append(day)
            else:
                learner.community.append(day)

    def _load_profiles(self) -> None:
        profiles = LearnerProfile.objects.filter(user_id__in=list(self.learners), weekly_hours__isnull=False)
        for user_id, hours in profiles.values_list("user_id", "weekly_hours"):
            self.learners[user_id].weekly_hours = hours

    def _load_nps(self) -> None:
        from lyceum.feedback.models import QuestionKind, SurveyAnswer

        answers = (
            SurveyAnswer.objects.filter(
                question__kind=QuestionKind.NPS, number__isnull=False, response__user_id__in=list(self.learners)
            )
            .order_by("response__submitted_at", "pk")
            .values_list("response__user_id", "response__submitted_at", "number")
        )
        for user_id, at, number in answers:
            if number is not None:
                self.learners[user_id].nps.append((self._ordinal(at), int(number)))

    def _load_courses(self) -> None:
        from lyceum.courses.models import Course, Lesson

        course_ids = {course for learner in self.learners.values() for _d, course, _l in learner.lessons}
        if not course_ids:
            return
        lessons = (
            Lesson.objects.filter(course_id__in=course_ids)
            .order_by("course_id", "module__position", "position", "pk")
            .values_list("course_id", "pk")
        )
        for course_id, lesson_id in lessons:
            self.course_lessons.setdefault(course_id, []).append(lesson_id)
        self.course_titles = dict(Course.objects.filter(pk__in=course_ids).values_list("pk", "title"))

    # --- snapshots -----------------------------------------------------------------------

    def snapshot(self, day: date, *, with_labels: bool = False) -> Snapshot:
        """Features of every learner active in the 28 days before ``day`` (labels when asked)."""
        d = day.toordinal()
        user_ids: list[int] = []
        rows: list[dict[str, float]] = []
        contexts: list[dict[str, object]] = []
        labels: list[int] = []
        for user_id in sorted(self.learners):
            learner = self.learners[user_id]
            days = learner.active_days
            recent = _count_between(days, d - LOOKBACK_DAYS, d - 1)
            if not recent:
                continue
            row, context = self._features(learner, d)
            user_ids.append(user_id)
            rows.append(row)
            contexts.append(context)
            if with_labels:
                labels.append(0 if _count_between(days, d, d + HORIZON_DAYS - 1) else 1)
        return Snapshot(day=day, user_ids=user_ids, rows=rows, context=contexts, labels=labels if with_labels else None)

    def _features(self, learner: _Learner, d: int) -> tuple[dict[str, float], dict[str, object]]:
        days = learner.active_days
        before = bisect.bisect_left(days, d)  # active days strictly before the snapshot
        last_active = days[before - 1]
        recent = _count_between(days, d - 14, d - 1)
        earlier = _count_between(days, d - 28, d - 15)
        lo14, lo28 = bisect.bisect_left(days, d - 14), bisect.bisect_left(days, d - 28)
        minutes_recent = sum(learner.study_seconds[lo14:before]) / 60
        minutes_earlier = sum(learner.study_seconds[lo28:lo14]) / 60

        lessons = [entry for entry in learner.lessons if entry[0] < d]
        lessons_14 = sum(1 for entry in lessons if entry[0] >= d - 14)
        context: dict[str, object] = {
            "active_recent": recent, "active_earlier": earlier,
            "minutes_recent": round(minutes_recent), "minutes_earlier": round(minutes_earlier),
        }  # fmt: skip
        tenure = max(0, d - learner.joined.toordinal())
        if lessons:
            last_day, course_id, _lesson = lessons[-1]
            days_since_progress = d - last_day
            order = self.course_lessons.get(course_id, [])
            done = {lesson for _d, course, lesson in lessons if course == course_id}
            position = max((order.index(lesson) + 1 for lesson in done if lesson in order), default=len(done))
            context.update(
                course_id=course_id,
                course=self.course_titles.get(course_id, ""),
                lesson=position,
                lessons_total=len(order),
            )
        else:
            days_since_progress = tenure

        quizzes = [percent for day, percent in learner.quizzes if day < d and day >= d - 56]
        quiz_mean = sum(quizzes) / len(quizzes) if quizzes else NAN
        quiz_trend = NAN
        if len(quizzes) >= 2:
            last = quizzes[-6:]
            half = len(last) // 2
            first, second = last[:half], last[half:]
            quiz_trend = sum(second) / len(second) - sum(first) / len(first)
            context.update(quiz_before=round(sum(first) / len(first)), quiz_after=round(sum(second) / len(second)))

        plan_ratio = NAN
        if learner.weekly_hours:
            plan_ratio = minutes_recent / (2 * learner.weekly_hours * 60)
        nps = [score for day, score in learner.nps if day < d]
        row = {
            "days_since_active": float(d - last_active),
            "active_days_14": float(recent),
            "activity_trend": float(recent - earlier),
            "study_minutes_14": minutes_recent,
            "study_trend": minutes_recent - minutes_earlier,
            "lessons_14": float(lessons_14),
            "days_since_progress": float(days_since_progress),
            "quiz_mean": quiz_mean,
            "quiz_trend": quiz_trend,
            "community_28": float(_count_between(learner.community, d - 28, d - 1)),
            "purchases": float(bisect.bisect_left(learner.purchases, d)),
            "tenure_days": float(tenure),
            "plan_ratio": plan_ratio,
            "nps_last": float(nps[-1]) if nps else NAN,
            "events_56": float(_count_between(learner.attended, d - 56, d - 1)),
        }
        return row, context


def first_activity_day() -> date | None:
    return UserDay.objects.aggregate(first=Min("day"))["first"]


def snapshot_days(first: date, last_complete: date, *, step: int = 7) -> list[date]:
    """Snapshot days whose 28-day lookback starts on or after ``first`` and whose 30-day
    label window ends by ``last_complete`` (the last day with complete rollups), newest last."""
    latest = last_complete - timedelta(days=HORIZON_DAYS - 1)
    earliest = first + timedelta(days=LOOKBACK_DAYS)
    out: list[date] = []
    day = latest
    while day >= earliest:
        out.append(day)
        day -= timedelta(days=step)
    return sorted(out)


def matrix(rows: Iterable[dict[str, float]]) -> list[list[float]]:
    """Rows as model inputs in ``FEATURES`` order, transformed (``nan`` for missing)."""
    return [[transform(key, row.get(key, NAN)) for key in FEATURE_KEYS] for row in rows]
