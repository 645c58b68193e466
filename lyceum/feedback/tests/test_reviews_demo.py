import io
import random

from django.core.management.base import OutputWrapper
from django.core.management.color import no_style
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.core.management.commands.seed_demo import DemoContext
from lyceum.core.models import Event
from lyceum.courses.models import Course
from lyceum.feedback import demo_reviews
from lyceum.feedback.models import Review, ReviewHelpful
from lyceum.learning.models import Enrollment
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course


def _ctx(seed=2026):
    out = OutputWrapper(io.StringIO())
    return DemoContext(users=0, rng=random.Random(seed), now=timezone.now(), stdout=out, style=no_style())


def _world(db):
    teacher = make_user("teacher@example.com", Role.INSTRUCTOR)
    courses = [
        make_course(instructor=teacher, slug=f"demo-{i}", language=lang) for i, lang in enumerate(["en", "zh-hans"])
    ]
    for i in range(30):
        user = make_user(f"learner{i:04d}@example.com", Role.LEARNER)
        for course in courses:
            enrollment = enrollment_create(user=user, course=course)
            if i % 2:
                Enrollment.objects.filter(pk=enrollment.pk).update(completed_at=timezone.now())
    return teacher, courses


def _snapshot():
    return sorted(Review.objects.values_list("course__slug", "user__email", "rating", "text", "instructor_reply"))


def test_demo_reviews_are_realistic_deterministic_and_idempotent(db):
    _teacher, courses = _world(db)

    demo_reviews.seed(_ctx())
    first = _snapshot()
    events = Event.objects.filter(name__startswith="review.").count()
    helpful = ReviewHelpful.objects.count()
    demo_reviews.seed(_ctx())

    assert len(first) > 10
    assert _snapshot() == first
    assert Event.objects.filter(name__startswith="review.").count() == events
    assert ReviewHelpful.objects.count() == helpful
    assert Review.objects.exclude(instructor_reply="").exists()
    assert all(r.user_id != h.user_id for h in ReviewHelpful.objects.select_related("review") for r in [h.review])
    for course in courses:
        course = Course.objects.get(pk=course.pk)
        assert course.rating_count == Review.objects.filter(course=course, hidden_at__isnull=True).count()

    Review.objects.all().delete()
    demo_reviews.seed(_ctx())
    assert _snapshot() == first


def test_demo_skips_learners_without_a_live_or_finished_enrollment(db):
    course = make_course(slug="demo-solo")
    user = make_user("learner0001@example.com", Role.LEARNER)
    enrollment = enrollment_create(user=user, course=course)
    Enrollment.objects.filter(pk=enrollment.pk).update(revoked_at=timezone.now())

    demo_reviews.seed(_ctx())

    assert not Review.objects.exists()
