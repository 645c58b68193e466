from __future__ import annotations

import os

import pytest
from django.db.models import Sum

from lyceum.commerce.models import (
    LedgerEntry,
    LedgerKind,
    Membership,
    MembershipStatus,
    Order,
    OrderStatus,
    ProductKind,
    Refund,
)
from lyceum.commerce.providers import ProviderError
from lyceum.commerce.services.ledger import ledger_record_sale
from lyceum.commerce.services.memberships import membership_start_or_renew
from lyceum.commerce.services.refunds import order_refund
from lyceum.core.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from lyceum.core.models import Event
from lyceum.learning.models import Enrollment, EnrollmentSource
from lyceum.learning.services import enrollment_create
from lyceum.learning.tests.factories import make_course

from .revenue_helpers import make_paid_order, make_product


class FailingProvider:
    def refund(self, *, payment, amount):
        raise ProviderError("card network down")


def _bought(user, *courses, amounts=None):
    product = make_product(kind=ProductKind.BUNDLE if len(courses) > 1 else ProductKind.COURSE, courses=list(courses))
    order = make_paid_order(user=user, product=product, amounts=amounts)
    for course in courses:
        enrollment_create(user=user, course=course, source=EnrollmentSource.PURCHASE)
    ledger_record_sale(order=order)
    return order


def _state(order):
    order.refresh_from_db()
    return (order.status, order.refunded_amount, Refund.objects.filter(order=order).count())


@pytest.mark.django_db
def test_partial_refund_keeps_access_and_records_the_ledger(learner, operator):
    course = make_course(is_free=False)
    order = _bought(learner, course)
    refund = order_refund(actor=operator, order=order, amount=5000, reason="Late delivery")
    assert _state(order) == (OrderStatus.PARTIALLY_REFUNDED, 5000, 1)
    assert refund.provider_reference.startswith("sbr_")
    assert Enrollment.objects.get(user=learner, course=course).is_active
    refunds = LedgerEntry.objects.filter(order=order, kind=LedgerKind.REFUND).aggregate(s=Sum("gross"))["s"]
    assert refunds == -5000
    event = Event.objects.get(name="order.refunded")
    assert (event.props["amount"], event.props["full"]) == (5000, False)


@pytest.mark.django_db
def test_full_refund_in_two_steps_revokes_purchase_access_and_nets_the_ledger(learner, operator):
    a, b = make_course(is_free=False), make_course(is_free=False)
    order = _bought(learner, a, b, amounts=[9950, 9950])
    order_refund(actor=operator, order=order, amount=1, reason="goodwill")
    order_refund(actor=operator, order=order, amount=19899, reason="customer asked")
    assert _state(order) == (OrderStatus.REFUNDED, 19900, 2)
    assert all(e.revoked_at is not None for e in Enrollment.objects.filter(user=learner))
    assert LedgerEntry.objects.filter(order=order).aggregate(s=Sum("gross"))["s"] == 0


@pytest.mark.django_db
def test_full_refund_keeps_courses_bought_again_or_included_in_a_live_membership(learner, operator):
    a, b, c = (make_course(is_free=False) for _ in range(3))
    order = _bought(learner, a, b, c, amounts=[100, 100, 100])
    _bought(learner, a)  # bought again separately
    plan = make_product(kind=ProductKind.MEMBERSHIP, courses=[b], price=3000)
    membership = membership_start_or_renew(order=make_paid_order(user=learner, product=plan))
    order_refund(actor=operator, order=order, amount=300, reason="duplicate")
    enrollments = {e.course_id: e for e in Enrollment.objects.filter(user=learner)}
    assert enrollments[a.pk].is_active and enrollments[a.pk].source == EnrollmentSource.PURCHASE
    assert enrollments[b.pk].is_active and enrollments[b.pk].access_until == membership.current_period_end
    assert not enrollments[c.pk].is_active


@pytest.mark.django_db
def test_full_refund_of_a_membership_order_ends_the_membership(learner, operator):
    course = make_course(is_free=False)
    plan = make_product(kind=ProductKind.MEMBERSHIP, courses=[course], price=3000)
    order = make_paid_order(user=learner, product=plan)
    membership_start_or_renew(order=order)
    order_refund(actor=operator, order=order, amount=3000, reason="changed mind")
    assert Membership.objects.get(user=learner).status == MembershipStatus.EXPIRED
    assert not Enrollment.objects.get(user=learner, course=course).is_active


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["learner", "outsider", "instructor", "moderator"])
def test_only_operators_refund_and_a_denial_changes_nothing(request, learner, who):
    order = _bought(learner, make_course(is_free=False))
    with pytest.raises(PermissionDenied):
        order_refund(actor=request.getfixturevalue(who), order=order, amount=100, reason="please")
    assert _state(order) == (OrderStatus.PAID, 0, 0)
    assert not LedgerEntry.objects.filter(kind=LedgerKind.REFUND).exists()
    assert not Event.objects.filter(name="order.refunded").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "reason", "field"),
    [(0, "x", "amount"), (-5, "x", "amount"), (19901, "x", "amount"), ("100", "x", "amount"), (1.5, "x", "amount"),
     (True, "x", "amount"), (100, "", "reason"), (100, "   ", "reason")],
)  # fmt: skip
def test_bad_amount_or_missing_reason_names_the_field(learner, operator, amount, reason, field):
    order = _bought(learner, make_course(is_free=False))
    with pytest.raises(ValidationFailed) as exc:
        order_refund(actor=operator, order=order, amount=amount, reason=reason)
    assert exc.value.field == field
    assert _state(order) == (OrderStatus.PAID, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.REFUNDED, OrderStatus.EXPIRED])
