from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.analytics import rollup
from lyceum.analytics.models import (
    CohortDay,
    CohortWeek,
    CourseDay,
    CourseRevenueDay,
    CurrencyDay,
    DayStat,
    DayWindow,
    EnrollmentFact,
    ReviewFact,
    UserDay,
    UserFact,
    Watermark,
)
from lyceum.core.models import Event

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai, a Monday


def ev(name, user, at, obj="", **props):
    return Event.objects.create(
        name=name, actor_id=getattr(user, "pk", user), occurred_at=at, object_id=str(obj), props=props
    )


def snapshot():
    tables = {}
    for model in rollup.ALL_TABLES:
        fields = [f.attname for f in model._meta.fields if f.attname != "id"]
        tables[model.__name__] = sorted(tuple(str(v) for v in row) for row in model.objects.values_list(*fields))
    return tables


def random_history(rng, users, start, days, count, next_id):
    names = [
        "user.signed_in", "lesson.viewed", "video.progressed", "quiz.submitted", "reply.created",
        "thread.viewed", "visit.started", "enrollment.created", "course.completed", "order.paid",
        "order.refunded", "review.posted", "review.edited",
    ]  # fmt: skip
    for _ in range(count):
        user = rng.choice(users)
        at = start + timedelta(days=rng.randrange(days), minutes=rng.randrange(24 * 60))
        name = rng.choice(names)
        course = rng.randrange(1, 4)
        next_id[0] += 1
        enrollment = user.pk * 10 + course  # an enrollment is one user in one course
        if name == "enrollment.created":
            ev(name, user, at, obj=enrollment, course=course, source="free")
        elif name == "course.completed":
            ev(name, user, at, obj=course, enrollment=enrollment)
        elif name == "order.paid":
            ev(name, user, at, obj=next_id[0], total=rng.randrange(100, 900), currency=rng.choice(["CNY", "USD"]),
               course=course)  # fmt: skip
        elif name == "order.refunded":
            ev(name, user, at, obj=next_id[0], amount=rng.randrange(1, 100), currency="CNY", course=course)
        elif name.startswith("review."):
            review = rng.randrange(5)
            ev(name, user, at, obj=review, course=review % 3 + 1, rating=rng.randrange(1, 6))
        else:
            ev(name, user, at)


def test_incremental_runs_over_chunks_equal_one_full_recompute():
    users = [make_user(f"l{i}@example.org") for i in range(6)]
    for i, user in enumerate(users):
        ev("user.signed_up", user, T0 + timedelta(days=i * 3))
    rng = random.Random(6)
    next_id = [0]
    for batch in range(5):
        # each batch adds to old days (backdated) as well as new ones
        random_history(rng, users, T0 + timedelta(days=batch * 5), 20 + batch * 5, 60, next_id)
        result = rollup.rollup_run(chunk_size=17)
        assert result.events > 0
    incremental = snapshot()
    assert incremental["UserDay"] and incremental["CohortWeek"] and incremental["ReviewFact"]

    rollup.rollup_run(full=True)

    full = snapshot()
    for key in full:
        assert set(full[key]) ^ set(incremental[key]) == set(), key
    assert full == incremental


def test_a_second_run_without_new_events_changes_nothing(learner):
    ev("user.signed_in", learner, T0)
    first = rollup.rollup_run()
    before = snapshot()

    again = rollup.rollup_run()

    assert first.events == Event.objects.count() and again.events == 0 and again.days == 0
    assert Watermark.objects.get().last_event_id == first.last_event_id
    assert snapshot() == before


def test_only_qualifying_activity_of_learners_counts(learner, operator):
    for name in ("user.signed_in", "lesson.viewed", "quiz.submitted", "event.attended"):
        ev(name, learner, T0)
    ev("thread.viewed", learner, T0)  # browsing does not qualify
    ev("course.updated", learner, T0)
    ev("lesson.viewed", operator, T0)  # staff are not learners

    rollup.rollup_run()

    assert list(UserDay.objects.values_list("user_id", "activities")) == [(learner.pk, 4)]
    assert DayStat.objects.get(day=date(2026, 3, 2)).active_users == 1


