"""Dashboard reads: rollup tables only, a fixed number of queries whatever the event count."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.accounts.models import User
from lyceum.core.dbrouter import replica_reads
from lyceum.courses.models import Course

from . import kpis
from .models import (
    BuyerDay,
    CohortDay,
    CohortWeek,
    CourseDay,
    CourseRevenueDay,
    CurrencyDay,
    DayStat,
    DayWindow,
    EnrollmentFact,
    ReviewFact,
    UserFact,
)
from .report import CohortRow, CourseRow, Dashboard, FunnelStep, Kpi, Series
from .rollup import day_bounds, platform_tz

MAX_PERIOD_DAYS = 366


def platform_today() -> date:
    return timezone.now().astimezone(platform_tz()).date()


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    @property
    def previous(self) -> Period:
        length = (self.end - self.start).days + 1
        return Period(self.start - timedelta(days=length), self.start - timedelta(days=1))


def learner_counts(*, at_ends: list[date]) -> list[int]:
    """``U``: registered learner accounts (active, not staff) at the end of each given day."""
    tz = platform_tz()
    base = User.objects.filter(is_active=True, is_staff=False)
    aggregates = {
        f"u{i}": Count("id", filter=Q(date_joined__lt=day_bounds(day, tz)[1])) for i, day in enumerate(at_ends)
    }
    values = base.aggregate(**aggregates)
    return [values[f"u{i}"] for i in range(len(at_ends))]


def _cer_by_course(*, ends: list[date], cer_days: int, course_ids: set[int] | None) -> dict[int | None, list[int]]:
    """{course_id: [started_0, completed_0, started_1, completed_1, ...]} for each end day."""
    qs = EnrollmentFact.objects.filter(started_on__lte=max(ends) - timedelta(days=cer_days))
    if course_ids is not None:
        qs = qs.filter(course_id__in=course_ids)
    aggregates: dict[str, Any] = {}
    for i, end in enumerate(ends):
        cutoff = end - timedelta(days=cer_days)
        aggregates[f"s{i}"] = Count("enrollment_id", filter=Q(started_on__lte=cutoff))
        aggregates[f"c{i}"] = Count("enrollment_id", filter=Q(started_on__lte=cutoff, completed_on__lte=end))
    result: dict[int | None, list[int]] = {}
    for row in qs.values("course_id").annotate(**aggregates):
        result[row["course_id"]] = [row[f"{k}{i}"] for i in range(len(ends)) for k in ("s", "c")]
    return result


def _reviews_by_course(*, period: Period, previous: Period, course_ids: set[int] | None) -> dict[int | None, list[int]]:
    """{course_id: [reviews, positive, rating_sum] for the period, then for the previous one}."""
    qs = ReviewFact.objects.filter(posted_on__gte=previous.start, posted_on__lte=period.end, rating__isnull=False)
    if course_ids is not None:
        qs = qs.filter(course_id__in=course_ids)
    aggregates: dict[str, Any] = {}
    for i, p in enumerate((period, previous)):
        inside = Q(posted_on__gte=p.start, posted_on__lte=p.end)
        aggregates[f"n{i}"] = Count("review_id", filter=inside)
        aggregates[f"p{i}"] = Count("review_id", filter=inside & Q(rating__gte=kpis.POSITIVE_RATING))
        aggregates[f"s{i}"] = Sum("rating", filter=inside)
    return {
        row["course_id"]: [row[f"{k}{i}"] or 0 for i in range(2) for k in ("n", "p", "s")]
        for row in qs.values("course_id").annotate(**aggregates)
    }


def _money(qs: QuerySet[Any], period: Period, previous: Period) -> dict[str, dict[str, list[int]]]:
    """Daily money rows -> {currency: {"revenue": [cur, prev], "refunds": [...], ...}}."""
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for row in qs:
        index = 0 if row["day"] >= period.start else 1
        for field in ("revenue", "refunds", "orders"):
            if field in row:
                out[row["currency"]][field][index] += row[field]
    return out


def _zero_filled(days: list[date], values: dict[date, Any]) -> list[tuple[date, float]]:
    return [(day, values.get(day, 0)) for day in days]


# Rollups are minutes old already: replica lag does not matter to these reads (core/dbrouter.py).
@replica_reads()
def dashboard(
    *,
    start: date,
    end: date,
    course_ids: set[int] | None = None,
    cer_days: int = kpis.CER_MIN_DAYS,
    today: date | None = None,
) -> Dashboard:
    """Every figure of the operator dashboard for ``[start, end]`` against the period of equal
    length before it. With ``course_ids`` (an instructor's courses) only course figures are
    computed: CER, USAT, RSI, enrollment, completion and revenue series, course rows."""
    period = Period(start, end)
    previous = period.previous
    as_of = (today or platform_today()) - timedelta(days=1)  # the last day that is over
    days = period.days
    platform_wide = course_ids is None
    row: Any  # the rows of many different .values() queries
    money_rows: Any
    windows: dict[date, Any]

    # --- daily rows: platform totals or the courses' totals
    stats: dict[date, Any] = {}
    if platform_wide:
        for row in DayStat.objects.filter(day__gte=previous.start, day__lte=end).values():
            stats[row["day"]] = row
        windows = {row["day"]: row for row in DayWindow.objects.filter(day__gte=start, day__lte=end).values()}
        money_rows = CurrencyDay.objects.filter(day__gte=previous.start, day__lte=end).values(
            "day", "currency", "revenue", "refunds", "orders"
        )
    else:
        for row in (
            CourseDay.objects.filter(day__gte=start, day__lte=end, course_id__in=course_ids)
            .values("day")
            .annotate(enrollments=Sum("enrollments"), completions=Sum("completions"))
        ):
            stats[row["day"]] = row
        windows = {}
        money_rows = (
            CourseRevenueDay.objects.filter(day__gte=previous.start, day__lte=end, course_id__in=course_ids)
            .values("day", "currency")
            .annotate(revenue=Sum("revenue"), refunds=Sum("refunds"))
        )
    money_daily: dict[str, dict[date, float]] = defaultdict(dict)
    money_rows = list(money_rows)
    for row in money_rows:
        if row["day"] >= start:
            money_daily[row["currency"]][row["day"]] = row["revenue"] - row["refunds"]
    money = _money(money_rows, period, previous)

    # --- KPIs
    result_kpis: list[Kpi] = []
    extras: dict[str, float | int | None] = {"cer_days": cer_days}

    def add(key: str, value: float | None, prev: float | None, unit: str = "ratio", currency: str = "") -> None:
        name = kpis.NAMES["RSI" if key == "RSI" else key]
        result_kpis.append(Kpi(key, str(name), kpis.definition(key, cer_days=cer_days), value, prev, unit, currency))

    learners = previous_learners = 0
    if platform_wide:
        learners, previous_learners = learner_counts(at_ends=[end, previous.end])
        active = [stats.get(day, {}).get("active_users", 0) for day in days]
        prev_active = [stats.get(day, {}).get("active_users", 0) for day in previous.days]
        add("UPT", kpis.upt(active, learners), kpis.upt(prev_active, previous_learners))
        extras["learners"] = learners
        extras["dau"] = sum(active) / len(active)
        last_window: dict[str, Any] = windows.get(end, {})
        extras["wau"] = last_window.get("wau", 0)
        extras["mau"] = last_window.get("mau", 0)
        extras["dau_mau"] = kpis.stickiness(active, [windows.get(day, {}).get("mau", 0) for day in days])
        histogram: dict[int, int] = defaultdict(int)
        for day in days:
            for minutes, count in stats.get(day, {}).get("study_minutes", {}).items():
                histogram[int(minutes)] += count
        extras["median_study_minutes"] = kpis.median_from_histogram(histogram)
        extras["visits"] = sum(stats.get(day, {}).get("visits", 0) for day in days)
        churn_day = min(end, as_of) - timedelta(days=29)
        churn_row: Any = DayWindow.objects.filter(day=churn_day).values("churn_base", "churned").first() or {}
        extras["churn"] = kpis.churn(base=churn_row.get("churn_base", 0), churned=churn_row.get("churned", 0))
        extras["churn_base"] = churn_row.get("churn_base", 0)
        extras["nps"], extras["nps_answers"] = nps_for_period(start=start, end=end)

    cer_rows = _cer_by_course(ends=[end, previous.end], cer_days=cer_days, course_ids=course_ids)
    totals = [sum(v[i] for v in cer_rows.values()) for i in range(4)]
    add("CER", kpis.cer(started=totals[0], completed=totals[1]), kpis.cer(started=totals[2], completed=totals[3]))

    review_rows = _reviews_by_course(period=period, previous=previous, course_ids=course_ids)
    r = [sum(v[i] for v in review_rows.values()) for i in range(6)]
    add("USAT", kpis.usat(positive=r[1], reviews=r[0]), kpis.usat(positive=r[4], reviews=r[3]))
    extras["reviews"] = r[0]
    extras["mean_rating"] = kpis.mean_rating(rating_sum=r[2], reviews=r[0])

    cohorts: list[CohortRow] = []
    funnel: list[FunnelStep] = []
    if platform_wide:
        sizes: dict[date, int] = {}
        for row in (
            UserFact.objects.filter(signed_up_on__gte=previous.start, signed_up_on__lte=end)
            .values("signed_up_on")
            .annotate(n=Count("user_id"))
        ):
            sizes[row["signed_up_on"]] = row["n"]
        # members active on day t after sign-up, only where that day is over: summed by t in SQL
        hits: list[dict[int, int]] = [{}, {}]
        for row in (
            CohortDay.objects.filter(
                signed_up_on__gte=previous.start, signed_up_on__lte=end, offset__gte=1, day__lte=as_of
            )
            .values("offset")
            .annotate(
                current=Sum("users", filter=Q(signed_up_on__gte=start)),
                before=Sum("users", filter=Q(signed_up_on__lt=start)),
            )
        ):
            hits[0][row["offset"]], hits[1][row["offset"]] = row["current"] or 0, row["before"] or 0
        curves = []
        for i, p in enumerate((period, previous)):
            in_p = {s: n for s, n in sizes.items() if p.start <= s <= p.end}
            curves.append(kpis.retention_curve(cohort_sizes=in_p, hits=hits[i], as_of=as_of))
        for horizon in kpis.URR_HORIZONS:
            add(f"URR{horizon}", kpis.urr(curves[0], horizon), kpis.urr(curves[1], horizon))
        week_sizes: dict[date, int] = defaultdict(int)
        first_monday = start - timedelta(days=start.weekday())
        week_rows = (
            UserFact.objects.filter(signed_up_on__gte=first_monday, signed_up_on__lte=end)
            .values("signed_up_on")
            .annotate(n=Count("user_id"))
        )
        for row in week_rows:
            signed = row["signed_up_on"]
            week_sizes[signed - timedelta(days=signed.weekday())] += row["n"]
        week_active = {
            (row["cohort"], row["week"]): row["users"]
            for row in CohortWeek.objects.filter(cohort__gte=first_monday, cohort__lte=end).values(
                "cohort", "week", "users"
            )
        }
        cohorts = kpis.cohort_triangle(cohort_sizes=week_sizes, active=week_active, as_of=as_of)

        steps = UserFact.objects.filter(signed_up_on__gte=start, signed_up_on__lte=end).aggregate(
            signup=Count("user_id"),
            enroll=Count("user_id", filter=Q(first_enrolled_on__lte=end)),
            purchase=Count("user_id", filter=Q(first_paid_on__lte=end)),
            complete=Count("user_id", filter=Q(first_completed_on__lte=end)),
        )
        labels = {
            "visit": _("Visits"),
            "signup": _("Sign-ups"),
            "enroll": _("Enrolled"),
            "purchase": _("Bought"),
            "complete": _("Completed a course"),
        }
        counts = {"visit": int(extras["visits"] or 0), **steps}
        funnel = [FunnelStep(key, str(label), counts[key]) for key, label in labels.items()]

    # --- RSI per currency, with buyers, average order value and purchase rate
    currencies = sorted(money) or [settings.LYCEUM_CURRENCY]
    buyers: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    if platform_wide:
        # a buyer counts once: on their first paying day in the period (previous day before it)
        first_in = Q(day__gte=start) & (Q(previous_day__isnull=True) | Q(previous_day__lt=start))
        first_before = Q(day__lt=start) & (Q(previous_day__isnull=True) | Q(previous_day__lt=previous.start))
        for row in (
            BuyerDay.objects.filter(day__gte=previous.start, day__lte=end)
            .values("currency")
            .annotate(current=Count("id", filter=first_in), before=Count("id", filter=first_before))
        ):
            buyers[row["currency"]] = [row["current"], row["before"]]
    for currency in currencies:
        m = money.get(currency, {})
        revenue, refunds = m.get("revenue", [0, 0]), m.get("refunds", [0, 0])
        add(
            "RSI",
            kpis.rsi(paid=revenue[0], refunds=refunds[0]),
            kpis.rsi(paid=revenue[1], refunds=refunds[1]),
            unit="money",
            currency=currency,
        )
        extras[f"revenue_{currency}"] = revenue[0]
        extras[f"refunds_{currency}"] = refunds[0]
        if platform_wide:
            orders = m.get("orders", [0, 0])
            extras[f"orders_{currency}"] = orders[0]
            extras[f"buyers_{currency}"] = buyers[currency][0]
            extras[f"aov_{currency}"] = kpis.average_order_value(paid=revenue[0], orders=orders[0])
            extras[f"purchase_rate_{currency}"] = kpis.purchase_rate(buyers=buyers[currency][0], learners=learners)

    # --- daily series
    series: list[Series] = []
    if platform_wide:
        for key, label, source, field in (
            ("dau", _("Daily active learners"), stats, "active_users"),
            ("wau", _("Weekly active learners"), windows, "wau"),
            ("mau", _("Monthly active learners"), windows, "mau"),
            ("signups", _("Sign-ups"), stats, "signups"),
        ):
            points = {day: source.get(day, {}).get(field, 0) for day in days}
            series.append(Series(key, str(label), _zero_filled(days, points)))
    for key, label in (("enrollments", _("Enrollments")), ("completions", _("Completions"))):
        points = {day: stats.get(day, {}).get(key, 0) for day in days}
        series.append(Series(key, str(label), _zero_filled(days, points)))
    for currency in currencies:
        series.append(
            Series(
                "revenue",
                str(_("Revenue net of refunds")),
                _zero_filled(days, money_daily.get(currency, {})),
                unit="money",
                currency=currency,
            )
        )

    rows = course_rows(period=period, course_ids=course_ids, cer=cer_rows, reviews=review_rows)
    return Dashboard(
        start=start,
        end=end,
        kpis=result_kpis,
        series=series,
        cohorts=cohorts,
        funnel=funnel,
        courses=rows,
        extras=extras,
        definitions={key: kpis.definition(ref, cer_days=cer_days) for key, ref in kpis.EXTRA_DEFINITIONS.items()},
    )


@replica_reads()
def course_table(
    *, start: date, end: date, course_ids: set[int] | None = None, cer_days: int = kpis.CER_MIN_DAYS
) -> list[CourseRow]:
    """Only the per-course rows of ``dashboard`` (the courses API)."""
    period = Period(start, end)
    cer = _cer_by_course(ends=[end], cer_days=cer_days, course_ids=course_ids)
    reviews = _reviews_by_course(period=period, previous=period.previous, course_ids=course_ids)
    return course_rows(period=period, course_ids=course_ids, cer=cer, reviews=reviews)


def course_rows(
    *,
    period: Period,
    course_ids: set[int] | None,
    cer: dict[int | None, list[int]],
    reviews: dict[int | None, list[int]],
) -> list[CourseRow]:
    """One row per course with enrollments, completions, reviews or money in the period (and
    every course of ``course_ids``), sorted by revenue then enrollments."""
    row: Any
    days = CourseDay.objects.filter(day__gte=period.start, day__lte=period.end)
    money = CourseRevenueDay.objects.filter(day__gte=period.start, day__lte=period.end)
    if course_ids is not None:
        days, money = days.filter(course_id__in=course_ids), money.filter(course_id__in=course_ids)
    enrollments = {row["course_id"]: row["n"] for row in days.values("course_id").annotate(n=Sum("enrollments"))}
    revenue: dict[int, dict[str, list[int]]] = defaultdict(dict)
    for row in money.values("course_id", "currency").annotate(revenue=Sum("revenue"), refunds=Sum("refunds")):
        revenue[row["course_id"]][row["currency"]] = [row["revenue"], row["refunds"]]
    ids = set(enrollments) | set(revenue) | {k for k, v in reviews.items() if k is not None and v[0]}
    ids |= {k for k, v in cer.items() if k is not None and v[0]}
    if course_ids is not None:
        ids = (ids | course_ids) & course_ids
    courses = {c["id"]: c for c in Course.objects.filter(id__in=ids).values("id", "slug", "title")}
    rows: list[CourseRow] = []
    for course_id in ids:
        if course_id not in courses:
            continue
        by_currency = revenue.get(course_id) or {settings.LYCEUM_CURRENCY: [0, 0]}
        currency, (paid, refunded) = max(by_currency.items(), key=lambda item: (item[1][0], item[0]))
        started, completed = (cer.get(course_id) or [0, 0])[:2]
        n, _positive, rating_sum = (reviews.get(course_id) or [0, 0, 0])[:3]
        rows.append(
            CourseRow(
                course_id=course_id,
                slug=courses[course_id]["slug"],
                title=courses[course_id]["title"],
                enrollments=enrollments.get(course_id, 0),
                completion_rate=kpis.cer(started=started, completed=completed),
                rating_avg=kpis.mean_rating(rating_sum=rating_sum, reviews=n),
                rating_count=n,
                revenue=paid,
                refunds=refunded,
                currency=currency,
            )
        )
    rows.sort(key=lambda row: (-row.revenue, -row.enrollments, row.title))
    return rows


def nps_for_period(*, start: date, end: date) -> tuple[float | None, int]:
    """NPS (points) and the number of NPS answers submitted in the period (feedback's table:
    one row per answer, far fewer than events)."""
    from lyceum.feedback.models import SurveyAnswer

    tz = platform_tz()
    counts = SurveyAnswer.objects.filter(
        question__kind="nps",
        number__isnull=False,
        response__submitted_at__gte=day_bounds(start, tz)[0],
        response__submitted_at__lt=day_bounds(end, tz)[1],
    ).aggregate(
        total=Count("id"),
        promoters=Count("id", filter=Q(number__gte=9)),
        detractors=Count("id", filter=Q(number__lte=6)),
    )
    score = kpis.nps_from_counts(promoters=counts["promoters"], detractors=counts["detractors"], total=counts["total"])
    return score, counts["total"]
