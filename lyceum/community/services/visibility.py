"""Hiding community content pending (or after) moderation: threads, replies, groups, group posts.

``content_set_hidden`` is what moderation calls (a moderator's decision, the spam filter's hold,
enough member reports); hidden content stays stored and is shown again with ``hidden=False``.
Readers never see hidden content; its author and staff do, with a note (the selectors decide).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lyceum.core import events
from lyceum.core.errors import PermissionDenied, ValidationFailed

from .. import access, caching, search
from ..models import GroupPost, HiddenReason, Reply, Space, StudyGroup, Thread

EVENT_PREFIX = {Thread: "thread", Reply: "reply", StudyGroup: "group", GroupPost: "group_post"}


def _recount(obj: Any, delta: int) -> None:
    """Hidden threads and replies are not counted (``Space.thread_count``, ``Thread.reply_count``)."""
    if getattr(obj, "deleted_at", None) is not None:
        return  # a deleted one left the count already
    if isinstance(obj, Thread):
        spaces = Space.objects.filter(pk=obj.space_id)
        spaces = spaces.filter(thread_count__gt=0) if delta < 0 else spaces
        spaces.update(thread_count=F("thread_count") + delta)
    elif isinstance(obj, Reply):
        threads = Thread.objects.filter(pk=obj.thread_id)
        threads = threads.filter(reply_count__gt=0) if delta < 0 else threads
        threads.update(reply_count=F("reply_count") + delta)
        caching.thread_changed([obj.thread_id])


@transaction.atomic
def content_set_hidden(
    *, actor: Any, obj: Thread | Reply | StudyGroup | GroupPost, hidden: bool, reason: str = HiddenReason.MODERATOR,
    note: str = "",
) -> Thread | Reply | StudyGroup | GroupPost:  # fmt: skip
    """Hide ``obj`` (``reason``: a ``HiddenReason``) or show it again. ``actor`` is a moderator or
    operator, or None when the system acts (the spam filter, member reports)."""
    if actor is not None and not access.standing(actor).staff:
        raise PermissionDenied(_("Only moderators and operators can hide or show community content."))
    if hidden and reason not in HiddenReason.values:
        raise ValidationFailed(_("Choose why this is hidden."), field="reason")
    model = type(obj)
    prefix = EVENT_PREFIX[model]
    locked = model.objects.select_for_update().get(pk=obj.pk)
    if (locked.hidden_at is not None) == hidden and (not hidden or locked.hidden_reason == reason):
        return locked
    was_hidden = locked.hidden_at is not None
    locked.hidden_at = timezone.now() if hidden else None
    locked.hidden_reason = reason if hidden else ""
    locked.save(update_fields=["hidden_at", "hidden_reason", "updated_at"])
    if was_hidden != hidden:
        _recount(locked, -1 if hidden else 1)
    events.emit(
        f"{prefix}.hidden" if hidden else f"{prefix}.unhidden",
        actor=actor,
        obj=locked,
        reason=reason if hidden else "",
        note=str(note)[:200],
    )
    if isinstance(locked, Thread):
        search.thread_search_index(locked)
    elif isinstance(locked, Reply):
        search.thread_search_index(locked.thread)
    return locked
