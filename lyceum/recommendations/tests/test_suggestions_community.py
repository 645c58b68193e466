"""suggestions.py and the home page's "Suggested for you": access rules, nothing already joined or
answered, reasons in plain words, a fixed query budget."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override

from conftest import make_user
from lyceum.accounts.models import Topic
from lyceum.community.models import (
    EventAudience,
    GroupMembership,
    GroupVisibility,
    LiveEvent,
    Registration,
    RegistrationStatus,
    Reply,
    Space,
    SpaceKind,
    StudyGroup,
    Thread,
    ThreadKind,
)
from lyceum.courses.models import Category
from lyceum.learning.models import Enrollment
from lyceum.learning.tests.factories import make_course
from lyceum.recommendations.hooks_profile import suggestions_for_home
from lyceum.recommendations.models import InterestOverride, OverrideAction, TopicAffinity
from lyceum.recommendations.suggestions import suggestions_for

pytestmark = pytest.mark.django_db
NOW = timezone.now()
_seq = itertools.count(1)


def topic(slug: str) -> Topic:
    return Topic.objects.get(slug=slug)


def course(title: str, topic_slug: str = "data"):
    cat = Category.objects.get_or_create(
        slug=f"c-{topic_slug}", defaults={"name_en": topic_slug, "name_zh": topic_slug, "topic": topic(topic_slug)}
    )[0]
    c = make_course(title=title, category=cat)
    Space.objects.create(slug=f"space-{c.slug}", name=f"{title} space", kind=SpaceKind.COURSE, course=c)
    return c


def enroll(user, c, *, finished: bool = False) -> Enrollment:
    return Enrollment.objects.create(user=user, course=c, source="free", completed_at=NOW if finished else None)


def group(name: str, owner, **fields) -> StudyGroup:
    fields.setdefault("member_count", 1)
    g = StudyGroup.objects.create(name=name, owner=owner, invite_code=f"code{next(_seq)}", **fields)
    GroupMembership.objects.create(group=g, user=owner, role="owner")
    return g


def thread(c, author, title: str, kind=ThreadKind.QUESTION, **fields) -> Thread:
    return Thread.objects.create(space=c.space, author=author, title=title, body="…", kind=kind, **fields)


def event(title: str, c=None, audience=EventAudience.FREE, days: int = 3) -> LiveEvent:
    start = NOW + timedelta(days=days)
    return LiveEvent.objects.create(
        slug=f"ev-{next(_seq)}",
        title=title,
        course=c,
        audience=audience,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )


def titles(user, kind: str | None = None) -> list[str]:
    return [s.title for s in suggestions_for(user=user, per_kind=10) if kind is None or s.kind == kind]


@pytest.fixture
def world(learner, outsider):
    """The learner studies "Pandas" (data), finished "Python for Everyone" (data); interest: data."""
    pandas, python = course("Pandas"), course("Python for Everyone")
    enroll(learner, pandas)
    enroll(learner, python, finished=True)
    enroll(outsider, pandas)
    enroll(outsider, python)
    TopicAffinity.objects.create(user=learner, topic=topic("data"), score=2.0)
    return {"pandas": pandas, "python": python}


def test_visitors_get_nothing(client, world):
    from django.contrib.auth.models import AnonymousUser

    assert suggestions_for(user=AnonymousUser()) == []
    assert suggestions_for_home(user=AnonymousUser()) == []


def test_study_groups_open_active_and_not_joined(world, learner, outsider):
    # given
    group("Pandas pals", outsider, course=world["pandas"])
    group("Full house", outsider, course=world["pandas"], max_members=2, member_count=2)
    group("Secret club", outsider, course=world["pandas"], visibility=GroupVisibility.INVITE)
    group("Gone quiet", outsider, course=world["pandas"], last_activity_at=NOW - timedelta(days=60))
    group("Data people", outsider, topic=topic("data"))
    group("Designers", outsider, topic=topic("design"))
    mine = group("Already mine", outsider, course=world["pandas"])
    GroupMembership.objects.create(group=mine, user=learner)

    # when
    found = {s.title: s.reason for s in suggestions_for(user=learner, per_kind=10) if s.kind == "group"}

    # then
    assert found == {
        "Pandas pals": {"kind": "course", "course": "Pandas"},
        "Data people": {"kind": "interest", "topic": topic("data").pk},
    }


def test_course_spaces_where_i_have_not_posted(world, learner, outsider):
    question = thread(world["python"], outsider, "How do decorators work?")
    Reply.objects.create(thread=question, author=learner, body="Like this.")

    assert titles(learner, "space") == ["Pandas space"]


def test_unanswered_questions_on_courses_i_finished_and_not_already_answered(world, learner, outsider):
    # given
    thread(world["python"], outsider, "What is a list comprehension?")
    answered = thread(world["python"], outsider, "Why is my loop slow?")
    Reply.objects.create(thread=answered, author=learner, body="Vectorise it.")
    thread(world["python"], outsider, "Has replies", reply_count=2)
    thread(world["python"], learner, "My own question")
    thread(world["python"], outsider, "Old question").__class__.objects.filter(title="Old question").update(
        created_at=NOW - timedelta(days=200)
    )

    # when
    found = [(s.title, s.reason) for s in suggestions_for(user=learner, per_kind=10) if s.kind == "question"]

    # then: pandas is not finished, data is a strong topic -> pandas questions would count too, but there are none
    assert found == [("What is a list comprehension?", {"kind": "finished", "course": "Python for Everyone"})]


def test_a_thread_in_a_space_i_cannot_read_is_never_suggested(world, learner, outsider):
    # given: a data course the learner is not enrolled in (its course space is for its learners),
    # and a members-only space; data is the learner's strongest topic
    other = course("SQL deep dive")
    enroll(outsider, other)
    thread(other, outsider, "Members-only question")
    thread(other, outsider, "Members-only discussion", kind=ThreadKind.DISCUSSION)
    paid = Space.objects.create(slug="vip", name="VIP", kind=SpaceKind.PAID, access_plans=["gold"])
    Thread.objects.create(space=paid, author=outsider, title="VIP question", body="…", kind=ThreadKind.QUESTION)

    # when
    found = titles(learner)

    # then
    assert not {"Members-only question", "Members-only discussion", "VIP question", "SQL deep dive space"} & set(found)


def test_a_revoked_enrollment_closes_its_space_and_questions(world, learner, outsider):
    thread(world["python"], outsider, "Question in python")
    Enrollment.objects.filter(user=learner, course=world["python"]).update(revoked_at=NOW)

    assert "Question in python" not in titles(learner)


def test_discussions_on_my_topics_i_have_not_joined(world, learner, outsider):
    # given
    thread(world["pandas"], outsider, "Share your notebooks", kind=ThreadKind.DISCUSSION)
    joined = thread(world["pandas"], outsider, "Favourite plots", kind=ThreadKind.DISCUSSION)
    Reply.objects.create(thread=joined, author=learner, body="Violins")
    thread(world["pandas"], learner, "My own talk", kind=ThreadKind.DISCUSSION)

    # then
    assert titles(learner, "discussion") == ["Share your notebooks"]


def test_a_hidden_topic_is_not_a_reason(world, learner, outsider):
    group("Data people", outsider, topic=topic("data"))
    InterestOverride.objects.create(user=learner, topic=topic("data"), action=OverrideAction.HIDE)

    assert "Data people" not in titles(learner)


def test_events_i_may_attend_and_have_not_registered_for(world, learner, outsider):
    # given
    buddy = make_user("buddy@example.org")
    pals = group("Pandas pals", outsider, course=world["pandas"])
    GroupMembership.objects.create(group=pals, user=learner)
    GroupMembership.objects.create(group=pals, user=buddy)
    event("Pandas Q&A", world["pandas"], EventAudience.ENROLLED)
    popular = event("Career talk")
    for mate in (outsider, buddy):
        Registration.objects.create(event=popular, user=mate, status=RegistrationStatus.REGISTERED)
    event("Gold members only", world["pandas"], EventAudience.MEMBERS)
    event("Not my course", course("SQL", "data"), EventAudience.ENROLLED)
    registered = event("Already going", world["pandas"])
    Registration.objects.create(event=registered, user=learner, status=RegistrationStatus.REGISTERED)
    event("Too far away", world["pandas"], days=90)
    event("Design sprint", course("Figma", "design"))

    # when
    found = {s.title: s.reason for s in suggestions_for(user=learner, per_kind=10) if s.kind == "event"}

    # then
    assert found == {
        "Career talk": {"kind": "group_going", "n": 2},
        "Pandas Q&A": {"kind": "course", "course": "Pandas"},
    }


def test_the_home_section_words_reasons_and_renders_in_chinese(world, learner, outsider, client_for):
    # given
    thread(world["python"], outsider, "What is a list comprehension?")
    group("Data people", outsider, topic=topic("data"))

    # when
    english = client_for(learner).get("/").content.decode()
    learner.locale = "zh-hans"
    learner.save(update_fields=["locale"])
    chinese = client_for(learner).get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    # then
    assert "Suggested for you" in english
    assert "You finished Python for Everyone" in english
    assert "On your interest: Data &amp; analytics" in english
    assert "你可能感兴趣" in chinese
    assert "你学完了 Python for Everyone" in chinese
    assert "你关注的主题：数据分析" in chinese


def test_reason_words_follow_the_language(world, learner, outsider):
    from lyceum.recommendations.suggestions import suggestions_worded

    group("Data people", outsider, topic=topic("data"))
    with override("zh-hans"):
        items = suggestions_worded(user=learner)
        assert [i["reason"] for i in items if i["kind"] == "group"] == ["你关注的主题：数据分析"]


def test_the_home_section_runs_a_fixed_number_of_queries(world, learner, outsider, django_assert_max_num_queries):
    # given: many groups, threads and events of every kind
    for i in range(15):
        c = course(f"Course {i}", ["data", "design", "ai"][i % 3])
        enroll(learner, c, finished=i % 2 == 0)
        group(f"Group {i}", outsider, course=c)
        thread(c, outsider, f"Question {i}")
        thread(c, outsider, f"Talk {i}", kind=ThreadKind.DISCUSSION)
        event(f"Event {i}", c, EventAudience.ENROLLED)
        TopicAffinity.objects.get_or_create(user=learner, topic=c.category.topic, defaults={"score": 1.5})
    from lyceum.accounts.models import User

    GroupMembership.objects.create(group=StudyGroup.objects.get(name="Group 0"), user=learner)
    user = User.objects.get(pk=learner.pk)  # nothing cached

    # when / then: interests 2, enrollments 1, standing 4, my groups 1, readable paid spaces 1,
    # groups 1, spaces 1, questions 1, discussions 1, events 2, group-mates going 1, topic names 1
    with django_assert_max_num_queries(17):
        sections = suggestions_for_home(user=user)
    assert {i["kind"] for i in sections[0]["items"]} == {"group", "space", "question", "discussion", "event"}


def test_hidden_threads_and_groups_are_never_suggested(world, learner, outsider):
    # given: a question and a group that would be suggested, both hidden pending moderation
    question = thread(world["python"], outsider, "Buy cheap answers here")
    Thread.objects.filter(pk=question.pk).update(hidden_at=NOW, hidden_reason="held")
    held = group("Spam circle", outsider, course=world["pandas"])
    StudyGroup.objects.filter(pk=held.pk).update(hidden_at=NOW, hidden_reason="reports")

    # when
    found = titles(learner)

    # then
    assert not {"Buy cheap answers here", "Spam circle"} & set(found)
