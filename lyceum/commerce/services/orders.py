"""Orders: create one (cart-less, one product), start its payment, expire stale ones."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.core import events
from lyceum.core.errors import Conflict, NotFound, ValidationFailed

from ..models import Order, OrderLine, OrderStatus, Payment, Product
from ..providers import get_provider
from .coupons import coupon_quote

NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def _order_number(now: datetime) -> str:
    suffix = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))
    return f"LY{now:%Y%m%d}-{suffix}"


def _allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights``; the remainder goes to the first share."""
    if not weights:
        return []
    whole = sum(weights)
    shares = [0] * len(weights) if whole == 0 else [total * w // whole for w in weights]
    shares[0] += total - sum(shares)
    return shares


def _course_weights(product: Product, courses: list[Any]) -> list[int]:
    """Each course's list price as a single-course product (1 when it has none), to split totals."""
    if len(courses) == 1:
        return [1]
    prices: dict[int, int] = {}
    singles = Product.objects.filter(kind="course", courses__in=courses).values_list("courses", "list_price")
    for course_id, price in singles:
        prices.setdefault(course_id, price)
    weights = [prices.get(c.pk, 0) for c in courses]
    return weights if sum(weights) else [1] * len(courses)


def _same_request(order: Order, product: Product, coupon_code: str) -> bool:
    code = order.coupon.code.lower() if order.coupon_id and order.coupon else ""
    return order.product_id == product.pk and code == (coupon_code or "").strip().lower()


@transaction.atomic
def order_create(*, user: Any, product: Product, coupon_code: str = "", idempotency_key: str | None = None) -> Order:
    """A pending order with server-computed totals; a free total is fulfilled at once.

    The same ``(user, idempotency_key)`` returns the existing order; the same key with a
    different product or coupon is a 409.
    """
    if idempotency_key:
        existing = Order.objects.select_related("coupon").filter(user=user, idempotency_key=idempotency_key).first()
        if existing is not None:
            if not _same_request(existing, product, coupon_code):
                raise Conflict(_("This idempotency key was used for a different order."), code="idempotency_conflict")
            return existing
    if not product.is_active:
        raise ValidationFailed(_("This product is not on sale."), field="product")
    now = timezone.now()
    quote = coupon_quote(user=user, product=product, code=coupon_code, now=now)
    courses = list(product.courses.order_by("id"))
    try:
        with transaction.atomic():
            order = Order.objects.create(
                number=_order_number(now),
                user=user,
                product=product,
                currency=quote.currency,
                subtotal=quote.subtotal,
                discount=quote.discount,
                total=quote.total,
                coupon=quote.coupon,
                expires_at=now + timedelta(minutes=settings.LYCEUM_ORDER_TTL_MINUTES),
                idempotency_key=idempotency_key or None,
            )
    except IntegrityError:
        if idempotency_key:  # a concurrent request with the same key won
            return order_create(user=user, product=product, coupon_code=coupon_code, idempotency_key=idempotency_key)
        raise
    if courses:
        amounts = _allocate(quote.total, _course_weights(product, courses))
        OrderLine.objects.bulk_create(
            OrderLine(order=order, course=c, description=c.title, amount=a)
            for c, a in zip(courses, amounts, strict=True)
        )
    else:
        OrderLine.objects.create(order=order, description=product.title, amount=quote.total)
    events.emit(
        "order.created", actor=user, obj=order, number=order.number, product=product.slug,
        total=order.total, currency=order.currency, coupon=quote.coupon.code if quote.coupon else "",
    )  # fmt: skip
    if order.total == 0:
        from .payments import order_mark_paid

        order_mark_paid(order=order)
        order.refresh_from_db()
    return order


def order_is_payable(order: Order, now: datetime | None = None) -> bool:
    return order.status == OrderStatus.PENDING and order.expires_at > (now or timezone.now())


@transaction.atomic
def order_checkout(*, actor: Any, order: Order, idempotency_key: str | None = None) -> Payment:
    """Start paying ``order`` with the configured provider; the same key returns the same payment."""
    order = Order.objects.select_for_update(of=("self",)).select_related("product", "coupon").get(pk=order.pk)
    if order.user_id != getattr(actor, "pk", None):
        raise NotFound(_("No such order."))
    if idempotency_key:
        existing = Payment.objects.filter(order=order, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    if not order_is_payable(order):
        raise Conflict(_("This order cannot be paid: it is %(status)s.") % {"status": _state(order)},
                       code="order_not_payable")  # fmt: skip
    if order.coupon_id:
        quote = coupon_quote(user=order.user, product=order.product, code=order.coupon.code)  # type: ignore[union-attr]
        if quote.total != order.total:
            raise Conflict(_("The price of this order changed. Please start the checkout again."),
                           code="order_price_changed")  # fmt: skip
    provider = get_provider(settings.LYCEUM_PAYMENT_PROVIDER)
    payment = Payment.objects.create(
        order=order,
        provider=provider.name,
        reference=f"pending-{secrets.token_hex(12)}",
        amount=order.total,
        currency=order.currency,
        idempotency_key=idempotency_key or None,
    )
    order_url = settings.LYCEUM_SITE_URL.rstrip("/") + reverse("commerce:order-detail", args=[order.number])
    started = provider.start_checkout(payment=payment, success_url=order_url, cancel_url=order_url)
    payment.reference = started.reference
    payment.checkout_url = started.redirect_url
    payment.save(update_fields=["reference", "checkout_url", "updated_at"])
    events.emit(
        "checkout.started", actor=actor, obj=order, number=order.number, provider=provider.name,
        reference=payment.reference, total=order.total, currency=order.currency,
    )  # fmt: skip
    return payment


def _state(order: Order) -> str:
    if order.status == OrderStatus.PENDING:
        return str(_("expired"))
    return str(order.get_status_display()).lower()


@transaction.atomic
def order_expire_stale(*, now: datetime | None = None) -> int:
    """Pending orders past ``expires_at`` become expired; returns how many."""
    now = now or timezone.now()
    stale = list(
        Order.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("user")
        .filter(status=OrderStatus.PENDING, expires_at__lte=now)
    )
    for order in stale:
        order.status = OrderStatus.EXPIRED
        order.save(update_fields=["status", "updated_at"])
        events.emit("order.expired", actor=None, obj=order, number=order.number)
    return len(stale)
