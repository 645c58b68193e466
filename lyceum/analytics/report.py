"""What the dashboards show: the contract between the rollups (``selectors``) and the pages.

``selectors.dashboard(start=, end=, course_ids=None)`` returns a ``Dashboard`` built from the
rollup tables only (its cost does not depend on how many raw events exist). Pages, the API
and the charts read these dataclasses and nothing else. Ratios are 0..1 floats; money is
integer minor units with its currency; ``None`` means "not defined for this period" (no
learners, no reviews...), shown as "—", never as 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Kpi:
    key: str  # "UPT", "CER", "USAT", "URR1", "URR7", "URR30", "RSI"
    name: str  # translated display name, e.g. "Engagement (UPT)"
    definition: str  # translated plain-words definition from METRICS.md, shown next to the number
    value: float | None
    previous: float | None  # the same measure over the period of equal length just before
    unit: str  # "ratio" (0..1, shown as a percentage) or "money" (minor units)
    currency: str = ""  # for money

    @property
    def change(self) -> float | None:
        """Relative change against the previous period (None when either side is undefined or 0)."""
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / self.previous


@dataclass(frozen=True)
class Series:
    """One daily line: (day, value) for every day of the period, zero-filled."""

    key: str  # "dau", "wau", "mau", "revenue", "enrollments", "completions", "signups"
    label: str
    points: list[tuple[date, float]]
    unit: str = "count"  # "count" or "money"
    currency: str = ""


@dataclass(frozen=True)
class CohortRow:
    """A weekly sign-up cohort: ``retention[w]`` = share of the cohort active in week ``w``
    after sign-up (week 0 = the sign-up week); ``None`` for weeks not yet over."""

    start: date  # Monday of the sign-up week
    size: int
    retention: list[float | None]


@dataclass(frozen=True)
class FunnelStep:
    key: str  # "visit", "signup", "enroll", "purchase", "complete"
    label: str
    count: int


@dataclass(frozen=True)
class CourseRow:
    course_id: int
    slug: str
    title: str
    enrollments: int
    completion_rate: float | None  # CER for the course
    rating_avg: float | None
    rating_count: int
    revenue: int  # minor units, net of nothing (gross paid)
    refunds: int  # minor units
    currency: str


@dataclass(frozen=True)
class Dashboard:
    start: date
    end: date
    kpis: list[Kpi]
    series: list[Series]
    cohorts: list[CohortRow]
    funnel: list[FunnelStep]
    courses: list[CourseRow] = field(default_factory=list)
    extras: dict[str, float | int | None] = field(default_factory=dict)  # DAU/MAU, median minutes, NPS...
    # plain-words definitions of the supporting figures, keyed like ``extras`` without the currency
    # suffix ("dau", "churn", "aov", "purchase_rate"...), plus "funnel" and "cohorts"
    definitions: dict[str, str] = field(default_factory=dict)