def test_days_are_platform_timezone_days(learner, settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    ev("lesson.viewed", learner, datetime(2026, 3, 1, 16, 30, tzinfo=UTC))  # 00:30 on March 2 in Shanghai
    ev("lesson.viewed", learner, datetime(2026, 3, 1, 15, 30, tzinfo=UTC))  # 23:30 on March 1

    rollup.rollup_run()

    assert sorted(UserDay.objects.values_list("day", flat=True)) == [date(2026, 3, 1), date(2026, 3, 2)]


def test_study_seconds_add_the_gaps_between_learning_events_up_to_30_minutes(learner):
    for minutes in (0, 10, 25, 120, 125):  # gaps 10, 15, 95 (counted 30), 5
        ev("lesson.viewed", learner, T0 + timedelta(minutes=minutes))
    ev("user.signed_in", learner, T0 + timedelta(minutes=300))  # not a learning event

    rollup.rollup_run()

    row = UserDay.objects.get()
    assert (row.activities, row.study_seconds) == (6, (10 + 15 + 30 + 5) * 60)
    assert DayStat.objects.get(day=date(2026, 3, 2)).study_minutes == {"60": 1}


def test_money_enrollments_completions_and_reviews(learner, outsider):
    ev("order.paid", learner, T0, obj=1, total=1000, currency="CNY", course=7)
    ev("order.paid", outsider, T0, obj=2, total=500, currency="CNY", course=8)
    ev("order.refunded", None, T0 + timedelta(hours=1), obj=1, amount=300, currency="CNY", course=7)
    ev("enrollment.created", learner, T0, obj=11, course=7, source="purchase")
    ev("enrollment.created", learner, T0, obj=11, source="purchase", renewed=True)  # not a new one
    ev("course.completed", learner, T0 + timedelta(days=3), obj=7, enrollment=11)
    ev("review.posted", learner, T0, obj=5, course=7, rating=2)
    ev("review.edited", learner, T0 + timedelta(days=1), obj=5, course=7, rating=5, previous=2)

    rollup.rollup_run()

    money = CurrencyDay.objects.get()
    assert (money.orders, money.revenue, money.refund_count, money.refunds) == (2, 1500, 1, 300)
    assert sorted(CourseRevenueDay.objects.values_list("course_id", "revenue", "refunds")) == [
        (7, 1000, 300),
        (8, 500, 0),
    ]
    assert list(CourseDay.objects.order_by("day").values_list("day", "course_id", "enrollments", "completions")) == [
        (date(2026, 3, 2), 7, 1, 0),
        (date(2026, 3, 5), 7, 0, 1),
    ]
    assert list(EnrollmentFact.objects.values_list("enrollment_id", "course_id", "started_on", "completed_on")) == [
        (11, 7, date(2026, 3, 2), date(2026, 3, 5))
    ]
    assert list(ReviewFact.objects.values_list("course_id", "posted_on", "rating")) == [(7, date(2026, 3, 2), 5)]
    fact = UserFact.objects.get(user_id=learner.pk)
    assert (fact.first_enrolled_on, fact.first_paid_on, fact.first_completed_on) == (
        date(2026, 3, 2),
        date(2026, 3, 2),
        date(2026, 3, 5),
    )


def test_paid_orders_without_a_course_prop_are_split_by_their_lines():
    assert rollup._split(100, [(1, 1), (2, 1), (3, 1)]) == {1: 34, 2: 33, 3: 33}
    assert rollup._split(300, [(7, 1000)]) == {7: 300}
    assert rollup._split(5, []) == {}


def test_windows_wau_mau_churn_and_cohorts(learner, outsider):
    ev("user.signed_up", learner, T0)
    ev("user.signed_in", learner, T0)  # day 0
    ev("user.signed_in", learner, T0 + timedelta(days=1))  # day 1
    ev("user.signed_in", outsider, T0 + timedelta(days=8))
    ev("user.signed_in", learner, T0 + timedelta(days=30))

    rollup.rollup_run()

    day = date(2026, 3, 2)
    windows = {w.day: w for w in DayWindow.objects.all()}
    assert (windows[day + timedelta(days=1)].wau, windows[day + timedelta(days=8)].wau) == (1, 1)
    assert windows[day + timedelta(days=8)].mau == 2
    assert windows[day + timedelta(days=7)].wau == 1 and windows[day + timedelta(days=8)].wau == 1
    # on day 9: both were active in the 28 days before; the outsider never again, the learner on day 30
    assert (windows[day + timedelta(days=9)].churn_base, windows[day + timedelta(days=9)].churned) == (2, 1)
    assert sorted(CohortDay.objects.values_list("offset", "users")) == [(0, 1), (1, 1), (30, 1)]
    assert sorted(CohortWeek.objects.values_list("cohort", "week", "users")) == [
        (day, day, 1),
        (day, day + timedelta(days=28), 1),
    ]


def test_command_runs_incrementally_and_full(learner, capsys):
    ev("user.signed_in", learner, T0)

    call_command("rollup_analytics")
    call_command("rollup_analytics", "--full")

    out = capsys.readouterr().out
    assert f"{Event.objects.count()} event(s)" in out and "(full)" in out
    assert UserDay.objects.count() == 1


def test_the_job_is_scheduled(settings):
    assert ("rollup_analytics", 300) in settings.LYCEUM_JOBS


def test_staff_role_is_excluded_even_for_instructors_not(instructor):
    # instructors are not staff: their learning activity counts like anyone's
    assert not instructor.is_staff or Role.INSTRUCTOR
    ev("lesson.viewed", instructor, T0)
    rollup.rollup_run()
    assert UserDay.objects.filter(user_id=instructor.pk).exists() == (not instructor.is_staff)
