"""The contract every payment provider implements.

Checkout always follows the same path, whatever the provider:

1. ``orders`` creates a pending order with server-computed totals;
2. ``start_checkout`` creates the provider-side session for a ``Payment`` row and returns
   where to send the buyer (the sandbox's own confirm page, or Stripe Checkout);
3. the provider calls back (a signed webhook); ``parse_webhook`` verifies the signature
   and turns the body into a ``ProviderEvent`` (or raises ``WebhookRejected``);
4. ``payments.payment_event_process`` stores the event for audit, and fulfils the order
   at most once (grant access through ``learning.services``);
5. refunds go back through ``refund``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class ProviderError(Exception):
    """The provider could not do what was asked (network, declined, misconfigured)."""


class WebhookRejected(Exception):
    """A callback whose signature or shape is wrong: answer 400 and change nothing."""


@dataclass(frozen=True)
class StartedCheckout:
    reference: str  # the provider's id for this payment attempt (unique per provider)
    redirect_url: str  # where the buyer goes to pay


@dataclass(frozen=True)
class ProviderEvent:
    event_id: str  # unique per provider: the same event delivered twice has the same id
    type: str  # "payment.succeeded", "payment.failed", "refund.succeeded", or the provider's own
    reference: str  # the payment reference given by start_checkout
    amount: int | None = None  # minor units, when the provider says
    currency: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)


class PaymentProvider(ABC):
    name: str = ""

    @abstractmethod
    def start_checkout(self, *, payment: Any, success_url: str, cancel_url: str) -> StartedCheckout:
        """Create the provider-side checkout for ``payment`` (amount and currency on the row)."""

    @abstractmethod
    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEvent:
        """Verify the signature and parse the body, or raise ``WebhookRejected``."""

    @abstractmethod
    def refund(self, *, payment: Any, amount: int) -> str:
        """Refund ``amount`` minor units of a succeeded payment; returns the provider's refund id."""
