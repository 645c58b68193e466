from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lyceum.commerce.models import Order, OrderStatus, Payment
from lyceum.commerce.services.orders import order_create

from .helpers import make_coupon, make_product, paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(api_token):
    def make(user, **extra):
        return {"HTTP_AUTHORIZATION": f"Bearer {api_token(user)}", **extra}

    return make


def test_create_order(client, auth, learner):
    product = make_product(list_price=10000)
    make_coupon(code="TEN", percent_off=10)

    response = client.post(
        "/api/v1/orders", {"product": product.slug, "coupon": "TEN"}, content_type="application/json", **auth(learner)
    )

    data = response.json()
    assert response.status_code == 201
    assert (data["subtotal"], data["discount"], data["total"], data["currency"]) == (10000, 1000, 9000, "CNY")
    assert data["status"] == "pending" and data["coupon"] == "TEN" and data["product"] == product.slug
    assert Order.objects.get().user == learner


def test_tampered_amounts_in_the_body_are_ignored(client, auth, learner):
    product = make_product(list_price=10000)

    response = client.post(
        "/api/v1/orders",
        {"product": product.slug, "total": 1, "subtotal": 1, "discount": 9999, "currency": "USD", "price": 1},
        content_type="application/json",
        **auth(learner),
    )

    order = Order.objects.get()
    assert response.status_code == 201
    assert (order.subtotal, order.discount, order.total, order.currency) == (10000, 0, 10000, "CNY")


def test_idempotency_key_replays_the_same_order(client, auth, learner):
    product = make_product()
    headers = auth(learner, HTTP_IDEMPOTENCY_KEY="order-1")

    first = client.post("/api/v1/orders", {"product": product.slug}, content_type="application/json", **headers)
    second = client.post("/api/v1/orders", {"product": product.slug}, content_type="application/json", **headers)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["number"] == second.json()["number"]
    assert Order.objects.count() == 1


def test_idempotency_key_reused_for_another_product_is_409(client, auth, learner):
    headers = auth(learner, HTTP_IDEMPOTENCY_KEY="order-1")
    client.post("/api/v1/orders", {"product": make_product().slug}, content_type="application/json", **headers)

    response = client.post(
        "/api/v1/orders", {"product": make_product().slug}, content_type="application/json", **headers
    )

    assert response.status_code == 409
    assert Order.objects.count() == 1


def test_bad_coupon_is_422_with_the_reason(client, auth, learner):
    response = client.post(
        "/api/v1/orders",
        {"product": make_product().slug, "coupon": "NOPE"},
        content_type="application/json",
        **auth(learner),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "coupon"
    assert Order.objects.count() == 0


def test_unknown_product_is_404(client, auth, learner):
    response = client.post("/api/v1/orders", {"product": "nope"}, content_type="application/json", **auth(learner))
    assert response.status_code == 404
    assert Order.objects.count() == 0


def test_anonymous_cannot_order(client):
    response = client.post("/api/v1/orders", {"product": make_product().slug}, content_type="application/json")
    assert response.status_code == 401
    assert Order.objects.count() == 0


def test_list_shows_own_orders_in_constant_queries(client, auth, learner, outsider):
    mine = order_create(user=learner, product=make_product())
    order_create(user=outsider, product=make_product())
    headers = auth(learner)
    client.get("/api/v1/orders", **headers)  # warm up: the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/orders", **headers)
    for _ in range(3):
        order_create(user=learner, product=make_product())

    with CaptureQueriesContext(connection) as four:
        response = client.get("/api/v1/orders", **headers)

    data = response.json()
    assert response.status_code == 200
    assert data["count"] == 4 and mine.number in [o["number"] for o in data["items"]]
    assert len(four) == len(one)


def test_detail_for_the_owner_and_404_for_others(client, auth, learner, outsider):
    order = order_create(user=learner, product=make_product())

    mine = client.get(f"/api/v1/orders/{order.number}", **auth(learner))
    theirs = client.get(f"/api/v1/orders/{order.number}", **auth(outsider))

    assert mine.status_code == 200 and mine.json()["lines"][0]["amount"] == order.total
    assert theirs.status_code == 404


def test_pay_returns_the_provider_redirect(client, auth, learner):
    order = order_create(user=learner, product=make_product())

    response = client.post(f"/api/v1/orders/{order.number}/pay", **auth(learner, HTTP_IDEMPOTENCY_KEY="pay-1"))
    again = client.post(f"/api/v1/orders/{order.number}/pay", **auth(learner, HTTP_IDEMPOTENCY_KEY="pay-1"))

    data = response.json()
    assert response.status_code == 200
    assert data["reference"].startswith("sb_")
    assert data["redirect_url"].endswith(f"/payments/sandbox/{data['reference']}/")
    assert again.json()["reference"] == data["reference"]
    assert Payment.objects.count() == 1


def test_pay_someone_elses_order_is_404(client, auth, learner, outsider):
    order = order_create(user=learner, product=make_product())

    response = client.post(f"/api/v1/orders/{order.number}/pay", **auth(outsider))

    assert response.status_code == 404
    assert Payment.objects.count() == 0


def test_pay_an_expired_order_is_409(client, auth, learner):
    order = order_create(user=learner, product=make_product())
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.EXPIRED)

    response = client.post(f"/api/v1/orders/{order.number}/pay", **auth(learner))

    assert response.status_code == 409
    assert response.json()["code"] == "order_not_payable"
    assert Payment.objects.count() == 0


def test_pay_an_already_paid_order_is_409(client, auth, learner):
    order = paid_order(user=learner)

    response = client.post(f"/api/v1/orders/{order.number}/pay", **auth(learner))

    assert response.status_code == 409
    assert Payment.objects.count() == 1
