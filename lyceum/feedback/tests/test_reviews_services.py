from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.core.errors import NotAuthenticated, PermissionDenied, RateLimited, ValidationFailed
from lyceum.core.models import Event
from lyceum.core.screening import Verdict
from lyceum.feedback.models import Review, ReviewHelpful
from lyceum.feedback.selectors.reviews import rating_summary, stars
from lyceum.feedback.services.reviews import (
    review_helpful_toggle,
    review_hide,
    review_reply,
    review_save,
)
from lyceum.learning.models import Enrollment
from lyceum.learning.services import enrollment_create, enrollment_revoke
from lyceum.learning.tests.factories import make_course

PUBLISHED = Verdict().as_props()  # what the services send when no provider objects


@pytest.fixture
def course(instructor):
    return make_course(instructor=instructor)


@pytest.fixture
def enrolled(learner, course):
    enrollment_create(user=learner, course=course)
    return learner


def _learner(course, name):
    user = make_user(f"{name}@example.org", Role.LEARNER)
    enrollment_create(user=user, course=course)
    return user


def test_an_enrolled_learner_reviews_once_and_the_event_says_what(enrolled, course):
    review, created = review_save(actor=enrolled, course=course, rating=5, text="  Great pace.  ")

    assert created is True
    assert (review.rating, review.text) == (5, "Great pace.")
    event = Event.objects.get(name="review.posted")
    assert event.props == {"course": course.pk, "rating": 5, "screen": PUBLISHED}
    course.refresh_from_db()
    assert (course.rating_avg, course.rating_count) == (Decimal("5.00"), 1)


def test_editing_keeps_one_review_and_emits_the_previous_rating(enrolled, course):
    review_save(actor=enrolled, course=course, rating=5, text="Great")
    review, created = review_save(actor=enrolled, course=course, rating=2, text="Got worse after module 2")

    assert created is False
    assert Review.objects.filter(course=course, user=enrolled).count() == 1
    assert review.edited_at is not None
    event = Event.objects.get(name="review.edited")
    assert event.props == {"course": course.pk, "rating": 2, "previous": 5, "screen": PUBLISHED}
    course.refresh_from_db()
    assert (course.rating_avg, course.rating_count) == (Decimal("2.00"), 1)


def test_saving_the_same_review_again_changes_nothing(enrolled, course):
    review_save(actor=enrolled, course=course, rating=4, text="Good")
    review_save(actor=enrolled, course=course, rating=4, text="Good")

    assert not Event.objects.filter(name="review.edited").exists()


def test_not_enrolled_is_refused_and_nothing_is_written(outsider, course):
    with pytest.raises(PermissionDenied) as exc:
        review_save(actor=outsider, course=course, rating=5, text="")

    assert exc.value.code == "enrollment_required"
    assert not Review.objects.exists()
    assert not Event.objects.filter(name="review.posted").exists()


def test_anonymous_is_refused(course):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        review_save(actor=AnonymousUser(), course=course, rating=5)


def test_a_revoked_enrollment_may_not_review_but_a_completed_one_may(learner, outsider, course):
    revoked = enrollment_create(user=learner, course=course)
    enrollment_revoke(actor=learner, enrollment=revoked)
    finished = enrollment_create(user=outsider, course=course)
    Enrollment.objects.filter(pk=finished.pk).update(completed_at=timezone.now(), revoked_at=timezone.now())

    with pytest.raises(PermissionDenied):
        review_save(actor=learner, course=course, rating=3)
    review, _created = review_save(actor=outsider, course=course, rating=3)

    assert review.pk is not None


def test_an_expired_enrollment_that_never_finished_may_not_review(learner, course):
    enrollment = enrollment_create(user=learner, course=course)
    Enrollment.objects.filter(pk=enrollment.pk).update(access_until=timezone.now() - timedelta(days=1))

    with pytest.raises(PermissionDenied):
        review_save(actor=learner, course=course, rating=3)


def test_the_course_instructor_may_not_review_their_own_course(instructor, course):
    Enrollment.objects.create(user=instructor, course=course, source="grant")

    with pytest.raises(PermissionDenied) as exc:
        review_save(actor=instructor, course=course, rating=5)

    assert exc.value.code == "own_course"


