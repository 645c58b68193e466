"""Reads: a member's notifications, unread count and delivery preferences."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from lyceum.core.errors import NotFound

from .models import DEFAULT_CHANNELS, DeliverySettings, Kind, Notification, Preference


def notification_list_for_user(*, user: Any) -> QuerySet[Notification]:
    """Newest first, with the actor (one query per page whatever the page holds)."""
    return Notification.objects.filter(recipient=user).select_related("actor").order_by("-created_at", "-id")


def notification_get_for_user(*, user: Any, notification_id: int) -> Notification:
    """The permission-checked fetcher: another member's notification is ``NotFound``."""
    notification = (
        Notification.objects.filter(pk=notification_id, recipient=user).select_related("actor").first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if notification is None:
        raise NotFound(_("No such notification."))
    return notification


def unread_count(*, user: Any) -> int:
    """How many of the member's notifications are unread (cached: ``unread_cache``)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    from .unread_cache import unread_count as cached_unread_count

    return cached_unread_count(user_id=user.pk)


def channels_for_user(*, user_id: int) -> dict[str, str]:
    """Every kind → the member's channel (their choice, else ``DEFAULT_CHANNELS``)."""
    channels = {str(k): str(v) for k, v in DEFAULT_CHANNELS.items()}
    for kind, channel in Preference.objects.filter(user_id=user_id).values_list("kind", "channel"):
        if kind in channels:
            channels[kind] = channel
    return channels


def channels_for_users(*, user_ids: list[int], kind: str) -> dict[int, str]:
    """``user id → channel`` for one kind, for fan-out (one query per call)."""
    default = str(DEFAULT_CHANNELS.get(kind, "in_app"))
    chosen = dict(Preference.objects.filter(user_id__in=user_ids, kind=kind).values_list("user_id", "channel"))
    return {uid: chosen.get(uid, default) for uid in user_ids}


def digest_user_ids(*, user_ids: list[int]) -> set[int]:
    """Those of ``user_ids`` who asked for one daily digest instead of separate e-mails."""
    return set(
        DeliverySettings.objects.filter(user_id__in=user_ids, daily_digest=True).values_list("user_id", flat=True)
    )


def delivery_settings_for_user(*, user_id: int) -> DeliverySettings:
    """The member's settings row, unsaved with defaults when they never chose."""
    found = DeliverySettings.objects.filter(user_id=user_id).first()
    return found or DeliverySettings(user_id=user_id)


KIND_ORDER: list[str] = [str(k) for k in Kind]
