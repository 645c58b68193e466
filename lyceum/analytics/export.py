"""What analytics hands out about individual people, and to whom.

- ``my_analytics(user=)``: a learner's own figures (the ``/me/activity/`` page, its CSV and
  ``GET /api/v1/me/analytics``): daily activity over the last 90 days, totals, and what the
  churn model computed about them. Everyone sees only their own.
- ``learners_export(actor=)``: the operators' pseudonymised export, one row per learner scored
  by the latest churn model. No names, e-mails, user ids or free text: a learner is a
  ``respondent_pseudonym`` (the same keyed hash as the survey exports, so files can be
  joined), their sign-up is a week, and reasons are feature keys. Rows are produced lazily,
  a chunk of learners at a time, so the response streams whatever the number of learners.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from lyceum.accounts.models import User
from lyceum.core import events
from lyceum.core.csvexport import csv_safe
from lyceum.feedback.selectors.surveys import respondent_pseudonym
from lyceum.learning.models import LessonProgress, QuizAttempt

from .churn.features import FEATURE_KEYS
from .churn.reasons import FEATURE_LABELS, reasons_text
from .models import ChurnModel, ChurnScore, UserDay
from .rollup import day_bounds, platform_tz

WINDOW_DAYS = 90
CHUNK = 2000  # learners per query while exporting


def latest_model() -> ChurnModel | None:
    """``churn.model.latest_model``, imported when first needed (it loads scikit-learn, ~1 s)."""
    from .churn.model import latest_model as latest

    return latest()


def platform_today() -> date:
    return timezone.now().astimezone(platform_tz()).date()


def window(today: date | None = None) -> tuple[date, date]:
    """The last ``WINDOW_DAYS`` platform days, today included."""
    end = today or platform_today()
    return end - timedelta(days=WINDOW_DAYS - 1), end


def streak(active: set[date], today: date) -> int:
    """Consecutive active days ending today, or yesterday while today has no activity yet."""
    day = today if today in active else today - timedelta(days=1)
    n = 0
    while day in active:
        n += 1
        day -= timedelta(days=1)
    return n


# --- a learner's own figures ------------------------------------------------------------------


@dataclass(frozen=True)
class DayRow:
    day: date
    activities: int
    study_minutes: int


@dataclass(frozen=True)
class FeatureRow:
    key: str
    label: str
    value: float | None


@dataclass(frozen=True)
class MyScore:
    probability: float
    day: date
    model_id: int
    reasons: list[dict[str, str]]  # [{"feature": key, "text": sentence in the active language}]


@dataclass(frozen=True)
class MyAnalytics:
    start: date
    end: date
    days: list[DayRow]  # days with activity only, oldest first
    active_days: int
    study_minutes: int
    streak_days: int
    lessons_completed: int
    quiz_attempts: int
    quiz_average: float | None  # mean percent (0-100) of the quiz attempts in the window
    model: ChurnModel | None
    score: MyScore | None
    features: list[FeatureRow] = field(default_factory=list)  # empty without a score


def _minutes(seconds: int) -> int:
    return round(seconds / 60)


def score_reasons(score: ChurnScore) -> list[dict[str, str]]:
    """Stored reasons as ``{"feature", "text"}`` in the active language (malformed ones skipped)."""
    stored = [r for r in score.reasons if isinstance(r, dict)] if isinstance(score.reasons, list) else []
    return [
        {"feature": str(r.get("feature", "")), "text": text}
        for r, text in zip(stored, reasons_text(stored), strict=True)
    ]


def my_analytics(*, user: User, today: date | None = None) -> MyAnalytics:
    """``user``'s own activity over the last 90 days and what the churn model says about them.

    Five queries: daily rows, lessons, quizzes, the latest model, the user's score."""
    start, end = window(today)
    rows = list(
        UserDay.objects.filter(user_id=user.pk, day__gte=start, day__lte=end)
        .order_by("day")
        .values_list("day", "activities", "study_seconds")
    )
    days = [DayRow(day=d, activities=a, study_minutes=_minutes(s)) for d, a, s in rows]
    since, _end = day_bounds(start)
    _start, until = day_bounds(end)
    lessons = LessonProgress.objects.filter(user_id=user.pk, completed_at__gte=since, completed_at__lt=until).count()
    quizzes = QuizAttempt.objects.filter(user_id=user.pk, submitted_at__gte=since, submitted_at__lt=until).aggregate(
        n=Count("pk"), avg=Avg("percent")
    )
    model = latest_model()
    score = ChurnScore.objects.filter(model=model, user_id=user.pk).first() if model else None
    features = []
    mine = None
    if score is not None:
        stored = score.features if isinstance(score.features, dict) else {}
        features = [FeatureRow(key=k, label=str(FEATURE_LABELS[k]), value=_number(stored.get(k))) for k in FEATURE_KEYS]
        mine = MyScore(
            probability=score.probability, day=score.day, model_id=score.model_id, reasons=score_reasons(score)
        )
    return MyAnalytics(
        start=start,
        end=end,
        days=days,
        active_days=sum(1 for d in days if d.activities),
        study_minutes=_minutes(sum(s for _d, _a, s in rows)),
        streak_days=streak({d.day for d in days if d.activities}, end),
        lessons_completed=lessons,
        quiz_attempts=quizzes["n"] or 0,
        quiz_average=float(quizzes["avg"]) if quizzes["avg"] is not None else None,
        model=model,
        score=mine,
        features=features,
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def my_daily_rows(*, user: User, today: date | None = None) -> Iterator[list[Any]]:
    """The CSV rows of ``user``'s own days with activity in the window: day, activities, minutes."""
    start, end = window(today)
    rows = (
        UserDay.objects.filter(user_id=user.pk, day__gte=start, day__lte=end)
        .order_by("day")
        .values_list("day", "activities", "study_seconds")
    )
    for day, activities, seconds in rows:
        yield [day.isoformat(), activities, _minutes(seconds)]


MY_HEADER = ["day", "activities", "study_minutes"]


# --- the operators' pseudonymised export -------------------------------------------------------


def learners_header() -> list[str]:
    return [
        "pseudonym", "signup_week", "churn_probability", "score_day",
        *FEATURE_KEYS,
        "reasons", "active_days_90", "activities_90", "study_minutes_90",
    ]  # fmt: skip


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value == value else ""  # nan -> ""
    return csv_safe(value)


def _chunks(model: ChurnModel) -> Iterator[list[tuple[Any, ...]]]:
    """The model's scores in chunks of ``CHUNK``, riskiest first. Keyset pages on (probability,
    score id): no OFFSET scans, and the row order says nothing about who signed up first."""
    scores = ChurnScore.objects.filter(model=model).order_by("-probability", "pk")
    after = Q()
    while True:
        chunk = list(
            scores.filter(after).values_list(
                "pk", "user_id", "user__date_joined", "probability", "day", "features", "reasons"
            )[:CHUNK]
        )
        if not chunk:
            return
        yield [row[1:] for row in chunk]
        last_pk, last_probability = chunk[-1][0], chunk[-1][3]
        after = Q(probability__lt=last_probability) | Q(probability=last_probability, pk__gt=last_pk)


def learners_rows(*, model: ChurnModel | None, today: date | None = None) -> Iterator[list[Any]]:
    """One row per learner scored by ``model`` (see ``learners_header``); two queries per chunk."""
    if model is None:
        return
    tz = platform_tz()
    start, end = window(today)
    for chunk in _chunks(model):
        totals = {
            row["user_id"]: row
            for row in UserDay.objects.filter(user_id__in=[c[0] for c in chunk], day__gte=start, day__lte=end)
            .values("user_id")
            .annotate(days=Count("pk"), activities=Sum("activities"), seconds=Sum("study_seconds"))
            .order_by()
        }
        for user_id, joined, probability, day, features, reasons in chunk:
            signup = joined.astimezone(tz).date()
            features = features if isinstance(features, dict) else {}
            keys = [r.get("feature", "") for r in reasons if isinstance(r, dict)] if isinstance(reasons, list) else []
            total = totals.get(user_id, {})
            row = [
                respondent_pseudonym(user_id),
                (signup - timedelta(days=signup.weekday())).isoformat(),
                round(probability, 4),
                day.isoformat(),
                *(_number(features.get(key)) for key in FEATURE_KEYS),
                " ".join(str(k) for k in keys if k in FEATURE_LABELS),
                total.get("days", 0),
                total.get("activities") or 0,
                _minutes(total.get("seconds") or 0),
            ]
            yield [_cell(v) for v in row]


def learners_export(*, actor: User) -> tuple[list[str], Iterator[list[Any]]]:
    """Header and lazy rows of the pseudonymised learner export; records ``analytics.exported``."""
    model = latest_model()
    events.emit(
        "analytics.exported", actor=actor, kind="learners", model=model.pk if model else None,
        rows=model.scored if model else 0,
    )  # fmt: skip
    return learners_header(), learners_rows(model=model)
