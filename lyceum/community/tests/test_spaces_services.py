"""Spaces, threads, replies, votes, accepted answers, mentions, follows, bookmarks: the services."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_user, run_concurrently
from lyceum.community import access
from lyceum.community.models import (
    Bookmark,
    Mention,
    PostPolicy,
    Reply,
    Revision,
    Space,
    SpaceKind,
    Thread,
    ThreadFollow,
    ThreadKind,
    Vote,
)
from lyceum.community.services import spaces as services
from lyceum.core.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from lyceum.core.models import Event
from lyceum.core.screening import Verdict
from lyceum.courses.models import CourseStatus
from lyceum.learning.tests.factories import make_course

from .spaces_helpers import enroll, global_space, make_membership, make_reply, make_space, make_thread

PUBLISHED = Verdict().as_props()  # what the services send when no provider objects

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _global_space(db):
    return global_space()


def _events(name):
    return list(Event.objects.filter(name=name).order_by("pk"))


# --- spaces and access --------------------------------------------------------------------------------


def test_migration_creates_the_global_space():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("lyceum.community.migrations.0002_search")
    Space.objects.filter(slug="general").delete()
    migration.create_global_space(apps, None)
    migration.create_global_space(apps, None)
    space = Space.objects.get(slug="general")
    assert space.kind == SpaceKind.GLOBAL and space.name == "Community"


def test_operators_create_spaces_others_cannot(operator, instructor):
    space = services.space_create(
        actor=operator, name="Pro <b>lounge</b>", kind=SpaceKind.PAID, access_plans="pro-monthly, Pro Yearly",
        post_policy=PostPolicy.MEMBERS,
    )  # fmt: skip
    assert space.name == "Pro lounge" and space.slug == "pro-lounge"
    assert space.access_plans == ["pro-monthly", "pro-yearly"]
    assert _events("space.created")[-1].object_id == str(space.pk)
    with pytest.raises(PermissionDenied):
        services.space_create(actor=instructor, name="Mine")
    with pytest.raises(ValidationFailed) as exc:
        services.space_create(actor=operator, name="  ")
    assert exc.value.field == "name"
    with pytest.raises(ValidationFailed) as exc:
        services.space_create(actor=operator, name="Course space", kind=SpaceKind.COURSE)
    assert exc.value.field == "course"
    services.space_update(actor=operator, space=space, description="Members talk here", post_policy="staff")
    space.refresh_from_db()
    assert space.post_policy == PostPolicy.STAFF and space.description == "Members talk here"


def test_space_for_course_is_created_once_and_on_publication(instructor, django_capture_on_commit_callbacks):
    course = make_course(instructor=instructor, status=CourseStatus.DRAFT)
    first = services.space_for_course(course=course)
    assert services.space_for_course(course=course) == first
    assert first.kind == SpaceKind.COURSE and first.slug == f"course-{course.slug}"
    other = make_course(instructor=instructor, status=CourseStatus.DRAFT)
    from lyceum.core import events

    with django_capture_on_commit_callbacks(execute=True):
        events.emit("course.published", actor=instructor, obj=other)
    assert Space.objects.filter(course=other, kind=SpaceKind.COURSE).exists()
    with pytest.raises(Conflict):
        services.space_create(actor=make_user("op2@example.org", "operator"), name="Dup", kind="course", course=course)


def test_course_space_is_for_enrolled_learners_and_instructors(learner, outsider, instructor, moderator):
    course = make_course(instructor=instructor)
    space = services.space_for_course(course=course)
    enroll(learner, course)
    assert access.can_read_space(learner, space)
    assert access.can_read_space(instructor, space)
    assert access.can_read_space(moderator, space)
    assert not access.can_read_space(outsider, space)
    with pytest.raises(NotFound):
        make_thread(outsider, space)
    thread = make_thread(learner, space)
    with pytest.raises(NotFound):
        services.reply_create(actor=outsider, thread=thread, body="hi", rate_limit=False)
    with pytest.raises(NotFound):
        services.thread_vote(actor=outsider, thread=thread)


def test_paid_space_opens_with_a_membership_plan(learner, outsider):
    space = make_space(kind=SpaceKind.PAID, access_plans=["pro-monthly"])
    assert not access.can_read_space(learner, space)
    make_membership(learner, "pro-monthly")
    assert access.can_read_space(learner, space)
    assert not access.can_read_space(outsider, space)
    make_thread(learner, space)


def test_visitors_cannot_post(db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        services.thread_create(actor=AnonymousUser(), space=global_space(), title="t", body="b")


# --- threads ---------------------------------------------------------------------------------------


def test_thread_create_emits_the_contract_event(learner, instructor):
    course = make_course(instructor=instructor)
    space = services.space_for_course(course=course)
    enroll(learner, course)
    thread = make_thread(learner, space, kind=ThreadKind.QUESTION, tags=["Python", "数据 分析", "python"])
    event = _events("thread.created")[-1]
    assert event.object_id == str(thread.pk)
    assert event.props == {
        "space": space.slug,
        "space_id": space.pk,
        "kind": "question",
        "course": course.pk,
        "screen": PUBLISHED,
    }
    assert sorted(t.slug for t in thread.tags.all()) == ["python", "数据-分析"]
    assert ThreadFollow.objects.filter(user=learner, thread=thread).exists()
    space.refresh_from_db()
    assert space.thread_count == 1 and space.last_activity_at is not None
    make_thread(learner)
    assert _events("thread.created")[-1].props["course"] is None


def test_announcements_only_for_staff_and_pinned(learner, instructor, operator):
    course = make_course(instructor=instructor)
    space = services.space_for_course(course=course)
    enroll(learner, course)
    with pytest.raises(PermissionDenied):
        make_thread(learner, space, kind=ThreadKind.ANNOUNCEMENT)
    with pytest.raises(PermissionDenied):
        make_thread(learner, global_space(), kind=ThreadKind.ANNOUNCEMENT)
    by_instructor = make_thread(instructor, space, kind=ThreadKind.ANNOUNCEMENT)
    assert by_instructor.is_pinned
    assert make_thread(operator, global_space(), kind=ThreadKind.ANNOUNCEMENT).is_pinned


def test_staff_only_post_policy(learner, moderator):
    space = global_space()
    space.post_policy = PostPolicy.STAFF
    space.save()
    with pytest.raises(PermissionDenied):
        make_thread(learner, space)
    make_thread(moderator, space)


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [("", "body", "title"), ("   ", "body", "title"), ("x" * 201, "body", "title"), ("ok", "", "body"),
     ("ok", " \n ", "body"), ("ok", "y" * 20_001, "body"), ("ok", "body", "kind")],
)  # fmt: skip
def test_empty_or_oversize_input_names_the_field(learner, title, body, field):
    kind = "poll" if field == "kind" else ThreadKind.DISCUSSION
    with pytest.raises(ValidationFailed) as exc:
        services.thread_create(actor=learner, space=global_space(), title=title, body=body, kind=kind)
    assert exc.value.field == field
    assert not Thread.objects.exists()


def test_too_many_tags(learner):
    with pytest.raises(ValidationFailed) as exc:
        make_thread(learner, tags="a, b, c, d, e, f")
    assert exc.value.field == "tags"


def test_injection_is_neutralised(learner):
    thread = make_thread(
        learner,
        title="<script>alert(1)</script> Hi",
        body="Hello <script>alert('x')</script> <img src=x onerror=alert(1)> [link](javascript:alert(1))",
        tags=["<b>bold</b>", "<script>x</script>"],
    )
    assert "<script" not in thread.body_html and "onerror" not in thread.body_html
    assert "javascript:" not in thread.body_html
    names = sorted(t.name for t in thread.tags.all())
    assert all("<" not in n for n in names)
    reply = make_reply(learner, thread, "<iframe src='https://evil'></iframe>ok")
    assert "<iframe" not in reply.body_html


def test_markdown_code_images_links(learner):
    body = "```python\nprint('<hi>')\n```\n\n![cat](https://example.org/cat.png) [docs](https://example.org)"
    html = make_thread(learner, body=body).body_html
    assert "<pre><code" in html and "&lt;hi&gt;" in html
    assert '<img alt="cat" src="https://example.org/cat.png"' in html or 'src="https://example.org/cat.png"' in html
    assert 'href="https://example.org"' in html and "nofollow" in html


def test_thread_rate_limit(learner, settings):
    settings.LYCEUM_COMMUNITY_THREAD_RATE = "2/min"
    for i in range(2):
        services.thread_create(actor=learner, space=global_space(), title=f"t{i}", body="b")
    with pytest.raises(RateLimited):
        services.thread_create(actor=learner, space=global_space(), title="t3", body="b")


def test_reply_rate_limit(learner, outsider, settings):
    settings.LYCEUM_COMMUNITY_REPLY_RATE = "1/min"
    thread = make_thread(outsider)
    services.reply_create(actor=learner, thread=thread, body="one")
    with pytest.raises(RateLimited) as exc:
        services.reply_create(actor=learner, thread=thread, body="two")
    assert exc.value.status == 429


def test_edit_keeps_history_and_only_author_or_moderator(learner, outsider, moderator):
    thread = make_thread(learner, title="First", body="Old body")
    with pytest.raises(PermissionDenied):
        services.thread_edit(actor=outsider, thread=thread, title="Hack", body="x")
    services.thread_edit(actor=learner, thread=thread, title="Second", body="New body", tags="django")
    services.thread_edit(actor=moderator, thread=thread, title="Third", body="Newer body")
    thread.refresh_from_db()
    assert thread.title == "Third" and thread.edited_at is not None
    assert [(r.title, r.body) for r in thread.revisions.order_by("pk")] == [
        ("First", "Old body"),
        ("Second", "New body"),
    ]
    reply = make_reply(outsider, thread, "first reply")
    services.reply_edit(actor=outsider, reply=reply, body="better reply")
    reply.refresh_from_db()
    assert reply.edited_at and reply.body == "better reply"
    assert Revision.objects.get(reply=reply).body == "first reply"
    with pytest.raises(ValidationFailed):
        services.reply_edit(actor=outsider, reply=reply, body="")


def test_soft_delete(learner, outsider, moderator):
    thread = make_thread(learner)
    reply = make_reply(outsider, thread)
    with pytest.raises(PermissionDenied):
        services.reply_delete(actor=learner, reply=reply)
    services.reply_delete(actor=outsider, reply=reply)
    reply.refresh_from_db()
    thread.refresh_from_db()
    assert reply.deleted_at and thread.reply_count == 0
    with pytest.raises(PermissionDenied):
        services.thread_delete(actor=outsider, thread=thread)
    services.thread_delete(actor=moderator, thread=thread)
    thread.refresh_from_db()
    assert thread.deleted_at and Thread.objects.filter(pk=thread.pk).exists()
    with pytest.raises(NotFound):
        services.reply_create(actor=outsider, thread=thread, body="late", rate_limit=False)


def test_pin_and_lock_are_for_moderators(learner, outsider, moderator):
    thread = make_thread(learner)
    with pytest.raises(PermissionDenied):
        services.thread_pin(actor=learner, thread=thread)
    services.thread_pin(actor=moderator, thread=thread)
    services.thread_lock(actor=moderator, thread=thread)
    thread.refresh_from_db()
    assert thread.is_pinned and thread.is_locked
    with pytest.raises(PermissionDenied) as exc:
        make_reply(outsider, thread)
    assert exc.value.code == "locked"
    make_reply(moderator, thread)  # moderators still answer


# --- replies ---------------------------------------------------------------------------------------


def test_reply_nesting_is_one_level(learner, outsider):
    thread = make_thread(learner)
    top = make_reply(outsider, thread, "top")
    child = make_reply(learner, thread, "child", parent=top)
    grandchild = make_reply(outsider, thread, "grandchild", parent=child)
    assert child.parent_id == top.pk and grandchild.parent_id == top.pk
    event = _events("reply.created")[-1]
    assert event.props == {"thread": thread.pk, "parent": top.pk, "space": "general", "screen": PUBLISHED}
    assert _events("reply.created")[0].props["parent"] is None
    thread.refresh_from_db()
    assert thread.reply_count == 3
    assert ThreadFollow.objects.filter(user=outsider, thread=thread).exists()
    other = make_thread(learner)
    with pytest.raises(ValidationFailed) as exc:
        make_reply(outsider, other, parent=top)
    assert exc.value.field == "parent"


def test_reply_moves_last_activity(learner, outsider):
    thread = make_thread(learner, at=timezone.now() - timedelta(days=3))
    before = Thread.objects.get(pk=thread.pk).last_activity_at
    make_reply(outsider, thread)
    assert Thread.objects.get(pk=thread.pk).last_activity_at > before


# --- votes ---------------------------------------------------------------------------------------


def test_vote_toggles_and_never_doubles(learner, outsider):
    thread = make_thread(learner)
    assert services.thread_vote(actor=outsider, thread=thread) == (True, 1)
    assert services.thread_vote(actor=outsider, thread=thread) == (False, 0)
    assert services.thread_vote(actor=outsider, thread=thread) == (True, 1)
    assert Vote.objects.filter(thread=thread).count() == 1
    with pytest.raises(PermissionDenied):
        services.thread_vote(actor=learner, thread=thread)
    reply = make_reply(outsider, thread)
    assert services.reply_vote(actor=learner, reply=reply) == (True, 1)
    assert services.reply_vote(actor=learner, reply=reply) == (False, 0)
    with pytest.raises(PermissionDenied):
        services.reply_vote(actor=outsider, reply=reply)


# --- accepted answers ------------------------------------------------------------------------------


def test_accept_rules(learner, outsider, instructor):
    course = make_course(instructor=instructor)
    space = services.space_for_course(course=course)
    enroll(learner, course)
    enroll(outsider, course)
    question = make_thread(learner, space, kind=ThreadKind.QUESTION)
    a1 = make_reply(outsider, question, "answer one")
    a2 = make_reply(instructor, question, "answer two")
    with pytest.raises(PermissionDenied):
        services.reply_accept(actor=outsider, reply=a1)
    services.reply_accept(actor=learner, reply=a1)
    question.refresh_from_db()
    assert question.accepted_reply_id == a1.pk and question.accepted_by_id == learner.pk
    assert _events("reply.accepted")[-1].props == {"thread": question.pk}
    assert _events("reply.accepted")[-1].object_id == str(a1.pk)
    assert _events("reply.created")[-1].object_type == "community.reply"
    services.reply_accept(actor=instructor, reply=a2)  # re-accept switches
    question.refresh_from_db()
    assert question.accepted_reply_id == a2.pk
    services.reply_unaccept(actor=learner, thread=question)
    question.refresh_from_db()
    assert question.accepted_reply_id is None
    discussion = make_thread(learner, space)
    reply = make_reply(outsider, discussion)
    with pytest.raises(ValidationFailed):
        services.reply_accept(actor=learner, reply=reply)


def test_deleting_the_accepted_answer_reopens_the_question(learner, outsider):
    question = make_thread(learner, kind=ThreadKind.QUESTION)
    answer = make_reply(outsider, question)
    services.reply_accept(actor=learner, reply=answer)
    services.reply_delete(actor=outsider, reply=answer)
    question.refresh_from_db()
    assert question.accepted_reply_id is None


# --- mentions --------------------------------------------------------------------------------------


def test_mentions_emit_once_per_user_and_render(learner, outsider, instructor):
    wang = make_user("wang@example.org", display_name="王 磊")
    thread = make_thread(
        learner, body="Hi @OttoOutsider and @ottooutsider, also @王磊你好 and @LenaLearner `@AdaInstructor`"
    )
    mentioned = _events("user.mentioned")
    assert sorted(e.props["user"] for e in mentioned) == sorted([outsider.pk, wang.pk])  # not in code, not self
    assert all(e.props["thread"] == thread.pk and e.props["reply"] is None for e in mentioned)
    assert {e.object_type for e in mentioned} == {"community.mention"}
    assert _events("reply.accepted") == [] and _events("thread.created")[-1].object_type == "community.thread"
    assert '<span class="mention">@OttoOutsider</span>' in thread.body_html
    assert '<span class="mention">@王磊</span>你好' in thread.body_html
    assert "<code>@AdaInstructor</code>" in thread.body_html
    assert Mention.objects.filter(thread=thread, reply__isnull=True).count() == 2
    reply = make_reply(outsider, thread, "thanks @LenaLearner")
    last = _events("user.mentioned")[-1]
    assert last.props == {"user": learner.pk, "thread": thread.pk, "reply": reply.pk}
    # editing keeps old mentions silent, new ones notify
    count = Event.objects.filter(name="user.mentioned").count()
    services.reply_edit(actor=outsider, reply=reply, body="thanks @LenaLearner and @AdaInstructor")
    assert Event.objects.filter(name="user.mentioned").count() == count + 1


def test_mentions_skip_people_who_cannot_read_the_space(learner, outsider, instructor):
    course = make_course(instructor=instructor)
    space = services.space_for_course(course=course)
    enroll(learner, course)
    thread = make_thread(learner, space, body="@OttoOutsider @AdaInstructor")
    assert [e.props["user"] for e in _events("user.mentioned")] == [instructor.pk]
    assert "@OttoOutsider" in thread.body_html and 'mention">@OttoOutsider' not in thread.body_html


def test_ambiguous_mentions_prefer_participants(learner, outsider):
    twin_a = make_user("a@example.org", display_name="Sam Lee")
    twin_b = make_user("b@example.org", display_name="sam lee")
    thread = make_thread(learner, body="@SamLee ?")
    assert not _events("user.mentioned")
    make_reply(twin_b, thread, "me")
    make_reply(outsider, thread, "ping @samlee")
    assert [e.props["user"] for e in _events("user.mentioned")] == [twin_b.pk]
    assert twin_a.pk


# --- follows, bookmarks, views --------------------------------------------------------------------


def test_follow_and_bookmark(learner, outsider):
    thread = make_thread(learner)
    services.thread_follow(actor=outsider, thread=thread)
    services.thread_follow(actor=outsider, thread=thread)
    assert ThreadFollow.objects.filter(thread=thread).count() == 2
    services.thread_unfollow(actor=learner, thread=thread)
    assert not ThreadFollow.objects.filter(thread=thread, user=learner).exists()
    assert services.thread_bookmark(actor=outsider, thread=thread) is True
    assert Bookmark.objects.filter(user=outsider, thread=thread).exists()
    assert services.thread_bookmark(actor=outsider, thread=thread) is False
    assert not Bookmark.objects.exists()


def test_thread_view_counts_once_per_viewer(learner, outsider):
    thread = make_thread(learner)
    assert services.thread_view(actor=outsider, thread=thread)
    assert not services.thread_view(actor=outsider, thread=thread)
    services.thread_view(actor=learner, thread=thread)
    thread.refresh_from_db()
    assert thread.view_count == 2
    assert len(_events("thread.viewed")) == 2


def test_reply_model_counts(learner, outsider):
    thread = make_thread(learner)
    for i in range(3):
        make_reply(outsider, thread, f"r{i}")
    assert Reply.objects.filter(thread=thread).count() == 3


def test_migration_backfills_spaces_of_published_courses():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("lyceum.community.migrations.0002_course_spaces")
    published = make_course()
    draft = make_course(status=CourseStatus.DRAFT)
    Space.objects.filter(course__in=[published, draft]).delete()
    migration.create_course_spaces(apps, None)
    migration.create_course_spaces(apps, None)
    assert Space.objects.filter(course=published, kind=SpaceKind.COURSE).count() == 1
    assert not Space.objects.filter(course=draft).exists()


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_keep_the_score_exact():
    author = make_user("author@example.org")
    voters = [make_user(f"v{i}@example.org") for i in range(6)]
    thread = make_thread(author)
    reply = make_reply(author, thread)

    errors = run_concurrently(lambda i: services.thread_vote(actor=voters[i], thread=thread), 6)
    errors += run_concurrently(lambda i: services.reply_vote(actor=voters[0], reply=reply), 3)

    assert errors == []
    thread.refresh_from_db()
    reply.refresh_from_db()
    assert thread.score == Vote.objects.filter(thread=thread).count() == 6
    assert reply.score == Vote.objects.filter(reply=reply).count() == 1  # three toggles: on, off, on
