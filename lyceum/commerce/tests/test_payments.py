from __future__ import annotations

import json
import os
import time

import pytest

from conftest import make_user, run_concurrently
from lyceum.commerce.models import (
    Coupon,
    CouponRedemption,
    LedgerEntry,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    WebhookEvent,
)
from lyceum.commerce.providers.sandbox import SIGNATURE_HEADER, sandbox_event, sign
from lyceum.commerce.services.orders import order_checkout, order_create
from lyceum.commerce.services.payments import payment_event_process
from lyceum.core.errors import NotFound, ValidationFailed
from lyceum.core.models import Event
from lyceum.learning.models import Enrollment

from .helpers import make_coupon, make_product


def _started(user, **product_fields):
    order = order_create(user=user, product=make_product(**product_fields))
    return order, order_checkout(actor=user, order=order)


def _signed(body):
    return {SIGNATURE_HEADER: sign(body, int(time.time()))}


def _state(order):
    order.refresh_from_db()
    return (
        order.status,
        Enrollment.objects.filter(user=order.user).count(),
        Payment.objects.filter(status=PaymentStatus.SUCCEEDED).count(),
        Event.objects.filter(name="order.paid").count(),
    )


@pytest.mark.django_db
def test_succeeded_event_marks_paid_and_fulfils(learner, mailoutbox, django_capture_on_commit_callbacks):
    order, payment = _started(learner)
    body, headers = sandbox_event(payment=payment, outcome="pay")

    with django_capture_on_commit_callbacks(execute=True):
        event = payment_event_process(provider_name="sandbox", body=body, headers=headers)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert event.signature_valid and event.processed_at is not None and event.error == ""
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert payment.status == PaymentStatus.SUCCEEDED and payment.succeeded_at is not None
    enrollment = Enrollment.objects.get(user=learner, course=order.product.courses.get())
    assert enrollment.source == "purchase"
    paid = Event.objects.get(name="order.paid")
    assert paid.props["total"] == order.total and paid.props["currency"] == "CNY"
    assert LedgerEntry.objects.filter(order=order, kind="sale").exists()
    assert len(mailoutbox) == 1
    assert order.number in mailoutbox[0].subject and mailoutbox[0].to == [learner.email]


@pytest.mark.django_db
def test_replayed_event_changes_nothing(learner):
    order, payment = _started(learner)
    body, headers = sandbox_event(payment=payment, outcome="pay")
    first = payment_event_process(provider_name="sandbox", body=body, headers=headers)
    before = _state(order)

    again = payment_event_process(provider_name="sandbox", body=body, headers=headers)

    assert again.pk == first.pk
    assert _state(order) == before == (OrderStatus.PAID, 1, 1, 1)
    assert WebhookEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_second_success_event_for_a_paid_order_does_not_fulfil_again(learner):
    order, payment = _started(learner)
    for _ in range(2):  # two distinct events (different ids) for the same payment
        body, headers = sandbox_event(payment=payment, outcome="pay")
        payment_event_process(provider_name="sandbox", body=body, headers=headers)

    assert _state(order) == (OrderStatus.PAID, 1, 1, 1)
    assert WebhookEvent.objects.filter(signature_valid=True).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", ["body", "signature", "stale", "missing"])
def test_bad_signature_is_rejected_stored_and_changes_nothing(learner, tamper):
    order, payment = _started(learner)
    body, headers = sandbox_event(payment=payment, outcome="pay")
    if tamper == "body":
        body = body.replace(b'"amount":', b'"amount":1')
    elif tamper == "signature":
        signature = headers[SIGNATURE_HEADER]  # the last hex digit changed (always: "00" was a no-op 1 time in 256)
        headers = {SIGNATURE_HEADER: signature[:-1] + ("1" if signature[-1] == "0" else "0")}
    elif tamper == "stale":
        headers = {SIGNATURE_HEADER: sign(body, int(time.time()) - 301)}
    else:
        headers = {}

    with pytest.raises(ValidationFailed):
        payment_event_process(provider_name="sandbox", body=body, headers=headers)

    assert _state(order) == (OrderStatus.PENDING, 0, 0, 0)
    stored = WebhookEvent.objects.get()
    assert stored.signature_valid is False and stored.error


@pytest.mark.django_db
def test_unknown_provider_is_not_found(learner):
    with pytest.raises(NotFound):
        payment_event_process(provider_name="nosuch", body=b"{}", headers={})
    assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db
