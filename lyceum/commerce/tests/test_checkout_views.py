from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lyceum.commerce.models import Order, OrderStatus, Payment, PaymentStatus, ProductKind, WebhookEvent
from lyceum.commerce.providers.sandbox import SIGNATURE_HEADER, sandbox_event
from lyceum.commerce.services.orders import order_checkout, order_create
from lyceum.learning.models import Enrollment
from lyceum.learning.tests.factories import make_course

from .helpers import make_coupon, make_product, paid_order

pytestmark = pytest.mark.django_db


def _checkout_url(product):
    return f"/checkout/{product.slug}/"


def test_checkout_needs_sign_in(client):
    product = make_product()
    response = client.get(_checkout_url(product))
    assert response.status_code == 302
    assert "/login" in response["Location"] or "/accounts/" in response["Location"]


def test_checkout_shows_server_totals(client_for, learner):
    product = make_product(list_price=19900)
    response = client_for(learner).get(_checkout_url(product))
    assert response.status_code == 200
    assert "¥199.00" in response.content.decode()


@pytest.mark.parametrize("active", [False, None])
def test_checkout_of_an_unknown_or_inactive_product_is_404(client_for, learner, active):
    slug = make_product(is_active=False).slug if active is False else "nope"
    assert client_for(learner).get(f"/checkout/{slug}/").status_code == 404


