from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from lyceum.commerce.models import Order, OrderLine, OrderStatus, Payment, ProductKind
from lyceum.commerce.services.orders import order_checkout, order_create, order_expire_stale
from lyceum.core.errors import Conflict, NotFound, ValidationFailed
from lyceum.core.models import Event
from lyceum.learning.models import Enrollment
from lyceum.learning.tests.factories import make_course

from .helpers import make_coupon, make_product, pay_with_sandbox

pytestmark = pytest.mark.django_db


def test_order_create_computes_totals_on_the_server(learner, settings):
    settings.LYCEUM_ORDER_TTL_MINUTES = 30
    product = make_product(list_price=19900)
    make_coupon(code="TEN", percent_off=10)

    order = order_create(user=learner, product=product, coupon_code="TEN")

    assert re.fullmatch(r"LY\d{8}-[2-9A-HJ-NP-Z]{6}", order.number)
    assert (order.subtotal, order.discount, order.total, order.currency) == (19900, 1990, 17910, "CNY")
    assert order.status == OrderStatus.PENDING
    assert timedelta(minutes=29) < order.expires_at - timezone.now() <= timedelta(minutes=30)
    assert list(order.lines.values_list("amount", flat=True)) == [17910]
    assert Event.objects.filter(name="order.created", object_id=str(order.pk)).count() == 1


def test_bundle_lines_split_the_total_by_list_price_and_sum_exactly(learner):
    a, b, c = (make_course(is_free=False) for _ in range(3))
    make_product(courses=[a], list_price=10000)
    make_product(courses=[b], list_price=20000)
    make_product(courses=[c], list_price=30000)
    bundle = make_product(courses=[a, b, c], kind=ProductKind.BUNDLE, list_price=50000)
    make_coupon(code="ODD", amount_off=1)

    order = order_create(user=learner, product=bundle, coupon_code="ODD")

    amounts = dict(OrderLine.objects.filter(order=order).values_list("course_id", "amount"))
    assert sum(amounts.values()) == order.total == 49999
    assert amounts == {a.pk: 8334, b.pk: 16666, c.pk: 24999}


def test_inactive_product_is_refused(learner):
    product = make_product(is_active=False)

    with pytest.raises(ValidationFailed):
        order_create(user=learner, product=product)

    assert Order.objects.count() == 0


def test_same_idempotency_key_returns_the_same_order(learner):
    product = make_product()

    first = order_create(user=learner, product=product, idempotency_key="k1")
    second = order_create(user=learner, product=product, idempotency_key="k1")

    assert first.pk == second.pk
    assert Order.objects.count() == 1


def test_same_key_for_a_different_order_is_a_conflict(learner):
    order_create(user=learner, product=make_product(), idempotency_key="k1")

    with pytest.raises(Conflict):
        order_create(user=learner, product=make_product(), idempotency_key="k1")

    assert Order.objects.count() == 1


def test_same_key_from_another_user_is_a_separate_order(learner, outsider):
    product = make_product()
    mine = order_create(user=learner, product=product, idempotency_key="k1")
    theirs = order_create(user=outsider, product=product, idempotency_key="k1")
    assert mine.pk != theirs.pk


def test_zero_total_is_fulfilled_at_once_without_a_provider(learner, mailoutbox):
    product = make_product(list_price=5000)
    make_coupon(code="FREE", percent_off=100)

    order = order_create(user=learner, product=product, coupon_code="FREE")

    assert order.status == OrderStatus.PAID  # the returned order is already up to date
    assert order.total == 0
    assert Payment.objects.count() == 0
    assert Enrollment.objects.filter(user=learner, course=product.courses.get(), source="purchase").exists()


def test_checkout_creates_a_sandbox_payment(learner):
    order = order_create(user=learner, product=make_product())

    payment = order_checkout(actor=learner, order=order)

    assert payment.provider == "sandbox"
    assert payment.reference.startswith("sb_")
    assert payment.checkout_url == f"/payments/sandbox/{payment.reference}/"
    assert (payment.amount, payment.currency) == (order.total, order.currency)
    assert Event.objects.filter(name="checkout.started").count() == 1


def test_checkout_with_the_same_key_returns_the_same_payment(learner):
    order = order_create(user=learner, product=make_product())

    first = order_checkout(actor=learner, order=order, idempotency_key="p1")
    second = order_checkout(actor=learner, order=order, idempotency_key="p1")

    assert first.pk == second.pk
    assert Payment.objects.count() == 1


def test_checkout_by_another_user_is_not_found(learner, outsider):
    order = order_create(user=learner, product=make_product())

    with pytest.raises(NotFound):
        order_checkout(actor=outsider, order=order)

    assert Payment.objects.count() == 0


def test_checkout_of_an_expired_order_is_a_conflict(learner):
    order = order_create(user=learner, product=make_product())
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(Conflict) as exc:
        order_checkout(actor=learner, order=order)

    assert exc.value.code == "order_not_payable"
    assert Payment.objects.count() == 0


def test_checkout_of_a_paid_order_is_a_conflict(learner):
    order = order_create(user=learner, product=make_product())
    pay_with_sandbox(order)

    with pytest.raises(Conflict) as exc:
        order_checkout(actor=learner, order=order)

    assert exc.value.code == "order_not_payable"
    assert Payment.objects.count() == 1


def test_checkout_revalidates_the_coupon(learner):
    coupon = make_coupon(code="GONE")
    order = order_create(user=learner, product=make_product(), coupon_code="GONE")
    coupon.is_active = False
    coupon.save()

    with pytest.raises(ValidationFailed) as exc:
        order_checkout(actor=learner, order=order)

    assert exc.value.field == "coupon"
    assert Payment.objects.count() == 0


def test_expire_stale_orders(learner):
    fresh = order_create(user=learner, product=make_product())
    stale = order_create(user=learner, product=make_product())
    Order.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert order_expire_stale() == 1

    fresh.refresh_from_db()
    stale.refresh_from_db()
    assert (fresh.status, stale.status) == (OrderStatus.PENDING, OrderStatus.EXPIRED)
    assert Event.objects.filter(name="order.expired").count() == 1
    assert order_expire_stale() == 0


def test_expire_orders_command(learner, capsys):
    stale = order_create(user=learner, product=make_product())
    Order.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    call_command("expire_orders")

    assert "1 order(s) expired" in capsys.readouterr().out
    stale.refresh_from_db()
    assert stale.status == OrderStatus.EXPIRED
