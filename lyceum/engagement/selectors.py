"""Reads: trust level, points summaries, streaks, leaderboards."""

from __future__ import annotations

from typing import Any

from .levels import MAX_TRUST, level_for
from .models import PointBalance

STAFF_ROLES = ("moderator", "operator")


def trust_level(user: Any) -> int:
    """0 (newcomer) … 4: the member's level from lifetime points; moderators and operators are 4.

    Anonymous users are 0. One query for the roles (cached on the user) and one for the balance."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "pk", None):
        return 0
    if any(user.has_role(role) for role in STAFF_ROLES):
        return MAX_TRUST
    lifetime = PointBalance.objects.filter(user_id=user.pk).values_list("lifetime", flat=True).first()
    return level_for(lifetime or 0).number
