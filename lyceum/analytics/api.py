"""The analytics /api/v1 routes: the operator dashboard's figures (operators only).

``GET /analytics/kpis?from=YYYY-MM-DD&to=YYYY-MM-DD`` and ``GET /analytics/courses?from=&to=``.
Both days are included, in the platform's time zone; a period is at most 366 days.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from lyceum.core.errors import PermissionDenied, ValidationFailed

from . import selectors
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
