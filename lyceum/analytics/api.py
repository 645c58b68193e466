"""The analytics /api/v1 routes.

Operators only:
- ``GET /analytics/kpis?from=YYYY-MM-DD&to=YYYY-MM-DD`` and ``GET /analytics/courses?from=&to=``:
  both days are included, in the platform's time zone; a period is at most 366 days.
- ``GET /analytics/churn?min_risk=&reason=&limit=&offset=``: the latest churn model's metrics
  and the learners it scored, riskiest first. ``min_risk`` is a probability from 0 to 1
  (``0.6`` = 60 %); ``reason`` a feature key (``days_since_active``...): learners for whom it
  is one of the reasons; ``limit`` 1-200 (default 50), ``offset`` ≥ 0.

Any signed-in user:
- ``GET /me/analytics``: their own daily activity over the last 90 days (days with activity),
  totals, and the churn model's features and score for them (the ``/me/activity/`` page).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from lyceum.core.dbrouter import replica_reads
from lyceum.core.errors import PermissionDenied, ValidationFailed

from . import export, selectors
from .churn.features import FEATURE_KEYS
from .models import ChurnScore
from .report import Dashboard

router = Router(tags=["analytics"])


class PeriodQuery(Schema):
    # strings, parsed here, so a bad date is the usual {detail, code, field} 422
    date_from: str = Field("", alias="from")
    date_to: str = Field("", alias="to")


class KpiOut(Schema):
    key: str
    name: str
    definition: str
    value: float | None
    previous: float | None
    change: float | None
    unit: str
    currency: str


class SeriesOut(Schema):
    key: str
    label: str
    unit: str
    currency: str
    points: list[tuple[date, float]]


class CohortOut(Schema):
    start: date
    size: int
    retention: list[float | None]


class FunnelStepOut(Schema):
    key: str
    label: str
    count: int


class KpisOut(Schema):
    start: date
    end: date
    kpis: list[KpiOut]
    series: list[SeriesOut]
    cohorts: list[CohortOut]
    funnel: list[FunnelStepOut]
    extras: dict[str, float | int | None]
    definitions: dict[str, str]


class CourseRowOut(Schema):
    course_id: int
    slug: str
    title: str
    enrollments: int
    completion_rate: float | None
    rating_avg: float | None
    rating_count: int
    revenue: int
    refunds: int
    currency: str


class CoursesOut(Schema):
    start: date
    end: date
    items: list[CourseRowOut]


def _parse_day(value: str, field: str) -> date:
    if not value:
        raise ValidationFailed(_("Give a day as YYYY-MM-DD."), field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(_("Give a day as YYYY-MM-DD."), field=field) from None


def _period(request: HttpRequest, query: PeriodQuery) -> tuple[date, date]:
    if not request.user.has_role("operator"):  # type: ignore[union-attr]
        raise PermissionDenied(_("Only operators can see the platform's analytics."))
    start = _parse_day(query.date_from, "from")
    end = _parse_day(query.date_to, "to")
    if end < start:
        raise ValidationFailed(_("The period ends before it starts."), field="to")
    if end - start >= timedelta(days=selectors.MAX_PERIOD_DAYS):
        raise ValidationFailed(
            _("A period is at most %(days)s days.") % {"days": selectors.MAX_PERIOD_DAYS}, field="to"
        )
    return start, end


def _kpis(report: Dashboard) -> dict[str, Any]:
    return {
        "start": report.start,
        "end": report.end,
        "kpis": [{**asdict(k), "change": k.change} for k in report.kpis],
        "series": [asdict(s) for s in report.series],
        "cohorts": [asdict(c) for c in report.cohorts],
        "funnel": [asdict(f) for f in report.funnel],
        "extras": report.extras,
        "definitions": report.definitions,
    }


@router.get("/analytics/kpis", response=KpisOut, summary="Platform KPIs for a period (operators)")
def kpis_get(request: HttpRequest, query: Query[PeriodQuery]) -> dict[str, Any]:
    """UPT, CER, USAT, URR D1/D7/D30 and RSI per currency with the previous period of equal
    length, daily series, weekly cohorts, the funnel and supporting figures (`extras`)."""
    start, end = _period(request, query)
    return _kpis(selectors.dashboard(start=start, end=end))


@router.get("/analytics/courses", response=CoursesOut, summary="Per-course figures for a period (operators)")
def courses_get(request: HttpRequest, query: Query[PeriodQuery]) -> dict[str, Any]:
    """Enrollments, completion rate, rating, revenue and refunds per course."""
    start, end = _period(request, query)
    rows = selectors.course_table(start=start, end=end)
    return {"start": start, "end": end, "items": [asdict(row) for row in rows]}


# --- churn risk (operators) -------------------------------------------------------------------

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


class ChurnQuery(Schema):
    # strings, parsed here, so a bad value is the usual {detail, code, field} 422
    min_risk: str = ""
    reason: str = ""
    limit: str = ""
    offset: str = ""


class ReasonOut(Schema):
    feature: str
    text: str


class ChurnModelOut(Schema):
    id: int
    trained_at: datetime
    as_of: date
    horizon_days: int
    scored: int
    metrics: dict[str, Any]


class AtRiskOut(Schema):
    user_id: int
    display_name: str
    probability: float
    day: date
    reasons: list[ReasonOut]


class ChurnOut(Schema):
    model: ChurnModelOut | None
    count: int
    limit: int
    offset: int
    items: list[AtRiskOut]


def _parse_int(value: str, field: str, *, default: int, low: int, high: int | None = None) -> int:
    if value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValidationFailed(_("Give a whole number."), field=field) from None
    if number < low or (high is not None and number > high):
        if high is None:
            message = _("Give a number of at least %(low)s.") % {"low": low}
        else:
            message = _("Give a number from %(low)s to %(high)s.") % {"low": low, "high": high}
        raise ValidationFailed(message, field=field)
    return number


def _parse_risk(value: str) -> float | None:
    if value == "":
        return None
    try:
        risk = float(value)
    except ValueError:
        raise ValidationFailed(_("Give a probability from 0 to 1."), field="min_risk") from None
    if not 0 <= risk <= 1:  # also refuses nan
        raise ValidationFailed(_("Give a probability from 0 to 1."), field="min_risk")
    return risk


@router.get("/analytics/churn", response=ChurnOut, summary="At-risk learners of the latest churn model (operators)")
def churn_get(request: HttpRequest, query: Query[ChurnQuery]) -> dict[str, Any]:
    """The latest model's metrics and the learners it scored, riskiest first, with their reasons.
    `min_risk` is a probability from 0 to 1; `reason` a feature key; `limit` 1-200; `offset` ≥ 0."""
    if not request.user.has_role("operator"):  # type: ignore[union-attr]
        raise PermissionDenied(_("Only operators can see learners' churn risk."))
    min_risk = _parse_risk(query.min_risk)
    if query.reason and query.reason not in FEATURE_KEYS:
        raise ValidationFailed(_("Unknown reason: give a feature key."), field="reason")
    limit = _parse_int(query.limit, "limit", default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
    offset = _parse_int(query.offset, "offset", default=0, low=0)
    with replica_reads():  # the replica when configured (lag is acceptable here)
        return _churn_page(query, min_risk=min_risk, limit=limit, offset=offset)


def _churn_page(query: ChurnQuery, *, min_risk: float | None, limit: int, offset: int) -> dict[str, Any]:
    model = export.latest_model()
    page: dict[str, Any] = {"model": None, "count": 0, "limit": limit, "offset": offset, "items": []}
    if model is None:
        return page
    scores = ChurnScore.objects.filter(model=model)
    if min_risk is not None:
        scores = scores.filter(probability__gte=min_risk)
    if query.reason:
        scores = scores.filter(reason_keys__contains=f" {query.reason} ")
    items = scores.select_related("user").order_by("-probability", "user_id")[offset : offset + limit]
    return page | {
        "model": model,
        "count": scores.count(),
        "items": [
            {
                "user_id": s.user_id,
                "display_name": s.user.get_short_name(),
                "probability": s.probability,
                "day": s.day,
                "reasons": export.score_reasons(s),
            }
            for s in items
        ],
    }


# --- a user's own analytics -------------------------------------------------------------------


class MyDayOut(Schema):
    day: date
    activities: int
    study_minutes: int


class MyTotalsOut(Schema):
    active_days: int
    study_minutes: int
    streak_days: int
    lessons_completed: int
    quiz_attempts: int
    quiz_average: float | None


class MyFeatureOut(Schema):
    key: str
    label: str
    value: float | None


class MyScoreOut(Schema):
    probability: float
    day: date
    model_id: int
    reasons: list[ReasonOut]


class MyAnalyticsOut(Schema):
    start: date
    end: date
    days: list[MyDayOut]
    totals: MyTotalsOut
    features: list[MyFeatureOut]
    score: MyScoreOut | None


@router.get("/me/analytics", response=MyAnalyticsOut, summary="My own activity and what the churn model says")
def me_analytics_get(request: HttpRequest) -> dict[str, Any]:
    """Your days with activity in the last 90 days, totals, and (when the latest churn model
    scored you) the features it used and your score with its reasons. Only your own."""
    data = export.my_analytics(user=request.user)  # type: ignore[arg-type]
    return {
        "start": data.start,
        "end": data.end,
        "days": [asdict(d) for d in data.days],
        "totals": {
            "active_days": data.active_days,
            "study_minutes": data.study_minutes,
            "streak_days": data.streak_days,
            "lessons_completed": data.lessons_completed,
            "quiz_attempts": data.quiz_attempts,
            "quiz_average": data.quiz_average,
        },
        "features": [asdict(f) for f in data.features],
        "score": asdict(data.score) if data.score else None,
    }
