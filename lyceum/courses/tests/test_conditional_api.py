"""GET /api/v1/courses: ETag and If-None-Match (304) until a course changes; query budget."""

from __future__ import annotations

import pytest

from lyceum.courses import services
from lyceum.courses.tests.authoring_helpers import make_course, make_expert_reviewer, publish

from .catalog_data import published_course

pytestmark = pytest.mark.django_db
URL = "/api/v1/courses"


def test_the_course_list_answers_304_until_a_course_is_published(
    client, instructor, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    published_course(title="Already Here")
    first = client.get(URL)
    etag = first["ETag"]
    assert first.status_code == 200 and [c["title"] for c in first.json()["items"]] == ["Already Here"]

    with django_assert_max_num_queries(2):
        again = client.get(URL, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b""

    draft = make_course(instructor, title="Freshly Published", ready=True)
    with django_capture_on_commit_callbacks(execute=True):
        publish(draft, instructor, make_expert_reviewer())
    changed = client.get(URL, headers={"if-none-match": etag})

    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Freshly Published" in [c["title"] for c in changed.json()["items"]]


def test_each_query_has_its_own_etag(client):
    published_course(title="Python Basics")
    plain = client.get(URL)
    searched = client.get(URL, {"q": "python"})

    assert searched.status_code == 200 and plain["ETag"] != searched["ETag"]
    assert client.get(URL, {"q": "python"}, headers={"if-none-match": plain["ETag"]}).status_code == 200


def test_an_archived_course_changes_the_etag(client, instructor, django_capture_on_commit_callbacks):
    course = published_course(title="Going Away", instructors=(instructor,))
    etag = client.get(URL)["ETag"]

    with django_capture_on_commit_callbacks(execute=True):
        services.course_archive(actor=instructor, course=course)
    response = client.get(URL, headers={"if-none-match": etag})

    assert response.status_code == 200 and response.json()["items"] == []


def test_course_list_query_budget(client, django_assert_max_num_queries):
    for i in range(5):
        published_course(title=f"Budget {i}", tags=("python",))
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert response.json()["count"] == 5
