"""The community caches (``community.caching``): a member's standing and the thread page's data,
kept between requests and never out of date for anyone.

Transactional tests: the caches trust nothing written by a transaction that has not committed, so
these commit for real (each write below is its own transaction, as in production)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.services import user_update_profile
from lyceum.community import access, caching
from lyceum.community.models import HiddenReason, SpaceKind, Thread
from lyceum.community.selectors import spaces as selectors
from lyceum.community.services import spaces as services
from lyceum.community.services.visibility import content_set_hidden
from lyceum.courses.models import CourseInstructor
from lyceum.learning.models import Enrollment
from lyceum.learning.services import enrollment_create, enrollment_revoke
from lyceum.learning.tests.factories import make_course

from .spaces_helpers import global_space, make_membership, make_reply, make_space, make_thread

pytestmark = pytest.mark.django_db(transaction=True)


def _fresh(user):
    """The user as the next request sees it (a new object: no per-request standing)."""
    return type(user).objects.get(pk=user.pk)


def _enrollment_queries(ctx) -> int:
    return sum("learning_enrollment" in q["sql"] for q in ctx.captured_queries)


# --- standing ---------------------------------------------------------------------------------------


def test_standing_comes_from_the_cache_on_the_next_request(learner, instructor):
    course = make_course(instructor=instructor)
    enrollment_create(user=learner, course=course)
    assert course.pk in access.standing(_fresh(learner)).course_ids
    with CaptureQueriesContext(connection) as ctx:
        again = access.standing(_fresh(learner))
    assert course.pk in again.course_ids
    assert _enrollment_queries(ctx) == 0


def test_enrolling_and_revoking_show_on_the_next_request(learner, instructor):
    course = make_course(instructor=instructor)
    assert course.pk not in access.standing(_fresh(learner)).course_ids  # cached without it
    enrollment = enrollment_create(user=learner, course=course)
    assert course.pk in access.standing(_fresh(learner)).course_ids
    enrollment_revoke(actor=instructor, enrollment=enrollment)
    assert course.pk not in access.standing(_fresh(learner)).course_ids


def test_becoming_an_instructor_shows_on_the_next_request(learner, instructor):
    course = make_course(instructor=instructor)
    assert course.pk not in access.standing(_fresh(learner)).instructed_course_ids
    link = CourseInstructor.objects.create(course=course, user=learner, position=1)
    assert course.pk in access.standing(_fresh(learner)).instructed_course_ids
    link.delete()
    assert course.pk not in access.standing(_fresh(learner)).instructed_course_ids


def test_an_enrollment_that_runs_out_stops_counting_though_the_entry_is_cached(learner, instructor, monkeypatch):
    course = make_course(instructor=instructor)
    enrollment_create(user=learner, course=course, access_until=timezone.now() + timedelta(hours=1))
    assert course.pk in access.standing(_fresh(learner)).course_ids
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(caching.time, "time", lambda: later.timestamp())
    monkeypatch.setattr(access.timezone, "now", lambda: later)
    assert course.pk not in access.standing(_fresh(learner)).course_ids


def test_each_member_has_their_own_standing(learner, outsider, instructor):
    course = make_course(instructor=instructor)
    enrollment_create(user=learner, course=course)
    for _ in range(2):  # the second round from the cache
        assert course.pk in access.standing(_fresh(learner)).course_ids
        assert course.pk not in access.standing(_fresh(outsider)).course_ids


def test_roles_are_not_cached_with_the_standing(learner):
    from lyceum.accounts.services import role_grant

    assert not access.standing(_fresh(learner)).staff
    role_grant(actor=None, user=learner, role="moderator")
    assert access.standing(_fresh(learner)).staff


def test_an_uncommitted_enrollment_is_seen_inside_its_transaction_and_never_stored(learner, instructor):
    course = make_course(instructor=instructor)
    assert course.pk not in access.standing(_fresh(learner)).course_ids
    with pytest.raises(RuntimeError), transaction.atomic():
        Enrollment.objects.create(user=learner, course=course, source="free")
        assert course.pk in access.standing(_fresh(learner)).course_ids  # this transaction's own write
        raise RuntimeError("roll back")
    assert course.pk not in access.standing(_fresh(learner)).course_ids


# --- the thread page ----------------------------------------------------------------------------------


def _page(client: Client, thread: Thread) -> str:
    response = client.get(f"/community/t/{thread.pk}/")
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", response.content.decode())


@pytest.fixture
def thread(learner, outsider):
    global_space()
    thread = make_thread(learner, kind="question", title="How?", body="Why?")
    make_reply(outsider, thread, "First answer")
    return thread


def test_the_thread_data_is_read_from_the_cache(thread, learner, client_for):
    client = client_for(learner)
    _page(client, thread)  # counts the view: the count is on the page, so the data is read again
    _page(client, thread)  # stores it
    with CaptureQueriesContext(connection) as ctx:
        html = _page(client, thread)
    assert "First answer" in html
    sql = [q["sql"] for q in ctx.captured_queries]
    assert not [s for s in sql if 'FROM "community_reply"' in s or 'FROM "community_thread" ' in s], sql


def test_new_replies_edits_and_votes_show_at_once(thread, learner, outsider, client_for):
    client = client_for(learner)
    _page(client, thread)
    reply = make_reply(make_user("third@example.org"), thread, "Second answer")
    html = _page(client, thread)
    assert "Second answer" in html and "2 replies" in html
    services.reply_edit(actor=reply.author, reply=reply, body="Second answer, better")
    assert "Second answer, better" in _page(client, thread)
    services.reply_vote(actor=learner, reply=reply)
    article = re.search(rf'id="reply-{reply.pk}">.*?</article>', _page(client, thread), re.S).group(0)
    assert "<span data-score>1</span>" in article and "is-voted" in article
    services.thread_edit(actor=learner, thread=thread, title="How, exactly?", body="Why?")
    assert "How, exactly?" in _page(client, thread)


def test_a_counted_view_shows_in_the_next_page(thread, learner, outsider, client_for):
    assert "1 view" not in _page(client_for(learner), thread)  # this first view is counted
    assert "1 view" in _page(client_for(outsider), thread)


def test_a_hidden_reply_leaves_the_cached_page_of_everyone_but_its_author_and_staff(
    thread, learner, outsider, moderator, client_for
):
    hidden = make_reply(make_user("spammer@example.org"), thread, "Buy my course")
    reader = client_for(learner)
    assert "Buy my course" in _page(reader, thread)  # cached with the reply
    content_set_hidden(actor=moderator, obj=hidden, hidden=True, reason=HiddenReason.MODERATOR)
    assert "Buy my course" not in _page(reader, thread)
    assert "Buy my course" not in _page(Client(), thread)
    assert "Buy my course" in _page(client_for(hidden.author), thread)
    assert "Buy my course" in _page(client_for(moderator), thread)
    assert "Buy my course" not in _page(reader, thread)  # the staff's view stored nothing for others


def test_per_viewer_parts_are_not_shared_through_the_cache(thread, learner, outsider, client_for):
    reply = thread.replies.get()
    edit = f"/community/r/{reply.pk}/edit/"
    assert edit in _page(client_for(outsider), thread)  # the reply's author
    assert edit not in _page(client_for(learner), thread)
    assert edit not in _page(Client(), thread)


def test_a_deleted_or_hidden_thread_is_gone_from_the_cache(thread, learner, outsider, moderator, client_for):
    reader = client_for(outsider)
    _page(reader, thread)
    content_set_hidden(actor=moderator, obj=thread, hidden=True, reason=HiddenReason.MODERATOR)
    assert reader.get(f"/community/t/{thread.pk}/").status_code == 404
    assert client_for(learner).get(f"/community/t/{thread.pk}/").status_code == 200  # its author
    content_set_hidden(actor=moderator, obj=thread, hidden=False)
    _page(reader, thread)
    services.thread_delete(actor=learner, thread=thread)
    assert reader.get(f"/community/t/{thread.pk}/").status_code == 404


def test_an_author_renaming_themselves_shows_on_cached_pages(thread, learner, outsider, client_for):
    client = client_for(learner)
    assert "Otto Outsider" in _page(client, thread)
    user_update_profile(actor=outsider, user=outsider, display_name="Otto Renamed")
    assert "Otto Renamed" in _page(client, thread)


def test_a_space_closing_to_a_member_closes_its_cached_threads(learner, outsider, instructor, client_for):
    course = make_course(instructor=instructor)
    space = make_space(kind=SpaceKind.COURSE, course=course)
    enrollment = enrollment_create(user=outsider, course=course)
    enrollment_create(user=learner, course=course)
    thread = make_thread(learner, space=space)
    reader = client_for(outsider)
    _page(reader, thread)
    enrollment_revoke(actor=instructor, enrollment=enrollment)
    assert reader.get(f"/community/t/{thread.pk}/").status_code == 404
    enrollment_create(user=outsider, course=course)
    _page(reader, thread)
    services.space_update(actor=make_user("op@example.org", "operator"), space=space, archived=True)
    assert reader.get(f"/community/t/{thread.pk}/").status_code == 404


def test_an_uncommitted_reply_is_seen_inside_its_transaction_and_never_stored(thread, learner, outsider):
    selectors.thread_bundle_for_page(user=_fresh(learner), pk=thread.pk)  # cached
    with pytest.raises(RuntimeError), transaction.atomic():
        make_reply(outsider, thread, "Not kept")
        bundle = selectors.thread_bundle_for_page(user=_fresh(learner), pk=thread.pk)
        assert [r.body_html for r in bundle.replies if "Not kept" in r.body_html]
        raise RuntimeError("roll back")
    bundle = selectors.thread_bundle_for_page(user=_fresh(learner), pk=thread.pk)
    assert not [r for r in bundle.replies if "Not kept" in r.body_html]
    assert len(bundle.replies) == 1


def test_pages_are_the_same_with_and_without_the_cache(thread, learner, outsider, moderator, client_for, monkeypatch):
    make_reply(learner, thread, "Thanks", parent=thread.replies.get())
    hidden = make_reply(outsider, thread, "Held for review")
    content_set_hidden(actor=moderator, obj=hidden, hidden=True, reason=HiddenReason.HELD)
    viewers = [client_for(learner), client_for(outsider), client_for(moderator), Client()]
    for client in viewers:
        _page(client, thread)  # count every view first: the view counter is on the page
    cached = [_page(client, thread) for client in viewers]
    monkeypatch.setattr(caching, "thread_bundle", lambda thread_id, load, found=None: load())
    monkeypatch.setattr(caching, "standing_parts", lambda user_id, load, found=None: load())
    assert [_page(client, thread) for client in viewers] == cached


def test_a_new_membership_opens_paid_spaces_on_the_next_request(learner):
    paid = make_space(kind=SpaceKind.PAID, access_plans=["pro-monthly"])
    assert not access.can_read_space(_fresh(learner), paid)  # cached: no plans
    membership = make_membership(learner, "pro-monthly")
    assert access.can_read_space(_fresh(learner), paid)
    membership.delete()
    assert not access.can_read_space(_fresh(learner), paid)


def test_a_membership_that_runs_out_closes_at_once(learner, monkeypatch):
    paid = make_space(kind=SpaceKind.PAID, access_plans=["pro-monthly"])
    make_membership(learner, "pro-monthly", days=1)
    assert access.can_read_space(_fresh(learner), paid)
    later = timezone.now() + timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)  # the commerce hook reads the clock too
    assert not access.can_read_space(_fresh(learner), paid)


def _marks(html: str) -> tuple[bool, bool, bool]:
    """(bookmarked, following, voted for the thread) as the thread's footer shows them."""
    footer = html.split('id="thread"', 1)[1].split("</article>", 1)[0]
    return ("★ Bookmarked" in footer, ">Unfollow<" in footer, "vote-button is-voted" in footer)


