"""Personal coupons: minted for one member (retention offers, rewards), usable by them only, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lyceum.commerce.models import Coupon, CouponKind, CouponScope
from lyceum.commerce.services.coupons import coupon_mint_personal, coupon_quote
from lyceum.core.errors import ValidationFailed
from lyceum.core.models import Event

from .helpers import make_product

pytestmark = pytest.mark.django_db


def test_minted_coupon_is_single_use_for_its_owner_only(learner, outsider, operator):
    coupon = coupon_mint_personal(actor=operator, owner=learner, percent_off=20, valid_days=14, source="campaign:7")

    assert coupon.code.startswith("FOR-") and len(coupon.code) == 14
    assert (coupon.kind, coupon.percent_off, coupon.amount_off) == (CouponKind.PERCENT, 20, None)
    assert (coupon.scope, coupon.max_redemptions, coupon.max_per_user) == (CouponScope.ALL, 1, 1)
    assert coupon.owner == learner and coupon.source == "campaign:7" and coupon.created_by == operator
    assert timedelta(days=13, hours=23) < coupon.ends_at - timezone.now() <= timedelta(days=14)
    product = make_product(list_price=10000)
    assert coupon_quote(user=learner, product=product, code=coupon.code.lower()).total == 8000
    with pytest.raises(ValidationFailed, match="another account") as refused:
        coupon_quote(user=outsider, product=product, code=coupon.code)
    assert refused.value.field == "coupon"
    event = Event.objects.get(name="coupon.minted")
    assert event.props["owner"] == learner.pk and event.props["percent_off"] == 20


def test_fixed_amount_coupon_and_unique_codes(learner, operator):
    codes = {
        coupon_mint_personal(actor=operator, owner=learner, amount_off=3000, currency="cny", prefix="back!").code
        for _ in range(20)
    }
    assert len(codes) == 20 and all(code.startswith("BACK-") for code in codes)
    coupon = Coupon.objects.get(code=codes.pop())
    assert (coupon.kind, coupon.amount_off, coupon.currency) == (CouponKind.FIXED, 3000, "CNY")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "coupon"),
        ({"percent_off": 10, "amount_off": 100}, "coupon"),
        ({"percent_off": 0}, "coupon_percent_off"),
        ({"percent_off": 101}, "coupon_percent_off"),
        ({"amount_off": 0}, "coupon_amount_off"),
        ({"percent_off": 10, "valid_days": 0}, "coupon_valid_days"),
        ({"percent_off": 10, "valid_days": 400}, "coupon_valid_days"),
    ],
)
def test_bad_coupon_parameters_are_refused_with_the_field(learner, operator, kwargs, field):
    with pytest.raises(ValidationFailed) as refused:
        coupon_mint_personal(actor=operator, owner=learner, **kwargs)
    assert refused.value.field == field
    assert not Coupon.objects.exists()