def test_applying_a_coupon_recomputes_the_totals(client_for, learner):
    product = make_product(list_price=20000)
    make_coupon(code="QUARTER", percent_off=25)

    response = client_for(learner).post(_checkout_url(product), {"coupon": "QUARTER", "action": "apply"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "-¥50.00" in body and "¥150.00" in body
    assert Order.objects.count() == 0


def test_a_bad_coupon_shows_why(client_for, learner):
    product = make_product()
    make_coupon(code="OLD", ends_at=timezone.now() - timedelta(days=1))

    response = client_for(learner).post(_checkout_url(product), {"coupon": "OLD", "action": "pay", "terms": "on"})

    assert response.status_code == 200
    assert "This coupon has expired." in response.content.decode()
    assert Order.objects.count() == 0


def test_paying_needs_the_terms(client_for, learner):
    product = make_product()

    response = client_for(learner).post(_checkout_url(product), {"action": "pay", "idempotency_key": "x"})

    assert response.status_code == 200
    assert "accept the terms" in response.content.decode()
    assert Order.objects.count() == 0


def test_paying_creates_the_order_and_sends_the_buyer_to_the_sandbox(client_for, learner):
    product = make_product()

    response = client_for(learner).post(
        _checkout_url(product), {"action": "pay", "terms": "on", "idempotency_key": "abc", "total": "1"}
    )

    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/payments/sandbox/{payment.reference}/"
    assert payment.order.user == learner and payment.amount == 19900


def test_a_double_submit_makes_one_order_and_one_payment(client_for, learner):
    product = make_product()
    client = client_for(learner)
    data = {"action": "pay", "terms": "on", "idempotency_key": "same"}

    first = client.post(_checkout_url(product), data)
    second = client.post(_checkout_url(product), data)

    assert first["Location"] == second["Location"]
    assert (Order.objects.count(), Payment.objects.count()) == (1, 1)


def _started(user, product=None):
    order = order_create(user=user, product=product or make_product())
    return order, order_checkout(actor=user, order=order)


def test_sandbox_page_shows_the_amount_to_its_buyer_only(client_for, learner, outsider):
    _order, payment = _started(learner)

    mine = client_for(learner).get(payment.checkout_url)
    theirs = client_for(outsider).get(payment.checkout_url)

    assert mine.status_code == 200 and "¥199.00" in mine.content.decode()
    assert theirs.status_code == 404


def test_outsider_cannot_pay_someone_elses_sandbox_payment(client_for, learner, outsider):
    order, payment = _started(learner)

    response = client_for(outsider).post(payment.checkout_url, {"outcome": "pay"})

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_paying_on_the_sandbox_page_lands_on_a_paid_order(
    client_for, learner, mailoutbox, django_capture_on_commit_callbacks
):
    order, payment = _started(learner)
    client = client_for(learner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(payment.checkout_url, {"outcome": "pay"}, follow=True)

    body = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/orders/{order.number}/"
    assert "Paid" in body and "Start learning" in body
    assert Enrollment.objects.filter(user=learner, source="purchase").count() == 1
    assert len(mailoutbox) == 1


def test_declining_on_the_sandbox_page_leaves_the_order_payable(client_for, learner):
    _order, payment = _started(learner)

    response = client_for(learner).post(payment.checkout_url, {"outcome": "decline"}, follow=True)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert "Pay now" in response.content.decode()
    assert Enrollment.objects.count() == 0


def test_order_page_is_for_its_owner_only(client, client_for, learner, outsider):
    order = paid_order(user=learner)
    url = f"/orders/{order.number}/"

    assert client_for(learner).get(url).status_code == 200
    assert client_for(outsider).get(url).status_code == 404
    assert client.get(url).status_code == 302


def test_paying_an_expired_order_from_its_page_is_refused(client_for, learner):
    order = order_create(user=learner, product=make_product())
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.EXPIRED)

    response = client_for(learner).post(f"/orders/{order.number}/pay/", follow=True)

    assert "cannot be paid" in response.content.decode()
    assert Payment.objects.count() == 0


def test_order_history_lists_own_orders_in_constant_queries(client_for, learner, outsider):
    mine = paid_order(user=learner)
    other = paid_order(user=outsider)
    client = client_for(learner)
    client.get("/orders/")
    with CaptureQueriesContext(connection) as few:
        client.get("/orders/")
    for _ in range(3):
        paid_order(user=learner)

    with CaptureQueriesContext(connection) as many:
        response = client.get("/orders/")

    body = response.content.decode()
    assert mine.number in body and other.number not in body
    assert len(many) == len(few)


# --- webhooks endpoint ---


def test_webhook_endpoint_processes_then_replays(client, learner):
    order, payment = _started(learner)
    body, headers = sandbox_event(payment=payment, outcome="pay")
    extra = {"HTTP_X_SANDBOX_SIGNATURE": headers[SIGNATURE_HEADER]}

    first = client.post("/payments/webhooks/sandbox/", body, content_type="application/json", **extra)
    again = client.post("/payments/webhooks/sandbox/", body, content_type="application/json", **extra)

    order.refresh_from_db()
    assert (first.status_code, again.status_code) == (200, 200)
    assert order.status == OrderStatus.PAID
    assert Enrollment.objects.count() == 1 and WebhookEvent.objects.count() == 1


def test_webhook_with_a_bad_signature_is_400_and_changes_nothing(client, learner):
    order, payment = _started(learner)
    body, _headers = sandbox_event(payment=payment, outcome="pay")

    response = client.post(
        "/payments/webhooks/sandbox/", body, content_type="application/json", HTTP_X_SANDBOX_SIGNATURE="t=1,v1=00"
    )

    order.refresh_from_db()
    assert response.status_code == 400
    assert order.status == OrderStatus.PENDING and Enrollment.objects.count() == 0
    assert WebhookEvent.objects.get().signature_valid is False


def test_webhook_for_an_unknown_provider_is_404(client):
    response = client.post("/payments/webhooks/paypal/", b"{}", content_type="application/json")
    assert response.status_code == 404
    assert WebhookEvent.objects.count() == 0


# --- course page offers ---


def test_course_page_shows_price_sale_and_membership(client):
    course = make_course(is_free=False)
    make_product(courses=[course], list_price=29900, sale_price=19900, sale_ends_at=timezone.now() + timedelta(days=3))
    make_product(courses=[course], kind=ProductKind.MEMBERSHIP, list_price=9900, title="Lyceum Plus")

    body = client.get(f"/courses/{course.slug}/").content.decode()

    assert "¥199.00" in body and "¥299.00" in body and "Sale" in body
    assert "Included in membership Lyceum Plus" in body


def test_course_page_offers_do_not_add_a_query_per_product(client):
    course = make_course(is_free=False)
    make_product(courses=[course])
    url = f"/courses/{course.slug}/"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    make_product(courses=[course, make_course(is_free=False)], kind=ProductKind.BUNDLE)
    make_product(courses=[course], kind=ProductKind.MEMBERSHIP)

    with CaptureQueriesContext(connection) as three:
        client.get(url)

    assert len(three) == len(one)


def test_inactive_products_are_not_offered(client):
    course = make_course(is_free=False)
    make_product(courses=[course], list_price=12300, is_active=False)
    assert "¥123.00" not in client.get(f"/courses/{course.slug}/").content.decode()


# --- admin ---


@pytest.mark.parametrize("model", ["product", "coupon", "order", "payment", "webhookevent"])
def test_operators_see_the_commerce_admin(client_for, operator, learner, model):
    order = paid_order(user=learner)
    client = client_for(operator)

    assert client.get(f"/admin/commerce/{model}/").status_code == 200
    assert client_for(learner).get(f"/admin/commerce/{model}/").status_code == 302
    assert client.get(f"/admin/commerce/order/{order.pk}/change/").status_code == 200


def test_a_free_total_skips_the_provider_and_lands_on_the_paid_order(client_for, learner):
    product = make_product(list_price=5000)
    make_coupon(code="GIFT", amount_off=5000)

    response = client_for(learner).post(
        _checkout_url(product), {"coupon": "GIFT", "action": "pay", "terms": "on", "idempotency_key": "g"}
    )

    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/"
    assert order.status == OrderStatus.PAID and Payment.objects.count() == 0
    assert Enrollment.objects.filter(user=learner, source="purchase").count() == 1


def test_course_page_offers_bundles_too(client):
    course = make_course(is_free=False)
    make_product(courses=[course, make_course(is_free=False)], kind=ProductKind.BUNDLE, title="Data bundle")

    body = client.get(f"/courses/{course.slug}/").content.decode()

    assert "Part of the bundle Data bundle" in body and "Buy the bundle" in body


def test_the_emailed_receipt_lists_the_lines_and_the_total(learner, mailoutbox, django_capture_on_commit_callbacks):
    make_coupon(code="TEN", percent_off=10)
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order(user=learner, product=make_product(list_price=10000, title="Pandas"), coupon_code="TEN")

    (mail,) = mailoutbox
    assert f"/orders/{order.number}/" in mail.body
    assert "Total paid: ¥90.00" in mail.body and "Discount: -¥10.00" in mail.body


def test_a_second_payment_for_a_paid_order_cannot_be_confirmed(client_for, learner):
    order, first = _started(learner)
    second = Payment.objects.create(
        order=order, provider="sandbox", reference="sb_second", amount=order.total, currency=order.currency
    )
    client = client_for(learner)
    client.post(first.checkout_url, {"outcome": "pay"})

    page = client.get("/payments/sandbox/sb_second/")
    response = client.post("/payments/sandbox/sb_second/", {"outcome": "pay"})

    second.refresh_from_db()
    assert "This payment is closed" in page.content.decode()
    assert response.status_code == 302
    assert second.status == PaymentStatus.CREATED
    assert WebhookEvent.objects.count() == 1
