"""The offline provider: Lyceum's own confirm page plays the payment service.

The confirm page's "Pay"/"Decline" builds a signed callback and hands it to the same
``payment_event_process`` a real provider's webhook reaches.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from .base import PaymentProvider, ProviderEvent, StartedCheckout, WebhookRejected

SIGNATURE_HEADER = "x-sandbox-signature"
TOLERANCE_SECONDS = 300


def _secret() -> bytes:
    if settings.LYCEUM_SANDBOX_WEBHOOK_SECRET:
        return settings.LYCEUM_SANDBOX_WEBHOOK_SECRET.encode()
    return salted_hmac("lyceum.commerce.sandbox", "webhook", algorithm="sha256").hexdigest().encode()


def sign(body: bytes, timestamp: int) -> str:
    digest = hmac.new(_secret(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def sandbox_event(*, payment: Any, outcome: str) -> tuple[bytes, dict[str, str]]:
    """The signed callback body and headers for the buyer's choice on the confirm page."""
    kind = "payment.succeeded" if outcome == "pay" else "payment.failed"
    body = json.dumps(
        {
            "id": f"evt_{secrets.token_hex(12)}",
            "type": kind,
            "reference": payment.reference,
            "amount": payment.amount,
            "currency": payment.currency,
        },
        separators=(",", ":"),
    ).encode()
    return body, {SIGNATURE_HEADER: sign(body, int(time.time()))}


class SandboxProvider(PaymentProvider):
    name = "sandbox"

    def start_checkout(self, *, payment: Any, success_url: str, cancel_url: str) -> StartedCheckout:
        reference = f"sb_{secrets.token_urlsafe(18)}"
        return StartedCheckout(reference=reference, redirect_url=reverse("commerce:sandbox-confirm", args=[reference]))

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        header = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER, "")
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError as exc:
            raise WebhookRejected("missing or malformed signature") from exc
        if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
            raise WebhookRejected("signature timestamp outside the tolerance")
        if not hmac.compare_digest(sign(body, timestamp), f"t={timestamp},v1={parts.get('v1', '')}"):
            raise WebhookRejected("bad signature")
        try:
            data = json.loads(body)
            return ProviderEvent(
                event_id=str(data["id"]),
                type=str(data["type"]),
                reference=str(data["reference"]),
                amount=int(data["amount"]) if data.get("amount") is not None else None,
                currency=str(data.get("currency", "")),
                payload=data,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected("malformed event body") from exc

    def refund(self, *, payment: Any, amount: int) -> str:
        return f"sbr_{secrets.token_urlsafe(12)}"
