from __future__ import annotations

import pytest
from django.db.models import Sum
from django.utils import timezone

from conftest import make_user
from lyceum.accounts.models import Role
from lyceum.commerce.models import LedgerEntry, LedgerKind, ProductKind, Refund, RevenueShare
from lyceum.commerce.services.ledger import ledger_record_refund, ledger_record_sale
from lyceum.courses.models import CourseInstructor
from lyceum.learning.tests.factories import make_course

from .revenue_helpers import make_paid_order, make_product

pytestmark = pytest.mark.django_db


def _refund(order, amount, actor):
    return Refund.objects.create(
        order=order, payment=order.payments.get(), amount=amount, reason="test", actor=actor, created_at=timezone.now()
    )


def _rows(order, kind):
    return [
        (e.course_id, e.instructor_id, e.gross, e.instructor_amount, e.platform_amount)
        for e in LedgerEntry.objects.filter(order=order, kind=kind).order_by("id")
    ]


def test_two_instructors_share_the_default_70_percent_of_199_yuan(learner, instructor):
    # given a ¥199.00 course taught by two instructors, no explicit shares
    second = make_user("second@example.org", Role.INSTRUCTOR)
    course = make_course(instructor=instructor, is_free=False)
    CourseInstructor.objects.create(course=course, user=second, position=1)
    order = make_paid_order(user=learner, product=make_product(courses=[course], price=19900))
    # when the sale is recorded
    ledger_record_sale(order=order)
    # then 70 % = 13930 is split 6965 each; the slices are 9950 each
    assert _rows(order, LedgerKind.SALE) == [
        (course.pk, instructor.pk, 9950, 6965, 2985),
        (course.pk, second.pk, 9950, 6965, 2985),
    ]


def test_odd_amount_split_keeps_remainders_with_the_platform(learner, instructor):
    # given three instructors on a line of 100 units
    others = [make_user(f"i{i}@example.org", Role.INSTRUCTOR) for i in range(2)]
    course = make_course(instructor=instructor, is_free=False)
    for i, other in enumerate(others, start=1):
        CourseInstructor.objects.create(course=course, user=other, position=i)
    order = make_paid_order(user=learner, product=make_product(courses=[course], price=100))
    # when
    ledger_record_sale(order=order)
    # then slices 34/33/33; each earns floor(100*0.7/3) = 23; the platform keeps the rest
    assert _rows(order, LedgerKind.SALE) == [
        (course.pk, instructor.pk, 34, 23, 11),
        (course.pk, others[0].pk, 33, 23, 10),
        (course.pk, others[1].pk, 33, 23, 10),
    ]


def test_bundle_of_three_courses_with_explicit_shares(learner, instructor):
    # given a bundle of three courses with odd line amounts and explicit shares on one
    other = make_user("other@example.org", Role.INSTRUCTOR)
    a = make_course(instructor=instructor, is_free=False)
    b = make_course(instructor=other, is_free=False)
    c = make_course(is_free=False)  # nobody teaches it: all platform
    RevenueShare.objects.create(course=b, instructor=other, share_bp=5000)
    RevenueShare.objects.create(course=b, instructor=instructor, share_bp=2500)
    product = make_product(kind=ProductKind.BUNDLE, courses=[a, b, c], price=10001)
    order = make_paid_order(user=learner, product=product, amounts=[3333, 3335, 3333])
    # when
    ledger_record_sale(order=order)
    # then: a 70 % of 3333 = 2333.1 -> 2333; b slices 2/3 and 1/3 of 3335 = 2224/1111,
    # earning floor(3335*0.5)=1667 and floor(3335*0.25)=833; c all platform
    assert _rows(order, LedgerKind.SALE) == [
        (a.pk, instructor.pk, 3333, 2333, 1000),
        (b.pk, other.pk, 2224, 1667, 557),
        (b.pk, instructor.pk, 1111, 833, 278),
        (c.pk, None, 3333, 0, 3333),
    ]
    assert LedgerEntry.objects.filter(order=order).aggregate(s=Sum("gross"))["s"] == order.total


def test_membership_line_is_all_platform_and_sale_is_recorded_once(learner):
    order = make_paid_order(user=learner, product=make_product(kind=ProductKind.MEMBERSHIP, price=3000))
    ledger_record_sale(order=order)
    ledger_record_sale(order=order)
    assert _rows(order, LedgerKind.SALE) == [(None, None, 3000, 0, 3000)]


def test_partial_refund_of_one_unit_then_full_remainder_nets_to_zero(learner, instructor, operator):
    # given a paid ¥199.00 sale with two instructors
    second = make_user("second@example.org", Role.INSTRUCTOR)
    course = make_course(instructor=instructor, is_free=False)
    CourseInstructor.objects.create(course=course, user=second, position=1)
    order = make_paid_order(user=learner, product=make_product(courses=[course], price=19900))
    ledger_record_sale(order=order)
    # when 1 unit is refunded
    ledger_record_refund(order=order, refund=_refund(order, 1, operator))
    # then exactly one unit comes back, from the last entry, clawed back from its instructor
    assert _rows(order, LedgerKind.REFUND) == [(course.pk, second.pk, -1, -1, 0)]
    # when the remaining 19899 are refunded
    ledger_record_refund(order=order, refund=_refund(order, 19899, operator))
    # then every (course, instructor) nets to zero
    totals = (
        LedgerEntry.objects.filter(order=order)
        .values("instructor")
        .annotate(g=Sum("gross"), i=Sum("instructor_amount"), p=Sum("platform_amount"))
    )
    assert {(t["g"], t["i"], t["p"]) for t in totals} == {(0, 0, 0)}
    assert LedgerEntry.objects.filter(order=order, kind=LedgerKind.REFUND).aggregate(s=Sum("gross"))["s"] == -19900


@pytest.mark.parametrize("amounts", [[1, 2, 3], [777], [3333, 3335, 3333]])
@pytest.mark.parametrize("refunds", [[1], [5], [2, 3], [1, 1, 1], [10**6]])
def test_refund_entries_sum_exactly_to_the_refund(learner, instructor, operator, amounts, refunds):
    courses = [make_course(instructor=instructor, is_free=False) for _ in amounts]
    product = make_product(kind=ProductKind.BUNDLE, courses=courses, price=sum(amounts))
    order = make_paid_order(user=learner, product=product, amounts=amounts)
    ledger_record_sale(order=order)
    refunded = 0
    for amount in refunds:
        amount = min(amount, order.total - refunded)
        if amount == 0:
            break
        entries = ledger_record_refund(order=order, refund=_refund(order, amount, operator))
        refunded += amount
        assert sum(e.gross for e in entries) == -amount
        assert all(e.gross == e.instructor_amount + e.platform_amount for e in entries)
        assert all(e.gross <= 0 and e.instructor_amount <= 0 and e.platform_amount <= 0 for e in entries)
    net = LedgerEntry.objects.filter(order=order).aggregate(s=Sum("gross"))["s"]
    assert net == order.total - refunded