def test_the_viewers_own_marks_show_at_once_and_stay_their_own(thread, learner, client_for):
    someone = make_user("reader@example.org")
    reader = client_for(someone)
    for _ in range(2):  # the second page from the cache
        assert _marks(_page(reader, thread)) == (False, False, False)
    services.thread_bookmark(actor=someone, thread=thread)
    assert _marks(_page(reader, thread)) == (True, False, False)
    services.thread_follow(actor=someone, thread=thread)
    assert _marks(_page(reader, thread)) == (True, True, False)
    services.thread_vote(actor=someone, thread=thread)
    assert _marks(_page(reader, thread)) == (True, True, True)
    assert _marks(_page(client_for(learner), thread)) == (False, True, False)  # the asker follows their thread
    services.thread_bookmark(actor=someone, thread=thread)  # toggles off
    assert _marks(_page(reader, thread)) == (False, True, True)
    services.thread_unfollow(actor=someone, thread=thread)
    assert _marks(_page(reader, thread)) == (False, False, True)


def test_a_repeat_view_costs_no_cache_write(thread, learner, client_for):
    client = client_for(learner)
    _page(client, thread)
    _page(client, thread)
    from django.core.cache import cache

    calls = []
    real_add = cache.add
    cache.add = lambda *a, **k: calls.append(a) or real_add(*a, **k)  # type: ignore[method-assign]
    try:
        _page(client, thread)
    finally:
        del cache.add
    assert calls == []
    assert Thread.objects.get(pk=thread.pk).view_count == 1
