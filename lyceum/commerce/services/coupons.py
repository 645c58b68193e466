"""Coupon pricing and redemption counting.

Totals are computed here from the product's current price; the client never sends an amount.

When a coupon runs out between the order and its payment: ``order_checkout`` re-validates
the quote before the buyer is sent to the provider, so a used-up code is refused there. If
the last redemption is still lost in a race after the buyer paid, the paid order is fulfilled
anyway (the buyer paid that total) and the count never exceeds ``max_redemptions``: the
redemption is recorded only when the conditional UPDATE succeeded, and the loss is logged.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.core import events
from lyceum.core.errors import ValidationFailed

from ..models import DEFAULT_CURRENCY, Coupon, CouponKind, CouponRedemption, CouponScope, Order, OrderStatus, Product

logger = logging.getLogger(__name__)

PAID_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)


@dataclass(frozen=True)
class Quote:
    subtotal: int
    discount: int
    total: int
    currency: str
    coupon: Coupon | None


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="coupon_invalid", field="coupon")


def _coupon_applies_to(coupon: Coupon, product: Product) -> bool:
    if coupon.scope == CouponScope.ALL:
        return True
    if coupon.scope == CouponScope.PRODUCTS:
        return coupon.products.filter(pk=product.pk).exists()
    category_ids = set(product.courses.filter(category__isnull=False).values_list("category_id", flat=True))
    return coupon.categories.filter(pk__in=category_ids).exists()


def coupon_check(*, coupon: Coupon, user: Any, product: Product, now: datetime | None = None) -> None:
    """Raise ``ValidationFailed(field="coupon")`` explaining why ``coupon`` does not apply."""
    now = now or timezone.now()
    if coupon.owner_id is not None and coupon.owner_id != getattr(user, "pk", None):
        raise _refuse(_("This coupon belongs to another account."))
    if not coupon.is_active:
        raise _refuse(_("This coupon is no longer active."))
    if coupon.starts_at is not None and coupon.starts_at > now:
        raise _refuse(_("This coupon is not valid yet."))
    if coupon.ends_at is not None and coupon.ends_at <= now:
        raise _refuse(_("This coupon has expired."))
    if not _coupon_applies_to(coupon, product):
        raise _refuse(_("This coupon does not apply to %(product)s.") % {"product": product.title})
    if coupon.kind == CouponKind.FIXED and coupon.currency != product.currency:
        raise _refuse(_("This coupon is for prices in %(currency)s.") % {"currency": coupon.currency})
    if coupon.max_redemptions is not None and coupon.redemption_count >= coupon.max_redemptions:
        raise _refuse(_("This coupon has been used up."))
    used = CouponRedemption.objects.filter(coupon=coupon, user=user).count()
    if used >= coupon.max_per_user:
        raise _refuse(_("You have already used this coupon."))
    if coupon.first_purchase_only and Order.objects.filter(user=user, status__in=PAID_STATUSES).exists():
        raise _refuse(_("This coupon is only for your first purchase."))


def coupon_quote(*, user: Any, product: Product, code: str, now: datetime | None = None) -> Quote:
    """Subtotal, discount and total for ``product`` with the coupon ``code`` (may be empty)."""
    now = now or timezone.now()
    subtotal = product.price_at(now)
    code = (code or "").strip()
    if not code:
        return Quote(subtotal=subtotal, discount=0, total=subtotal, currency=product.currency, coupon=None)
    coupon = Coupon.objects.filter(code__iexact=code).first()
    if coupon is None:
        raise _refuse(_("There is no coupon with this code."))
    coupon_check(coupon=coupon, user=user, product=product, now=now)
    if coupon.kind == CouponKind.PERCENT:
        discount = subtotal * (coupon.percent_off or 0) // 100  # rounds down to whole minor units
    else:
        discount = coupon.amount_off or 0
    discount = min(discount, subtotal)
    return Quote(
        subtotal=subtotal, discount=discount, total=subtotal - discount, currency=product.currency, coupon=coupon
    )


PERSONAL_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud


@transaction.atomic
def coupon_mint_personal(
    *,
    actor: Any,
    owner: Any,
    percent_off: int | None = None,
    amount_off: int | None = None,
    currency: str = "",
    valid_days: int = 14,
    source: str = "",
    prefix: str = "FOR",
    now: datetime | None = None,
) -> Coupon:
    """A single-use coupon on everything that only ``owner`` can redeem, valid ``valid_days``.

    Exactly one of ``percent_off`` (1-100) and ``amount_off`` (minor units of ``currency``).
    The code is random (about 50 bits), so it cannot be guessed from another member's."""
    now = now or timezone.now()
    if (percent_off is None) == (amount_off is None):
        raise ValidationFailed(_("Give either a percentage or an amount off."), field="coupon")
    if percent_off is not None and not 1 <= int(percent_off) <= 100:
        raise ValidationFailed(_("The percentage must be between 1 and 100."), field="coupon_percent_off")
    if amount_off is not None and int(amount_off) < 1:
        raise ValidationFailed(_("The amount off must be positive."), field="coupon_amount_off")
    if not 1 <= int(valid_days) <= 366:
        raise ValidationFailed(_("A coupon is valid for 1 to 366 days."), field="coupon_valid_days")
    clean_prefix = "".join(ch for ch in prefix.upper() if ch.isalnum())[:8] or "FOR"
    while True:
        code = clean_prefix + "-" + "".join(secrets.choice(PERSONAL_CODE_ALPHABET) for _i in range(10))
        if not Coupon.objects.filter(code__iexact=code).exists():
            break
    ends_at = now + timedelta(days=int(valid_days))
    coupon = Coupon.objects.create(
        code=code,
        kind=CouponKind.PERCENT if percent_off is not None else CouponKind.FIXED,
        percent_off=percent_off,
        amount_off=amount_off,
        currency=(currency or DEFAULT_CURRENCY).upper(),
        scope=CouponScope.ALL,
        starts_at=now,
        ends_at=ends_at,
        max_redemptions=1,
        max_per_user=1,
        owner=owner,
        source=source[:40],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    events.emit(
        "coupon.minted", actor=actor, obj=coupon, owner=owner.pk, source=coupon.source,
        percent_off=percent_off, amount_off=amount_off, currency=coupon.currency, ends_at=ends_at.isoformat(),
    )  # fmt: skip
    return coupon


@transaction.atomic
def coupon_redeem(*, order: Order) -> CouponRedemption | None:
    """Count the order's coupon once; ``None`` when there is none or the last one was taken."""
    if order.coupon_id is None:
        return None
    existing = CouponRedemption.objects.filter(order=order).first()
    if existing is not None:
        return existing
    taken = (
        Coupon.objects.filter(pk=order.coupon_id)
        .filter(Q(max_redemptions__isnull=True) | Q(redemption_count__lt=F("max_redemptions")))
        .update(redemption_count=F("redemption_count") + 1)
    )
    if not taken:
        logger.warning("coupon %s ran out before paid order %s was fulfilled", order.coupon_id, order.number)
        return None
    try:
        with transaction.atomic():
            redemption = CouponRedemption.objects.create(
                coupon_id=order.coupon_id, user_id=order.user_id, order=order, amount=order.discount
            )
    except IntegrityError:  # redeemed concurrently for the same order: give the count back
        Coupon.objects.filter(pk=order.coupon_id).update(redemption_count=F("redemption_count") - 1)
        return CouponRedemption.objects.get(order=order)
    events.emit(
        "coupon.redeemed", actor=order.user, obj=redemption, coupon=order.coupon_id, order=order.number,
        amount=order.discount, currency=order.currency,
    )  # fmt: skip
    return redemption