def test_orders_that_are_not_paid_cannot_be_refunded(learner, operator, status):
    order = _bought(learner, make_course(is_free=False))
    Order.objects.filter(pk=order.pk).update(status=status)
    with pytest.raises(Conflict):
        order_refund(actor=operator, order=order, amount=100, reason="x")
    assert Refund.objects.count() == 0


@pytest.mark.django_db
def test_a_provider_failure_is_a_conflict_and_changes_nothing(settings, learner, operator):
    settings.LYCEUM_PAYMENT_PROVIDERS = {**settings.LYCEUM_PAYMENT_PROVIDERS, "failing": f"{__name__}.FailingProvider"}
    order = _bought(learner, make_course(is_free=False))
    order.payments.update(provider="failing")
    with pytest.raises(Conflict) as exc:
        order_refund(actor=operator, order=order, amount=19900, reason="x")
    assert exc.value.code == "provider_error"
    assert _state(order) == (OrderStatus.PAID, 0, 0)
    assert Enrollment.objects.get(user=learner).is_active


@pytest.mark.django_db
def test_sandbox_purchase_refunded_in_full_locks_the_course_again(learner, operator):
    from .helpers import paid_order

    course = make_course(is_free=False)
    order = paid_order(user=learner, product=make_product(courses=[course]))
    assert order.status == OrderStatus.PAID and Enrollment.objects.get(user=learner).is_active
    order_refund(actor=operator, order=order, amount=order.total, reason="test")
    assert not Enrollment.objects.get(user=learner).is_active
    assert LedgerEntry.objects.filter(order=order).aggregate(s=Sum("gross"))["s"] == 0


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
)
@pytest.mark.django_db(transaction=True)
def test_two_operators_refunding_the_remainder_at_once_refund_it_once(learner, operator):
    from conftest import make_user, run_concurrently

    second = make_user("operator2@example.org", "operator")
    order = _bought(learner, make_course(is_free=False))
    order_refund(actor=operator, order=order, amount=900, reason="first part")
    remaining = order.total - 900
    outcomes: list[str] = []
    actors = (operator, second)

    def refund(i):
        try:
            order_refund(actor=actors[i], order=Order.objects.get(pk=order.pk), amount=remaining, reason="rest")
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(type(exc).__name__)

    assert run_concurrently(refund, 2) == []
    assert sorted(outcomes) == ["Conflict", "ok"]
    assert _state(order) == (OrderStatus.REFUNDED, order.total, 2)
    assert LedgerEntry.objects.filter(order=order).aggregate(s=Sum("gross"))["s"] == 0


# --- API ----------------------------------------------------------------------------------------


def _auth(api_token, user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token(user)}"}


@pytest.mark.django_db
def test_api_operator_refunds_partially_with_201(client, api_token, learner, operator):
    order = _bought(learner, make_course(is_free=False))
    response = client.post(
        f"/api/v1/orders/{order.number}/refunds", {"amount": 900, "reason": "late"}, content_type="application/json",
        **_auth(api_token, operator),
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["order_status"], body["order_refunded_amount"]) == (900, "partially_refunded", 900)
    assert _state(order) == (OrderStatus.PARTIALLY_REFUNDED, 900, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["learner", "outsider", "instructor"])
def test_api_refund_by_a_non_operator_is_403_and_changes_nothing(request, client, api_token, learner, who):
    order = _bought(learner, make_course(is_free=False))
    response = client.post(
        f"/api/v1/orders/{order.number}/refunds", {"amount": 19900, "reason": "mine"},
        content_type="application/json", **_auth(api_token, request.getfixturevalue(who)),
    )  # fmt: skip
    assert response.status_code == 403
    assert _state(order) == (OrderStatus.PAID, 0, 0)
    assert Enrollment.objects.get(user=learner).is_active


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [({"amount": 0, "reason": "x"}, "amount"), ({"amount": 19901, "reason": "x"}, "amount"),
     ({"amount": "lots", "reason": "x"}, "amount"), ({"reason": "x"}, "amount"), ({"amount": 100}, "reason"),
     ({"amount": 100, "reason": " "}, "reason")],
)  # fmt: skip
def test_api_bad_refund_input_is_422_naming_the_field(client, api_token, learner, operator, payload, field):
    order = _bought(learner, make_course(is_free=False))
    response = client.post(
        f"/api/v1/orders/{order.number}/refunds", payload, content_type="application/json",
        **_auth(api_token, operator),
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert _state(order) == (OrderStatus.PAID, 0, 0)


@pytest.mark.django_db
def test_api_refund_of_a_refunded_order_is_409_and_unknown_order_404(client, api_token, learner, operator):
    order = _bought(learner, make_course(is_free=False))
    order_refund(actor=operator, order=order, amount=order.total, reason="all")
    headers = _auth(api_token, operator)
    url = f"/api/v1/orders/{order.number}/refunds"
    response = client.post(url, {"amount": 1, "reason": "x"}, content_type="application/json", **headers)
    assert response.status_code == 409
    assert response.json()["code"] == "not_refundable"
    response = client.post(
        "/api/v1/orders/NOPE/refunds", {"amount": 1, "reason": "x"}, content_type="application/json", **headers
    )
    assert response.status_code == 404
    assert Refund.objects.count() == 1
