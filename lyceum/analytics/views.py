"""Analytics pages: the operator dashboard (运营看板) and the instructor analytics in the studio."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lyceum.accounts.decorators import role_required
from lyceum.commerce import reports as commerce_reports
from lyceum.core.dbrouter import replica_reads
from lyceum.core.errors import NotFound

from . import charts, instructor
from .forms import PeriodForm
from .report import CourseRow, Dashboard, Kpi, Series

SORTS = {
    "title": lambda r: r.title.casefold(),
    "enrollments": lambda r: r.enrollments,
    "completion": lambda r: r.completion_rate,
    "rating": lambda r: r.rating_avg,
    "revenue": lambda r: r.revenue,
    "refunds": lambda r: r.refunds,
}
DEFAULT_SORT = "-enrollments"
# Supporting figures the dashboard carries in ``extras``: key → (group, label, unit). Keys ending
# in ``_<CURRENCY>`` are per currency (``revenue_CNY``); keys not listed here are not shown.
EXTRAS: dict[str, tuple[str, Any, str]] = {
    "learners": ("activity", gettext_lazy("Learners (U)"), "count"),
    "dau": ("activity", gettext_lazy("Average DAU"), "count"),
    "wau": ("activity", gettext_lazy("WAU"), "count"),
    "mau": ("activity", gettext_lazy("MAU"), "count"),
    "dau_mau": ("activity", gettext_lazy("DAU/MAU"), "ratio"),
    "median_study_minutes": ("activity", gettext_lazy("Median study minutes"), "count"),
    "churn": ("activity", gettext_lazy("Churn"), "ratio"),
    "reviews": ("satisfaction", gettext_lazy("Reviews"), "count"),
    "mean_rating": ("satisfaction", gettext_lazy("Mean rating"), "count"),
    "nps": ("satisfaction", gettext_lazy("NPS"), "count"),
    "nps_answers": ("satisfaction", gettext_lazy("NPS answers"), "count"),
    "revenue": ("sales", gettext_lazy("Paid orders"), "money"),
    "refunds": ("sales", gettext_lazy("Refunds"), "money"),
    "orders": ("sales", gettext_lazy("Orders"), "count"),
    "buyers": ("sales", gettext_lazy("Buyers"), "count"),
    "aov": ("sales", gettext_lazy("Average order value"), "money"),
    "purchase_rate": ("sales", gettext_lazy("Purchase rate"), "ratio"),
}
EXTRA_GROUPS = {
    "activity": gettext_lazy("Activity"),
    "satisfaction": gettext_lazy("Satisfaction"),
    "sales": gettext_lazy("Sales"),
}


def _load_dashboard(*, start: date, end: date, course_ids: set[int] | None = None) -> Dashboard | None:
    """The rollup-backed report (``selectors.dashboard``), or None while it is not available."""
    try:
        from .selectors import dashboard
    except ImportError:
        return None
    return dashboard(start=start, end=end, course_ids=course_ids)


@dataclass(frozen=True)
class KpiCard:
    kpi: Kpi
    value: str
    previous: str
    change: str
    direction: str  # "up", "down", "flat" or "" (no comparison)


def _kpi_card(kpi: Kpi) -> KpiCard:
    change = kpi.change
    if change is None:
        text, direction = "", ""
    elif abs(change) < 0.0005:
        text, direction = "0%", "flat"
    else:
        text = ("▲ " if change > 0 else "▼ ") + charts.format_percent(abs(change))
        direction = "up" if change > 0 else "down"
    return KpiCard(
        kpi=kpi,
        value=charts.format_value(kpi.value, kpi.unit, kpi.currency),
        previous=charts.format_value(kpi.previous, kpi.unit, kpi.currency),
        change=text,
        direction=direction,
    )


def _series(report: Dashboard, *keys: str) -> list[Series]:
    return [s for key in keys for s in report.series if s.key == key]


def _sorted_courses(rows: list[CourseRow], sort: str) -> tuple[list[CourseRow], str]:
    """Rows sorted by ``sort`` (a SORTS key, ``-`` for descending); undefined values go last."""
    key = sort.lstrip("-")
    if key not in SORTS:
        sort, key = DEFAULT_SORT, DEFAULT_SORT.lstrip("-")
    getter = SORTS[key]
    present = [r for r in rows if getter(r) is not None]
    missing = [r for r in rows if getter(r) is None]
    present.sort(key=getter, reverse=sort.startswith("-"))  # type: ignore[arg-type, return-value]
    return present + missing, sort


def _display(rows: list[CourseRow]) -> list[dict[str, Any]]:
    return [
        {
            "row": r,
            "completion": charts.format_percent(r.completion_rate),
            "rating": charts.format_number(r.rating_avg, decimals=1) if r.rating_avg is not None else "—",
        }
        for r in rows
    ]


def _sort_links(sort: str) -> dict[str, str]:
    """For each column the sort its header link asks for: descending first, then toggles."""
    return {key: (key if sort == f"-{key}" else f"-{key}") for key in SORTS}


def _query_without(request: HttpRequest, name: str) -> str:
    params = request.GET.copy()
    params.pop(name, None)
    return params.urlencode()


def _charts(report: Dashboard) -> list[Any]:
    blocks = [
        charts.line_chart(_series(report, "dau", "wau", "mau"), title=_("Active learners (DAU, WAU, MAU)")),
        charts.line_chart(_series(report, "revenue"), title=_("Revenue")),
        charts.line_chart(_series(report, "enrollments", "completions"), title=_("Enrollments and completions")),
    ]
    if signups := _series(report, "signups"):
        blocks.append(charts.line_chart(signups, title=_("Sign-ups")))
    return blocks


def _extras(report: Dashboard) -> list[dict[str, Any]]:
    """The supporting figures by group, each with its definition from ``report.definitions``:
    [{"label": group, "items": [(label, value, definition)], "definitions": [(labels, text)]}]."""
    groups: dict[str, list[tuple[str, str, str]]] = {key: [] for key in EXTRA_GROUPS}

    def split(key: str) -> tuple[str, str]:
        """("revenue", "CNY") for "revenue_CNY"; (key, "") for keys without a currency code."""
        base, _sep, code = key.rpartition("_")
        return (base, code) if base in EXTRAS and len(code) == 3 and code.isalpha() and code.isupper() else (key, "")

    currencies = {split(key)[1] for key in report.extras} - {""}
    for key, value in report.extras.items():
        base, currency = split(key)
        if base not in EXTRAS:
            continue
        group, label, unit = EXTRAS[base]
        text = str(label) + (f" ({currency})" if currency and unit != "money" and len(currencies) > 1 else "")
        decimals = {"mean_rating": 1, "dau": 1}.get(base)
        shown = (
            charts.format_number(value, decimals=decimals) if decimals else charts.format_value(value, unit, currency)
        )
        groups[group].append((text, shown, report.definitions.get(base, "")))
    result = []
    for group, items in groups.items():
        if not items:
            continue
        by_text: dict[str, list[str]] = {}
        for label, _value, definition in items:
            if definition and label not in by_text.setdefault(definition, []):
                by_text[definition].append(label)
        definitions = [(" · ".join(labels), text) for text, labels in by_text.items()]
        result.append({"label": str(EXTRA_GROUPS[group]), "items": items, "definitions": definitions})
    return result


# --- operator dashboard -----------------------------------------------------------------------


@role_required("operator")
@replica_reads()  # bulk reads: the replica when configured (lag is acceptable here)
def dashboard(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    start, end = form.dates()
    report = _load_dashboard(start=start, end=end)
    preset = "custom" if form.is_custom() or form.errors else str((end - start).days + 1)
    context: dict[str, Any] = {"form": form, "start": start, "end": end, "report": report, "preset": preset}
    if report is not None:
        courses, sort = _sorted_courses(report.courses, request.GET.get("sort", DEFAULT_SORT))
        context |= {
            "kpis": [_kpi_card(k) for k in report.kpis],
            "charts": _charts(report),
            "cohorts": charts.cohort_table(report.cohorts, title=_("Weekly sign-up cohorts: share active by week")),
            "funnel": charts.funnel_chart(report.funnel, title=_("Conversion funnel"), width=880),
            "courses": _display(courses),
            "sort": sort,
            "sort_links": _sort_links(sort),
            "query": _query_without(request, "sort"),
            "extras": _extras(report),
            "cer_days": report.extras.get("cer_days") or instructor.CER_MATURITY_DAYS,
            "funnel_definition": report.definitions.get("funnel", ""),
            "cohort_definition": report.definitions.get("cohorts", ""),
        }
    return render(request, "analytics/dashboard.html", context, status=400 if form.errors else 200)


@role_required("operator")
@replica_reads()
def courses_csv(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            "; ".join(str(e) for errs in form.errors.values() for e in errs),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    start, end = form.dates()
    report = _load_dashboard(start=start, end=end)
    rows, _sort = _sorted_courses(report.courses if report else [], request.GET.get("sort", DEFAULT_SORT))
    table = commerce_reports.CsvTable(
        header=[
            "course_id", "slug", "title", "enrollments", "completion_rate", "rating_avg", "rating_count",
            "currency", "revenue_minor", "refunds_minor",
        ],
        rows=(
            [
                r.course_id, r.slug, r.title, r.enrollments,
                "" if r.completion_rate is None else f"{r.completion_rate:.4f}",
                "" if r.rating_avg is None else f"{r.rating_avg:.2f}",
                r.rating_count, r.currency, r.revenue, r.refunds,
            ]
            for r in rows
        ),
    )  # fmt: skip
    response = HttpResponse("\ufeff" + commerce_reports.csv_text(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="courses-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    return response


# --- instructor analytics ---------------------------------------------------------------------


@role_required("instructor", "operator")
def instructor_home(request: HttpRequest) -> HttpResponse:
    """The dashboard restricted to the viewer's courses (operators: every course): course KPIs,
    enrollment and revenue trends, and the per-course table for the period."""
    form = PeriodForm(request.GET)
    start, end = form.dates()
    courses = list(instructor.courses_for_user(user=request.user))
    ids = {c.pk for c in courses}
    report = _load_dashboard(start=start, end=end, course_ids=ids)
    preset = "custom" if form.is_custom() or form.errors else str((end - start).days + 1)
    context: dict[str, Any] = {"form": form, "start": start, "end": end, "report": report, "preset": preset}
    if report is not None:
        rows = [r for r in report.courses if r.course_id in ids]
        context |= {
            "kpis": [_kpi_card(k) for k in report.kpis],
            "charts": [
                charts.line_chart(
                    _series(report, "enrollments", "completions"), title=_("Enrollments and completions")
                ),
                charts.line_chart(_series(report, "revenue"), title=_("Revenue")),
            ],
            "cer_days": report.extras.get("cer_days") or instructor.CER_MATURITY_DAYS,
        }
    else:  # no rollups yet: all-time figures from the live tables
        rows = instructor.course_rows(courses=courses)
    rows, sort = _sorted_courses(rows, request.GET.get("sort", DEFAULT_SORT))
    context |= {
        "courses": _display(rows),
        "sort": sort,
        "sort_links": _sort_links(sort),
        "query": _query_without(request, "sort"),
    }
    return render(request, "analytics/instructor_home.html", context, status=400 if form.errors else 200)


@role_required("instructor", "operator")
def instructor_course(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        course = instructor.course_get_for_user(user=request.user, slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    data = instructor.course_analytics(course=course, viewer=request.user)
    reached, completed = _("Reached"), _("Completed")
    context = {
        "course": course,
        "data": data,
        "row": data.row,
        "timeline": charts.line_chart(data.timeline, title=_("Enrollments and completions, last 90 days")),
        "progress": charts.bar_chart(data.progress, title=_("Learners by course progress (%)")),
        "dropoff": charts.hbar_chart(
            [(f"{i}. {s.title}", [s.reached, s.completed]) for i, s in enumerate(data.lessons, 1)],
            title=_("Lesson drop-off"),
            series=[reached, completed],
            maximum=max(data.enrolled, 1),
            width=880,
        ),
        "quiz": charts.hbar_chart(
            [(q.prompt, [q.share_right]) for q in data.quiz_items],
            title=_("Quiz items: share of attempts answered right"),
            series=[_("Right")],
            unit="ratio",
            maximum=1,
            width=880,
            zero_is_data=True,
        ),
        "ratings": charts.bar_chart([(f"{k}★", n) for k, n in sorted(data.ratings.items())], title=_("Ratings")),
        "rating_avg": charts.format_number(data.rating_avg, decimals=1) if data.rating_avg else "—",
        "completion": charts.format_percent(data.row.completion_rate),
        "max_dropped": max((s.dropped for s in data.lessons[:-1]), default=0),
        "cer_days": instructor.CER_MATURITY_DAYS,
    }
    return render(request, "analytics/instructor_course.html", context)
