"""Builders for products, coupons and paid orders (test data only); other commerce tests import these."""

from __future__ import annotations

import itertools
from typing import Any

from lyceum.commerce.models import Coupon, CouponKind, Order, Product, ProductKind
from lyceum.learning.tests.factories import make_course

_seq = itertools.count(1)


def make_product(
    *, courses: list[Any] | None = None, kind: str = ProductKind.COURSE, list_price: int = 19900, **fields: Any
) -> Product:
    """A product (default: one new paid course at ¥199.00)."""
    n = next(_seq)
    if courses is None:
        courses = [make_course(is_free=False)]
    if kind == ProductKind.MEMBERSHIP:
        fields.setdefault("billing_period", "month")
    product = Product.objects.create(
        kind=kind,
        slug=fields.pop("slug", f"product-{n}"),
        title=fields.pop("title", f"Product {n}"),
        list_price=list_price,
        **fields,
    )
    product.courses.set(courses)
    return product


def make_coupon(
    *, code: str = "", percent_off: int | None = None, amount_off: int | None = None, **fields: Any
) -> Coupon:
    """A coupon: ``percent_off`` or ``amount_off`` (default 10 % off everything)."""
    if percent_off is None and amount_off is None:
        percent_off = 10
    products = fields.pop("products", [])
    categories = fields.pop("categories", [])
    coupon = Coupon.objects.create(
        code=code or f"SAVE{next(_seq)}",
        kind=CouponKind.PERCENT if percent_off is not None else CouponKind.FIXED,
        percent_off=percent_off,
        amount_off=amount_off,
        **fields,
    )
    coupon.products.set(products)
    coupon.categories.set(categories)
    return coupon


def pay_with_sandbox(order: Order, *, outcome: str = "pay") -> Any:
    """Start checkout and deliver the sandbox's signed callback; returns the stored WebhookEvent."""
    from lyceum.commerce.providers.sandbox import sandbox_event
    from lyceum.commerce.services.orders import order_checkout
    from lyceum.commerce.services.payments import payment_event_process

    payment = order_checkout(actor=order.user, order=order)
    body, headers = sandbox_event(payment=payment, outcome=outcome)
    return payment_event_process(provider_name="sandbox", body=body, headers=headers)


def paid_order(*, user: Any, product: Product | None = None, coupon_code: str = "") -> Order:
    """An order created and paid through the sandbox path."""
    from lyceum.commerce.services.orders import order_create

    order = order_create(user=user, product=product or make_product(), coupon_code=coupon_code)
    pay_with_sandbox(order)
    order.refresh_from_db()
    return order
