import json

import pytest
from django.test import Client

from lyceum.courses.models import CourseStatus
from lyceum.feedback.models import Review
from lyceum.feedback.services.reviews import review_save
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course


@pytest.fixture
def course(instructor):
    return make_course(instructor=instructor)


@pytest.fixture
def enrolled(learner, course):
    enrollment_create(user=learner, course=course)
    return learner


def _post(client, url, body, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_post_creates_then_edits_the_callers_review(enrolled, course, api_token):
    token = api_token(enrolled)
    client = Client()

    created = _post(client, f"/api/v1/courses/{course.slug}/reviews", {"rating": 4, "text": "Nice"}, token)
    edited = _post(client, f"/api/v1/courses/{course.slug}/reviews", {"rating": 2, "text": "Meh"}, token)

    assert created.status_code == 201
    assert created.json()["rating"] == 4
    assert edited.status_code == 200
    assert edited.json()["id"] == created.json()["id"]
    assert (edited.json()["rating"], edited.json()["text"]) == (2, "Meh")
    assert Review.objects.count() == 1


@pytest.mark.parametrize("rating", [0, 6, 4.5, "4", "four", None, True])
def test_bad_ratings_are_422_naming_the_field(enrolled, course, api_token, rating):
    response = _post(Client(), f"/api/v1/courses/{course.slug}/reviews", {"rating": rating}, api_token(enrolled))

    assert response.status_code == 422
    assert response.json()["field"] == "rating"
    assert not Review.objects.exists()


def test_a_missing_rating_is_422(enrolled, course, api_token):
    response = _post(Client(), f"/api/v1/courses/{course.slug}/reviews", {"text": "x"}, api_token(enrolled))

    assert response.status_code == 422
    assert response.json()["field"] == "rating"


def test_text_that_is_not_a_string_is_422(enrolled, course, api_token):
    response = _post(
        Client(), f"/api/v1/courses/{course.slug}/reviews", {"rating": 3, "text": ["a"]}, api_token(enrolled)
    )

    assert response.status_code == 422
    assert response.json()["field"] == "text"


def test_malformed_json_is_422(enrolled, course, api_token):
    response = Client().post(
        f"/api/v1/courses/{course.slug}/reviews",
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_token(enrolled)}",
    )

    assert response.status_code == 422


def test_not_enrolled_is_403(outsider, course, api_token):
    response = _post(Client(), f"/api/v1/courses/{course.slug}/reviews", {"rating": 5}, api_token(outsider))

    assert response.status_code == 403
    assert response.json()["code"] == "enrollment_required"
    assert not Review.objects.exists()


def test_anonymous_post_is_401(course):
    response = _post(Client(), f"/api/v1/courses/{course.slug}/reviews", {"rating": 5})

    assert response.status_code == 401
    assert not Review.objects.exists()


def test_unknown_or_draft_course_is_404(enrolled, instructor, api_token):
    draft = make_course(instructor=instructor, status=CourseStatus.DRAFT)

    assert Client().get("/api/v1/courses/nope/reviews").status_code == 404
    assert Client().get(f"/api/v1/courses/{draft.slug}/reviews").status_code == 404


def test_get_lists_summary_mine_and_others(enrolled, outsider, course, api_token):
    enrollment_create(user=outsider, course=course)
    review_save(actor=outsider, course=course, rating=5, text="Loved it")
    review_save(actor=enrolled, course=course, rating=2, text="Too fast")

    public = Client().get(f"/api/v1/courses/{course.slug}/reviews").json()
    mine = (
        Client()
        .get(f"/api/v1/courses/{course.slug}/reviews?sort=lowest", HTTP_AUTHORIZATION=f"Bearer {api_token(enrolled)}")
        .json()
    )

    assert public["summary"]["count"] == 2
    assert public["summary"]["average"] == 3.5
    assert public["summary"]["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert public["summary"]["positive_share"] == 0.5
    assert public["mine"] is None and len(public["reviews"]) == 2
    assert mine["mine"]["text"] == "Too fast"
    assert [r["text"] for r in mine["reviews"]] == ["Loved it"]
    assert mine["sort"] == "lowest"


def test_helpful_toggles_and_refuses_own(enrolled, outsider, course, api_token):
    review, _ = review_save(actor=enrolled, course=course, rating=4, text="x")
    other = api_token(outsider)

    first = _post(Client(), f"/api/v1/reviews/{review.pk}/helpful", {}, other)
    second = _post(Client(), f"/api/v1/reviews/{review.pk}/helpful", {}, other)
    own = _post(Client(), f"/api/v1/reviews/{review.pk}/helpful", {}, api_token(enrolled))

    assert first.json() == {"marked": True, "helpful_count": 1}
    assert second.json() == {"marked": False, "helpful_count": 0}
    assert own.status_code == 403 and own.json()["code"] == "own_review"
    assert _post(Client(), "/api/v1/reviews/999999/helpful", {}, other).status_code == 404
