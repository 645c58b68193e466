"""Each badge's criterion, the monthly top contributor, and badge notices."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from conftest import make_user
from lyceum.community.services import spaces as community
from lyceum.community.tests.spaces_helpers import make_reply, make_thread
from lyceum.engagement import services
from lyceum.engagement.models import BadgeAward
from lyceum.learning.services import enrollment_create, lesson_complete
from lyceum.learning.tests.factories import make_course
from lyceum.notifications.models import Notification

from .helpers import give_points


def badges_of(user):
    return set(BadgeAward.objects.filter(user=user).values_list("badge", flat=True))


def test_completing_a_first_course_earns_the_badge_and_a_notice(learner, run_events):
    course = make_course(lessons=1)
    enrollment_create(user=learner, course=course, source="free")
    with run_events():
        lesson_complete(user=learner, lesson_id=course.lessons.first().pk)

    assert badges_of(learner) == {"first_course"}
    notice = Notification.objects.get(recipient=learner, kind="achievements", data__what="badge")
    assert notice.data["name_en"] == "First course"


def test_ten_accepted_answers_earn_the_answerer_badge_nine_do_not(learner, outsider, run_events):
    for member in (learner, outsider):  # trusted members are past the new-member posting limits
        give_points(member, 0, lifetime=1500)
    for i in range(10):
        question = make_thread(outsider, kind="question", title=f"Question number {i}")
        answer = make_reply(learner, question)
        with run_events():
            community.reply_accept(actor=outsider, reply=answer)
        if i == 8:
            assert "answers_10" not in badges_of(learner)

    assert "answers_10" in badges_of(learner)


def test_twenty_five_upvotes_earn_the_helpful_badge(learner, run_events):
    thread = make_thread(learner)
    voters = [make_user(f"fan{i}@example.com") for i in range(25)]
    with run_events():
        for voter in voters[:24]:
            community.thread_vote(actor=voter, thread=thread)
    assert "helpful" not in badges_of(learner)

    with run_events():
        community.thread_vote(actor=voters[24], thread=thread)

    assert "helpful" in badges_of(learner)


def test_a_first_review_earns_its_badge(learner, run_events):
    from lyceum.feedback.services.reviews import review_save

    course = make_course(lessons=1)
    enrollment_create(user=learner, course=course, source="free")
    lesson_complete(user=learner, lesson_id=course.lessons.first().pk)
    with run_events():
        review_save(actor=learner, course=course, rating=5, text="Clear and well paced.", rate_limit=False)

    assert "first_review" in badges_of(learner)


def test_three_attended_events_make_an_event_regular(learner, run_events):
    from lyceum.community.models import Registration
    from lyceum.engagement.handlers import on_event_attended
    from lyceum.engagement.models import PointEntry

    class FakeEvent:
        def __init__(self, pk):
            self.pk, self.props, self.occurred_at = pk, {"user": learner.pk, "event": pk}, timezone.now()

    # attended registrations are what the badge counts; make them with the community tables
    from lyceum.community.tests.test_events_helpers import make_event

    host = make_user("host@example.com", "instructor")
    for i in range(3):
        event = make_event(host)
        Registration.objects.create(event=event, user=learner, attended_at=timezone.now())
        on_event_attended(FakeEvent(event.pk))
        if i == 1:
            assert "event_regular" not in badges_of(learner)

    assert "event_regular" in badges_of(learner)
    assert PointEntry.objects.filter(user=learner, action="event_attended").count() == 2  # 40 a day at most


def test_the_top_contributor_of_last_month_gets_the_badge_once(learner, outsider):
    last_month = datetime(2026, 4, 15, 4, tzinfo=UTC)
    services.points_award(user=learner, action="accepted_answer", source_key="a:1", at=last_month)
    services.points_award(user=outsider, action="upvote_received", source_key="v:1", at=last_month)
    services.points_award(user=outsider, action="course_completed", source_key="c:1", at=last_month)  # not community
    now = datetime(2026, 5, 1, 2, tzinfo=UTC)  # 10:00 on 1 May in Shanghai

    first = services.top_contributor_award(now=now)
    again = services.top_contributor_award(now=now + timedelta(days=3))

    assert first is not None and (first.user, first.period) == (learner, "2026-04")
    assert again is None
    assert BadgeAward.objects.filter(badge="top_contributor").count() == 1


def test_no_top_contributor_in_a_quiet_month(db):
    assert services.top_contributor_award(now=datetime(2026, 5, 1, 2, tzinfo=UTC)) is None


def test_a_badge_is_held_once(learner):
    assert services.badge_award(user=learner, badge="first_review") is not None
    assert services.badge_award(user=learner, badge="first_review") is None


def test_the_job_command_runs(db, capsys):
    from django.core.management import call_command

    call_command("award_badges")

    assert "top contributor" in capsys.readouterr().out
