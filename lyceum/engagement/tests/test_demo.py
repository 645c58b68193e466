"""The demo step: points from the demo history, repeatable."""

import io
import random
from datetime import timedelta

from django.utils import timezone

from lyceum.core import events
from lyceum.engagement import demo
from lyceum.engagement.models import BadgeAward, DailyCheckIn, PointBalance, PointEntry, Reward, StudyDay
from lyceum.learning.services import enrollment_create, lesson_complete
from lyceum.learning.tests.factories import make_course


class Ctx:
    def __init__(self):
        self.now = timezone.now()
        self.rng = random.Random(1)
        self.stdout = io.StringIO()

    def progress(self, iterable, desc, total=None):
        return iterable


def test_the_demo_step_awards_from_history_and_runs_twice_without_change(learner, operator):
    course = make_course(lessons=1)
    enrollment_create(user=learner, course=course, source="free")
    lesson_complete(user=learner, lesson_id=course.lessons.first().pk)  # handlers not run: inside the test transaction
    for days_ago in range(10):
        events.emit("user.signed_in", actor=learner, obj=learner, at=timezone.now() - timedelta(days=days_ago))
    events.emit("lesson.viewed", actor=learner, obj=course.lessons.first(), course=course.pk)

    demo.seed(Ctx())
    first = (
        list(PointEntry.objects.order_by("id").values_list("user_id", "action", "points")),
        PointBalance.objects.get(user=learner).balance,
        set(BadgeAward.objects.values_list("user_id", "badge")),
        DailyCheckIn.objects.count(),
        StudyDay.objects.count(),
        Reward.objects.count(),
    )
    demo.seed(Ctx())

    assert ("lesson_completed" in {a for _u, a, _p in first[0]}) and (
        "course_completed" in {a for _u, a, _p in first[0]}
    )
    assert (learner.pk, "first_course") in first[2]
    assert 0 < first[3] <= 10 and first[4] >= 1
    assert first[5] == 3
    assert first == (
        list(PointEntry.objects.order_by("id").values_list("user_id", "action", "points")),
        PointBalance.objects.get(user=learner).balance,
        set(BadgeAward.objects.values_list("user_id", "badge")),
        DailyCheckIn.objects.count(),
        StudyDay.objects.count(),
        Reward.objects.count(),
    )
