"""Cached catalog and course pages for anonymous visitors: what they see is fresh after every
change that matters, and nothing personal ever reaches another person. Conditional GET on the
course page; query budgets for the catalog and the course page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.courses import services as course_services
from lyceum.courses.tests.authoring_helpers import make_course as draft_course
from lyceum.courses.tests.authoring_helpers import make_expert_reviewer, publish
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(instructor):
    return make_course(instructor=instructor, title="Cached Python", slug="cached-python")


def _csrf_tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', html))


# --- who gets a cached copy ---------------------------------------------------------------------


def test_an_anonymous_repeat_visit_is_served_from_the_cache(client, course, django_assert_max_num_queries):
    first = client.get(f"/courses/{course.slug}/")

    with django_assert_max_num_queries(2):
        second = Client().get(f"/courses/{course.slug}/")

    assert first.status_code == second.status_code == 200
    assert "Cached Python" in second.content.decode()
    assert "Cookie" in second["Vary"] and "Accept-Language" in second["Vary"]


def test_signed_in_pages_never_reach_a_visitor_or_another_member(client_for, learner, outsider, course):
    enrollment_create(user=learner, course=course)
    visitor_before = Client().get(f"/courses/{course.slug}/").content.decode()  # a copy is cached now

    mine = client_for(learner).get(f"/courses/{course.slug}/")
    theirs = client_for(outsider).get(f"/courses/{course.slug}/").content.decode()
    visitor_after = Client().get(f"/courses/{course.slug}/").content.decode()

    assert "Lena Learner" in mine.content.decode()
    assert not mine.has_header("ETag")
    assert "Otto Outsider" in theirs and "Lena Learner" not in theirs
    for html in (visitor_before, visitor_after):
        assert "Lena Learner" not in html and "Otto Outsider" not in html


def test_each_visitor_gets_their_own_csrf_token_from_a_cached_copy(course):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(f"/courses/{course.slug}/")

    page = second.get(f"/courses/{course.slug}/")  # served from the cache
    tokens = _csrf_tokens(page.content.decode())
    switch = second.post("/i18n/setlang/", {"language": "zh-hans", "next": "/", "csrfmiddlewaretoken": tokens.pop()})

    assert "csrftoken" in page.cookies
    assert "__lyceum_csrf_token__" not in page.content.decode()
    assert switch.status_code == 302  # the language switcher still works for the second visitor


def test_the_cached_copy_follows_the_visitors_language(course):
    Client().get(f"/courses/{course.slug}/")

    chinese = Client(headers={"accept-language": "zh-hans"}).get(f"/courses/{course.slug}/")
    english = Client(headers={"accept-language": "en"}).get(f"/courses/{course.slug}/")

    assert 'lang="zh-hans"' in chinese.content.decode()
    assert 'lang="en"' in english.content.decode()
    assert chinese["ETag"] != english["ETag"]


# --- invalidation -------------------------------------------------------------------------------


def test_a_published_course_appears_in_the_cached_catalog(client, instructor, django_capture_on_commit_callbacks):
    reviewer = make_expert_reviewer()
    draft = draft_course(instructor, title="Brand New Course", ready=True)
    assert "Brand New Course" not in client.get("/courses/").content.decode()  # cached without it

    with django_capture_on_commit_callbacks(execute=True):
        publish(draft, instructor, reviewer)

    assert "Brand New Course" in client.get("/courses/").content.decode()


def test_an_updated_course_shows_its_new_title(client, instructor, course, django_capture_on_commit_callbacks):
    assert "Cached Python" in client.get(f"/courses/{course.slug}/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        course_services.course_update(actor=instructor, course=course, title="Python, Revised")

    page = client.get(f"/courses/{course.slug}/").content.decode()
    assert "Python, Revised" in page


def test_an_archived_course_leaves_the_cached_catalog(client, instructor, course, django_capture_on_commit_callbacks):
    assert "Cached Python" in client.get("/courses/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        course_services.course_archive(actor=instructor, course=course)

    assert "Cached Python" not in client.get("/courses/").content.decode()


def test_every_search_is_counted_even_when_served_from_the_cache(client, course):
    client.get("/courses/?q=python")
    client.get("/courses/?q=python")

    from lyceum.core.models import Event

    assert Event.objects.filter(name="catalog.searched").count() == 2  # every search is counted


# --- conditional GET ----------------------------------------------------------------------------


def test_a_course_page_revalidates_with_304_until_it_changes(
    client, instructor, course, django_capture_on_commit_callbacks
):
    url = f"/courses/{course.slug}/"
    first = client.get(url)
    etag = first["ETag"]

    again = client.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag

    with django_capture_on_commit_callbacks(execute=True):
        course_services.course_update(actor=instructor, course=course, subtitle="Now with exercises")
    changed = client.get(url, headers={"if-none-match": etag})

    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Now with exercises" in changed.content.decode()


def test_signed_in_members_always_get_the_full_page(client_for, learner, client, course):
    etag = client.get(f"/courses/{course.slug}/")["ETag"]

    response = client_for(learner).get(f"/courses/{course.slug}/", headers={"if-none-match": etag})

    assert response.status_code == 200 and "Lena Learner" in response.content.decode()


# --- query budgets ------------------------------------------------------------------------------


def test_catalog_query_budget(client, instructor, django_assert_max_num_queries):
    for i in range(5):
        make_course(instructor=instructor, title=f"Budget {i}")
    with django_assert_max_num_queries(8):
        cold = client.get("/courses/")
    with django_assert_max_num_queries(2):
        warm = client.get("/courses/")
    assert cold.status_code == warm.status_code == 200
    assert warm.content.decode().count("Budget ") == cold.content.decode().count("Budget ") >= 5


def test_course_page_query_budget(client, client_for, learner, course, django_assert_max_num_queries):
    enrollment_create(user=learner, course=course)
    member = client_for(learner)
    with django_assert_max_num_queries(16):
        cold = client.get(f"/courses/{course.slug}/")
    with django_assert_max_num_queries(2):
        warm = client.get(f"/courses/{course.slug}/")
    with django_assert_max_num_queries(25):
        signed_in = member.get(f"/courses/{course.slug}/")
    assert cold.status_code == warm.status_code == signed_in.status_code == 200


def test_another_member_is_not_shown_a_signed_in_copy(client_for, course):
    someone = make_user("someone@example.org", Role.LEARNER, display_name="Sam Someone")
    client_for(someone).get(f"/courses/{course.slug}/")

    assert "Sam Someone" not in Client().get(f"/courses/{course.slug}/").content.decode()


def test_pages_invalidate_retires_cached_copies_after_a_deploy(client, course):
    from django.core.management import call_command

    etag = client.get(f"/courses/{course.slug}/")["ETag"]

    call_command("pages_invalidate", stdout=None)

    assert client.get(f"/courses/{course.slug}/", headers={"if-none-match": etag}).status_code == 200


def test_a_visitor_with_a_pending_message_gets_a_fresh_page(client, course):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage

    Client().get(f"/courses/{course.slug}/")  # a copy is cached without the message
    client.cookies["messages"] = CookieStorage(None)._encode([Message(constants.INFO, "Welcome back, visitor")])

    page = client.get(f"/courses/{course.slug}/").content.decode()

    assert "Welcome back, visitor" in page
    assert "Welcome back, visitor" not in Client().get(f"/courses/{course.slug}/").content.decode()
