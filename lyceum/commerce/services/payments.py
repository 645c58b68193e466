"""Provider callbacks and fulfilment: every webhook is stored, each paid order fulfilled once.

A success event for an order that already expired still fulfils it: the provider took
the buyer's money, so we grant what was bought rather than lose a paid order.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.core import events
from lyceum.core.errors import NotFound, ValidationFailed

from ..models import Order, OrderStatus, Payment, PaymentStatus, ProductKind, WebhookEvent
from ..providers import WebhookRejected, get_provider
from .coupons import coupon_redeem

logger = logging.getLogger(__name__)


@transaction.atomic
def order_fulfil(*, order: Order) -> None:
    """Grant what ``order`` bought, count its coupon and record the sale. Call once, when paid."""
    from lyceum.learning.services import enrollment_create

    product = order.product
    if product.kind == ProductKind.MEMBERSHIP:
        from .memberships import membership_start_or_renew

        membership_start_or_renew(order=order)
    else:
        for line in order.lines.select_related("course"):
            if line.course is not None:
                enrollment_create(user=order.user, course=line.course, source="purchase")
    coupon_redeem(order=order)
    from .ledger import ledger_record_sale

    ledger_record_sale(order=order)
    events.emit(
        "order.paid", actor=order.user, obj=order, number=order.number, product=product.slug,
        total=order.total, currency=order.currency,
    )  # fmt: skip
    transaction.on_commit(lambda: _send_receipt(order.pk))


def _send_receipt(order_id: int) -> None:
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string

    from lyceum.core.mail import mail_send

    order = Order.objects.select_related("user", "product").prefetch_related("lines").get(pk=order_id)
    context = {"order": order, "site_url": settings.LYCEUM_SITE_URL, "site_name": settings.LYCEUM_SITE_NAME}
    subject = _("Your receipt for order %(number)s") % {"number": order.number}
    body = render_to_string("commerce/order_receipt_email.txt", context)
    try:
        mail_send(EmailMessage(subject, body, None, [order.user.email]))  # on Celery when configured
    except Exception:  # a mail outage must not undo a paid order
        logger.exception("receipt mail for order %s failed", order.number)


@transaction.atomic
def order_mark_paid(*, order: Order, payment: Payment | None = None) -> bool:
    """Mark ``order`` paid and fulfil it; ``False`` (and no change) when it already was."""
    order = Order.objects.select_for_update(of=("self",)).select_related("product", "user").get(pk=order.pk)
    if order.paid_at is not None or order.status in (
        OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED,
    ):  # fmt: skip
        return False
    if order.status == OrderStatus.EXPIRED:
        logger.warning("order %s was paid after it expired; fulfilling it", order.number)
    order.status = OrderStatus.PAID
    order.paid_at = timezone.now()
    order.save(update_fields=["status", "paid_at", "updated_at"])
    order_fulfil(order=order)
    return True


def _headers(headers: Any) -> Mapping[str, str]:
    return {str(k).lower(): str(v) for k, v in dict(headers).items()}


def payment_event_process(*, provider_name: str, body: bytes, headers: Any) -> WebhookEvent:
    """Verify, store and apply one provider callback. A replayed event changes nothing.

    Raises ``NotFound`` for an unknown provider and ``ValidationFailed`` for a rejected one
    (stored with ``signature_valid=False``).
    """
    try:
        provider = get_provider(provider_name)
    except KeyError as exc:
        raise NotFound(_("No such payment provider.")) from exc
    try:
        parsed = provider.parse_webhook(body=body, headers=_headers(headers))
    except WebhookRejected as exc:
        WebhookEvent.objects.create(
            provider=provider_name, event_id="", signature_valid=False, error=str(exc)[:1000],
            payload={"body": body[:10_000].decode("utf-8", "replace")},
        )  # fmt: skip
        raise ValidationFailed(
            _("The callback was rejected: %(reason)s") % {"reason": exc}, code="webhook_rejected"
        ) from exc
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = WebhookEvent.objects.create(
                    provider=provider_name, event_id=parsed.event_id, type=parsed.type,
                    payload=dict(parsed.payload), signature_valid=True,
                )  # fmt: skip
        except IntegrityError:  # a replay, or a concurrent delivery of the same event
            return WebhookEvent.objects.get(provider=provider_name, event_id=parsed.event_id, signature_valid=True)
        event.error = _apply(provider_name, parsed)
        event.processed_at = timezone.now()
        event.save(update_fields=["error", "processed_at"])
    return event


def _apply(provider_name: str, parsed: Any) -> str:
    """Apply the event; returns an error note for the audit row ("" when all is well)."""
    if parsed.type not in ("payment.succeeded", "payment.failed"):
        return ""
    payment = (
        Payment.objects.select_for_update()
        .select_related("order")
        .filter(provider=provider_name, reference=parsed.reference)
        .first()
    )
    if payment is None:
        return f"unknown payment reference {parsed.reference!r}"
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    if parsed.type == "payment.failed":
        if payment.status == PaymentStatus.CREATED:
            payment.status = PaymentStatus.FAILED
            payment.save(update_fields=["status", "updated_at"])
            events.emit("payment.failed", actor=order.user, obj=order, number=order.number, reference=payment.reference)
        return ""
    amount = parsed.amount if parsed.amount is not None else payment.amount
    currency = (parsed.currency or payment.currency).upper()
    if amount != order.total or currency != order.currency.upper():
        logger.error("payment %s: paid %s %s for order %s of %s %s", payment.reference, amount, currency,
                     order.number, order.total, order.currency)  # fmt: skip
        return f"amount mismatch: paid {amount} {currency}, order total {order.total} {order.currency}"
    if payment.status != PaymentStatus.SUCCEEDED:
        payment.status = PaymentStatus.SUCCEEDED
        payment.succeeded_at = timezone.now()
        payment.save(update_fields=["status", "succeeded_at", "updated_at"])
    order_mark_paid(order=order, payment=payment)
    return ""
