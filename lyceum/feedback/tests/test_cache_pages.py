"""Reviews reach the cached course page at once: a new review and its rating appear, a
hidden one disappears."""

from __future__ import annotations

import pytest

from lyceum.feedback.services.reviews import review_hide, review_save
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(instructor):
    return make_course(instructor=instructor, title="Reviewed Python")


def test_a_new_review_and_rating_show_on_the_cached_course_page(
    client, learner, course, django_capture_on_commit_callbacks
):
    url = f"/courses/{course.slug}/"
    before = client.get(url).content.decode()  # cached without reviews
    enrollment_create(user=learner, course=course)

    with django_capture_on_commit_callbacks(execute=True):
        review_save(actor=learner, course=course, rating=4, text="Clear and well paced")

    after = client.get(url).content.decode()
    assert "Clear and well paced" not in before
    assert "Clear and well paced" in after
    assert "4.0" in after and "4.0" not in before


def test_a_hidden_review_leaves_the_cached_course_page(
    client, learner, moderator, course, django_capture_on_commit_callbacks
):
    enrollment_create(user=learner, course=course)
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = review_save(actor=learner, course=course, rating=1, text="Buy cheap pills here")
    url = f"/courses/{course.slug}/"
    assert "Buy cheap pills here" in client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        review_hide(actor=moderator, review=review, reason="spam")

    assert "Buy cheap pills here" not in client.get(url).content.decode()
