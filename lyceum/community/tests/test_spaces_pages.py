"""Community pages: access (404 for non-readers), posting, forms without JavaScript, query counts."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import make_user
from lyceum.community.models import Bookmark, Reply, SpaceKind, Thread, ThreadKind, Vote
from lyceum.community.services import spaces as services
from lyceum.learning.tests.factories import make_course

from .spaces_helpers import enroll, global_space, make_membership, make_reply, make_space, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _global_space(db):
    return global_space()


@pytest.fixture
def course_space(instructor, learner):
    course = make_course(instructor=instructor)
    enroll(learner, course)
    return services.space_for_course(course=course)


# --- access -----------------------------------------------------------------------------------------


def test_visitors_read_the_global_space_but_sign_in_to_post(client, learner):
    thread = make_thread(learner, title="Hello world")
    assert "Hello world" in client.get("/community/").content.decode()
    assert client.get("/community/s/general/").status_code == 200
    assert client.get(f"/community/t/{thread.pk}/").status_code == 200
    response = client.get("/community/s/general/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(f"/community/t/{thread.pk}/reply/", {"body": "hi"})
    assert response.status_code == 302 and not Reply.objects.exists()


def test_course_space_is_404_for_outsiders_and_visitors(client, client_for, outsider, learner, course_space):
    thread = make_thread(learner, course_space, title="Secret course talk")
    reply = make_reply(learner, thread, "inner")
    urls = [
        f"/community/s/{course_space.slug}/",
        f"/community/s/{course_space.slug}/new/",
        f"/community/s/{course_space.slug}/mentions/?q=a",
        f"/community/t/{thread.pk}/",
        f"/community/t/{thread.pk}/history/",
        f"/community/r/{reply.pk}/",
    ]
    outsider_client = client_for(outsider)
    for url in urls:
        assert outsider_client.get(url).status_code == 404, url
    for url in urls[:1] + urls[3:]:
        assert client.get(url).status_code == 404, url
    for url in (f"/community/t/{thread.pk}/reply/", f"/community/t/{thread.pk}/vote/", f"/community/r/{reply.pk}/vote/",
                f"/community/t/{thread.pk}/bookmark/", f"/community/t/{thread.pk}/follow/"):  # fmt: skip
        assert outsider_client.post(url, {"body": "x"}).status_code == 404, url
    assert "Secret course talk" not in outsider_client.get("/community/").content.decode()
    assert "Secret course talk" not in outsider_client.get("/community/search/?q=secret").content.decode()
    page = client_for(learner).get(f"/community/t/{thread.pk}/")
    assert page.status_code == 200 and "Secret course talk" in page.content.decode()


def test_paid_space_via_membership(client_for, learner, outsider):
    space = make_space(kind=SpaceKind.PAID, access_plans=["pro-monthly"], name="Pro lounge")
    make_membership(learner, "pro-monthly")
    assert client_for(outsider).get(f"/community/s/{space.slug}/").status_code == 404
    assert client_for(learner).get(f"/community/s/{space.slug}/").status_code == 200
    assert "Pro lounge" in client_for(learner).get("/community/").content.decode()
    assert "Pro lounge" not in client_for(outsider).get("/community/").content.decode()


def test_paid_space_via_enrollment(client_for, learner, outsider):
    course = make_course(is_free=False)
    space = make_space(kind=SpaceKind.PAID, access_courses=[course])
    enroll(learner, course)
    assert client_for(learner).get(f"/community/s/{space.slug}/").status_code == 200
    assert client_for(outsider).get(f"/community/s/{space.slug}/").status_code == 404


# --- posting ----------------------------------------------------------------------------------------


def test_new_thread_form(client_for, learner):
    client = client_for(learner)
    response = client.post(
        "/community/s/general/new/",
        {"kind": "question", "title": "How do I <b>start</b>?", "body": "Help", "tags": "py"},
    )
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/community/t/{thread.pk}/"
    assert thread.kind == ThreadKind.QUESTION
    page = client.get(response["Location"]).content.decode()
    assert "How do I &lt;b&gt;start&lt;/b&gt;?" in page and "<b>start</b>" not in page


def test_new_thread_errors_name_the_field(client_for, learner):
    client = client_for(learner)
    response = client.post("/community/s/general/new/", {"kind": "discussion", "title": "", "body": "x"})
    assert response.status_code == 422
    assert response.context["form"].errors["title"]
    response = client.post("/community/s/general/new/", {"kind": "discussion", "title": "t", "body": "x" * 20_001})
    assert response.status_code == 422 and response.context["form"].errors["body"]
    assert not Thread.objects.exists()


def test_learners_cannot_pick_announcement(client_for, learner):
    client = client_for(learner)
    form = client.get("/community/s/general/new/").context["form"]
    assert "announcement" not in dict(form.fields["kind"].choices)
    response = client.post("/community/s/general/new/", {"kind": "announcement", "title": "t", "body": "b"})
    assert response.status_code == 422 and not Thread.objects.exists()


def test_rate_limit_shows_429(client_for, learner, settings):
    settings.LYCEUM_COMMUNITY_THREAD_RATE = "1/min"
    client = client_for(learner)
    client.post("/community/s/general/new/", {"kind": "discussion", "title": "one", "body": "b"})
    response = client.post("/community/s/general/new/", {"kind": "discussion", "title": "two", "body": "b"})
    assert response.status_code == 429 and Thread.objects.count() == 1
    assert "too fast" in response.content.decode()


def test_reply_vote_accept_follow_bookmark_without_js(client_for, learner, outsider):
    thread = make_thread(learner, kind=ThreadKind.QUESTION)
    other = client_for(outsider)
    response = other.post(f"/community/t/{thread.pk}/reply/", {"body": "Try **this**"})
    reply = Reply.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#reply-{reply.pk}")
    response = other.post(f"/community/t/{thread.pk}/reply/", {"body": "  "})
    assert response.status_code == 422 and response.context["reply_form"].errors["body"]
    other.post(f"/community/t/{thread.pk}/vote/")
    assert Vote.objects.filter(user=outsider, thread=thread).exists()
    response = other.post(f"/community/t/{thread.pk}/vote/", HTTP_ACCEPT="application/json")
    assert response.json() == {"voted": False, "score": 0}
    response = other.post(f"/community/r/{reply.pk}/vote/", HTTP_ACCEPT="application/json")
    assert response.status_code == 403 and response.json()["code"] == "own_post"
    owner = client_for(learner)
    assert owner.post(f"/community/r/{reply.pk}/accept/").status_code == 302
    thread.refresh_from_db()
    assert thread.accepted_reply_id == reply.pk
    other.post(f"/community/t/{thread.pk}/bookmark/")
    assert Bookmark.objects.filter(user=outsider).exists()
    assert "/community/t/" in other.get("/community/bookmarks/").content.decode()
    other.post(f"/community/t/{thread.pk}/follow/", {"action": "unfollow"})
    assert not thread.follows.filter(user=outsider).exists()


def test_nested_reply_form_and_anchor(client_for, learner, outsider):
    thread = make_thread(learner)
    top = make_reply(outsider, thread, "top")
    child = make_reply(learner, thread, "child", parent=top)
    client_for(outsider).post(f"/community/t/{thread.pk}/reply/", {"body": "deeper", "parent": child.pk})
    assert Reply.objects.get(body="deeper").parent_id == top.pk
    page = client_for(learner).get(f"/community/t/{thread.pk}/").content.decode()
    assert f'id="reply-{top.pk}"' in page and f'id="reply-{child.pk}"' in page


def test_reply_to_a_deleted_or_foreign_reply_is_refused(client_for, learner, outsider):
    thread = make_thread(learner)
    gone = make_reply(outsider, thread, "gone")
    services.reply_delete(actor=outsider, reply=gone)
    foreign = make_reply(outsider, make_thread(learner), "elsewhere")
    client = client_for(learner)
    for parent in (gone.pk, foreign.pk):
        response = client.post(f"/community/t/{thread.pk}/reply/", {"body": "orphan", "parent": parent})
        assert response.status_code == 422
    assert not Reply.objects.filter(body="orphan").exists()


def test_only_author_or_moderator_edits_a_reply(client_for, learner, outsider):
    thread = make_thread(learner)
    reply = make_reply(learner, thread, "mine")
    other = client_for(outsider)
    assert other.get(f"/community/r/{reply.pk}/edit/").status_code == 404
    assert other.post(f"/community/r/{reply.pk}/edit/", {"body": "hijacked"}).status_code == 404
    assert (
        other.post(f"/community/t/{thread.pk}/edit/", {"title": "x", "body": "hijacked", "tags": ""}).status_code == 404
    )
    reply.refresh_from_db()
    thread.refresh_from_db()
    assert reply.body == "mine" and thread.body != "hijacked"
    response = client_for(learner).post(f"/community/r/{reply.pk}/edit/", {"body": "edited"})
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.body == "edited"


def test_edit_marker_and_history(client_for, learner, outsider):
    thread = make_thread(learner, title="Old title", body="old body")
    client = client_for(learner)
    assert client_for(outsider).get(f"/community/t/{thread.pk}/edit/").status_code == 404
    response = client.post(f"/community/t/{thread.pk}/edit/", {"title": "New title", "body": "new body", "tags": ""})
    assert response.status_code == 302
    page = client.get(f"/community/t/{thread.pk}/").content.decode()
    assert "New title" in page and f"/community/t/{thread.pk}/history/" in page
    history = client.get(f"/community/t/{thread.pk}/history/").content.decode()
    assert "old body" in history and "new body" in history


def test_soft_delete_hides_the_thread(client_for, learner, outsider, moderator):
    thread = make_thread(learner)
    assert client_for(outsider).post(f"/community/t/{thread.pk}/delete/").status_code == 302
    assert Thread.objects.get(pk=thread.pk).deleted_at is None
    client_for(moderator).post(f"/community/t/{thread.pk}/delete/")
    assert Thread.objects.get(pk=thread.pk).deleted_at is not None
    assert client_for(learner).get(f"/community/t/{thread.pk}/").status_code == 404


def test_pin_lock_for_moderators(client_for, learner, moderator):
    thread = make_thread(learner)
    client_for(learner).post(f"/community/t/{thread.pk}/pin/")
    assert not Thread.objects.get(pk=thread.pk).is_pinned
    client_for(moderator).post(f"/community/t/{thread.pk}/pin/")
    client_for(moderator).post(f"/community/t/{thread.pk}/lock/")
    thread.refresh_from_db()
    assert thread.is_pinned and thread.is_locked
    page = client_for(learner).get(f"/community/t/{thread.pk}/").content.decode()
    assert "locked" in page


def test_sorting_and_filters(client_for, learner, outsider):
    a = make_thread(learner, title="Alpha discussion")
    b = make_thread(learner, title="Beta question", kind=ThreadKind.QUESTION, tags="sql")
    c = make_thread(learner, title="Gamma question", kind=ThreadKind.QUESTION)
    services.thread_vote(actor=outsider, thread=a)
    answer = make_reply(outsider, c)
    services.reply_accept(actor=learner, reply=answer)
    client = client_for(learner)
    top = list(client.get("/community/s/general/?sort=top").context["threads"])
    assert top[0] == a
    unanswered = list(client.get("/community/s/general/?sort=unanswered").context["threads"])
    assert unanswered == [b]
    assert list(client.get("/community/s/general/?tag=sql").context["threads"]) == [b]
    assert set(client.get("/community/s/general/?kind=question").context["threads"]) == {b, c}
    latest = list(client.get("/community/s/general/").context["threads"])
    assert latest[0] == c  # the reply moved it up
    bad = client.get("/community/s/general/?sort=nonsense&kind=poll")
    assert bad.status_code == 200 and bad.context["errors"]


def test_thread_list_paginates(client_for, learner):
    for i in range(25):
        make_thread(learner, title=f"T{i}")
    client = client_for(learner)
    assert len(client.get("/community/s/general/").context["threads"]) == 20
    assert len(client.get("/community/s/general/?page=2").context["threads"]) == 5
    assert client.get("/community/s/general/?page=99").status_code == 200


def test_long_threads_paginate_and_reply_links_find_their_page(client_for, learner, outsider):
    thread = make_thread(learner)
    replies = [make_reply(outsider, thread, f"r{i}") for i in range(35)]
    client = client_for(learner)
    first = client.get(f"/community/t/{thread.pk}/")
    assert len(first.context["tp"].nodes) == 30
    second = client.get(f"/community/t/{thread.pk}/?reply={replies[-1].pk}")
    assert second.context["tp"].page.number == 2
    assert client.get(f"/community/r/{replies[-1].pk}/")["Location"].endswith(f"#reply-{replies[-1].pk}")


def test_qa_page_lists_unanswered_questions_of_my_courses(client_for, instructor, learner, course_space):
    open_q = make_thread(learner, course_space, title="Open question", kind=ThreadKind.QUESTION)
    done = make_thread(learner, course_space, title="Solved question", kind=ThreadKind.QUESTION)
    make_thread(learner, course_space, title="Just chatting")
    make_thread(learner, title="Global question", kind=ThreadKind.QUESTION)
    services.reply_accept(actor=learner, reply=make_reply(instructor, done))
    threads = list(client_for(instructor).get("/community/qa/").context["threads"])
    assert threads == [open_q]
    assert list(client_for(learner).get("/community/qa/").context["threads"]) == []
    slug = course_space.course.slug
    assert list(client_for(instructor).get(f"/community/qa/?course={slug}").context["threads"]) == [open_q]
    other = make_course(instructor=instructor)
    assert list(client_for(instructor).get(f"/community/qa/?course={other.slug}").context["threads"]) == []
    assert list(client_for(learner).get(f"/community/qa/?course={slug}").context["threads"]) == []


def test_mention_suggestions_only_for_readers(client_for, learner, outsider, instructor, course_space):
    make_user("wanglei@example.org", display_name="王 磊")
    client = client_for(learner)
    names = [p["handle"] for p in client.get("/community/s/general/mentions/?q=王").json()["results"]]
    assert names == ["王磊"]
    names = [p["name"] for p in client.get(f"/community/s/{course_space.slug}/mentions/?q=o").json()["results"]]
    assert "Otto Outsider" not in names
    names = [p["name"] for p in client.get(f"/community/s/{course_space.slug}/mentions/?q=ada").json()["results"]]
    assert names == ["Ada Instructor"]


def test_operator_creates_and_edits_space(client_for, operator, learner):
    client = client_for(operator)
    response = client.post(
        "/community/spaces/new/",
        {"name": "Data club", "description": "d", "rules": "be nice", "kind": "paid", "access_plans": "pro-monthly",
         "post_policy": "members", "position": 3},
    )  # fmt: skip
    assert response.status_code == 302
    response = client.post(
        "/community/s/data-club/settings/",
        {"name": "Data club 2", "kind": "paid", "access_plans": "", "post_policy": "staff", "position": 1},
    )
    assert response.status_code == 302
    space = services.Space.objects.get(slug="data-club")
    assert space.name == "Data club 2" and space.post_policy == "staff"
    assert client_for(learner).get("/community/spaces/new/").status_code == 404
    assert (
        client.post("/community/spaces/new/", {"name": "", "kind": "global", "post_policy": "members"}).status_code
        == 422
    )


# --- query counts -----------------------------------------------------------------------------------


def _fill(thread, people, n):
    for i in range(n):
        top = make_reply(people[i % len(people)], thread, f"answer {i}")
        make_reply(people[(i + 1) % len(people)], thread, f"nested {i}", parent=top)
        for voter in people:
            if voter.pk != top.author_id:
                services.reply_vote(actor=voter, reply=top)


@pytest.mark.parametrize("n", [3, 9])
def test_thread_page_query_count_is_constant(n, client_for, learner, django_assert_max_num_queries):
    people = [make_user(f"p{i}@example.org", display_name=f"P{i}") for i in range(3)]
    thread = make_thread(learner, kind=ThreadKind.QUESTION, tags="a, b")
    _fill(thread, people, n)
    services.reply_accept(actor=learner, reply=Reply.objects.filter(parent__isnull=True).last())
    client = client_for(people[0])
    client.get("/community/")  # session and caches warm
    with django_assert_max_num_queries(22):
        response = client.get(f"/community/t/{thread.pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize("n", [3, 12])
def test_space_page_query_count_is_constant(n, client_for, learner, outsider, django_assert_max_num_queries):
    for i in range(n):
        t = make_thread(learner, tags=f"t{i}, common")
        make_reply(outsider, t)
    client = client_for(outsider)
    client.get("/community/")
    with django_assert_max_num_queries(15):
        assert client.get("/community/s/general/").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get("/community/").status_code == 200


def test_unknown_thread_is_404(client_for, learner):
    assert client_for(learner).get("/community/t/999999/").status_code == 404
    assert Client().get("/community/s/nope/").status_code == 404


def test_global_space_exists_on_home(client):
    assert global_space().name in client.get("/community/").content.decode()


def test_paid_space_and_its_threads_are_404_for_visitors_and_non_members(client, client_for, learner, outsider):
    space = make_space(kind=SpaceKind.PAID, access_plans=["pro-monthly"])
    make_membership(learner, "pro-monthly")
    thread = make_thread(learner, space, title="Members only talk")
    for c in (client, client_for(outsider)):
        assert c.get(f"/community/s/{space.slug}/").status_code == 404
        assert c.get(f"/community/t/{thread.pk}/").status_code == 404
    assert client_for(learner).get(f"/community/t/{thread.pk}/").status_code == 200


def test_markdown_preview_is_sanitised(client, client_for, learner):
    response = client_for(learner).post("/community/preview/", {"body": "**hi** <script>alert(1)</script>"})
    assert response.json()["html"].startswith("<p><strong>hi</strong>") and "<script" not in response.json()["html"]
    assert client.post("/community/preview/", {"body": "x"}).status_code == 302


def test_operator_archives_a_space(client_for, operator, learner):
    space = make_space(kind=SpaceKind.GLOBAL, name="Old news")
    client_for(operator).post(
        f"/community/s/{space.slug}/settings/",
        {"name": "Old news", "kind": "global", "post_policy": "members", "position": 0, "archived": "on"},
    )
    space.refresh_from_db()
    assert space.archived_at is not None
    assert client_for(learner).get(f"/community/s/{space.slug}/").status_code == 404


def test_course_qa_journey(client_for, learner, instructor, course_space, django_capture_on_commit_callbacks):
    """Learner asks in the course space → instructor answers from course Q&A → learner accepts."""
    asker, teacher = client_for(learner), client_for(instructor)
    with django_capture_on_commit_callbacks(execute=True):
        response = asker.post(
            f"/community/s/{course_space.slug}/new/",
            {
                "kind": "question",
                "title": "第二章的练习怎么做？",
                "body": "卡在第 3 题了 @AdaInstructor",
                "tags": "练习",
            },
        )
    question = Thread.objects.get()
    assert response["Location"] == f"/community/t/{question.pk}/"
    assert question in teacher.get("/community/qa/").context["threads"]
    with django_capture_on_commit_callbacks(execute=True):
        teacher.post(f"/community/t/{question.pk}/reply/", {"body": "先看讲义 2.3 节的例子。"})
    answer = Reply.objects.get()
    page = asker.get(f"/community/t/{question.pk}/").content.decode()
    assert "先看讲义" in page and f"/community/r/{answer.pk}/accept/" in page
    with django_capture_on_commit_callbacks(execute=True):
        asker.post(f"/community/r/{answer.pk}/accept/")
    question.refresh_from_db()
    assert question.accepted_reply_id == answer.pk
    assert question not in teacher.get("/community/qa/").context["threads"]
    from lyceum.core.models import Event

    names = list(Event.objects.order_by("pk").values_list("name", flat=True))
    for name in ("thread.created", "user.mentioned", "reply.created", "reply.accepted"):
        assert name in names


@pytest.mark.parametrize("n", [2, 8])
def test_other_lists_query_counts_are_constant(n, client_for, instructor, learner, course_space,
                                                django_assert_max_num_queries):  # fmt: skip
    for i in range(n):
        t = make_thread(learner, course_space, title=f"Kiwi question {i}", kind=ThreadKind.QUESTION, tags=f"k{i}")
        make_reply(instructor, t)
        services.thread_bookmark(actor=instructor, thread=t)
    client = client_for(instructor)
    client.get("/community/")
    for url in ("/community/search/?q=kiwi", "/community/qa/", "/community/bookmarks/"):
        with django_assert_max_num_queries(16):
            response = client.get(url)
        assert response.status_code == 200
        assert (
            len(response.context["threads"] if "threads" in response.context else response.context["results"].threads)
            == n
        )
