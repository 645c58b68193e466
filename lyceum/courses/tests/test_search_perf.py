"""The catalog search on its hot path (issue 9): a visitor's search is served from the anonymous
page cache yet recorded on every answer (the catalog.searched event the interest profiles read),
signed-in members never share a copy, and the sidebar's counts are kept under the page-cache
token instead of two aggregate queries per page."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from lyceum.core import cache_pages
from lyceum.core.models import Event
from lyceum.courses import selectors
from lyceum.courses import services as course_services

from .catalog_data import category, published_course

pytestmark = pytest.mark.django_db
URL = "/courses/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _searches() -> list[tuple[int | None, dict]]:
    return list(Event.objects.filter(name="catalog.searched").order_by("id").values_list("actor_id", "props"))


def test_a_repeated_visitor_search_is_served_from_the_cache_and_still_recorded(django_assert_max_num_queries):
    for i in range(3):
        published_course(title=f"Python basics {i}")
    published_course(title="Watercolour")

    first = Client().get(URL, {"q": "python"})
    with django_assert_max_num_queries(1):  # the event's INSERT, nothing else
        again = Client().get(URL, {"q": "python"})

    assert first.status_code == again.status_code == 200
    assert again.content.decode().count('class="course-card"') == 3
    assert "Watercolour" not in again.content.decode()
    assert _searches() == [(None, {"query": "python", "results": 3})] * 2


def test_a_revalidated_search_is_recorded_and_a_page_turn_is_not():
    for i in range(25):
        published_course(title=f"Python basics {i}")
    visitor = Client()

    etag = visitor.get(URL, {"q": "python"})["ETag"]
    revalidated = visitor.get(URL, {"q": "python"}, headers={"if-none-match": etag})
    visitor.get(URL, {"q": "python", "page": 2})
    second_page = visitor.get(URL, {"q": "python", "page": 2})  # cached, and still not a search

    assert revalidated.status_code == 304
    assert second_page.status_code == 200 and 'rel="prev"' in second_page.content.decode()
    assert _searches() == [(None, {"query": "python", "results": 25})] * 2


def test_a_304_is_not_answered_when_the_copy_and_its_note_are_gone():
    published_course(title="Python basics")
    visitor = Client()
    etag = visitor.get(URL, {"q": "python"})["ETag"]
    cache.delete_many(_page_keys())

    answer = visitor.get(URL, {"q": "python"}, headers={"if-none-match": etag})

    assert answer.status_code == 200  # rendered (and recorded) rather than a silent 304
    assert len(_searches()) == 2


def _page_keys() -> list[str]:
    from django.test import RequestFactory
    from django.utils import translation

    with translation.override("en"):
        return [f"page:{cache_pages._digest(RequestFactory().get(URL, {'q': 'python'}), '')}"]


def test_members_never_read_nor_leave_a_cached_search(client_for, learner, outsider):
    published_course(title="Python basics")
    Client().get(URL, {"q": "python"})  # a visitor's copy is stored

    mine = client_for(learner).get(URL, {"q": "python"}).content.decode()
    theirs = client_for(outsider).get(URL, {"q": "python"}).content.decode()
    visitor = Client().get(URL, {"q": "python"}).content.decode()

    assert learner.get_short_name() in mine and outsider.get_short_name() in theirs
    assert learner.get_short_name() not in visitor + theirs and outsider.get_short_name() not in visitor + mine
    assert [actor for actor, _props in _searches()] == [None, learner.pk, outsider.pk, None]


def test_a_published_course_retires_the_cached_search(instructor, django_capture_on_commit_callbacks):
    published_course(title="Python basics")
    assert Client().get(URL, {"q": "python"}).content.decode().count('class="course-card"') == 1

    course = published_course(
        title="Python advanced", instructors=(instructor,)
    )  # written directly: no event, the copy stays
    assert Client().get(URL, {"q": "python"}).content.decode().count('class="course-card"') == 1
    with django_capture_on_commit_callbacks(execute=True):
        course_services.course_update(actor=instructor, course=course, subtitle="Now announced")

    page = Client().get(URL, {"q": "python"}).content.decode()
    assert page.count('class="course-card"') == 2 and "Python advanced" in page
    assert _searches()[-1] == (None, {"query": "python", "results": 2})


def test_bad_filters_with_a_search_are_shown_and_recorded_from_the_cache_too():
    published_course(title="Python basics")
    for _ in range(2):
        response = Client().get(URL, {"q": "python", "level": "wizard", "sort": "bogus"})
        assert response.status_code == 200
        assert 'id="catalog-errors"' in response.content.decode()
    assert _searches() == [(None, {"query": "python", "results": 1})] * 2


def test_an_empty_or_blank_query_is_the_plain_catalog_and_records_nothing():
    published_course(title="Python basics")
    for query in ("", "   ", "the"):
        assert Client().get(URL, {"q": query}).status_code == 200
    assert _searches() == [(None, {"query": "the", "results": 0})]


# --- the sidebar, kept ---------------------------------------------------------------------------


def test_the_sidebar_counts_are_kept_and_retired_by_a_published_course(
    instructor, django_capture_on_commit_callbacks, django_assert_num_queries
):
    programming = category("programming")
    published_course(title="Python basics", category=programming, tags=("python",))

    categories, tags = selectors.catalog_sidebar()
    with django_assert_num_queries(0):
        kept_categories, kept_tags = selectors.catalog_sidebar()

    assert [(c.slug, c.course_count) for c in kept_categories] == [(c.slug, c.course_count) for c in categories]
    assert [(t.slug, t.course_count) for t in kept_tags] == [("python", 1)]

    course = published_course(
        title="Python advanced", category=programming, tags=("python",), instructors=(instructor,)
    )
    with django_capture_on_commit_callbacks(execute=True):
        course_services.course_update(actor=instructor, course=course, subtitle="Bumps the token")

    categories, tags = selectors.catalog_sidebar()
    assert {c.slug: c.course_count for c in categories}["programming"] == 2
    assert [(t.slug, t.course_count) for t in tags] == [("python", 2)]


def test_the_sidebar_is_rebuilt_inside_a_transaction_with_pending_changes(instructor):
    programming = category("programming")
    published_course(title="Python basics", category=programming)
    assert {c.slug: c.course_count for c in selectors.catalog_sidebar()[0]}["programming"] == 1

    course = published_course(title="Python advanced", category=programming, instructors=(instructor,))
    course_services.course_update(actor=instructor, course=course, subtitle="Not committed")  # marks pending

    assert cache_pages.changes_pending()
    assert {c.slug: c.course_count for c in selectors.catalog_sidebar()[0]}["programming"] == 2


def test_without_a_cache_the_sidebar_is_built_each_time(monkeypatch, django_assert_num_queries):
    published_course(title="Python basics", tags=("python",))
    monkeypatch.setattr(cache_pages, "pages_version", lambda: None)
    monkeypatch.setattr(cache, "get_many", lambda keys: {})
    with django_assert_num_queries(2):
        _categories, tags = selectors.catalog_sidebar()
    assert [t.slug for t in tags] == ["python"]
