"""``/api/v1`` community routes: spaces, threads, replies, votes, accepted answers."""

from __future__ import annotations

import pytest
from django.test import Client

from lyceum.community.models import Reply, SpaceKind, Thread, ThreadKind
from lyceum.community.services import spaces as services
from lyceum.learning.tests.factories import make_course

from .spaces_helpers import enroll, global_space, make_membership, make_reply, make_space, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _global_space(db):
    return global_space()


def test_spaces_list_depends_on_who_asks(api, learner, outsider, instructor):
    course = make_course(instructor=instructor)
    space = services.space_for_course(course=course)
    enroll(learner, course)
    paid = make_space(kind=SpaceKind.PAID, access_plans=["pro"])
    make_membership(learner, "pro")
    mine = [s["slug"] for s in api(learner)("get", "/spaces").json()]
    assert {"general", space.slug, paid.slug} <= set(mine)
    theirs = [s["slug"] for s in api(outsider)("get", "/spaces").json()]
    assert theirs == ["general"]
    assert [s["slug"] for s in api()("get", "/spaces").json()] == ["general"]
    assert api()("get", "/spaces").json()[0]["can_post"] is False


def test_non_readers_get_404(api, learner, outsider, instructor):
    course = make_course(instructor=instructor)
    space = services.space_for_course(course=course)
    enroll(learner, course)
    thread = make_thread(learner, space, kind=ThreadKind.QUESTION)
    reply = make_reply(instructor, thread)
    for caller in (api(outsider), api()):
        assert caller("get", f"/spaces/{space.slug}/threads").status_code == 404
        assert caller("get", f"/threads/{thread.pk}").status_code == 404
    call = api(outsider)
    for method, url, body in [
        ("post", f"/spaces/{space.slug}/threads", {"title": "t", "body": "b"}),
        ("post", f"/threads/{thread.pk}/replies", {"body": "b"}),
        ("post", f"/threads/{thread.pk}/vote", None),
        ("post", f"/replies/{reply.pk}/vote", None),
        ("post", f"/threads/{thread.pk}/accept", {"reply": reply.pk}),
    ]:
        response = call(method, url, body)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    assert api()("post", f"/threads/{thread.pk}/vote").status_code == 401


def test_create_list_and_read_threads(api, learner, outsider):
    call = api(learner)
    response = call("post", "/spaces/general/threads", {
        "title": "<script>x</script>Why?", "body": "Because `code` <script>alert(1)</script>", "kind": "question",
        "tags": ["Python", "<b>sql</b>"],
    })  # fmt: skip
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["kind"] == "question" and sorted(data["tags"]) == ["python", "sql"]
    assert "<script" not in data["body_html"]
    thread_id = data["id"]
    listing = api()("get", "/spaces/general/threads?sort=unanswered").json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == thread_id
    assert api()("get", "/spaces/general/threads?sort=bogus").json()["field"] == "sort"
    other = api(outsider)
    reply = other("post", f"/threads/{thread_id}/replies", {"body": "Like this"})
    assert reply.status_code == 201
    reply_id = reply.json()["id"]
    nested = call("post", f"/threads/{thread_id}/replies", {"body": "thanks", "parent": reply_id})
    assert nested.json()["parent"] == reply_id
    detail = api()("get", f"/threads/{thread_id}").json()
    assert detail["reply_count"] == 2
    assert detail["replies"][0]["id"] == reply_id and detail["replies"][0]["children"][0]["body"] == "thanks"


def test_errors_name_fields(api, learner):
    call = api(learner)
    response = call("post", "/spaces/general/threads", {"title": "", "body": "b"})
    assert response.status_code == 422 and response.json()["field"] == "title"
    response = call("post", "/spaces/general/threads", {"title": "t", "body": "b" * 20_001})
    assert response.status_code == 422 and response.json()["field"] == "body"
    response = call("post", "/spaces/general/threads", {"title": "t"})
    assert response.status_code == 422 and response.json()["field"] == "body"
    response = call("post", "/spaces/general/threads", {"title": "t", "body": "b", "kind": "announcement"})
    assert response.status_code == 403
    thread = Thread.objects.get() if Thread.objects.exists() else make_thread(learner)
    response = call("post", f"/threads/{thread.pk}/replies", {"body": "x", "parent": 424242})
    assert response.status_code == 422 and response.json()["field"] == "parent"


def test_replies_and_accepts_refuse_deleted_or_foreign_replies(api, learner, outsider):
    thread = make_thread(learner, kind=ThreadKind.QUESTION)
    gone = make_reply(outsider, thread, "gone")
    services.reply_delete(actor=outsider, reply=gone)
    foreign = make_reply(outsider, make_thread(learner), "elsewhere")
    call = api(learner)
    for parent in (gone.pk, foreign.pk):
        response = call("post", f"/threads/{thread.pk}/replies", {"body": "x", "parent": parent})
        assert response.status_code == 422 and response.json()["field"] == "parent"
        response = call("post", f"/threads/{thread.pk}/accept", {"reply": parent})
        assert response.status_code == 422 and response.json()["field"] == "reply"
    assert not Reply.objects.filter(body="x").exists()
    thread.refresh_from_db()
    assert thread.accepted_reply_id is None


def test_rate_limit_is_429(api, learner, settings):
    settings.LYCEUM_COMMUNITY_THREAD_RATE = "1/min"
    call = api(learner)
    assert call("post", "/spaces/general/threads", {"title": "a", "body": "b"}).status_code == 201
    response = call("post", "/spaces/general/threads", {"title": "c", "body": "d"})
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"


