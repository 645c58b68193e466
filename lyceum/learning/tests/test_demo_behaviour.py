"""The demo learner simulator: deterministic, churners slow down then stop, nothing in the future."""

import io
import itertools
import random
import statistics
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management.base import OutputWrapper
from django.db import transaction
from django.utils import timezone

from conftest import make_user
from lyceum.core.management.commands.seed_demo import DemoContext
from lyceum.core.models import Event
from lyceum.courses.models import Course, Lesson, LessonKind, Module
from lyceum.learning import demo
from lyceum.learning.demo_behaviour import (
    ACTIVITY_KINDS,
    COMPLETE,
    PROGRESS,
    QUIZ,
    SIGN_IN,
    VIEW,
    CourseSpec,
    LessonSpec,
    Plan,
    QuestionSpec,
    course_spec,
    plan_learner,
    write_plan,
)
from lyceum.learning.models import Enrollment, LessonProgress, QuizAttempt

from .factories import add_lesson, add_quiz, make_course

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 1, 4, 30, tzinfo=UTC)
STUDY_KINDS = {VIEW, PROGRESS, QUIZ}


def _course(key: int, lessons: int = 8) -> CourseSpec:
    specs = [LessonSpec(key * 100 + i, minutes=6 + i % 7, is_media=i == 0) for i in range(lessons)]
    quiz = tuple(QuestionSpec(key * 100 + 50 + i, 1, answerable=True) for i in range(4))
    specs.append(LessonSpec(key * 100 + 99, minutes=7, questions=quiz))
    return CourseSpec(key, tuple(specs))


CATALOG = [_course(k) for k in range(1, 8)]


