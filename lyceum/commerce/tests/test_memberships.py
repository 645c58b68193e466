from __future__ import annotations

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.utils import timezone

from lyceum.commerce.models import BillingPeriod, Membership, MembershipStatus, ProductKind
from lyceum.commerce.services.memberships import membership_cancel, membership_expire_due, membership_start_or_renew
from lyceum.core.errors import Conflict, PermissionDenied
from lyceum.core.models import Event
from lyceum.learning.models import Enrollment, EnrollmentSource, LessonProgress
from lyceum.learning.services import enrollment_create, lesson_complete
from lyceum.learning.tests.factories import make_course

from .revenue_helpers import make_paid_order, make_product

pytestmark = pytest.mark.django_db


def _plan(*courses, period=BillingPeriod.MONTH):
    return make_product(kind=ProductKind.MEMBERSHIP, courses=list(courses), price=3000, billing_period=period)


def test_a_new_membership_starts_and_grants_the_plan_courses_until_period_end(learner):
    # given a monthly plan with two paid courses
    a, b = make_course(is_free=False), make_course(is_free=False)
    plan = _plan(a, b)
    order = make_paid_order(user=learner, product=plan)
    # when
    membership = membership_start_or_renew(order=order)
    # then
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.current_period_end == membership.started_at + relativedelta(months=1)
    enrollments = Enrollment.objects.filter(user=learner).order_by("course_id")
    assert [(e.course_id, e.source, e.access_until) for e in enrollments] == [
        (a.pk, EnrollmentSource.MEMBERSHIP, membership.current_period_end),
        (b.pk, EnrollmentSource.MEMBERSHIP, membership.current_period_end),
    ]
    assert Event.objects.filter(name="membership.started", actor=learner).count() == 1


def test_renewing_a_live_membership_extends_from_its_period_end_once_per_order(learner):
    course = make_course(is_free=False)
    plan = _plan(course, period=BillingPeriod.YEAR)
    first = membership_start_or_renew(order=make_paid_order(user=learner, product=plan))
    end = first.current_period_end
    # when renewed with a second order (applied twice)
    second_order = make_paid_order(user=learner, product=plan)
    membership_start_or_renew(order=second_order)
    renewed = membership_start_or_renew(order=second_order)
    # then one more year, and the enrollment follows
    assert renewed.current_period_end == end + relativedelta(years=1)
    assert Enrollment.objects.get(user=learner, course=course).access_until == renewed.current_period_end
    assert Event.objects.filter(name="membership.renewed").count() == 1


def test_renewing_an_expired_membership_starts_a_new_period(learner):
    plan = _plan(make_course(is_free=False))
    membership = membership_start_or_renew(order=make_paid_order(user=learner, product=plan))
    Membership.objects.filter(pk=membership.pk).update(
        status=MembershipStatus.EXPIRED, current_period_end=timezone.now() - timedelta(days=3)
    )
    renewed = membership_start_or_renew(order=make_paid_order(user=learner, product=plan))
    assert renewed.status == MembershipStatus.ACTIVE
    assert renewed.current_period_end > timezone.now() + timedelta(days=27)
    assert Event.objects.filter(name="membership.started").count() == 2


def test_owner_cancels_at_period_end_and_keeps_access(learner):
    course = make_course(is_free=False)
    membership = membership_start_or_renew(order=make_paid_order(user=learner, product=_plan(course)))
    cancelled = membership_cancel(actor=learner, membership=membership)
    assert (cancelled.status, cancelled.cancel_at_period_end) == (MembershipStatus.CANCELLED, True)
    assert cancelled.current_period_end == membership.current_period_end
    assert Enrollment.objects.get(user=learner, course=course).is_active
    assert Event.objects.filter(name="membership.cancelled").count() == 1


def test_operator_may_cancel_but_another_learner_may_not(learner, outsider, operator):
    membership = membership_start_or_renew(order=make_paid_order(user=learner, product=_plan()))
    with pytest.raises(PermissionDenied):
        membership_cancel(actor=outsider, membership=membership)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert not Event.objects.filter(name="membership.cancelled").exists()
    assert membership_cancel(actor=operator, membership=membership).status == MembershipStatus.CANCELLED


def test_cancelling_an_expired_membership_is_a_conflict(learner):
    membership = membership_start_or_renew(order=make_paid_order(user=learner, product=_plan()))
    Membership.objects.filter(pk=membership.pk).update(status=MembershipStatus.EXPIRED)
    with pytest.raises(Conflict):
        membership_cancel(actor=learner, membership=membership)


def test_expiry_revokes_membership_access_keeps_progress_and_bought_courses(learner, outsider):
    # given a member with two included courses, one of which they also bought outright
    included, bought = make_course(is_free=False), make_course(is_free=False)
    plan = _plan(included, bought)
    membership = membership_start_or_renew(order=make_paid_order(user=learner, product=plan))
    make_paid_order(user=learner, product=make_product(courses=[bought]))
    enrollment_create(user=learner, course=bought, source=EnrollmentSource.PURCHASE)
    lesson = included.lessons.get(position=1)
    lesson_complete(user=learner, lesson_id=lesson.pk)
    other = membership_start_or_renew(order=make_paid_order(user=outsider, product=plan))
    # when the learner's period has ended (the outsider's has not)
    Membership.objects.filter(pk=membership.pk).update(current_period_end=timezone.now() - timedelta(minutes=1))
    assert membership_expire_due() == 1
    # then
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.EXPIRED
    assert Enrollment.objects.get(user=learner, course=included).revoked_at is not None
    assert Enrollment.objects.get(user=learner, course=bought).is_active
    assert LessonProgress.objects.get(user=learner, lesson=lesson).completed_at is not None
    other.refresh_from_db()
    assert other.status == MembershipStatus.ACTIVE
    assert Enrollment.objects.get(user=outsider, course=included).is_active
    assert Event.objects.filter(name="membership.expired").count() == 1
    # and running again changes nothing
    assert membership_expire_due() == 0


def test_expire_memberships_command_expires_due_ones(learner):
    membership = membership_start_or_renew(order=make_paid_order(user=learner, product=_plan()))
    Membership.objects.filter(pk=membership.pk).update(current_period_end=timezone.now() - timedelta(seconds=1))
    call_command("expire_memberships")
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.EXPIRED


# --- API ----------------------------------------------------------------------------------------


def _auth(api_token, user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token(user)}"}


def test_api_member_reads_and_cancels_their_membership(client, api_token, learner):
    course = make_course(is_free=False)
    plan = _plan(course)
    membership = membership_start_or_renew(order=make_paid_order(user=learner, product=plan))
    headers = _auth(api_token, learner)
    body = client.get("/api/v1/me/membership", **headers).json()
    assert (body["plan"], body["status"], body["courses"]) == (plan.slug, "active", [course.slug])
    response = client.post("/api/v1/me/membership/cancel", **headers)
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_at_period_end"]) == ("cancelled", True)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.CANCELLED


def test_api_membership_is_404_for_a_non_member_and_409_once_expired(client, api_token, learner, outsider):
    membership = membership_start_or_renew(order=make_paid_order(user=learner, product=_plan()))
    assert client.get("/api/v1/me/membership", **_auth(api_token, outsider)).status_code == 404
    assert client.post("/api/v1/me/membership/cancel", **_auth(api_token, outsider)).status_code == 404
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    Membership.objects.filter(pk=membership.pk).update(status=MembershipStatus.EXPIRED)
    assert client.post("/api/v1/me/membership/cancel", **_auth(api_token, learner)).status_code == 409
    assert client.get("/api/v1/me/membership").status_code == 401
