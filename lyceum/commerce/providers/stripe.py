"""Stripe Checkout through the official ``stripe`` library.

* ``start_checkout`` creates a Checkout Session in payment mode for the payment's amount;
  the idempotency key is derived from the payment, so a retried start returns the same
  session instead of a second one.
* Fulfilment happens only from the ``checkout.session.completed`` webhook, whose
  ``Stripe-Signature`` header is verified by ``stripe.Webhook.construct_event``.
* Refunds go through the Refunds API against the session's payment intent.

Keys come from the environment (``STRIPE_SECRET_KEY``, ``STRIPE_WEBHOOK_SECRET``);
``STRIPE_API_BASE`` points the library elsewhere (tests use a local stand-in). Every call
builds its own ``StripeClient``, so no module-level ``stripe.api_key``/``api_base`` is set.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import stripe
from django.conf import settings

from .base import PaymentProvider, ProviderError, ProviderEvent, StartedCheckout, WebhookRejected

SIGNATURE_HEADER = "Stripe-Signature"
# Stripe's event types mapped onto ours; any other type is passed through unchanged.
FAILED_TYPES = frozenset({"checkout.session.expired", "checkout.session.async_payment_failed"})
SUCCEEDED_TYPES = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})


def _header(headers: Mapping[str, str], name: str) -> str:
    """Case-insensitive header lookup; also accepts Django's ``HTTP_STRIPE_SIGNATURE`` META key."""
    wanted = {name.lower(), "http_" + name.lower().replace("-", "_")}
    for key, value in headers.items():
        if key.lower() in wanted:
            return value
    return ""


class StripeProvider(PaymentProvider):
    name = "stripe"

    def _client(self) -> stripe.StripeClient:
        secret_key = settings.STRIPE_SECRET_KEY
        if not secret_key:
            raise ProviderError("Stripe is not configured: set STRIPE_SECRET_KEY.")
        api_base = settings.STRIPE_API_BASE or None
        return stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else {},
            # The library retries network errors and 409/5xx answers with the same idempotency key.
            max_network_retries=2,
        )

    def start_checkout(self, *, payment: Any, success_url: str, cancel_url: str) -> StartedCheckout:
        order = payment.order
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        # Stripe wants lower-case ISO codes; amounts are already minor units (fen, cents).
                        "currency": payment.currency.lower(),
                        "unit_amount": payment.amount,
                        "product_data": {"name": order.product.title[:250]},
                    },
                }
            ],
            "client_reference_id": order.number,
            "metadata": {"order": order.number, "payment": str(payment.pk)},
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        client = self._client()
        try:
            session = client.v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": self.idempotency_key(payment)},
            )
        except stripe.StripeError as exc:
            raise ProviderError(f"Stripe could not start the checkout: {exc.user_message or exc}") from exc
        if not session.id or not session.url:
            raise ProviderError("Stripe answered without a checkout session URL.")
        return StartedCheckout(reference=session.id, redirect_url=session.url)

    @staticmethod
    def idempotency_key(payment: Any) -> str:
        """The same payment row always sends the same key, so a retried start reuses the session.

        The row's creation time is part of it: SQLite may reuse the id of a rolled-back row,
        and Stripe replays a key's first answer (even an error) for 24 hours.
        """
        created = int(payment.created_at.timestamp() * 1_000_000) if payment.created_at else 0
        return f"lyceum-checkout-{payment.order.number}-{payment.pk}-{created}"

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        secret = settings.STRIPE_WEBHOOK_SECRET
        if not secret:
            raise WebhookRejected("Stripe webhooks are not configured: set STRIPE_WEBHOOK_SECRET.")
        signature = _header(headers, SIGNATURE_HEADER)
        if not signature:
            raise WebhookRejected("Missing Stripe-Signature header.")
        try:
            event = stripe.Webhook.construct_event(body, signature, secret)
        except stripe.SignatureVerificationError as exc:
            raise WebhookRejected(f"Bad Stripe signature: {exc}") from exc
        except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
            raise WebhookRejected("The Stripe webhook body is not a JSON event.") from exc
        return self._to_provider_event(event)

    @staticmethod
    def _to_provider_event(event: Any) -> ProviderEvent:
        payload = event.to_dict()
        event_id = payload.get("id")
        event_type = payload.get("type")
        obj = (payload.get("data") or {}).get("object")
        if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str) or not event_type:
            raise WebhookRejected("The Stripe event has no id or type.")
        if not isinstance(obj, dict):
            raise WebhookRejected("The Stripe event has no data object.")
        reference = obj.get("id") if obj.get("object") == "checkout.session" else ""
        amount = obj.get("amount_total")
        currency = str(obj.get("currency") or "").upper()
        if event_type in SUCCEEDED_TYPES:
            # A completed session with a delayed method (bank debit) is still "unpaid":
            # wait for async_payment_succeeded instead of granting access now.
            ours = "payment.succeeded" if obj.get("payment_status") == "paid" else event_type
        elif event_type in FAILED_TYPES:
            ours = "payment.failed"
        else:
            ours = event_type
        if ours.startswith("payment.") and not reference:
            raise WebhookRejected("The Stripe event has no checkout session.")
        return ProviderEvent(
            event_id=event_id,
            type=ours,
            reference=str(reference or ""),
            amount=amount if isinstance(amount, int) else None,
            currency=currency,
            payload=json.loads(json.dumps(payload)),
        )

    def refund(self, *, payment: Any, amount: int) -> str:
        if amount <= 0:
            raise ProviderError("A refund must be more than zero.")
        client = self._client()
        try:
            session = client.v1.checkout.sessions.retrieve(payment.reference)
            intent = session.payment_intent
            intent_id = intent if isinstance(intent, str) else getattr(intent, "id", None)
            if not intent_id:
                raise ProviderError("The Stripe checkout session has no payment to refund.")
            refund = client.v1.refunds.create(
                params={"payment_intent": intent_id, "amount": amount},
                options={"idempotency_key": f"lyceum-refund-{payment.pk}-{payment.refunds.count()}-{amount}"},
            )
        except stripe.StripeError as exc:
            raise ProviderError(f"Stripe could not refund: {exc.user_message or exc}") from exc
        if refund.status in {"failed", "canceled"}:
            raise ProviderError(f"Stripe refused the refund ({refund.status}).")
        return str(refund.id)
