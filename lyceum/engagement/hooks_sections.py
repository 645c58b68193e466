"""Where points show up on other apps' pages (``core.hooks``): a member's public page
(level, badges, streak and heat-map) and a "check in today" block at the top of My learning."""

from __future__ import annotations

from typing import Any

from lyceum.core import hooks

from . import selectors


def profile_section(*, member: Any, viewer: Any = None, **_: Any) -> list[dict[str, Any]]:
    """``member_profile.sections``: four queries, for anyone who may see the member page."""
    if member is None or not getattr(member, "pk", None):
        return []
    return [
        {"template": "engagement/_profile_section.html", "member": member, **selectors.profile_summary(member=member)}
    ]


def checkin_section(*, user: Any, **_: Any) -> list[dict[str, Any]]:
    """``learning_dashboard.sections``: today's check-in, streak and balance; three queries."""
    if not getattr(user, "is_authenticated", False):
        return []
    from .models import DailyCheckIn, PointBalance
    from .services import local_day

    streak = selectors.streak_for(user=user)
    checked = DailyCheckIn.objects.filter(user=user, day=local_day(user)).exists()
    balance = PointBalance.objects.filter(user=user).values_list("balance", flat=True).first() or 0
    return [
        {
            "template": "engagement/_checkin_section.html",
            "streak": streak,
            "checked_in_today": checked,
            "balance": balance,
        }
    ]


def register() -> None:
    hooks.provide("member_profile.sections", profile_section)
    hooks.provide("learning_dashboard.sections", checkin_section)
