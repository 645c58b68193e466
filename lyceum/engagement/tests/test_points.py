"""Points per action, daily caps, idempotent handlers, revocation, levels."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from conftest import make_user
from lyceum.community.services import spaces as community
from lyceum.community.services.visibility import content_set_hidden
from lyceum.community.tests.spaces_helpers import make_reply, make_thread
from lyceum.core import events
from lyceum.core.models import Event
from lyceum.engagement import handlers, services
from lyceum.engagement.models import PointBalance, PointEntry
from lyceum.learning.services import enrollment_create, enrollment_revoke, lesson_complete
from lyceum.learning.tests.factories import make_course
from lyceum.notifications.models import Notification


def balance_of(user):
    row = PointBalance.objects.filter(user=user).first()
    return (row.balance, row.lifetime) if row else (0, 0)


def test_daily_checkin_gives_its_points_once_per_local_day(learner, run_events):
    with run_events():
        _row, created = services.daily_checkin(actor=learner)
    with run_events():
        _again, created_again = services.daily_checkin(actor=learner)

    assert (created, created_again) == (True, False)
    assert balance_of(learner) == (5, 5)
    assert PointEntry.objects.filter(user=learner, action="daily_checkin").count() == 1


def test_lesson_and_course_completion_give_points_scoped_to_the_course(learner, run_events):
    course = make_course(lessons=2)
    enrollment_create(user=learner, course=course, source="free")
    with run_events():
        for lesson in course.lessons.all():
            lesson_complete(user=learner, lesson_id=lesson.pk)

    actions = sorted(PointEntry.objects.filter(user=learner).values_list("action", "points", "course_id"))
    assert actions == [
        ("course_completed", 100, course.pk),
        ("lesson_completed", 10, course.pk),
        ("lesson_completed", 10, course.pk),
    ]
    assert balance_of(learner) == (120, 120)


def test_a_handler_run_twice_awards_once(learner, run_events):
    course = make_course(lessons=2)
    enrollment_create(user=learner, course=course, source="free")
    lesson = course.lessons.first()
    with run_events():
        lesson_complete(user=learner, lesson_id=lesson.pk)
    event = Event.objects.get(name="lesson.completed")

    with run_events():
        events.event_dispatch(event_id=event.pk)
        handlers.on_lesson_completed(event)

    assert PointEntry.objects.filter(user=learner, action="lesson_completed").count() == 1
    assert balance_of(learner) == (10, 10)


def test_the_ledger_refuses_a_second_award_for_the_same_source(learner):
    services.points_award(user=learner, action="lesson_completed", source_key="lesson:1")
    with pytest.raises(IntegrityError), transaction.atomic():
        PointEntry.objects.create(
            user=learner, points=10, action="lesson_completed", reason="x", source_key="lesson:1",
            day=datetime(2026, 1, 1).date(), created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )  # fmt: skip


def test_upvotes_received_stop_at_the_daily_cap(learner, run_events):
    """2 points per upvote, at most 20 a day: the 11th upvote of the day gives nothing."""
    thread = make_thread(learner)
    voters = [make_user(f"voter{i}@example.com") for i in range(11)]
    with run_events():
        for voter in voters:
            community.thread_vote(actor=voter, thread=thread)

    awards = PointEntry.objects.filter(user=learner, action="upvote_received")
    assert awards.count() == 10
    assert balance_of(learner) == (20, 20)


def test_the_cap_counts_per_local_day(learner):
    base = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    for i in range(10):
        services.points_award(user=learner, action="upvote_received", source_key=f"v:{i}", at=base)
    over = services.points_award(user=learner, action="upvote_received", source_key="v:over", at=base)
    next_day = services.points_award(
        user=learner, action="upvote_received", source_key="v:next", at=base + timedelta(days=1)
    )

    assert over is None
    assert next_day is not None and next_day.points == 2
    assert balance_of(learner) == (22, 22)


def test_settings_override_points_and_caps(learner, settings):
    settings.LYCEUM_POINTS = {"daily_checkin": [7, 7]}

    entry = services.points_award(user=learner, action="daily_checkin", source_key="day:2026-01-01")

    assert entry.points == 7


def test_a_withdrawn_upvote_takes_its_points_back_and_a_revote_earns_nothing(learner, outsider, run_events):
    thread = make_thread(learner)
    with run_events():
        community.thread_vote(actor=outsider, thread=thread)
    with run_events():
        community.thread_vote(actor=outsider, thread=thread)  # withdraw
    with run_events():
        community.thread_vote(actor=outsider, thread=thread)  # vote again

    rows = list(PointEntry.objects.filter(user=learner).order_by("id").values_list("points", "reason"))
    assert rows == [(2, "upvote_received"), (-2, "revoked_unvoted")]
    assert balance_of(learner) == (0, 0)
    revocation = PointEntry.objects.get(user=learner, points=-2)
    assert revocation.reverses.points == 2


def test_voting_on_ones_own_reply_earns_nothing(learner, outsider, run_events):
    thread = make_thread(outsider)
    reply = make_reply(learner, thread)
    event = events.emit("reply.voted", actor=learner, obj=reply, thread=thread.pk, author=learner.pk)
    handlers.on_reply_voted(event)

    assert not PointEntry.objects.filter(user=learner).exists()


def test_accepted_answer_points_go_to_the_author_and_come_back_off_when_unaccepted(learner, outsider, run_events):
    question = make_thread(outsider, kind="question")
    answer = make_reply(learner, question)
    with run_events():
        community.reply_accept(actor=outsider, reply=answer)
    assert balance_of(learner) == (25, 25)

    with run_events():
        community.reply_unaccept(actor=outsider, thread=question)

    assert balance_of(learner) == (0, 0)
    assert PointEntry.objects.filter(user=learner, reason="revoked_unaccepted").count() == 1


def test_accepting_another_answer_moves_the_points(learner, outsider, run_events):
    question = make_thread(outsider, kind="question")
    third = make_user("third@example.com")
    first, second = make_reply(learner, question), make_reply(third, question)
    with run_events():
        community.reply_accept(actor=outsider, reply=first)
    with run_events():
        community.reply_accept(actor=outsider, reply=second)

    assert balance_of(learner) == (0, 0)
    assert balance_of(third) == (25, 25)


def test_deleting_a_reply_takes_back_its_upvotes_and_acceptance(learner, outsider, moderator, run_events):
    question = make_thread(outsider, kind="question")
    answer = make_reply(learner, question)
    with run_events():
        community.reply_accept(actor=outsider, reply=answer)
        community.reply_vote(actor=outsider, reply=answer)
    assert balance_of(learner) == (27, 27)

    with run_events():
        content_set_hidden(actor=moderator, obj=answer, hidden=True, reason="moderator")

    assert balance_of(learner) == (0, 0)
    assert PointEntry.objects.filter(user=learner, reason="revoked_removed").count() == 2


def test_deleting_a_thread_takes_back_its_upvotes(learner, outsider, run_events):
    thread = make_thread(learner)
    with run_events():
        community.thread_vote(actor=outsider, thread=thread)
    with run_events():
        community.thread_delete(actor=learner, thread=thread)

    assert balance_of(learner) == (0, 0)


def test_a_revocation_never_takes_the_balance_below_zero(learner):
    award = services.points_award(user=learner, action="accepted_answer", source_key="thread:1:reply:2:accepted")
    PointBalance.objects.filter(user=learner).update(balance=10)  # 15 of the 25 were spent

    services.points_revoke(
        user_id=learner.pk, reason="revoked_unaccepted", actions=("accepted_answer",), source_key=award.source_key
    )

    assert balance_of(learner) == (0, 0)
    assert PointEntry.objects.get(reverses=award).points == -25


def test_a_revocation_runs_once(learner):
    award = services.points_award(user=learner, action="review_posted", source_key="review:1")
    for _ in range(2):
        services.points_revoke(
            user_id=learner.pk, reason="revoked_review_hidden", actions=("review_posted",), source_key="review:1"
        )

    assert PointEntry.objects.filter(reverses=award).count() == 1
    assert balance_of(learner) == (0, 0)


def test_a_refund_takes_back_the_course_points_but_an_expired_membership_does_not(learner, operator, run_events):
    course, other = make_course(lessons=1), make_course(lessons=1)
    refunded = enrollment_create(user=learner, course=course, source="purchase")
    expired = enrollment_create(user=learner, course=other, source="membership")
    with run_events():
        lesson_complete(user=learner, lesson_id=course.lessons.first().pk)
        lesson_complete(user=learner, lesson_id=other.lessons.first().pk)
    assert balance_of(learner) == (220, 220)

    with run_events():
        enrollment_revoke(actor=operator, enrollment=refunded, reason="refund of order L-1")
        enrollment_revoke(actor=operator, enrollment=expired, reason="membership expired")

    assert balance_of(learner) == (110, 110)
    assert set(PointEntry.objects.filter(reason="revoked_refund").values_list("course_id", flat=True)) == {course.pk}


def test_points_are_never_awarded_to_an_inactive_account(learner):
    learner.is_active = False
    learner.save()

    assert services.points_award(user=learner, action="lesson_completed", source_key="lesson:1") is None


@pytest.mark.parametrize(
    ("lifetime_before", "award", "level"),
    [(45, 5, 1), (195, 5, 2), (595, 5, 3), (1495, 5, 4)],
)
def test_crossing_a_threshold_emits_level_reached_and_notifies(learner, run_events, lifetime_before, award, level):
    PointBalance.objects.create(user=learner, balance=lifetime_before, lifetime=lifetime_before, top_level=level - 1)
    with run_events():
        services.points_award(user=learner, action="daily_checkin", source_key="day:2026-01-01")

    reached = Event.objects.get(name="level.reached")
    assert reached.props["level"] == level
    notice = Notification.objects.get(recipient=learner, kind="achievements")
    assert notice.data["what"] == "level"


def test_a_level_is_announced_once_even_after_losing_and_regaining_points(learner, run_events):
    PointBalance.objects.create(user=learner, balance=45, lifetime=45)
    services.points_award(user=learner, action="daily_checkin", source_key="day:2026-01-01")
    services.points_revoke(user_id=learner.pk, reason="x", actions=("daily_checkin",), source_key="day:2026-01-01")
    services.points_award(user=learner, action="daily_checkin", source_key="day:2026-01-02")

    assert Event.objects.filter(name="level.reached").count() == 1


def test_below_a_threshold_nothing_is_announced(learner):
    services.points_award(user=learner, action="daily_checkin", source_key="day:2026-01-01")

    assert not Event.objects.filter(name="level.reached").exists()
