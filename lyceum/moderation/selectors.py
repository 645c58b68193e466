"""Moderation reads other code needs: the rules in force, whether a member accepted them, and
the sanction (mute or ban) that stops a member posting right now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from .models import CommunityRules, RulesAcceptance, Sanction, SanctionKind


def rules_in_force() -> CommunityRules | None:
    """The newest version of the community rules; None when none was ever published."""
    return CommunityRules.objects.filter(published_at__lte=timezone.now()).order_by("-version").first()


def has_accepted_rules(user: Any) -> bool:
    """Whether ``user`` accepted the rules in force (True when there are no rules yet)."""
    rules = rules_in_force()
    if rules is None:
        return True
    if not getattr(user, "pk", None):
        return False
    return RulesAcceptance.objects.filter(user_id=user.pk, version=rules.version).exists()


def active_sanction(user: Any, at: datetime | None = None) -> Sanction | None:
    """The sanction that stops ``user`` posting at ``at`` (default now): an unlifted ban
    (``ends_at`` None: for good, or in the future) before an unlifted mute whose ``ends_at`` is
    in the future; of several of a kind, the one lasting longest. Warnings never count."""
    if not getattr(user, "pk", None):
        return None
    at = at or timezone.now()
    live = Sanction.objects.filter(user_id=user.pk, lifted_at__isnull=True, starts_at__lte=at)
    bans = list(live.filter(kind=SanctionKind.BAN).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at)))
    if bans:
        return max(bans, key=lambda s: (s.ends_at is None, s.ends_at or at, s.pk))
    return live.filter(kind=SanctionKind.MUTE, ends_at__gt=at).order_by("-ends_at", "-id").first()
