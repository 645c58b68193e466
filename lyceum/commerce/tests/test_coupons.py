from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lyceum.commerce.models import Coupon, CouponRedemption, CouponScope
from lyceum.commerce.services.coupons import coupon_quote, coupon_redeem
from lyceum.commerce.services.orders import order_create
from lyceum.core.errors import ValidationFailed
from lyceum.core.models import Event
from lyceum.courses.models import Category
from lyceum.learning.tests.factories import make_course

from .helpers import make_coupon, make_product, paid_order

pytestmark = pytest.mark.django_db


def test_quote_without_coupon_is_the_current_price(learner):
    product = make_product(list_price=19900, sale_price=9900, sale_ends_at=timezone.now() + timedelta(days=1))

    quote = coupon_quote(user=learner, product=product, code="")

    assert (quote.subtotal, quote.discount, quote.total, quote.currency, quote.coupon) == (9900, 0, 9900, "CNY", None)


def test_percent_discount_rounds_down_to_whole_minor_units(learner):
    product = make_product(list_price=999)
    make_coupon(code="THIRD", percent_off=33)

    quote = coupon_quote(user=learner, product=product, code="third")

    assert quote.discount == 329  # 999 * 33 / 100 = 329.67
    assert quote.total == 670


def test_fixed_discount_never_exceeds_the_subtotal(learner):
    product = make_product(list_price=5000)
    make_coupon(code="BIG", amount_off=8000)

    quote = coupon_quote(user=learner, product=product, code="BIG")

    assert (quote.discount, quote.total) == (5000, 0)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"is_active": False}, "no longer active"),
        ({"starts_at": timezone.now() + timedelta(days=1)}, "not valid yet"),
        ({"ends_at": timezone.now() - timedelta(seconds=1)}, "expired"),
        ({"max_redemptions": 2, "redemption_count": 2}, "used up"),
        ({"amount_off": 100, "currency": "USD"}, "USD"),
    ],
)
def test_coupon_refusals_explain_why(learner, fields, message):
    product = make_product()
    if "amount_off" in fields:
        make_coupon(code="NOPE", **fields)
    else:
        make_coupon(code="NOPE", percent_off=10, **fields)

    with pytest.raises(ValidationFailed) as exc:
        coupon_quote(user=learner, product=product, code="NOPE")

    assert exc.value.field == "coupon"
    assert message in exc.value.message


def test_unknown_code_is_refused(learner):
    with pytest.raises(ValidationFailed) as exc:
        coupon_quote(user=learner, product=make_product(), code="NOSUCH")
    assert exc.value.field == "coupon"
    assert "no coupon" in exc.value.message


def test_product_scope(learner):
    product, other = make_product(), make_product()
    make_coupon(code="ONLY", scope=CouponScope.PRODUCTS, products=[other])

    with pytest.raises(ValidationFailed, match="does not apply"):
        coupon_quote(user=learner, product=product, code="ONLY")
    assert coupon_quote(user=learner, product=other, code="ONLY").discount > 0


def test_category_scope_follows_the_products_courses(learner):
    data = Category.objects.create(name_en="Data", name_zh="数据", slug="data")
    art = Category.objects.create(name_en="Art", name_zh="艺术", slug="art")
    in_data = make_product(courses=[make_course(is_free=False, category=data)])
    in_art = make_product(courses=[make_course(is_free=False, category=art)])
    make_coupon(code="DATA", scope=CouponScope.CATEGORIES, categories=[data])

    assert coupon_quote(user=learner, product=in_data, code="DATA").discount > 0
    with pytest.raises(ValidationFailed, match="does not apply"):
        coupon_quote(user=learner, product=in_art, code="DATA")


def test_per_user_limit(learner, outsider):
    make_coupon(code="ONCE", max_per_user=1)
    paid_order(user=learner, coupon_code="ONCE")

    with pytest.raises(ValidationFailed, match="already used"):
        coupon_quote(user=learner, product=make_product(), code="ONCE")
    assert coupon_quote(user=outsider, product=make_product(), code="ONCE").discount > 0


def test_first_purchase_only(learner, outsider):
    make_coupon(code="WELCOME", first_purchase_only=True)
    paid_order(user=learner)

    with pytest.raises(ValidationFailed, match="first purchase"):
        coupon_quote(user=learner, product=make_product(), code="WELCOME")
    assert coupon_quote(user=outsider, product=make_product(), code="WELCOME").discount > 0


def test_redeem_counts_once_and_emits(learner):
    coupon = make_coupon(code="ONE", max_redemptions=5)
    order = paid_order(user=learner, coupon_code="ONE")

    again = coupon_redeem(order=order)  # a second call for the same order changes nothing

    coupon.refresh_from_db()
    assert coupon.redemption_count == 1
    assert again == CouponRedemption.objects.get(order=order)
    assert again.amount == order.discount
    assert Event.objects.filter(name="coupon.redeemed").count() == 1


def test_lost_race_for_the_last_redemption_still_fulfils_but_does_not_overcount(learner, outsider):
    # given two pending orders that both quoted the last redemption
    coupon = make_coupon(code="LAST", max_redemptions=1)
    first = order_create(user=learner, product=make_product(), coupon_code="LAST")
    second = order_create(user=outsider, product=make_product(), coupon_code="LAST")
    # when both are paid (the second one redeemed in between by the first)
    from lyceum.commerce.tests.helpers import pay_with_sandbox

    pay_with_sandbox(first)
    Coupon.objects.filter(pk=coupon.pk).update(max_redemptions=1)
    from lyceum.commerce.services.payments import order_mark_paid

    order_mark_paid(order=second)  # paid at the provider before the checkout could refuse it
    # then both are paid, the count stays at the maximum and only one redemption exists
    second.refresh_from_db()
    coupon.refresh_from_db()
    assert second.status == "paid"
    assert coupon.redemption_count == 1
    assert CouponRedemption.objects.filter(coupon=coupon).count() == 1