def test_vote_and_accept(api, learner, outsider, instructor):
    course = make_course(instructor=instructor)
    space = services.space_for_course(course=course)
    enroll(learner, course)
    enroll(outsider, course)
    thread = make_thread(learner, space, kind=ThreadKind.QUESTION)
    answer = make_reply(instructor, thread, "answer")
    assert api(outsider)("post", f"/threads/{thread.pk}/vote").json() == {"voted": True, "score": 1}
    assert api(outsider)("post", f"/threads/{thread.pk}/vote").json() == {"voted": False, "score": 0}
    assert api(learner)("post", f"/threads/{thread.pk}/vote").status_code == 403
    assert api(outsider)("post", f"/replies/{answer.pk}/vote").json()["score"] == 1
    response = api(outsider)("post", f"/threads/{thread.pk}/accept", {"reply": answer.pk})
    assert response.status_code == 403
    response = api(learner)("post", f"/threads/{thread.pk}/accept", {"reply": answer.pk})
    assert response.json() == {"thread": thread.pk, "accepted_reply": answer.pk}
    second = make_reply(outsider, thread, "another")
    response = api(instructor)("post", f"/threads/{thread.pk}/accept", {"reply": second.pk})
    assert response.json()["accepted_reply"] == second.pk
    assert api(learner)("post", f"/threads/{thread.pk}/accept", {"reply": 999}).json()["field"] == "reply"
    assert api(learner)("post", f"/threads/{thread.pk}/accept", {"reply": None}).json()["accepted_reply"] is None
    detail = api(outsider)("get", f"/threads/{thread.pk}").json()
    assert detail["replies"][0]["voted"] is True


def test_accept_on_discussion_is_422(api, learner, outsider):
    thread = make_thread(learner)
    reply = make_reply(outsider, thread)
    response = api(learner)("post", f"/threads/{thread.pk}/accept", {"reply": reply.pk})
    assert response.status_code == 422 and response.json()["code"] == "not_a_question"


def test_thread_replies_paginate(api, learner, outsider):
    thread = make_thread(learner)
    for i in range(33):
        make_reply(outsider, thread, f"r{i}")
    first = api()("get", f"/threads/{thread.pk}").json()
    assert len(first["replies"]) == 30 and first["replies_pages"] == 2
    second = api()("get", f"/threads/{thread.pk}?page=2").json()
    assert [r["body"] for r in second["replies"]] == ["r30", "r31", "r32"]
    assert Reply.objects.count() == 33


def test_deleted_replies_hide_their_text(api, learner, outsider):
    thread = make_thread(learner)
    reply = make_reply(outsider, thread, "oops secret")
    services.reply_delete(actor=outsider, reply=reply)
    data = api()("get", f"/threads/{thread.pk}").json()
    assert data["replies"][0]["deleted"] is True and data["replies"][0]["body"] == ""


def test_bad_token_on_open_reads_is_401(api):
    response = Client().get("/api/v1/spaces", HTTP_AUTHORIZATION="Bearer lyc_nope")
    assert response.status_code == 401


def test_routes_are_in_the_openapi_document():
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/spaces", "/api/v1/spaces/{slug}/threads", "/api/v1/threads/{thread_id}",
                 "/api/v1/threads/{thread_id}/replies", "/api/v1/threads/{thread_id}/vote",
                 "/api/v1/threads/{thread_id}/accept"):  # fmt: skip
        assert path in paths


def test_paid_space_threads_in_the_api(api, learner, outsider):
    space = make_space(kind=SpaceKind.PAID, access_plans=["pro-monthly"])
    make_membership(learner, "pro-monthly")
    thread = make_thread(learner, space)
    for caller in (api(), api(outsider)):
        assert caller("get", f"/spaces/{space.slug}/threads").status_code == 404
        assert caller("get", f"/threads/{thread.pk}").status_code == 404
    assert api(learner)("get", f"/spaces/{space.slug}/threads").json()["count"] == 1
    assert api(learner)("get", f"/threads/{thread.pk}").status_code == 200


def test_edit_delete_follow_bookmark_search(api, learner, outsider):
    thread = make_thread(learner, title="Original giraffe", body="first")
    response = api(outsider)("patch", f"/threads/{thread.pk}", {"title": "Hijack"})
    assert response.status_code == 403
    response = api(learner)("patch", f"/threads/{thread.pk}", {"body": "second", "tags": ["Zoo"]})
    assert response.status_code == 200 and response.json()["body"] == "second" and response.json()["tags"] == ["zoo"]
    assert response.json()["title"] == "Original giraffe" and response.json()["edited_at"]
    assert api(learner)("patch", f"/threads/{thread.pk}", {"title": ""}).json()["field"] == "title"
    assert api(outsider)("post", f"/threads/{thread.pk}/bookmark").json() == {"on": True}
    assert api(outsider)("get", "/me/bookmarks").json()["results"][0]["id"] == thread.pk
    assert api(outsider)("post", f"/threads/{thread.pk}/follow").json() == {"on": True}
    assert api(outsider)("delete", f"/threads/{thread.pk}/follow").json() == {"on": False}
    found = api()("get", "/community/search?q=giraffe").json()
    assert found["count"] == 1 and found["results"][0]["id"] == thread.pk
    assert api(outsider)("delete", f"/threads/{thread.pk}").status_code == 403
    assert api(learner)("delete", f"/threads/{thread.pk}").status_code == 204
    assert api()("get", f"/threads/{thread.pk}").status_code == 404
    assert api()("get", "/community/search?q=giraffe").json()["count"] == 0
