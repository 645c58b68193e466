"""Reads for commerce pages and the API: permission-checked fetchers and the course offers."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.core.errors import NotFound

from .models import Membership, MembershipStatus, Order, Payment, Product, ProductKind


def product_get_for_checkout(*, slug: str) -> Product:
    product = Product.objects.filter(slug=slug, is_active=True).prefetch_related("courses").first()
    if product is None:
        raise NotFound(_("No such product."))
    return product


def order_list_for_user(*, user: Any) -> QuerySet[Order]:
    return Order.objects.filter(user=user).select_related("product").order_by("-created_at", "-id")


def order_get_for_user(*, user: Any, number: str) -> Order:
    """The order ``number`` if ``user`` owns it; ``NotFound`` otherwise (also for other people's)."""
    order = (
        Order.objects.filter(user_id=getattr(user, "pk", 0) or 0, number=number)
        .select_related("product", "coupon", "user")
        .prefetch_related("lines__course", "payments")
        .first()
    )
    if order is None:
        raise NotFound(_("No such order."))
    return order


def payment_get_for_sandbox(*, user: Any, reference: str) -> Payment:
    payment = (
        Payment.objects.filter(provider="sandbox", reference=reference, order__user_id=getattr(user, "pk", 0) or 0)
        .select_related("order", "order__product")
        .first()
    )
    if payment is None:
        raise NotFound(_("No such payment."))
    return payment


def offers_for_course_page(*, course: Any, user: Any) -> list[dict[str, Any]]:
    """What is for sale that includes ``course``: single course and bundles, then memberships."""
    now = timezone.now()
    products = list(Product.objects.filter(is_active=True, courses=course).order_by("kind", "list_price", "id"))
    plans = [p for p in products if p.kind == ProductKind.MEMBERSHIP]
    offers = []
    for product in products:
        price = product.price_at(now)
        offers.append(
            {
                "template": "commerce/partials/_offer.html",
                "product": product,
                "price": price,
                "list_price": product.list_price,
                "on_sale": price < product.list_price,
                "sale_ends_at": product.sale_ends_at if price < product.list_price else None,
                "currency": product.currency,
                "kind": product.kind,
                "membership_plans": plans if product.kind != ProductKind.MEMBERSHIP else [],
            }
        )
    rank = {ProductKind.COURSE.value: 0, ProductKind.BUNDLE.value: 1, ProductKind.MEMBERSHIP.value: 2}
    offers.sort(key=lambda o: (rank.get(str(o["kind"]), 3), o["price"]))
    return offers


def active_plan_slugs(*, user: Any) -> list[str]:
    """The ``member.active_plans`` hook: plan slugs of the user's live memberships."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Membership.objects.filter(
            user=user,
            status__in=(MembershipStatus.ACTIVE, MembershipStatus.CANCELLED),
            current_period_end__gt=timezone.now(),
        ).values_list("plan__slug", flat=True)
    )
