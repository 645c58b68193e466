"""StripeProvider against the real ``stripe`` library talking to a local stand-in."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from lyceum.commerce.models import Order, Payment, Product, ProductKind, Refund
from lyceum.commerce.providers import ProviderError, WebhookRejected, get_provider
from lyceum.commerce.providers.stripe import StripeProvider
from lyceum.core.errors import ApplicationError
from lyceum.learning.tests.factories import make_course

from .stripe_standin import (  # noqa: F401  (the fixture is used by name)
    WEBHOOK_SECRET,
    StripeStandin,
    session_event,
    signed,
    stripe_standin_fixture,
)

SUCCESS = "https://lyceum.test/orders/LY-1/done/"
CANCEL = "https://lyceum.test/orders/LY-1/"


def _payment(user, *, amount: int = 19900, currency: str = "CNY", number: str = "LY-2026-0001") -> Payment:
    course = make_course(is_free=False, title="Deep Work in Django")
    product = Product.objects.create(
        kind=ProductKind.COURSE, slug=f"p-{number.lower()}", title=course.title, currency=currency, list_price=amount
    )
    product.courses.add(course)
    order = Order.objects.create(
        number=number, user=user, product=product, currency=currency, subtotal=amount, total=amount,
        expires_at=timezone.now() + timedelta(minutes=30),
    )  # fmt: skip
    return Payment.objects.create(
        order=order, provider="stripe", reference=f"pending-{number}", amount=amount, currency=currency
    )


def _started(payment: Payment) -> Payment:
    started = StripeProvider().start_checkout(payment=payment, success_url=SUCCESS, cancel_url=CANCEL)
    payment.reference = started.reference
    payment.checkout_url = started.redirect_url
    payment.save(update_fields=["reference", "checkout_url"])
    return payment


# --- start_checkout --------------------------------------------------------------------------


def test_get_provider_returns_stripe():
    assert isinstance(get_provider("stripe"), StripeProvider)
    assert StripeProvider.name == "stripe"


def test_start_checkout_sends_amount_currency_line_item_and_idempotency_key(stripe_standin: StripeStandin, learner):
    # given a pending payment of ¥199.00
    payment = _payment(learner, amount=19900)

    # when the checkout starts
    started = StripeProvider().start_checkout(payment=payment, success_url=SUCCESS, cancel_url=CANCEL)

    # then the library posted one Checkout Session in payment mode for exactly that amount
    [call] = stripe_standin.calls("POST", "/v1/checkout/sessions")
    assert call.form == {
        "mode": "payment",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "cny",
        "line_items[0][price_data][unit_amount]": "19900",
        "line_items[0][price_data][product_data][name]": "Deep Work in Django",
        "client_reference_id": "LY-2026-0001",
        "metadata[order]": "LY-2026-0001",
        "metadata[payment]": str(payment.pk),
        "success_url": SUCCESS,
        "cancel_url": CANCEL,
    }
    assert call.headers["idempotency-key"] == StripeProvider.idempotency_key(payment)
    assert call.headers["idempotency-key"].startswith(f"lyceum-checkout-LY-2026-0001-{payment.pk}-")
    assert call.headers["authorization"] == "Bearer sk_test_lyceum_standin"
    # and the buyer is sent to the session's hosted page
    session = stripe_standin.sessions[started.reference]
    assert started.reference.startswith("cs_test_")
    assert started.redirect_url == session["url"]
    assert session["amount_total"] == 19900


def test_start_checkout_retry_reuses_idempotency_key_and_session(stripe_standin: StripeStandin, learner):
    # given a checkout already started for a payment
    payment = _payment(learner)
    first = StripeProvider().start_checkout(payment=payment, success_url=SUCCESS, cancel_url=CANCEL)

    # when the same payment starts again (a retried request)
    second = StripeProvider().start_checkout(payment=payment, success_url=SUCCESS, cancel_url=CANCEL)

    # then the same key was sent and Stripe answered the same session: no second one
    calls = stripe_standin.calls("POST", "/v1/checkout/sessions")
    assert len(calls) == 2
    assert calls[0].headers["idempotency-key"] == calls[1].headers["idempotency-key"]
    assert second == first
    assert len(stripe_standin.sessions) == 1


def test_start_checkout_other_payment_gets_its_own_key(stripe_standin: StripeStandin, learner, outsider):
    one = _payment(learner, number="LY-A")
    two = _payment(outsider, number="LY-B")

    a = StripeProvider().start_checkout(payment=one, success_url=SUCCESS, cancel_url=CANCEL)
    b = StripeProvider().start_checkout(payment=two, success_url=SUCCESS, cancel_url=CANCEL)

    keys = {c.headers["idempotency-key"] for c in stripe_standin.calls("POST", "/v1/checkout/sessions")}
    assert len(keys) == 2
    assert a.reference != b.reference


@pytest.mark.parametrize(
    ("status", "kind", "code"),
    [
        (402, "card_error", "card_declined"),
        (400, "invalid_request_error", "parameter_invalid_integer"),
        (500, "api_error", ""),
    ],
)
def test_start_checkout_stripe_error_becomes_provider_error(stripe_standin: StripeStandin, learner, status, kind, code):
    payment = _payment(learner)
    stripe_standin.fail_next(status, type=kind, code=code, message="Nope from Stripe")

    with pytest.raises(ProviderError, match="Nope from Stripe"):
        StripeProvider().start_checkout(payment=payment, success_url=SUCCESS, cancel_url=CANCEL)

    assert stripe_standin.sessions == {}


def test_start_checkout_without_secret_key_is_a_clear_provider_error(stripe_standin: StripeStandin, settings, learner):
    settings.STRIPE_SECRET_KEY = ""
    payment = _payment(learner)

    with pytest.raises(ProviderError, match="STRIPE_SECRET_KEY"):
        StripeProvider().start_checkout(payment=payment, success_url=SUCCESS, cancel_url=CANCEL)

    assert stripe_standin.requests == []


def test_unreachable_api_is_a_provider_error(settings, learner):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard port: nothing listens

    with pytest.raises(ProviderError):
        StripeProvider().start_checkout(payment=_payment(learner), success_url=SUCCESS, cancel_url=CANCEL)


def test_no_global_stripe_configuration_leaks(stripe_standin: StripeStandin, learner):
    import stripe

    StripeProvider().start_checkout(payment=_payment(learner), success_url=SUCCESS, cancel_url=CANCEL)

    assert stripe.api_key is None
    assert stripe.api_base == "https://api.stripe.com"


# --- parse_webhook ---------------------------------------------------------------------------


def _completed(stripe_standin: StripeStandin, learner, **kwargs) -> tuple[Payment, dict]:
    payment = _started(_payment(learner))
    session = stripe_standin.pay(payment.reference)
    return payment, session_event(session, **kwargs)


def test_parse_webhook_maps_a_signed_completed_session(stripe_standin: StripeStandin, learner):
    # given Stripe's signed checkout.session.completed for a paid session
    payment, event = _completed(stripe_standin, learner, event_id="evt_1PaidStandin")
    body, signature = signed(event)

    # when it is parsed
    parsed = StripeProvider().parse_webhook(body=body, headers={"Stripe-Signature": signature})

    # then it is our payment.succeeded for that session, amount and currency
    assert parsed.type == "payment.succeeded"
    assert parsed.event_id == "evt_1PaidStandin"
    assert parsed.reference == payment.reference
    assert parsed.amount == 19900
    assert parsed.currency == "CNY"
    assert parsed.payload == json.loads(body)


def test_parse_webhook_reads_django_meta_style_headers(stripe_standin: StripeStandin, learner):
    _, event = _completed(stripe_standin, learner)
    body, signature = signed(event)

    parsed = StripeProvider().parse_webhook(body=body, headers={"HTTP_STRIPE_SIGNATURE": signature})

    assert parsed.type == "payment.succeeded"


def test_parse_webhook_completed_but_unpaid_is_not_a_success(stripe_standin: StripeStandin, learner):
    # given a completed session whose delayed payment has not cleared yet
    payment = _started(_payment(learner))
    session = dict(stripe_standin.sessions[payment.reference], status="complete", payment_status="unpaid")
    body, signature = signed(session_event(session))

    parsed = StripeProvider().parse_webhook(body=body, headers={"Stripe-Signature": signature})

    assert parsed.type == "checkout.session.completed"
    assert parsed.reference == payment.reference


@pytest.mark.parametrize(
    ("stripe_type", "ours"),
    [
        ("checkout.session.expired", "payment.failed"),
        ("checkout.session.async_payment_failed", "payment.failed"),
        ("checkout.session.async_payment_succeeded", "payment.succeeded"),
    ],
)
def test_parse_webhook_maps_other_session_events(stripe_standin: StripeStandin, learner, stripe_type, ours):
    payment, event = _completed(stripe_standin, learner, type=stripe_type)
    body, signature = signed(event)

    parsed = StripeProvider().parse_webhook(body=body, headers={"Stripe-Signature": signature})

    assert (parsed.type, parsed.reference) == (ours, payment.reference)


def test_parse_webhook_passes_unknown_types_through(stripe_standin: StripeStandin):
    event = session_event({"id": "cus_1", "object": "customer"}, type="customer.created", event_id="evt_cus")
    body, signature = signed(event)

    parsed = StripeProvider().parse_webhook(body=body, headers={"Stripe-Signature": signature})

    assert (parsed.type, parsed.event_id, parsed.reference) == ("customer.created", "evt_cus", "")


def _tampered(body: bytes) -> bytes:
    return body.replace(b"19900", b"1")


@pytest.mark.parametrize(
    "case",
    ["tampered body", "wrong secret", "too old", "missing header", "garbage header", "not json", "no secret set"],
)
def test_parse_webhook_rejects_bad_deliveries(stripe_standin: StripeStandin, settings, learner, case):
    _, event = _completed(stripe_standin, learner)
    body, signature = signed(event)
    headers = {"Stripe-Signature": signature}
    if case == "tampered body":
        body = _tampered(body)
    elif case == "wrong secret":
        body, headers["Stripe-Signature"] = signed(event, secret="whsec_someone_else")
    elif case == "too old":
        # a replay of a genuine delivery from ten minutes ago: outside Stripe's 5-minute tolerance
        body, headers["Stripe-Signature"] = signed(event, timestamp=int(time.time()) - 600)
    elif case == "missing header":
        headers = {}
    elif case == "garbage header":
        headers["Stripe-Signature"] = "not-a-signature"
    elif case == "not json":
        body = b"{not json"
        headers["Stripe-Signature"] = signed_raw(body)
    elif case == "no secret set":
        settings.STRIPE_WEBHOOK_SECRET = ""

    with pytest.raises(WebhookRejected):
        StripeProvider().parse_webhook(body=body, headers=headers)


def signed_raw(body: bytes) -> str:
    import stripe

    return stripe.WebhookSignature.generate_signature_header(body.decode(), WEBHOOK_SECRET)


def test_parse_webhook_rejects_a_signed_event_without_a_session(stripe_standin: StripeStandin):
    event = session_event({"id": "cs_x", "object": "checkout.session"})
    event["data"] = {}
    body, signature = signed(event)

    with pytest.raises(WebhookRejected):
        StripeProvider().parse_webhook(body=body, headers={"Stripe-Signature": signature})


# --- refund ----------------------------------------------------------------------------------


def test_refund_posts_amount_for_the_sessions_payment_intent(stripe_standin: StripeStandin, learner):
    # given a paid Stripe payment
    payment = _started(_payment(learner))
    session = stripe_standin.pay(payment.reference)

    # when part of it is refunded
    refund_id = StripeProvider().refund(payment=payment, amount=5000)

    # then the library looked up the session and refunded its payment intent
    assert stripe_standin.calls("GET", f"/v1/checkout/sessions/{payment.reference}")
    [call] = stripe_standin.calls("POST", "/v1/refunds")
    assert call.form == {"payment_intent": session["payment_intent"], "amount": "5000"}
    assert call.headers["idempotency-key"]
    assert refund_id == stripe_standin.refunds[refund_id]["id"]
    assert stripe_standin.refunds[refund_id]["amount"] == 5000


def test_refund_more_than_paid_is_a_provider_error(stripe_standin: StripeStandin, learner):
    payment = _started(_payment(learner))
    stripe_standin.pay(payment.reference)

    with pytest.raises(ProviderError, match="greater than unrefunded"):
        StripeProvider().refund(payment=payment, amount=19901)

    assert stripe_standin.refunds == {}


def test_refund_of_unpaid_session_is_a_provider_error(stripe_standin: StripeStandin, learner):
    payment = _started(_payment(learner))

    with pytest.raises(ProviderError, match="no payment"):
        StripeProvider().refund(payment=payment, amount=100)

    assert stripe_standin.calls("POST", "/v1/refunds") == []


def test_refund_server_error_is_a_provider_error(stripe_standin: StripeStandin, learner):
    payment = _started(_payment(learner))
    stripe_standin.pay(payment.reference)
    stripe_standin.fail_next(500, message="Stripe is down")

    with pytest.raises(ProviderError, match="Stripe is down"):
        StripeProvider().refund(payment=payment, amount=100)

    assert stripe_standin.refunds == {}


# --- end to end: order → Stripe Checkout → signed webhook → paid and enrolled --------------

WEBHOOK_URL = "/payments/webhooks/stripe/"


def _stripe_order(settings, learner) -> tuple[Order, Payment]:
    from lyceum.commerce.services.orders import order_checkout, order_create

    settings.LYCEUM_PAYMENT_PROVIDER = "stripe"
    payment = _payment(learner, number="LY-E2E-TEMPLATE")
    product = payment.order.product
    order = order_create(user=learner, product=product)
    return order, order_checkout(actor=learner, order=order)


def _state(order: Order) -> tuple:
    from lyceum.commerce.models import LedgerEntry, WebhookEvent
    from lyceum.learning.models import Enrollment

    order.refresh_from_db()
    return (
        order.status,
        order.paid_at,
        order.refunded_amount,
        Enrollment.objects.filter(user=order.user, revoked_at__isnull=True).count(),
        LedgerEntry.objects.filter(order=order).count(),
        WebhookEvent.objects.filter(signature_valid=True).count(),
    )


def test_stripe_checkout_paid_by_signed_webhook_grants_access_once(
    stripe_standin: StripeStandin, settings, learner, client
):
    from lyceum.commerce.models import OrderStatus, PaymentStatus, WebhookEvent
    from lyceum.learning.models import Enrollment

    # given an order checked out through Stripe
    order, payment = _stripe_order(settings, learner)
    assert payment.provider == "stripe"
    assert payment.checkout_url == stripe_standin.sessions[payment.reference]["url"]
    [call] = stripe_standin.calls("POST", "/v1/checkout/sessions")
    assert call.form["line_items[0][price_data][unit_amount]"] == str(order.total)
    assert call.form["client_reference_id"] == order.number
    assert call.form["success_url"].endswith(f"/orders/{order.number}/")
    # and the buyer pays on Stripe's page
    session = stripe_standin.pay(payment.reference)
    body, signature = signed(session_event(session, event_id="evt_e2e_paid"))

    # when Stripe delivers the signed checkout.session.completed
    response = client.post(WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)

    # then the order is paid, the payment succeeded and the course is unlocked
    assert response.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert payment.status == PaymentStatus.SUCCEEDED
    course = order.product.courses.get()
    assert Enrollment.objects.get(user=learner, course=course).source == "purchase"
    stored = WebhookEvent.objects.get(provider="stripe", event_id="evt_e2e_paid")
    assert (stored.type, stored.signature_valid, stored.error) == ("payment.succeeded", True, "")
    before = _state(order)

    # when the same delivery arrives again
    again = client.post(WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)

    # then it is acknowledged and nothing changes
    assert again.status_code == 200
    assert _state(order) == before


@pytest.mark.parametrize("case", ["tampered body", "wrong secret", "missing header", "too old"])
def test_stripe_webhook_badly_signed_is_400_and_changes_nothing(
    stripe_standin: StripeStandin, settings, learner, client, case
):
    from lyceum.commerce.models import OrderStatus, WebhookEvent

    order, payment = _stripe_order(settings, learner)
    session = stripe_standin.pay(payment.reference)
    event = session_event(session, event_id="evt_e2e_forged")
    body, signature = signed(event)
    if case == "tampered body":
        body = body.replace(b'"evt_e2e_forged"', b'"evt_e2e_other"')
    elif case == "wrong secret":
        body, signature = signed(event, secret="whsec_forger")
    elif case == "too old":
        body, signature = signed(event, timestamp=int(time.time()) - 3600)
    extra = {} if case == "missing header" else {"HTTP_STRIPE_SIGNATURE": signature}
    before = _state(order)

    response = client.post(WEBHOOK_URL, data=body, content_type="application/json", **extra)

    assert response.status_code == 400
    assert _state(order) == before
    assert before[0] == OrderStatus.PENDING
    rejected = WebhookEvent.objects.get(provider="stripe", signature_valid=False)
    assert rejected.error


def test_stripe_webhook_signed_with_a_different_amount_does_not_pay(
    stripe_standin: StripeStandin, settings, learner, client
):
    from lyceum.commerce.models import OrderStatus, WebhookEvent

    # given a genuine, signed event whose session total differs from the order (e.g. edited on Stripe)
    order, payment = _stripe_order(settings, learner)
    session = dict(stripe_standin.pay(payment.reference), amount_total=1)
    body, signature = signed(session_event(session, event_id="evt_e2e_short"))

    response = client.post(WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)

    # then the event is stored for audit but the order is not paid
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert "amount mismatch" in WebhookEvent.objects.get(event_id="evt_e2e_short").error


def test_stripe_checkout_failure_leaves_no_payment(stripe_standin: StripeStandin, settings, learner):
    from lyceum.commerce.services.orders import order_checkout, order_create

    settings.LYCEUM_PAYMENT_PROVIDER = "stripe"
    product = _payment(learner, number="LY-E2E-FAIL").order.product
    order = order_create(user=learner, product=product)
    stripe_standin.fail_next(500, message="Stripe is down")

    with pytest.raises((ProviderError, ApplicationError)):  # the orders service may translate it
        order_checkout(actor=learner, order=order)

    assert not Payment.objects.filter(order=order).exists()


def _paid_through_stripe(stripe_standin: StripeStandin, settings, learner, client) -> tuple[Order, Payment]:
    order, payment = _stripe_order(settings, learner)
    body, signature = signed(session_event(stripe_standin.pay(payment.reference), event_id=f"evt_{order.number}"))
    response = client.post(WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
    assert response.status_code == 200
    order.refresh_from_db()
    return order, payment


def test_operator_refund_of_a_stripe_order_goes_through_the_refunds_api(
    stripe_standin: StripeStandin, settings, learner, operator, client
):
    from lyceum.commerce.models import OrderStatus
    from lyceum.commerce.services.refunds import order_refund

    # given an order paid through Stripe
    order, payment = _paid_through_stripe(stripe_standin, settings, learner, client)
    intent = stripe_standin.sessions[payment.reference]["payment_intent"]

    # when an operator refunds part of it
    refund = order_refund(actor=operator, order=order, amount=4900, reason="A module was late.")

    # then Stripe was asked to refund exactly that on the session's payment intent
    [call] = stripe_standin.calls("POST", "/v1/refunds")
    assert call.form == {"payment_intent": intent, "amount": "4900"}
    assert refund.provider_reference in stripe_standin.refunds
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.PARTIALLY_REFUNDED, 4900)


def test_stripe_refusing_a_refund_changes_nothing(stripe_standin: StripeStandin, settings, learner, operator, client):
    from lyceum.commerce.services.refunds import order_refund

    order, _ = _paid_through_stripe(stripe_standin, settings, learner, client)
    stripe_standin.fail_next(400, type="invalid_request_error", code="charge_disputed", message="Charge is disputed")
    before = _state(order)

    with pytest.raises(ApplicationError):
        order_refund(actor=operator, order=order, amount=order.total, reason="Asked for it back.")

    assert _state(order) == before
    assert not Refund.objects.filter(order=order).exists()
    assert stripe_standin.refunds == {}
