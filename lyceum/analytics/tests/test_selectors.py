from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from conftest import make_user
from lyceum.analytics import selectors
from lyceum.analytics.rollup import rollup_run
from lyceum.core.models import Event
from lyceum.learning.tests.factories import make_course

pytestmark = pytest.mark.django_db

D = date(2026, 3, 2)
QUERIES = 17  # day stats, windows, money, learners, churn, NPS, CER, reviews, cohorts x4, funnel, buyers, courses x3


def history(users, courses, days):
    rows = []
    for i in range(days * len(users)):
        user, course = users[i % len(users)], courses[i % len(courses)]
        at = datetime(2026, 1, 1, 4, tzinfo=UTC) + timedelta(hours=i * 7)
        rows += [
            Event(name="lesson.viewed", actor=user, occurred_at=at, props={"course": course.pk}),
            Event(name="enrollment.created", actor=user, occurred_at=at, object_id=str(i), props={"course": course.pk}),
            Event(
                name="order.paid",
                actor=user,
                occurred_at=at,
                object_id=str(i),
                props={"total": 100, "currency": "CNY", "course": course.pk},
            ),
            Event(
                name="review.posted",
                actor=user,
                occurred_at=at,
                object_id=str(i),
                props={"course": course.pk, "rating": 1 + i % 5},
            ),
        ]
    Event.objects.bulk_create(rows)
    rollup_run()


@pytest.mark.parametrize("size", [1, 4])
def test_the_dashboard_runs_a_fixed_number_of_queries(size, django_assert_num_queries):
    users = [make_user(f"u{i}@example.org") for i in range(2 * size)]
    courses = [make_course() for _ in range(size)]
    history(users, courses, days=10 * size)

    with django_assert_num_queries(QUERIES):
        report = selectors.dashboard(start=D - timedelta(days=60), end=D, today=D + timedelta(days=1))

    assert len(report.courses) == size


def test_an_instructor_view_runs_fewer_queries_and_only_their_courses(django_assert_max_num_queries):
    users = [make_user(f"u{i}@example.org") for i in range(3)]
    mine, other = make_course(), make_course()
    history(users, [mine, other], days=10)

    with django_assert_max_num_queries(8):
        report = selectors.dashboard(start=D - timedelta(days=60), end=D, course_ids={mine.pk})

    assert [row.course_id for row in report.courses] == [mine.pk]


def test_previous_period_has_the_same_length_just_before():
    period = selectors.Period(date(2026, 3, 1), date(2026, 3, 31))

    assert period.previous == selectors.Period(date(2026, 1, 29), date(2026, 2, 28))
    assert len(period.days) == 31


def test_a_buyer_counts_once_per_period_whatever_the_order_events_arrive_in():
    buyer, other = make_user("buyer@example.org"), make_user("other@example.org")
    days = [D - timedelta(days=3), D + timedelta(days=1), D + timedelta(days=2), D - timedelta(days=1)]
    for i, day in enumerate(days):  # the last one lands before the others: backdated
        when = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)
        Event.objects.create(name="order.paid", actor=buyer, occurred_at=when, object_id=str(i),
                             props={"total": 100, "currency": "CNY"})  # fmt: skip
        rollup_run()
    Event.objects.create(name="order.paid", actor=other, occurred_at=datetime(2026, 3, 3, 4, tzinfo=UTC),
                         object_id="9", props={"total": 50, "currency": "CNY"})  # fmt: skip
    rollup_run()

    report = selectors.dashboard(start=D, end=D + timedelta(days=3), today=D + timedelta(days=9))

    assert report.extras["buyers_CNY"] == 2 and report.extras["orders_CNY"] == 3
    rsi = next(k for k in report.kpis if k.key == "RSI")
    assert (rsi.value, rsi.previous) == (250, 200)
