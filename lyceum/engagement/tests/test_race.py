"""Concurrent redemptions never overdraw a balance nor oversell a reward (PostgreSQL row locks)."""

from __future__ import annotations

import os

import pytest

from conftest import make_user, run_concurrently
from lyceum.engagement import services
from lyceum.engagement.models import PointBalance, PointEntry, Redemption, Reward

from .helpers import give_points, make_reward

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL: set DATABASE_URL"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_ten_racing_redemptions_with_points_for_three_redeem_three():
    member = make_user("racer@example.org")
    give_points(member, 300)
    reward = make_reward(points_cost=100, stock=10)

    errors = run_concurrently(lambda i: services.reward_redeem(actor=member, reward_id=reward.pk), 10)

    assert len(errors) == 7 and all(getattr(e, "code", "") == "not_enough_points" for e in errors)
    assert PointBalance.objects.get(user=member).balance == 0
    assert Redemption.objects.count() == 3
    assert Reward.objects.get(pk=reward.pk).stock == 7
    assert PointEntry.objects.filter(user=member, action="reward_redeemed").count() == 3


def test_ten_members_racing_for_a_stock_of_two_get_two():
    members = [make_user(f"racer{i}@example.org") for i in range(10)]
    for member in members:
        give_points(member, 500)
    reward = make_reward(points_cost=100, stock=2)

    errors = run_concurrently(lambda i: services.reward_redeem(actor=members[i], reward_id=reward.pk), 10)

    assert len(errors) == 8 and all(getattr(e, "code", "") == "out_of_stock" for e in errors)
    assert Reward.objects.get(pk=reward.pk).stock == 0
    assert Redemption.objects.count() == 2
    assert sorted(PointBalance.objects.values_list("balance", flat=True)) == [400, 400] + [500] * 8