def test_amount_mismatch_does_not_fulfil(learner):
    order, payment = _started(learner)
    body = json.dumps(
        {"id": "evt_x", "type": "payment.succeeded", "reference": payment.reference, "amount": 1, "currency": "CNY"}
    ).encode()

    event = payment_event_process(
        provider_name="sandbox", body=body, headers={SIGNATURE_HEADER: sign(body, int(time.time()))}
    )

    assert "amount mismatch" in event.error
    assert _state(order) == (OrderStatus.PENDING, 0, 0, 0)


@pytest.mark.django_db
def test_unknown_reference_is_recorded(learner):
    body = json.dumps({"id": "evt_y", "type": "payment.succeeded", "reference": "sb_nope", "amount": 1}).encode()
    event = payment_event_process(
        provider_name="sandbox", body=body, headers={SIGNATURE_HEADER: sign(body, int(time.time()))}
    )
    assert "unknown payment reference" in event.error
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_failed_event_marks_the_payment_failed(learner):
    order, payment = _started(learner)
    body, headers = sandbox_event(payment=payment, outcome="decline")

    payment_event_process(provider_name="sandbox", body=body, headers=headers)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert _state(order) == (OrderStatus.PENDING, 0, 0, 0)
    assert Event.objects.filter(name="payment.failed").count() == 1


@pytest.mark.django_db
def test_paid_after_expiry_is_still_fulfilled(learner):
    # the buyer paid at the provider, then the order expired before the callback arrived
    order, payment = _started(learner)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.EXPIRED)
    body, headers = sandbox_event(payment=payment, outcome="pay")

    payment_event_process(provider_name="sandbox", body=body, headers=headers)

    assert _state(order) == (OrderStatus.PAID, 1, 1, 1)


@pytest.mark.django_db
def test_coupon_is_redeemed_on_fulfilment(learner):
    coupon = make_coupon(code="HALF", percent_off=50, max_redemptions=3)
    order = order_create(user=learner, product=make_product(), coupon_code="HALF")
    payment = order_checkout(actor=learner, order=order)
    assert Coupon.objects.get(pk=coupon.pk).redemption_count == 0  # not counted before payment

    body, headers = sandbox_event(payment=payment, outcome="pay")
    payment_event_process(provider_name="sandbox", body=body, headers=headers)

    assert Coupon.objects.get(pk=coupon.pk).redemption_count == 1
    assert CouponRedemption.objects.get().order_id == order.pk


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_the_same_event_fulfil_once():
    buyer = make_user("racer@example.org")
    order, payment = _started(buyer)
    body, headers = sandbox_event(payment=payment, outcome="pay")

    errors = run_concurrently(lambda i: payment_event_process(provider_name="sandbox", body=body, headers=headers), 2)

    assert errors == []
    assert _state(order) == (OrderStatus.PAID, 1, 1, 1)
    assert LedgerEntry.objects.filter(order=order, kind="sale").count() == 1
    assert WebhookEvent.objects.filter(signature_valid=True).count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_distinct_success_events_fulfil_once():
    buyer = make_user("racer@example.org")
    order, payment = _started(buyer)
    deliveries = [sandbox_event(payment=payment, outcome="pay") for _ in range(2)]

    errors = run_concurrently(
        lambda i: payment_event_process(provider_name="sandbox", body=deliveries[i][0], headers=deliveries[i][1]), 2
    )

    assert errors == []
    assert _state(order) == (OrderStatus.PAID, 1, 1, 1)


@pytest.mark.postgres
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
)
@pytest.mark.django_db(transaction=True)
def test_ten_buyers_racing_for_the_last_redemption_redeem_it_once():
    coupon = make_coupon(code="LASTONE", percent_off=20, max_redemptions=1)
    product = make_product()
    buyers = [make_user(f"buyer{i}@example.org") for i in range(10)]

    def buy(i):
        order = order_create(user=buyers[i], product=product, coupon_code="LASTONE")
        payment = order_checkout(actor=buyers[i], order=order)
        body, headers = sandbox_event(payment=payment, outcome="pay")
        payment_event_process(provider_name="sandbox", body=body, headers=headers)

    errors = run_concurrently(buy, 10)

    coupon.refresh_from_db()
    assert coupon.redemption_count == 1
    assert CouponRedemption.objects.filter(coupon=coupon).count() == 1
    # whoever quoted the coupon before it ran out was fulfilled; later ones were refused at checkout
    paid = Order.objects.filter(status=OrderStatus.PAID).count()
    assert paid + len(errors) == 10
    assert all(isinstance(e, ValidationFailed) for e in errors)
