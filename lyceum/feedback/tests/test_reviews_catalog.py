"""Reviews feed the catalog's ``sort=rating`` through the denormalised course counters."""

from decimal import Decimal

from django.test import Client

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.courses.services.catalog import course_rating_set
from lyceum.feedback.services.reviews import review_hide, review_save
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course


def _rate(course, ratings, prefix):
    for i, rating in enumerate(ratings):
        user = make_user(f"{prefix}{i}@example.org", Role.LEARNER)
        enrollment_create(user=user, course=course)
        review_save(actor=user, course=course, rating=rating, text="")


def test_the_catalog_sorts_by_the_rating_reviews_give(db, moderator):
    loved = make_course(slug="loved")
    mixed = make_course(slug="mixed")
    unrated = make_course(slug="unrated")
    _rate(loved, [5, 5, 4], "a")
    _rate(mixed, [5, 1], "b")

    slugs = [c["slug"] for c in Client().get("/api/v1/courses?sort=rating").json()["items"]]
    assert slugs.index("loved") < slugs.index("mixed") < slugs.index(unrated.slug)

    # Hiding the one bad review lifts "mixed" to 5.00 over "loved" (4.67).
    from lyceum.feedback.models import Review

    review_hide(actor=moderator, review=Review.objects.get(course=mixed, rating=1))
    slugs = [c["slug"] for c in Client().get("/api/v1/courses?sort=rating").json()["items"]]
    assert slugs.index("mixed") < slugs.index("loved")


def test_course_rating_set_rounds_and_clamps(db):
    course = make_course()

    course_rating_set(course_id=course.pk, avg=Decimal("4.666"), count=3)
    course.refresh_from_db()
    assert (course.rating_avg, course.rating_count) == (Decimal("4.67"), 3)

    course_rating_set(course_id=course.pk, avg=3.5, count=0)
    course.refresh_from_db()
    assert (course.rating_avg, course.rating_count) == (Decimal("0.00"), 0)
