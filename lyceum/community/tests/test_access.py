"""The community's access rules (``community.access``): who reads, posts and attends what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from lyceum.commerce.models import Membership, MembershipStatus, ProductKind
from lyceum.commerce.tests.helpers import make_product
from lyceum.community import access
from lyceum.community.models import EventAudience, LiveEvent, PostPolicy, Space, SpaceKind, ThreadKind
from lyceum.learning.models import Enrollment
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course

pytestmark = pytest.mark.django_db


def _fresh(user):
    access.forget(user)
    return user


def _membership(user, plan, *, ends_in=timedelta(days=10), status=MembershipStatus.ACTIVE):
    now = timezone.now()
    return Membership.objects.create(
        user=user, plan=plan, status=status, started_at=now - timedelta(days=1), current_period_end=now + ends_in
    )


@pytest.fixture
def course(instructor):
    return make_course(instructor=instructor)


@pytest.fixture
def course_space(course):
    return Space.objects.create(slug="c", name="Course", kind=SpaceKind.COURSE, course=course)


@pytest.fixture
def plan():
    return make_product(kind=ProductKind.MEMBERSHIP, slug="pro", courses=[])


def test_global_space_is_readable_by_visitors_but_only_members_post():
    space = Space.objects.create(slug="g", name="General")
    visitor = AnonymousUser()
    assert access.can_read_space(visitor, space)
    assert not access.can_start_thread(visitor, space)
    assert not access.can_reply(visitor, space)


def test_course_space_needs_an_active_enrollment(learner, outsider, course, course_space):
    assert not access.can_read_space(outsider, course_space)
    enrollment_create(user=learner, course=course)
    assert access.can_read_space(_fresh(learner), course_space)
    assert access.can_start_thread(learner, course_space)
    # revoked or expired enrollments close the door again
    Enrollment.objects.filter(user=learner).update(access_until=timezone.now() - timedelta(minutes=1))
    assert not access.can_read_space(_fresh(learner), course_space)


def test_course_instructor_reads_and_moderates_own_course_space_only(instructor, course_space):
    other = Space.objects.create(slug="o", name="Other", kind=SpaceKind.COURSE, course=make_course())
    assert access.can_read_space(instructor, course_space)
    assert access.is_space_moderator(instructor, course_space)
    assert not access.can_read_space(instructor, other)
    assert not access.is_space_moderator(instructor, other)


def test_staff_read_everything(moderator, operator, course_space):
    paid = Space.objects.create(slug="p", name="Paid", kind=SpaceKind.PAID)
    for user in (moderator, operator):
        assert access.can_read_space(user, course_space)
        assert access.can_read_space(user, paid)
        assert access.is_space_moderator(user, course_space)


def test_paid_space_opens_with_the_named_plan_only(learner, outsider, plan):
    space = Space.objects.create(slug="p", name="Pro lounge", kind=SpaceKind.PAID, access_plans=["pro"])
    other_plan = make_product(kind=ProductKind.MEMBERSHIP, slug="basic", courses=[])
    _membership(outsider, other_plan)
    assert not access.can_read_space(outsider, space)
    _membership(learner, plan)
    assert access.can_read_space(learner, space)


def test_paid_space_without_plans_or_courses_opens_with_any_live_membership(learner, outsider, plan):
    space = Space.objects.create(slug="p", name="Members", kind=SpaceKind.PAID)
    _membership(outsider, plan, ends_in=-timedelta(days=1))  # lapsed
    assert not access.can_read_space(outsider, space)
    _membership(learner, plan, status=MembershipStatus.CANCELLED)  # cancels at period end: still live
    assert access.can_read_space(learner, space)


def test_paid_space_opens_with_an_enrollment_in_one_of_its_courses(learner, outsider):
    course = make_course(is_free=False)
    space = Space.objects.create(slug="p", name="Bootcamp", kind=SpaceKind.PAID)
    space.access_courses.add(course)
    enrollment_create(user=learner, course=course, source="purchase")
    assert access.can_read_space(learner, space)
    assert not access.can_read_space(outsider, space)


def test_staff_only_posting_and_announcements(learner, instructor, operator, course, course_space):
    enrollment_create(user=learner, course=course)
    assert not access.can_start_thread(learner, course_space, ThreadKind.ANNOUNCEMENT)
    assert access.can_start_thread(instructor, course_space, ThreadKind.ANNOUNCEMENT)
    assert access.can_start_thread(operator, course_space, ThreadKind.ANNOUNCEMENT)
    news = Space.objects.create(slug="n", name="News", post_policy=PostPolicy.STAFF)
    assert not access.can_start_thread(learner, news)
    assert access.can_reply(learner, news)
    assert access.can_start_thread(operator, news)


def test_archived_spaces_are_hidden_from_members(learner, operator):
    space = Space.objects.create(slug="a", name="Old", archived_at=timezone.now())
    assert not access.can_read_space(learner, space)
    assert access.can_read_space(operator, space)
    assert not access.can_start_thread(operator, space)


def test_readable_spaces_lists_exactly_what_can_be_read(
    learner, course, course_space, plan, django_assert_max_num_queries
):
    general = Space.objects.create(slug="g", name="General")
    paid = Space.objects.create(slug="p", name="Pro", kind=SpaceKind.PAID, access_plans=["pro"])
    Space.objects.create(slug="q", name="Closed", kind=SpaceKind.PAID, access_plans=["other"])
    enrollment_create(user=learner, course=course)
    _membership(learner, plan)
    learner = _fresh(learner)
    with django_assert_max_num_queries(8):
        slugs = set(access.readable_spaces(learner).values_list("slug", flat=True))
    open_spaces = set(Space.objects.filter(kind=SpaceKind.GLOBAL).values_list("slug", flat=True))
    assert general.slug in open_spaces
    assert slugs == open_spaces | {course_space.slug, paid.slug}
    assert set(access.readable_spaces(AnonymousUser()).values_list("slug", flat=True)) == open_spaces


def test_standing_is_computed_once_per_user_object(learner, django_assert_num_queries):
    access.standing(learner)
    with django_assert_num_queries(0):
        access.standing(learner)


def _event(**fields):
    start = timezone.now() + timedelta(days=2)
    return LiveEvent.objects.create(
        slug=fields.pop("slug", "ev"), title="Talk", starts_at=start, ends_at=start + timedelta(hours=1), **fields
    )


def test_event_audiences(learner, outsider, instructor, plan):
    free = _event(slug="free")
    members = _event(slug="members", audience=EventAudience.MEMBERS)
    course = make_course()
    enrolled = _event(slug="enrolled", audience=EventAudience.ENROLLED, course=course)
    assert access.can_attend_event(outsider, free)
    assert not access.can_attend_event(AnonymousUser(), free)
    assert not access.can_attend_event(outsider, members)
    assert not access.can_attend_event(outsider, enrolled)
    _membership(learner, plan)
    enrollment_create(user=learner, course=course)
    learner = _fresh(learner)
    assert access.can_attend_event(learner, members)
    assert access.can_attend_event(learner, enrolled)
    enrolled.hosts.add(instructor)
    assert access.is_event_host(instructor, enrolled)
    assert access.can_attend_event(instructor, enrolled)
    assert access.can_manage_event(instructor, enrolled)
    assert not access.can_manage_event(learner, enrolled)
