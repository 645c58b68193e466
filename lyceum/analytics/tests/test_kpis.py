"""Each KPI of METRICS.md against hand-computed numbers: the pure formulas, then the whole path
(events → rollup → dashboard) on a tiny community."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from conftest import make_user
from lyceum.accounts.models import User
from lyceum.analytics import kpis, selectors
from lyceum.analytics.rollup import rollup_run
from lyceum.core.models import Event
from lyceum.learning.tests.factories import make_course

D = date(2026, 3, 2)  # a Monday


# --- the formulas -----------------------------------------------------------------------------


def test_upt_is_the_mean_daily_share_of_learners_active():
    # METRICS.md worked example: 5,000 daily active of 100,000 users
    assert kpis.upt([5000, 5000, 5000], 100_000) == 0.05
    assert kpis.upt([1, 3], 10) == 0.2  # (0.1 + 0.3) / 2
    assert kpis.upt([0, 0], 10) == 0


@pytest.mark.parametrize(("active", "learners"), [([3], 0), ([], 10)])
def test_upt_without_learners_or_days_is_undefined(active, learners):
    assert kpis.upt(active, learners) is None


def test_cer_usat_and_mean_rating():
    assert kpis.cer(started=4, completed=1) == 0.25
    assert kpis.cer(started=0, completed=0) is None
    assert kpis.usat(positive=80, reviews=100) == 0.80  # the worked example's 80 % positive
    assert kpis.usat(positive=0, reviews=0) is None
    assert kpis.mean_rating(rating_sum=11, reviews=3) == 11 / 3
    assert kpis.mean_rating(rating_sum=0, reviews=0) is None


@pytest.mark.parametrize(
    ("scores", "expected"),
    [([10, 9, 8, 7, 6, 0], 0.0), ([10, 10, 9, 3], 50.0), ([0, 6], -100.0), ([8, 7], 0.0), ([], None)],
)
def test_nps_is_percent_promoters_minus_percent_detractors(scores, expected):
    assert kpis.nps(scores) == expected
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    assert kpis.nps_from_counts(promoters=promoters, detractors=detractors, total=len(scores)) == expected


def test_rsi_buyers_average_order_value_and_purchase_rate():
    # METRICS.md worked example: 20 % of 100,000 users buy one ¥200 course = ¥4,000,000 (in fen)
    buyers, price = 20_000, 200_00
    assert kpis.purchase_rate(buyers=buyers, learners=100_000) == 0.2
    assert kpis.rsi(paid=buyers * price, refunds=0) == 4_000_000_00
    assert kpis.average_order_value(paid=buyers * price, orders=buyers) == price
    assert kpis.rsi(paid=1500, refunds=300) == 1200
    assert kpis.average_order_value(paid=0, orders=0) is None
    assert kpis.purchase_rate(buyers=3, learners=0) is None


def test_retention_curve_counts_only_days_that_are_over():
    # sign-ups: 2 on D, 2 on D+1; active on day 1 after: 1 of D's, 2 of D+1's; on day 7: 1 of D's
    sizes = {D: 2, D + timedelta(days=1): 2}

    curve = kpis.retention_curve(cohort_sizes=sizes, hits={1: 1 + 2, 7: 1}, as_of=D + timedelta(days=7))

    assert curve[1] == 3 / 4  # both sign-up days observed on day 1
    assert curve[2] == 0
    assert curve[7] == 1 / 2  # only the first sign-up day has reached day 7
    assert curve[8] is None
    assert kpis.urr(curve, 1) == 3 / 4
    assert kpis.urr(curve, 7) == (3 / 4 + 1 / 2) / 7
    assert kpis.urr(curve, 30) is None


def test_retention_of_an_empty_cohort_is_undefined():
    curve = kpis.retention_curve(cohort_sizes={}, hits={}, as_of=D)
    assert kpis.urr(curve, 1) is None


def test_cohort_triangle_rows_are_weekly_and_unfinished_weeks_are_none():
    monday, next_monday = D, D + timedelta(days=7)
    rows = kpis.cohort_triangle(
        cohort_sizes={monday: 4, next_monday: 2},
        active={(monday, monday): 4, (monday, next_monday): 2, (next_monday, next_monday): 1},
        as_of=D + timedelta(days=15),
    )

    assert [(r.start, r.size, r.retention) for r in rows] == [
        (monday, 4, [1.0, 0.5, None]),
        (next_monday, 2, [0.5, None]),
    ]


def test_stickiness_median_and_churn():
    assert kpis.stickiness([1, 2, 5], [4, 4, 0]) == (0.25 + 0.5) / 2
    assert kpis.stickiness([0], [0]) is None
    assert kpis.median_from_histogram({0: 1, 5: 2, 10: 1}) == 5
    assert kpis.median_from_histogram({1: 1, 3: 1}) == 2
    assert kpis.median_from_histogram({7: 3}) == 7
    assert kpis.median_from_histogram({}) is None
    assert kpis.churn(base=4, churned=1) == 0.25
    assert kpis.churn(base=0, churned=0) is None


def test_every_kpi_has_a_definition():
    for key in ("UPT", "CER", "USAT", "URR1", "URR7", "URR30", "RSI", "DAU", "STUDY", "CHURN", "NPS"):
        assert kpis.definition(key)
    assert "45 days" in kpis.definition("CER", cer_days=45)
    for key in kpis.EXTRA_DEFINITIONS.values():
        assert kpis.definition(key)


# --- events → rollup → dashboard on a tiny community --------------------------------------------


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 8, tzinfo=UTC)  # hour in Asia/Shanghai


def ev(name, user, when, obj="", **props):
    Event.objects.create(name=name, actor=user, occurred_at=when, object_id=str(obj), props=props)


@pytest.fixture
def community(db):
    """Four learners: A, B, C joined on Jan 1, D signs up on D (the period's first day)."""
    a, b, c, d = (make_user(f"{n}@example.org") for n in "abcd")
    User.objects.filter(pk__in=[a.pk, b.pk, c.pk]).update(date_joined=at(date(2026, 1, 1)))
    User.objects.filter(pk=d.pk).update(date_joined=at(D))
    make_user("staff@example.org", "operator")  # staff: never a learner
    return a, b, c, d


def test_dashboard_on_a_hand_computed_community(community):
    a, b, c, d = community
    x, y = make_course().pk, make_course().pk
    day2 = D + timedelta(days=1)
    # activity: period = [D, D+1], previous = [D-2, D-1]
    ev("user.signed_in", a, at(D))
    ev("lesson.viewed", b, at(D))
    ev("lesson.viewed", a, at(day2))
    ev("user.signed_up", d, at(D, 9))
    ev("quiz.submitted", d, at(day2))
    ev("reply.created", c, at(D - timedelta(days=1)))
    ev("thread.viewed", c, at(D))  # browsing does not qualify
    for _ in range(3):
        ev("visit.started", None, at(D), visitor="x")
    # reviews in the period: 5, 4 and 2 stars (the 2 was a 5 before it was edited)
    ev("review.posted", a, at(D), obj=1, course=x, rating=5)
    ev("review.posted", b, at(D), obj=2, course=x, rating=5)
    ev("review.edited", b, at(day2), obj=2, course=x, rating=2, previous=5)
    ev("review.posted", c, at(day2), obj=3, course=y, rating=4)
    ev("review.posted", c, at(D - timedelta(days=2)), obj=4, course=y, rating=1)  # previous period
    # money: CNY 1000 + 500 paid, 300 refunded; USD 700
    ev("order.paid", a, at(D), obj=1, total=1000, currency="CNY", course=x)
    ev("order.paid", b, at(day2), obj=2, total=500, currency="CNY", course=y)
    ev("order.refunded", None, at(day2), obj=1, amount=300, currency="CNY", course=x)
    ev("order.paid", a, at(day2), obj=3, total=700, currency="USD", course=x)
    # enrollments: E1 (Jan 10, completed Feb 20), E2 (Jan 15), E3 (Feb 20, too recent for CER), E4 (D's)
    ev("enrollment.created", a, at(date(2026, 1, 10)), obj=1, course=x)
    ev("course.completed", a, at(date(2026, 2, 20)), obj=x, enrollment=1)
    ev("enrollment.created", b, at(date(2026, 1, 15)), obj=2, course=x)
    ev("enrollment.created", c, at(date(2026, 2, 20)), obj=3, course=y)
    ev("enrollment.created", d, at(day2), obj=4, course=y)
    rollup_run()

    report = selectors.dashboard(start=D, end=day2, today=date(2026, 3, 10))

    k = {(x.key, x.currency): x for x in report.kpis}
    assert k["UPT", ""].value == (2 + 2) / 2 / 4  # A, B then A, D of U = 4
    assert k["UPT", ""].previous == (0 + 1) / 2 / 3  # C on the day before; D had not joined
    assert k["CER", ""].value == 1 / 2  # started by Feb 1: E1 (completed), E2
    assert k["CER", ""].previous == 1 / 2
    assert k["USAT", ""].value == 2 / 3
    assert k["USAT", ""].previous == 0
    assert k["URR1", ""].value == 1  # D, active the day after signing up
    assert k["URR7", ""].value == 1 / 7
    assert k["URR30", ""].value is None  # D's day 30 is not over
    assert k["URR1", ""].previous is None  # nobody signed up in the previous period
    assert (k["RSI", "CNY"].value, k["RSI", "USD"].value) == (1200, 700)
    assert k["RSI", "CNY"].previous == 0 and k["RSI", "CNY"].change is None
    e = report.extras
    assert e["learners"] == 4
    assert e["dau"] == 2
    assert e["mean_rating"] == 11 / 3 and e["reviews"] == 3
    assert (e["buyers_CNY"], e["orders_CNY"], e["aov_CNY"], e["purchase_rate_CNY"]) == (2, 2, 750, 0.5)
    assert (e["buyers_USD"], e["refunds_CNY"]) == (1, 300)
    assert e["mau"] == 4  # A, B, C (D-1), D
    assert e["median_study_minutes"] == 0  # single learning events give no gaps
    assert e["nps"] is None
    assert [(s.key, s.count) for s in report.funnel] == [
        ("visit", 3),
        ("signup", 1),
        ("enroll", 1),
        ("purchase", 0),
        ("complete", 0),
    ]
    series = {(s.key, s.currency): s.points for s in report.series}
    assert series["dau", ""] == [(D, 2), (day2, 2)]
    assert series["revenue", "CNY"] == [(D, 1000), (day2, 200)]
    assert series["enrollments", ""] == [(D, 0), (day2, 1)]
    assert [(r.start, r.size, r.retention) for r in report.cohorts] == [(D, 1, [1.0, None])]  # week 1 not over
    rows = {r.course_id: r for r in report.courses}
    assert (rows[x].revenue, rows[x].refunds, rows[x].currency) == (1000, 300, "CNY")
    assert (rows[x].completion_rate, rows[x].rating_avg, rows[x].rating_count) == (1 / 2, 7 / 2, 2)


def test_an_empty_platform_gives_undefined_ratios_not_zeros(db):
    report = selectors.dashboard(start=D, end=D, today=date(2026, 3, 10))

    values = {x.key: x.value for x in report.kpis}
    assert values == {"UPT": None, "CER": None, "USAT": None, "URR1": None, "URR7": None, "URR30": None, "RSI": 0}
    assert report.extras["churn"] is None and report.extras["dau_mau"] is None


def test_course_filter_keeps_only_course_figures(community):
    a, b, *_ = community
    x, y = make_course().pk, make_course().pk
    ev("order.paid", a, at(D), obj=1, total=1000, currency="CNY", course=x)
    ev("order.paid", b, at(D), obj=2, total=500, currency="CNY", course=y)
    rollup_run()

    report = selectors.dashboard(start=D, end=D, course_ids={y}, today=date(2026, 3, 10))

    assert {x.key for x in report.kpis} == {"CER", "USAT", "RSI"}
    assert [x.value for x in report.kpis if x.key == "RSI"] == [500]
    assert report.cohorts == [] and report.funnel == []
