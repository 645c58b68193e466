"""Issue 8 for reviews: screened before they are published; a held review is hidden (not in the
course rating) and its author sees it with a note; the system may hide a review (reports)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lyceum.core.errors import PermissionDenied
from lyceum.core.models import Event
from lyceum.courses.models import Course
from lyceum.feedback.models import Review
from lyceum.feedback.services.reviews import review_hide, review_save
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(instructor):
    return make_course(instructor=instructor, title="Data 101")


@pytest.fixture
def enrolled(learner, course):
    enrollment_create(user=learner, course=course)
    return learner


def test_a_held_review_is_hidden_and_left_out_of_the_rating(enrolled, course, screen_as):
    calls = screen_as("hold")

    review, created = review_save(actor=enrolled, course=course, rating=5, text="加微信 abc123 买答案")

    assert created and review.hidden_at is not None and review.hidden_reason == "held"
    assert calls[0]["kind"] == "review" and calls[0]["text"] == "加微信 abc123 买答案"
    assert Event.objects.get(name="review.posted").props["screen"]["action"] == "hold"
    assert Course.objects.get(pk=course.pk).rating_count == 0


def test_an_edit_of_the_text_is_screened_but_a_new_rating_alone_is_not(enrolled, course, screen_as):
    review_save(actor=enrolled, course=course, rating=4, text="Good course")
    calls = screen_as("hold")

    review, _ = review_save(actor=enrolled, course=course, rating=3, text="Good course")
    assert calls == [] and review.hidden_at is None

    review, _ = review_save(actor=enrolled, course=course, rating=3, text="Now with spam links")
    assert review.hidden_reason == "held"
    assert Event.objects.filter(name="review.edited").order_by("-pk")[0].props["screen"]["action"] == "hold"
    assert Course.objects.get(pk=course.pk).rating_avg == Decimal("0")


def test_a_raising_provider_keeps_the_review_unwritten_and_the_form_says_why(
    client_for, enrolled, course, screen_raises
):
    screen_raises(PermissionDenied("You are muted until tomorrow.", code="muted"))

    response = client_for(enrolled).post(f"/courses/{course.slug}/reviews/write/", {"rating": "5", "text": "Hi"})

    assert response.status_code == 403
    assert "You are muted until tomorrow." in response.content.decode()
    assert not Review.objects.exists()


def test_the_api_answers_a_provider_error_as_json(api, enrolled, course, screen_raises):
    screen_raises(PermissionDenied("Accept the community rules first.", code="rules_not_accepted"))

    response = api(enrolled)("post", f"/courses/{course.slug}/reviews", {"rating": 5, "text": "Hi"})

    assert response.status_code == 403 and response.json()["code"] == "rules_not_accepted"
    assert not Review.objects.exists()


def test_author_sees_the_held_review_with_a_note_readers_do_not_moderators_see_a_marker(
    client, client_for, enrolled, moderator, outsider, course, screen_as
):
    screen_as("hold")
    review_save(actor=enrolled, course=course, rating=1, text="Spammy review text")
    url = f"/courses/{course.slug}/reviews/"

    author = client_for(enrolled).get(url).content.decode()
    reader = client_for(outsider).get(url).content.decode()
    visitor = client.get(url).content.decode()
    staff = client_for(moderator).get(url).content.decode()

    assert "Spammy review text" in author and "Waiting for a moderator" in author
    assert "Spammy review text" not in reader and "Spammy review text" not in visitor
    assert "Spammy review text" in staff and "Held for review" in staff


def test_the_system_may_hide_a_review_after_reports_but_a_learner_may_not(enrolled, outsider, course):
    review, _ = review_save(actor=enrolled, course=course, rating=2, text="Meh")

    with pytest.raises(PermissionDenied):
        review_hide(actor=outsider, review=review)
    assert Review.objects.get(pk=review.pk).hidden_at is None

    hidden = review_hide(actor=None, review=review, reason="reports")
    assert hidden.hidden_at is not None and hidden.hidden_reason == "reports"
    event = Event.objects.get(name="review.hidden")
    assert event.actor is None
    assert Course.objects.get(pk=course.pk).rating_count == 0
    shown = review_hide(actor=None, review=review, hidden=False)
    assert shown.hidden_at is None and shown.hidden_reason == ""


def test_review_rows_link_the_author_and_offer_a_report_link(client_for, enrolled, outsider, course):
    review, _ = review_save(actor=enrolled, course=course, rating=4, text="Fine")
    page = client_for(outsider).get(f"/courses/{course.slug}/reviews/").content.decode()
    own = client_for(enrolled).get(f"/courses/{course.slug}/reviews/").content.decode()

    assert f'href="/members/{enrolled.pk}/"' in page
    assert f'href="/report/review/{review.pk}/"' in page
    assert f'href="/report/review/{review.pk}/"' not in own
