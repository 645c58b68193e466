"""GET /api/v1/courses keeps the JSON of each answer under the page-cache version token: the same
bytes as ninja's own rendering, retired by the invalidating events, and never served to the
transaction that has just changed what it shows (the token is bumped only after the commit)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.core import cache_pages, events
from lyceum.courses import services as course_services
from lyceum.feedback.services.reviews import review_save
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course

pytestmark = pytest.mark.django_db
URL = "/api/v1/courses?sort=newest"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _committed(capture, build):
    """Run ``build`` as if its transaction had committed (its on-commit callbacks executed)."""
    with capture(execute=True):
        return build()


def test_the_list_is_kept_as_json_identical_to_ninja_s_and_a_repeat_costs_no_query(
    client, instructor, monkeypatch, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    _committed(django_capture_on_commit_callbacks, lambda: make_course(instructor=instructor, slug="public-python"))
    _committed(django_capture_on_commit_callbacks, lambda: make_course(instructor=instructor, slug="public-sql"))
    assert not cache_pages.changes_pending()

    first = client.get(URL)  # rendered by the decorator and stored
    with django_assert_max_num_queries(0):
        again = client.get(URL)
    with monkeypatch.context() as m:  # the cache unavailable: ninja renders the list itself
        m.setattr(cache_pages, "pages_version", lambda: None)
        plain = client.get(URL)

    assert first.status_code == again.status_code == plain.status_code == 200
    assert first.content == again.content == plain.content
    assert first["Content-Type"] == again["Content-Type"] == plain["Content-Type"]
    assert first["ETag"] == again["ETag"] and "ETag" not in plain
    assert {c["slug"] for c in first.json()["items"]} == {"public-python", "public-sql"}
    assert first.json()["count"] == 2
    assert client.get(URL, headers={"if-none-match": first["ETag"]}).status_code == 304


def test_bad_input_is_still_answered_by_ninja_and_not_stored(client, instructor):
    make_course(instructor=instructor, slug="public-python")
    for url in ("/api/v1/courses?page=0", "/api/v1/courses?sort=bogus", "/api/v1/courses?instructor=-1"):
        response = client.get(url)
        assert response.status_code == 422, url
        assert client.get(url).status_code == 422, url  # nothing stored in its place


def test_each_page_and_query_is_kept_apart(client, instructor, django_capture_on_commit_callbacks):
    for i in range(3):
        _committed(
            django_capture_on_commit_callbacks,
            lambda i=i: make_course(instructor=instructor, slug=f"kept-{i}", title=f"Kept course {i}"),
        )
    everything = client.get(URL).json()
    searched = client.get("/api/v1/courses", {"q": "nothing-like-this"}).json()

    assert everything["count"] == 3 and searched == {"items": [], "count": 0}
    assert client.get(URL).json() == everything  # the stored copies did not swap


def test_a_change_committed_retires_the_stored_list(
    client, instructor, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    course = _committed(django_capture_on_commit_callbacks, lambda: make_course(instructor=instructor, slug="p"))
    client.get(URL)
    with django_assert_max_num_queries(0):
        client.get(URL)

    with django_capture_on_commit_callbacks(execute=True):
        course_services.course_update(actor=instructor, course=course, title="Public Python, 2nd edition")

    assert not cache_pages.changes_pending()
    assert [c["title"] for c in client.get(URL).json()["items"]] == ["Public Python, 2nd edition"]


def test_the_transaction_that_changed_the_list_reads_its_own_writes(
    client, instructor, django_capture_on_commit_callbacks
):
    """D2's failure: a review posted, then the list read, in one transaction (a test's)."""
    course = _committed(django_capture_on_commit_callbacks, lambda: make_course(instructor=instructor, slug="rated"))
    before = client.get("/api/v1/courses?sort=rating").json()["items"]
    assert before[0]["rating_count"] == 0

    user = make_user("rater@example.org", Role.LEARNER)
    enrollment_create(user=user, course=course)
    review_save(actor=user, course=course, rating=4, text="")  # not committed: the token is unchanged

    assert cache_pages.changes_pending()
    after = client.get("/api/v1/courses?sort=rating").json()["items"]
    assert (after[0]["rating_count"], after[0]["rating_avg"]) == (1, 4.0)


def test_a_rolled_back_savepoint_leaves_no_pending_mark(instructor, django_capture_on_commit_callbacks):
    course = _committed(django_capture_on_commit_callbacks, lambda: make_course(instructor=instructor, slug="sp"))
    assert not cache_pages.changes_pending()

    with pytest.raises(RuntimeError), transaction.atomic():
        course_services.course_update(actor=instructor, course=course, title="Rolled back")
        assert cache_pages.changes_pending()
        raise RuntimeError

    assert not cache_pages.changes_pending()


def test_an_event_that_changes_no_public_page_marks_nothing(instructor):
    events.emit("user.profile_updated", actor=instructor, obj=instructor)
    assert not cache_pages.changes_pending()
