"""Builders for the revenue tests: products, paid orders and payments created directly."""

from __future__ import annotations

import itertools
from typing import Any

from django.utils import timezone

from lyceum.commerce.models import (
    BillingPeriod,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentStatus,
    Product,
    ProductKind,
)

_seq = itertools.count(1)


def make_product(
    *, kind: str = ProductKind.COURSE, courses: list[Any] = (), price: int = 19900, **fields: Any
) -> Product:  # type: ignore[assignment]
    n = next(_seq)
    if kind == ProductKind.MEMBERSHIP:
        fields.setdefault("billing_period", BillingPeriod.MONTH)
    product = Product.objects.create(
        kind=kind, slug=fields.pop("slug", f"rev-product-{n}"), title=fields.pop("title", f"Product {n}"),
        list_price=price, **fields,
    )  # fmt: skip
    product.courses.set(courses)
    return product


def make_paid_order(
    *,
    user: Any,
    product: Product,
    amounts: list[int] | None = None,
    provider: str = "sandbox",
    status: str = OrderStatus.PAID,
    paid_at: Any = None,
) -> Order:
    """A paid order with one line per course of ``product`` (``amounts`` per line, default
    the price split on the first line) and a succeeded payment."""
    n = next(_seq)
    courses = list(product.courses.order_by("id")) if product.kind != ProductKind.MEMBERSHIP else [None]
    if amounts is None:
        amounts = [product.list_price] + [0] * (len(courses) - 1)
    total = sum(amounts)
    now = paid_at or timezone.now()
    order = Order.objects.create(
        number=f"RV{n:06d}", user=user, product=product, status=status, currency=product.currency,
        subtotal=total, total=total, expires_at=now, paid_at=now,
    )  # fmt: skip
    for course, amount in zip(courses, amounts, strict=True):
        OrderLine.objects.create(
            order=order, course=course, description=course.title if course else product.title, amount=amount
        )
    Payment.objects.create(
        order=order, provider=provider, reference=f"ref-{n}", status=PaymentStatus.SUCCEEDED, amount=total,
        currency=order.currency, succeeded_at=now,
    )  # fmt: skip
    return order
