"""Redeeming rewards and managing them."""

import pytest

from lyceum.commerce.models import Coupon
from lyceum.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lyceum.engagement import services
from lyceum.engagement.models import PointBalance, PointEntry, Redemption, Reward
from lyceum.notifications.models import Notification

from .helpers import give_points, make_reward


def test_redeeming_spends_points_takes_one_from_stock_and_mints_a_personal_coupon(learner, run_events):
    give_points(learner, 250)
    reward = make_reward(points_cost=100, percent_off=15, stock=2, valid_days=10)

    with run_events():
        redemption = services.reward_redeem(actor=learner, reward_id=reward.pk)

    coupon = redemption.coupon
    assert (coupon.owner, coupon.percent_off, coupon.max_redemptions, coupon.source) == (
        learner, 15, 1, f"reward:{reward.pk}",
    )  # fmt: skip
    assert PointBalance.objects.get(user=learner).balance == 150
    assert PointBalance.objects.get(user=learner).lifetime == 250  # spending is not losing a level
    assert Reward.objects.get(pk=reward.pk).stock == 1
    entry = PointEntry.objects.get(user=learner, action="reward_redeemed")
    assert entry.points == -100
    notice = Notification.objects.get(recipient=learner, kind="achievements")
    assert notice.data["coupon"] == coupon.code


def test_an_amount_off_reward_mints_an_amount_coupon(learner):
    give_points(learner, 100)
    reward = make_reward(amount_off=1000, currency="CNY", percent_off=None)

    redemption = services.reward_redeem(actor=learner, reward_id=reward.pk)

    assert (redemption.coupon.amount_off, redemption.coupon.currency) == (1000, "CNY")


@pytest.mark.parametrize(
    ("balance", "reward_fields", "error"),
    [
        (50, {"points_cost": 100}, Conflict),
        (500, {"stock": 0}, Conflict),
        (500, {"is_active": False}, NotFound),
    ],
)
def test_redeeming_is_refused_and_changes_nothing(learner, balance, reward_fields, error):
    give_points(learner, balance)
    reward = make_reward(**reward_fields)

    with pytest.raises(error):
        services.reward_redeem(actor=learner, reward_id=reward.pk)

    assert PointBalance.objects.get(user=learner).balance == balance
    assert Reward.objects.get(pk=reward.pk).stock == reward.stock
    assert not Redemption.objects.exists() and not Coupon.objects.exists()


@pytest.mark.parametrize("reward_id", [999999, "abc", None, "1.5"])
def test_redeeming_an_unknown_reward_is_not_found(learner, reward_id):
    give_points(learner, 500)

    with pytest.raises(NotFound):
        services.reward_redeem(actor=learner, reward_id=reward_id)


def test_visitors_cannot_redeem(db):
    from django.contrib.auth.models import AnonymousUser

    reward = make_reward()
    with pytest.raises(PermissionDenied):
        services.reward_redeem(actor=AnonymousUser(), reward_id=reward.pk)


def test_operators_create_and_change_rewards(operator):
    reward = services.reward_save(
        actor=operator, title_en="Ten off", title_zh="减十元", points_cost="300", amount_off=1000, currency="cny",
        valid_days=30, stock=5,
    )  # fmt: skip
    services.reward_save(
        actor=operator, reward=reward, title_en="Ten off", points_cost=250, amount_off=1000, currency="CNY",
        valid_days=30, stock=4, is_active=False,
    )  # fmt: skip

    reward.refresh_from_db()
    assert (reward.points_cost, reward.currency, reward.stock, reward.is_active) == (250, "CNY", 4, False)


def test_learners_cannot_manage_rewards(learner):
    with pytest.raises(PermissionDenied):
        services.reward_save(actor=learner, title_en="Free", points_cost=1, percent_off=100)
    assert not Reward.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title_en": "  "}, "title_en"),
        ({"points_cost": "many"}, "points_cost"),
        ({"points_cost": 0}, "points_cost"),
        ({"points_cost": True}, "points_cost"),
        ({"percent_off": 150}, "percent_off"),
        ({"percent_off": None}, "percent_off"),  # neither percent nor amount
        ({"amount_off": 500}, "percent_off"),  # both
        ({"valid_days": 0}, "valid_days"),
        ({"stock": -1}, "stock"),
    ],
)
def test_bad_reward_input_names_the_field(operator, fields, field):
    data = {"title_en": "Ten", "points_cost": 10, "percent_off": 10, "valid_days": 30, "stock": 1} | fields

    with pytest.raises(ValidationFailed) as exc:
        services.reward_save(actor=operator, **data)

    assert exc.value.field == field
    assert not Reward.objects.exists()
