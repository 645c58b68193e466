"""A learner's own analytics (``/me/activity/``, its CSV) and the operators' pseudonymised
learner export (``/operator/analytics/learners.csv``). The figures come from ``export.py``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from lyceum.accounts.decorators import role_required
from lyceum.core.csvexport import stream_csv
from lyceum.core.dbrouter import replica_stream

from . import charts, export
from .report import Series


def _feature_value(key: str, value: float | None) -> str:
    if value is None:
        return _("Not known")
    if key == "plan_ratio":
        return charts.format_percent(value, decimals=0)
    if key == "quiz_mean":
        return f"{charts.format_number(value, decimals=0)}%"
    return charts.format_number(value)


def _activity_chart(data: export.MyAnalytics) -> Any:
    by_day = {row.day: row for row in data.days}
    days = [data.start + timedelta(days=i) for i in range((data.end - data.start).days + 1)]
    minutes = Series(
        key="study_minutes",
        label=_("Study minutes"),
        points=[(d, float(by_day[d].study_minutes if d in by_day else 0)) for d in days],
    )
    activities = Series(
        key="activities",
        label=_("Activities"),
        points=[(d, float(by_day[d].activities if d in by_day else 0)) for d in days],
    )
    return charts.line_chart([minutes, activities], title=_("Your activity, last 90 days"))


@login_required
def my_activity(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own figures, and what the churn model computed about them."""
    data = export.my_analytics(user=request.user)  # type: ignore[arg-type]
    context = {
        "data": data,
        "chart": _activity_chart(data) if data.days else None,
        "study_hours": charts.format_number(data.study_minutes / 60, decimals=1),
        "quiz_average": (
            f"{charts.format_number(data.quiz_average, decimals=0)}%" if data.quiz_average is not None else "—"
        ),
        "features": [(f.label, _feature_value(f.key, f.value)) for f in data.features],
        "probability": charts.format_percent(data.score.probability, decimals=0) if data.score else "",
    }
    return render(request, "analytics/me/activity.html", context)


@login_required
def my_activity_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The signed-in user's own days with activity in the last 90 days."""
    rows = export.my_daily_rows(user=request.user)  # type: ignore[arg-type]
    return stream_csv(export.MY_HEADER, rows, f"my-activity-{export.platform_today():%Y%m%d}.csv")


@role_required("operator")  # type: ignore[arg-type]  # streams: not an HttpResponse
def learners_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Pseudonymised: one row per learner scored by the latest churn model (``export.learners_rows``)."""
    header, rows = export.learners_export(actor=request.user)  # type: ignore[arg-type]
    # The rows are read while the response streams, each chunk from the replica when configured.
    return stream_csv(header, replica_stream(rows), f"learners-{export.platform_today():%Y%m%d}.csv")
