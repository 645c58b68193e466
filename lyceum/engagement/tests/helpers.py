"""Builders for engagement tests."""

from __future__ import annotations

from typing import Any

from lyceum.engagement.models import PointBalance, Reward


def give_points(user: Any, balance: int, lifetime: int | None = None) -> PointBalance:
    row, _created = PointBalance.objects.update_or_create(
        user=user, defaults={"balance": balance, "lifetime": balance if lifetime is None else lifetime}
    )
    return row


def make_reward(**fields: Any) -> Reward:
    fields.setdefault("title_en", "10% off")
    fields.setdefault("title_zh", "九折券")
    fields.setdefault("points_cost", 100)
    if "amount_off" not in fields:
        fields.setdefault("percent_off", 10)
    fields.setdefault("stock", 5)
    return Reward.objects.create(**fields)