def _plan(seed: int, days_ago: int = 170, now: datetime = NOW) -> Plan:
    rng = random.Random(seed)
    picks = rng.sample(CATALOG, rng.randint(1, 3))
    spares = [c for c in CATALOG if c not in picks][:2]
    joined = now - timedelta(days=days_ago, hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
    return plan_learner(
        rng, joined=joined, now=now, tz=TZ, courses=picks, spares=spares, weekly_hours=rng.choice([None, 2, 5, 10])
    )


@pytest.fixture(scope="module")
def plans() -> list[Plan]:
    return [_plan(seed) for seed in range(400)]


def _study_minutes(plan: Plan, first: date, last: date) -> float:
    """Study minutes like the analytics rollup estimates them: gaps of up to 30 minutes."""
    total = 0.0
    for _day, steps in itertools.groupby(
        (s for s in plan.steps if s.kind in STUDY_KINDS and first <= s.at.astimezone(TZ).date() <= last),
        key=lambda s: s.at.astimezone(TZ).date(),
    ):
        times = [s.at for s in steps]
        total += sum(min((b - a).total_seconds(), 1800) for a, b in itertools.pairwise(times)) / 60
    return total


def _active(plan: Plan, first: date, last: date) -> int:
    return sum(1 for day in _local_active_days(plan) if first <= day <= last)


def _local_active_days(plan: Plan) -> set[date]:
    return {s.at.astimezone(TZ).date() for s in plan.steps if s.kind in ACTIVITY_KINDS}


def test_the_plan_is_deterministic_for_a_seed():
    first, again, other = _plan(7), _plan(7), _plan(8)

    assert first.steps == again.steps
    assert first.motivation == again.motivation
    assert first.steps != other.steps


def test_steps_are_in_time_order_between_sign_up_and_now(plans):
    for plan in plans:
        times = [s.at for s in plan.steps]
        assert times == sorted(times)
        assert times[-1] <= NOW
        assert plan.steps[0].kind == SIGN_IN  # the sign-up day is always active
        assert plan.active_days == sorted(_local_active_days(plan))


def test_nothing_after_now_even_for_a_learner_who_just_signed_up():
    now = datetime(2026, 6, 1, 23, 50, tzinfo=TZ)
    for seed in range(50):
        plan = plan_learner(
            random.Random(seed), joined=now - timedelta(minutes=seed % 4), now=now, tz=TZ, courses=[CATALOG[0]]
        )
        assert plan.steps
        assert all(s.at <= now for s in plan.steps)


def test_churners_leave_for_good_and_some_learners_churn(plans):
    long_enough = [p for p in plans if p.days >= 90]
    churned = [
        p for p in long_enough if p.churn_day is not None and (NOW.astimezone(TZ).date() - p.churn_day).days >= 30
    ]

    assert 0.3 <= len(churned) / len(long_enough) <= 0.6
    for plan in plans:
        if plan.churn_day is not None:
            assert max(_local_active_days(plan)) == plan.churn_day  # the final visit, then nothing


def test_churners_slow_down_in_their_last_four_weeks(plans):
    before_active, last_active, before_minutes, last_minutes = [], [], [], []
    for plan in plans:
        if plan.churn_day is None or plan.traits.life < 60:
            continue
        end = plan.churn_day
        cut = end - timedelta(days=28)
        start = cut - timedelta(days=28)
        before_active.append(_active(plan, start, cut - timedelta(days=1)))
        last_active.append(_active(plan, cut, end))
        before_minutes.append(_study_minutes(plan, start, cut - timedelta(days=1)))
        last_minutes.append(_study_minutes(plan, cut, end))

    assert len(last_active) >= 30
    assert statistics.mean(last_active) < 0.8 * statistics.mean(before_active)
    assert statistics.mean(last_minutes) < 0.7 * statistics.mean(before_minutes)


def test_quiz_scores_fall_with_motivation(plans):
    motivated, unmotivated = [], []
    for plan in plans:
        for step in plan.steps:
            if step.kind == QUIZ:
                motivation = plan.motivation[(step.at.astimezone(TZ).date() - plan.first_day).days]
                share = sum(step.correct) / len(step.correct)
                if motivation > 0.6:
                    motivated.append(share)
                elif motivation < 0.4:
                    unmotivated.append(share)

    assert statistics.mean(motivated) > statistics.mean(unmotivated) + 0.1


# --- database ---------------------------------------------------------------------------------


def _demo_course() -> Course:
    course = make_course(lessons=3)
    add_lesson(course, title="Watch", kind=LessonKind.VIDEO, duration_seconds=300)
    add_quiz(course)
    return Course.objects.prefetch_related("modules", "lessons__quiz__questions__choices").get(pk=course.pk)


@pytest.mark.django_db
def test_the_course_spec_stops_at_drip_lessons_and_modules():
    course = make_course(lessons=2)
    later = Module.objects.create(course=course, title="Later", position=1, release_after_days=7)
    add_lesson(course, module=later, title="Week two")
    course = Course.objects.prefetch_related("modules", "lessons__quiz__questions__choices").get(pk=course.pk)
    assert len(course_spec(course).lessons) == 2

    Lesson.objects.filter(course=course, position=1).update(release_at=timezone.now())
    course = Course.objects.prefetch_related("modules", "lessons__quiz__questions__choices").get(pk=course.pk)
    assert len(course_spec(course).lessons) == 1


@pytest.mark.django_db
def test_the_writer_records_the_plan_through_the_services():
    course = _demo_course()
    user = make_user("learner0001@example.com", joined_at=timezone.now() - timedelta(days=60))
    now = timezone.now()
    plans = (
        plan_learner(
            random.Random(seed),
            joined=user.date_joined,
            now=now,
            tz=timezone.get_default_timezone(),
            courses=[course_spec(course)],
            weekly_hours=8,
        )
        for seed in range(100)
    )
    plan = next(p for p in plans if any(s.kind == QUIZ for s in p.steps))

    with transaction.atomic():
        written = write_plan(user=user, plan=plan, courses={course.pk: course})

    kinds = [s.kind for s in plan.steps]
    events = Event.objects.filter(actor=user)
    assert written == len(plan.steps)
    assert events.filter(name="user.signed_in").count() == kinds.count(SIGN_IN)
    assert events.filter(name="lesson.viewed").count() == kinds.count(VIEW)
    assert events.filter(name="video.progressed").count() == kinds.count(PROGRESS)
    assert events.filter(name="quiz.submitted").count() == kinds.count(QUIZ) == QuizAttempt.objects.count()
    assert not events.filter(occurred_at__gt=now).exists()
    assert Enrollment.objects.filter(user=user, course=course).exists()
    completed = {s.lesson for s in plan.steps if s.kind == COMPLETE}
    assert completed <= set(
        LessonProgress.objects.filter(user=user, completed_at__isnull=False).values_list("lesson_id", flat=True)
    )
    # Wrong answers are really graded wrong, so scores vary with the plan's correctness.
    percents = sorted(QuizAttempt.objects.values_list("percent", flat=True))
    for step, attempt in zip(
        [s for s in plan.steps if s.kind == QUIZ], QuizAttempt.objects.order_by("submitted_at"), strict=True
    ):
        assert attempt.score == sum(step.correct)
    assert percents


class _QuietContext(DemoContext):
    def progress(self, iterable, desc, total=None):
        return iterable


@pytest.mark.django_db
def test_the_learning_demo_is_idempotent():
    _demo_course()
    for i in (1, 2):
        make_user(f"learner{i:04d}@example.com", joined_at=timezone.now() - timedelta(days=40 * i))

    def run() -> None:
        ctx = _QuietContext(
            users=2, rng=random.Random(2026), now=timezone.now(), stdout=OutputWrapper(io.StringIO()), style=None
        )
        demo.seed(ctx)

    run()
    counts = (Event.objects.count(), Enrollment.objects.count(), LessonProgress.objects.count())
    assert Event.objects.filter(name="user.signed_in").count() >= 2
    run()

    assert (Event.objects.count(), Enrollment.objects.count(), LessonProgress.objects.count()) == counts