@pytest.mark.parametrize("rating", [0, 6, -1, 4.5, "five", None, True, [5], "4.0"])
def test_ratings_outside_1_to_5_or_not_whole_numbers_are_refused(enrolled, course, rating):
    with pytest.raises(ValidationFailed) as exc:
        review_save(actor=enrolled, course=course, rating=rating)

    assert exc.value.field == "rating"
    assert not Review.objects.exists()


def test_a_rating_typed_as_digits_is_accepted(enrolled, course):
    review, _created = review_save(actor=enrolled, course=course, rating="4")

    assert review.rating == 4


def test_text_longer_than_5000_characters_is_refused(enrolled, course):
    with pytest.raises(ValidationFailed) as exc:
        review_save(actor=enrolled, course=course, rating=4, text="x" * 5001)

    assert exc.value.field == "text"
    assert not Review.objects.exists()


def test_text_is_stored_as_plain_text_without_nul(enrolled, course):
    review, _created = review_save(actor=enrolled, course=course, rating=4, text="<b>hi</b>\x00\r\nthere")

    assert review.text == "<b>hi</b>\nthere"  # escaped when shown; never rendered as HTML


def test_reviewing_is_rate_limited(enrolled, course, settings):
    settings.LYCEUM_FEEDBACK_REVIEW_RATE = "2/min"
    review_save(actor=enrolled, course=course, rating=4, text="a")
    review_save(actor=enrolled, course=course, rating=3, text="b")

    with pytest.raises(RateLimited):
        review_save(actor=enrolled, course=course, rating=2, text="c")

    assert Review.objects.get().rating == 3


def test_the_course_rating_is_the_mean_of_visible_reviews(course, moderator):
    for i, rating in enumerate([5, 4, 4, 2]):
        review_save(actor=_learner(course, f"l{i}"), course=course, rating=rating)
    course.refresh_from_db()
    assert (course.rating_avg, course.rating_count) == (Decimal("3.75"), 4)

    low = Review.objects.get(rating=2)
    review_hide(actor=moderator, review=low, hidden=True)
    course.refresh_from_db()
    assert (course.rating_avg, course.rating_count) == (Decimal("4.33"), 3)  # 13 / 3

    review_hide(actor=moderator, review=low, hidden=False)
    course.refresh_from_db()
    assert (course.rating_avg, course.rating_count) == (Decimal("3.75"), 4)


def test_rating_summary_distribution_and_positive_share(course, moderator):
    for i, rating in enumerate([5, 5, 4, 3, 1]):
        review_save(actor=_learner(course, f"s{i}"), course=course, rating=rating)
    hidden = _learner(course, "hidden")
    review, _ = review_save(actor=hidden, course=course, rating=1)
    review_hide(actor=moderator, review=review)

    summary = rating_summary(course_id=course.pk)

    assert summary.count == 5
    assert summary.average == Decimal("3.60")  # 18 / 5
    assert [(row.stars, row.count, row.percent) for row in summary.distribution] == [
        (5, 2, 40),
        (4, 1, 20),
        (3, 1, 20),
        (2, 0, 0),
        (1, 1, 20),
    ]
    assert summary.positive == 3
    assert summary.positive_share == pytest.approx(0.6)  # USAT: ratings >= 4


def test_empty_summary():
    from lyceum.feedback.selectors.reviews import rating_summary_from_counts

    summary = rating_summary_from_counts(dict.fromkeys(range(1, 6), 0))

    assert (summary.count, summary.average, summary.positive_share) == (0, Decimal("0"), None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, ["empty"] * 5),
        (4.3, ["full"] * 4 + ["half"]),
        (4.2, ["full"] * 4 + ["empty"]),
        (Decimal("3.75"), ["full"] * 4 + ["empty"]),
        (5, ["full"] * 5),
        (1, ["full"] + ["empty"] * 4),
    ],
)
def test_star_states_round_to_the_nearest_half(value, expected):
    assert stars(value) == expected


# --- helpful votes ---------------------------------------------------------------------------------


