"""Moderation's event handlers (registered in ``apps.py``): the spam filter's verdicts fill the queue.

The apps that own member text put ``screen`` (``core.screening.Verdict.as_props()``) into the
props of their created/edited events. A ``queue`` or ``hold`` verdict opens (or updates) the
target's case with the detector's score, signals and a snapshot of the text; a hold also logs a
``hold`` action (by the system) and tells the author their post waits for a review. Handlers may
run twice (Celery retries): the log row and the notice are written once per case.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from lyceum.core import events
from lyceum.core.errors import NotFound
from lyceum.core.models import Event
from lyceum.core.screening import HOLD, QUEUE

from .models import Action, ActionKind, CaseSource, TargetKind
from .services.common import case_open, is_moderator, log_action, notify_member, target_snapshot
from .targets import target_get

logger = logging.getLogger(__name__)

SCREENED_EVENTS = {
    "thread.created": TargetKind.THREAD,
    "thread.edited": TargetKind.THREAD,
    "reply.created": TargetKind.REPLY,
    "reply.edited": TargetKind.REPLY,
    "group.created": TargetKind.GROUP,
    "group.updated": TargetKind.GROUP,
    "group.posted": TargetKind.GROUP_POST,
    "review.posted": TargetKind.REVIEW,
    "review.edited": TargetKind.REVIEW,
    "user.profile_updated": TargetKind.PROFILE,
}


def screened_content(event: Event) -> None:
    """Queue (or hold) what the spam filter flagged."""
    screen = (event.props or {}).get("screen")
    if not isinstance(screen, dict) or screen.get("action") not in (QUEUE, HOLD):
        return
    if event.actor is not None and is_moderator(event.actor):
        return  # staff edits (a moderator fixing a post) are not queued
    kind = SCREENED_EVENTS.get(event.name)
    if kind is None or not str(event.object_id).isdigit():
        return
    try:
        target = target_get(kind=kind, target_id=int(event.object_id))
    except NotFound:  # removed before the handler ran
        return
    if target.gone:
        return
    hold = screen.get("action") == HOLD
    with transaction.atomic():
        case, _created = case_open(target=target, source=CaseSource.DETECTOR)
        try:
            score = float(screen.get("score") or 0.0)
        except (TypeError, ValueError):
            score = 0.0
        raw_signals = screen.get("signals")
        signals: list[Any] = raw_signals if isinstance(raw_signals, list) else []
        case.detector_score = max(score, case.detector_score or 0.0)
        case.detector_signals = signals[:20]
        if event.name.endswith((".edited", ".updated", ".profile_updated")) or not case.text:
            case.text = target_snapshot(target)
        case.held = case.held or hold
        case.save(update_fields=["detector_score", "detector_signals", "text", "held"])
        if hold and not Action.objects.filter(case=case, kind=ActionKind.HOLD).exists():
            log_action(
                kind=ActionKind.HOLD,
                moderator=None,
                reason=str(signals[0].get("rule", "")) if signals and isinstance(signals[0], dict) else "spam filter",
                case=case,
                subject=target.author,
                details={"score": score, "event": event.pk},
            )
            notify_member(recipient=target.author, what="held", item=target.label, key=f"held:{case.pk}")


def register() -> None:
    """The event handlers, and the moderators' section of a member's page."""
    from . import profile_section

    for name in SCREENED_EVENTS:
        events.on(name)(screened_content)
    profile_section.register()
