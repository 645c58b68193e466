"""The anonymous page cache on its hot path: one round trip per hit, and authors editing a
course nobody else can see leave the public copies alone."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from lyceum.core import cache_pages
from lyceum.courses import services as course_services
from lyceum.courses.tests.authoring_helpers import make_course as draft_course
from lyceum.learning.tests.factories import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_editing_a_draft_keeps_the_cached_public_pages(client, instructor, django_capture_on_commit_callbacks):
    make_course(instructor=instructor, title="Public Python", slug="public-python")
    draft = draft_course(instructor)
    assert "Public Python" in client.get("/courses/").content.decode()
    version = cache_pages.pages_version()

    with django_capture_on_commit_callbacks(execute=True):
        course_services.course_update(actor=instructor, course=draft, title="Still a draft")

    assert cache_pages.pages_version() == version
    assert "Still a draft" not in client.get("/courses/").content.decode()


def test_editing_a_published_course_retires_the_cached_pages(client, instructor, django_capture_on_commit_callbacks):
    course = make_course(instructor=instructor, title="Public Python", slug="public-python")
    assert "Public Python" in client.get(f"/courses/{course.slug}/").content.decode()
    version = cache_pages.pages_version()

    with django_capture_on_commit_callbacks(execute=True):
        course_services.course_update(actor=instructor, course=course, title="Public Python, 2nd edition")

    assert cache_pages.pages_version() != version
    assert "Public Python, 2nd edition" in client.get(f"/courses/{course.slug}/").content.decode()


def test_a_copy_stored_under_an_older_token_is_never_served(client, instructor):
    course = make_course(instructor=instructor, title="Public Python", slug="public-python")
    url = f"/courses/{course.slug}/"
    client.get(url)  # stored under the current token
    key = _page_key(url)
    stored = cache.get(key)
    assert stored is not None and stored["version"] == cache_pages.pages_version()

    stored["content"] = stored["content"].replace(b"Public Python", b"Stale copy")
    cache.set(key, stored)
    assert "Stale copy" in client.get(url).content.decode()  # same token: the stored copy is served
    cache_pages.pages_invalidate()

    page = client.get(url).content.decode()
    assert "Stale copy" not in page and "Public Python" in page


def _page_key(url: str) -> str:
    from django.test import RequestFactory
    from django.utils import translation

    with translation.override("en"):  # the visitor's language is part of the key
        return f"page:{cache_pages._digest(RequestFactory().get(url), '')}"


def test_the_visitor_home_page_is_cached_and_a_cancelled_event_leaves_it(
    client, operator, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    from lyceum.community.services.events import event_cancel
    from lyceum.community.tests.test_events_helpers import make_event

    event = make_event(operator, title="Window functions live")
    assert "Window functions live" in client.get("/").content.decode()
    with django_assert_max_num_queries(0):
        assert "Window functions live" in client.get("/").content.decode()  # the cached copy

    with django_capture_on_commit_callbacks(execute=True):
        event_cancel(actor=operator, event=event)

    assert "Window functions live" not in client.get("/").content.decode()