def test_helpful_toggles_and_counts(enrolled, outsider, course):
    review, _ = review_save(actor=enrolled, course=course, rating=4, text="Useful")

    assert review_helpful_toggle(actor=outsider, review=review) == (True, 1)
    assert ReviewHelpful.objects.filter(review=review, user=outsider).exists()
    assert review_helpful_toggle(actor=outsider, review=review) == (False, 0)
    assert not ReviewHelpful.objects.exists()
    assert [e.name for e in Event.objects.filter(name__startswith="review.helpful").order_by("pk")] == [
        "review.helpful_marked",
        "review.helpful_unmarked",
    ]


def test_no_helpful_vote_on_ones_own_review(enrolled, course):
    review, _ = review_save(actor=enrolled, course=course, rating=4, text="Mine")

    with pytest.raises(PermissionDenied) as exc:
        review_helpful_toggle(actor=enrolled, review=review)

    assert exc.value.code == "own_review"
    review.refresh_from_db()
    assert review.helpful_count == 0
    assert not ReviewHelpful.objects.exists()


def test_no_helpful_vote_on_a_hidden_review(enrolled, outsider, moderator, course):
    review, _ = review_save(actor=enrolled, course=course, rating=4, text="x")
    review_hide(actor=moderator, review=review)

    with pytest.raises(PermissionDenied):
        review_helpful_toggle(actor=outsider, review=review)


# --- instructor replies --------------------------------------------------------------------------------


def test_the_course_instructor_replies_edits_and_removes_the_reply(enrolled, instructor, course):
    review, _ = review_save(actor=enrolled, course=course, rating=2, text="Audio is bad")

    review = review_reply(actor=instructor, review=review, text="Thanks, we re-recorded module 1.")
    assert (review.instructor_reply, review.replied_by) == ("Thanks, we re-recorded module 1.", instructor)
    review = review_reply(actor=instructor, review=review, text="Re-recorded modules 1 and 2.")
    assert review.instructor_reply == "Re-recorded modules 1 and 2."
    review = review_reply(actor=instructor, review=review, text="   ")
    assert (review.instructor_reply, review.replied_by, review.replied_at) == ("", None, None)
    assert Event.objects.filter(name="review.replied").count() == 3


def test_another_courses_instructor_may_not_reply(enrolled, course):
    other = make_user("other-teacher@example.org", Role.INSTRUCTOR)
    make_course(instructor=other)
    review, _ = review_save(actor=enrolled, course=course, rating=2, text="Meh")

    with pytest.raises(PermissionDenied):
        review_reply(actor=other, review=review, text="Not my course")

    review.refresh_from_db()
    assert review.instructor_reply == ""
    assert not Event.objects.filter(name="review.replied").exists()


@pytest.mark.parametrize("persona", ["learner", "outsider", "moderator", "operator"])
def test_only_instructors_reply(persona, request, course):
    author = _learner(course, "author")
    review, _ = review_save(actor=author, course=course, rating=3, text="ok")
    actor = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        review_reply(actor=actor, review=review, text="hello")


# --- hiding ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["moderator", "operator"])
def test_moderators_and_operators_hide(persona, request, enrolled, course):
    review, _ = review_save(actor=enrolled, course=course, rating=1, text="spam spam")

    review = review_hide(actor=request.getfixturevalue(persona), review=review, hidden=True, reason="spam")

    assert review.hidden_at is not None
    assert Event.objects.get(name="review.hidden").props["hidden"] is True


@pytest.mark.parametrize("persona", ["outsider", "instructor"])
def test_others_may_not_hide(persona, request, enrolled, course):
    review, _ = review_save(actor=enrolled, course=course, rating=1, text="harsh")

    with pytest.raises(PermissionDenied):
        review_hide(actor=request.getfixturevalue(persona), review=review)

    review.refresh_from_db()
    assert review.hidden_at is None


def test_a_course_in_draft_cannot_be_reviewed(learner, instructor):
    from lyceum.core.errors import NotFound
    from lyceum.courses.models import CourseStatus

    course = make_course(instructor=instructor)
    Enrollment.objects.create(user=learner, course=course, source="free")
    course.status = CourseStatus.DRAFT
    course.save(update_fields=["status"])

    with pytest.raises(NotFound):
        review_save(actor=learner, course=course, rating=4)

    assert not Review.objects.exists()
