"""The KPI formulas of ``../shared/docs/METRICS.md``, as pure functions over plain numbers.

``selectors.dashboard`` reads the rollups and calls these; tests pin each one with
hand-computed cases. A ratio whose denominator is empty is ``None`` ("not defined for this
period", shown as "—"), never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from .report import CohortRow

CER_MIN_DAYS = 30  # METRICS.md: enrollments started at least N days before d1, default N = 30
POSITIVE_RATING = 4  # of 5
URR_HORIZONS = (1, 7, 30)

NAMES = {
    "UPT": _("Engagement (UPT)"),
    "CER": _("Course completion rate (CER)"),
    "USAT": _("Satisfaction (USAT)"),
    "URR1": _("Retention D1 (URR)"),
    "URR7": _("Retention D7 (URR)"),
    "URR30": _("Retention D30 (URR)"),
    "RSI": _("Sales revenue (RSI)"),
}

DEFINITIONS = {
    "UPT": _(
        "Mean over the days of the period of the learners with a qualifying activity that day (sign-in, "
        "lesson view, video progress, quiz, post or reply, event attendance) divided by the registered "
        "learners (active, not staff) at the end of the period."
    ),
    "CER": _(
        "Enrollments started at least %(days)s days before the end of the period that were completed by "
        "its end, divided by all enrollments started at least %(days)s days before its end."
    ),
    "USAT": _("Reviews posted in the period rated 4 or 5 stars, divided by all reviews posted in the period."),
    "URR": _(
        "For learners who signed up in the period, R(t) is the share active on day t after sign-up "
        "(counted only where day t is over); URR over T days is the mean of R(1) … R(T)."
    ),
    "RSI": _("Paid order totals minus refunds in the period, per currency."),
    "DAU": _("Distinct learners with a qualifying activity on a day (WAU: in the 7 days to it, MAU: 30 days)."),
    "DAU_MAU": _("Mean over the days of the period of DAU divided by MAU."),
    "STUDY": _(
        "Median study minutes of an active learner on an active day; study time is the gaps between a "
        "learner's lesson, video and quiz events of the day, each gap counted up to 30 minutes."
    ),
    "CHURN": _(
        "Learners active in the 28 days before day d who are inactive in the 30 days from d, divided by "
        "the learners active in those 28 days; d is 29 days before the end of the period."
    ),
    "NPS": _("Survey NPS answers in the period: % promoters (9–10) minus % detractors (0–6)."),
    "PURCHASE_RATE": _("Distinct buyers in the period divided by the registered learners at its end."),
    "AOV": _("Paid order totals in the period divided by the paid orders."),
    "FUNNEL": _(
        "Visits (browser sessions per day) in the period, then of the learners who signed up in it: "
        "how many enrolled, bought and completed a course by its end."
    ),
}


# ``Dashboard.definitions``: extras key (without its currency suffix) -> DEFINITIONS key
EXTRA_DEFINITIONS = {
    "learners": "UPT",
    "dau": "DAU",
    "wau": "DAU",
    "mau": "DAU",
    "dau_mau": "DAU_MAU",
    "median_study_minutes": "STUDY",
    "churn": "CHURN",
    "nps": "NPS",
    "mean_rating": "USAT",
    "buyers": "PURCHASE_RATE",
    "purchase_rate": "PURCHASE_RATE",
    "aov": "AOV",
    "revenue": "RSI",
    "refunds": "RSI",
    "funnel": "FUNNEL",
    "cohorts": "URR",
}


def definition(key: str, *, cer_days: int = CER_MIN_DAYS) -> str:
    if key == "CER":
        return str(DEFINITIONS["CER"]) % {"days": cer_days}
    if key.startswith("URR"):
        return str(DEFINITIONS["URR"])
    return str(DEFINITIONS[key])


def ratio(numerator: float, denominator: float) -> float | None:
    return None if not denominator else numerator / denominator


def upt(active_per_day: Sequence[int], learners: int) -> float | None:
    """Mean over the period's days of ``A(d) / U``; ``active_per_day`` has one entry per day."""
    if not learners or not active_per_day:
        return None
    return sum(active_per_day) / len(active_per_day) / learners


