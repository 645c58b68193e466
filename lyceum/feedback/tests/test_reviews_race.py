"""PostgreSQL: concurrent reviews, edits and hides never lose a rating update."""

import os
from decimal import Decimal

import pytest

from conftest import make_user, run_concurrently
from lyceum.accounts.models import Role
from lyceum.courses.models import Course
from lyceum.feedback.models import Review
from lyceum.feedback.services.reviews import review_hide, review_save
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
    ),
    pytest.mark.django_db(transaction=True),
]


def _learners(course, n):
    people = []
    for i in range(n):
        user = make_user(f"racer{i}@example.org", Role.LEARNER)
        enrollment_create(user=user, course=course)
        people.append(user)
    return people


def test_ten_learners_reviewing_at_once_all_count():
    course = make_course()
    racers = _learners(course, 10)
    ratings = [5, 4, 3, 2, 1, 5, 4, 3, 2, 1]

    errors = run_concurrently(
        lambda i: review_save(actor=racers[i], course=course, rating=ratings[i], text="", rate_limit=False), 10
    )

    assert errors == []
    course = Course.objects.get(pk=course.pk)
    assert Review.objects.filter(course=course).count() == 10
    assert (course.rating_count, course.rating_avg) == (10, Decimal("3.00"))


def test_edits_and_hides_racing_keep_the_aggregate_true():
    course = make_course()
    people = _learners(course, 6)
    moderator = make_user("mod@example.org", Role.MODERATOR)
    reviews = [review_save(actor=p, course=course, rating=5, rate_limit=False)[0] for p in people]

    def act(i):
        if i < 3:
            review_save(actor=people[i], course=course, rating=1, rate_limit=False)  # 5 -> 1
        else:
            review_hide(actor=moderator, review=reviews[i])  # hidden: no longer counts

    errors = run_concurrently(act, 6)

    assert errors == []
    course = Course.objects.get(pk=course.pk)
    assert (course.rating_count, course.rating_avg) == (3, Decimal("1.00"))
