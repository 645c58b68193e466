"""Each earning action through its real service: quizzes, group check-ins, live events, reviews."""

from datetime import UTC, datetime, timedelta

from conftest import make_user
from lyceum.community.services import events as live
from lyceum.community.services import groups
from lyceum.engagement.models import PointBalance, PointEntry
from lyceum.feedback.services.reviews import review_hide, review_save
from lyceum.learning.services import enrollment_create, lesson_complete, quiz_attempt_submit
from lyceum.learning.tests.factories import add_quiz, make_course, right_answers


def points(user, action):
    return list(PointEntry.objects.filter(user=user, action=action).order_by("id").values_list("points", flat=True))


def test_passing_a_quiz_earns_once_and_failing_earns_nothing(learner, run_events):
    course = make_course(lessons=1)
    quiz = add_quiz(course)
    enrollment_create(user=learner, course=course, source="free")
    with run_events():
        quiz_attempt_submit(user=learner, quiz_id=quiz.pk, answers={})  # all wrong
    assert points(learner, "quiz_passed") == []

    with run_events():
        quiz_attempt_submit(user=learner, quiz_id=quiz.pk, answers=right_answers(quiz))
        quiz_attempt_submit(user=learner, quiz_id=quiz.pk, answers=right_answers(quiz))

    assert points(learner, "quiz_passed") == [15]


def test_a_group_check_in_earns_points_tied_to_the_group(learner, run_events):
    group = groups.group_create(actor=learner, name="Morning readers")
    with run_events():
        groups.checkin_create(actor=learner, group=group, minutes=30)

    entry = PointEntry.objects.get(user=learner, action="group_checkin")
    assert (entry.points, entry.group_id) == (5, group.pk)


def test_attending_a_live_event_earns_points(learner, instructor, run_events):
    from lyceum.community.tests.test_events_helpers import make_event

    event = make_event(instructor, starts_in=timedelta(days=1))
    live.event_register(actor=learner, event=event)
    with run_events():
        live.attendance_mark(
            actor=instructor, event=event, user_ids=[learner.pk], at=event.starts_at + timedelta(minutes=5)
        )

    assert points(learner, "event_attended") == [20]


def test_a_review_earns_points_and_hiding_it_takes_them_back(learner, moderator, run_events):
    course = make_course(lessons=1)
    enrollment_create(user=learner, course=course, source="free")
    lesson_complete(user=learner, lesson_id=course.lessons.first().pk)
    with run_events():
        review, _created = review_save(actor=learner, course=course, rating=4, text="Useful.", rate_limit=False)
    before = PointBalance.objects.get(user=learner).balance

    with run_events():
        review_hide(actor=moderator, review=review, hidden=True, reason="spam")

    assert points(learner, "review_posted") == [10, -10]
    assert PointBalance.objects.get(user=learner).balance == before - 10


def test_checking_in_in_another_zone_counts_its_own_local_day(db, run_events):
    from lyceum.engagement.services import daily_checkin

    member = make_user("la-checkin@example.com")
    member.timezone = "America/Los_Angeles"
    member.save(update_fields=["timezone"])
    # 06:00 UTC is 23:00 on the 9th in Los Angeles; three hours later it is the 10th there.
    first = datetime(2026, 6, 10, 6, tzinfo=UTC)
    with run_events():
        a, created_a = daily_checkin(actor=member, at=first)
        b, created_b = daily_checkin(actor=member, at=first + timedelta(hours=3))

    assert (str(a.day), str(b.day), created_a, created_b) == ("2026-06-09", "2026-06-10", True, True)
    assert points(member, "daily_checkin") == [5, 5]