def cer(*, started: int, completed: int) -> float | None:
    return ratio(completed, started)


def usat(*, positive: int, reviews: int) -> float | None:
    return ratio(positive, reviews)


def mean_rating(*, rating_sum: int, reviews: int) -> float | None:
    return ratio(rating_sum, reviews)


def nps(scores: Iterable[int]) -> float | None:
    """Net Promoter Score in points (-100..100)."""
    values = [s for s in scores if s is not None]
    if not values:
        return None
    promoters = sum(1 for s in values if s >= 9)
    detractors = sum(1 for s in values if s <= 6)
    return 100 * (promoters - detractors) / len(values)


def nps_from_counts(*, promoters: int, detractors: int, total: int) -> float | None:
    return None if not total else 100 * (promoters - detractors) / total


def retention_curve(
    *,
    cohort_sizes: Mapping[date, int],
    hits: Mapping[int, int],
    as_of: date,
    horizon: int = 30,
) -> dict[int, float | None]:
    """``R(t)`` for t = 1..horizon over the sign-up days in ``cohort_sizes`` ({day: sign-ups}).

    A sign-up day counts towards ``R(t)`` only once its day t is over (``day + t <= as_of``);
    ``hits[t]`` = members of those sign-up days active on day t after signing up.
    """
    days = sorted(cohort_sizes)
    curve: dict[int, float | None] = {}
    for t in range(1, horizon + 1):
        last = as_of - timedelta(days=t)
        size = sum(cohort_sizes[s] for s in days if s <= last)
        curve[t] = ratio(hits.get(t, 0), size)
    return curve


def urr(curve: Mapping[int, float | None], horizon: int) -> float | None:
    """Mean of R(1..T); undefined unless R(T) is (then every earlier R(t) is too)."""
    values = [curve.get(t) for t in range(1, horizon + 1)]
    if any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None) / horizon


def cohort_triangle(
    *,
    cohort_sizes: Mapping[date, int],
    active: Mapping[tuple[date, date], int],
    as_of: date,
) -> list[CohortRow]:
    """Weekly cohorts (keys are Mondays): ``retention[w]`` = share active in week ``w`` after the
    sign-up week, ``None`` while that week is not over (its Sunday after ``as_of``)."""
    rows = []
    for monday in sorted(cohort_sizes):
        size = cohort_sizes[monday]
        retention: list[float | None] = []
        week = monday
        while week <= as_of:
            over = week + timedelta(days=6) <= as_of
            retention.append(ratio(active.get((monday, week), 0), size) if over else None)
            week += timedelta(days=7)
        rows.append(CohortRow(start=monday, size=size, retention=retention))
    return rows


def rsi(*, paid: int, refunds: int) -> int:
    return paid - refunds


def average_order_value(*, paid: int, orders: int) -> float | None:
    return ratio(paid, orders)


def purchase_rate(*, buyers: int, learners: int) -> float | None:
    return ratio(buyers, learners)


def stickiness(dau: Sequence[int], mau: Sequence[int]) -> float | None:
    """Mean of DAU(d) / MAU(d) over the days with any monthly actives."""
    pairs = [(d, m) for d, m in zip(dau, mau, strict=True) if m]
    if not pairs:
        return None
    return sum(d / m for d, m in pairs) / len(pairs)


def median_from_histogram(histogram: Mapping[int, int]) -> float | None:
    """Median of a distribution given as ``{value: how many}`` (mean of the two middle values)."""
    total = sum(histogram.values())
    if not total:
        return None
    items = sorted(histogram.items())

    def nth(n: int) -> int:  # 0-based
        seen = 0
        for value, count in items:
            seen += count
            if n < seen:
                return value
        raise AssertionError("unreachable")

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def churn(*, base: int, churned: int) -> float | None:
    return ratio(churned, base)
