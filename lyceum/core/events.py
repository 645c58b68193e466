"""The events channel: the one way a domain action announces itself.

``emit(name, actor=..., obj=..., **props)``

1. validates the name against ``EVENT_NAMES`` and stamps the time,
2. appends a ``core.Event`` row inside the caller's transaction (behaviour data),
3. after the transaction commits, runs the handlers registered for that name
   (points, notifications, webhooks...): in-process by default, on a Celery worker
   when a broker is configured. A failing handler is logged and never breaks the
   request or the other handlers; handlers must be idempotent because Celery may
   run them again.
4. if handing the handlers to the broker fails (broker down, network), a
   ``core.PendingDispatch`` row records it and the ``redispatch_events`` job (every minute,
   ``settings.LYCEUM_JOBS``) publishes it again with backoff, so a broker outage delays
   handlers but loses none. (A process killed between the commit and the publish is the one
   window left: the row is written only when the publish raised.)

Apps register handlers in ``AppConfig.ready()`` with ``@events.on("order.paid")``.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from lyceum.core.models import Event, PendingDispatch

logger = logging.getLogger(__name__)

# Every event name in use, ``noun.verb_past``. Add a name here before emitting it.
EVENT_NAMES: frozenset[str] = frozenset(
    {
        # accounts
        "user.signed_up",
        "user.signed_in",
        "user.signed_out",
        "user.email_verified",
        "user.profile_updated",
        "user.locale_changed",
        "user.data_exported",
        "user.erased",
        "survey.completed",
        "survey.skipped",
        "token.created",
        "token.revoked",
        # courses
        "course.created",
        "course.updated",
        "course.submitted",
        "course.review_decided",
        "course.published",
        "course.archived",
        "media.uploaded",
        # learning
        "enrollment.created",
        "enrollment.revoked",
        "lesson.viewed",
        "video.progressed",
        "lesson.completed",
        "quiz.submitted",
        "course.completed",
        "certificate.issued",
        # commerce
        "product.updated",
        "checkout.started",
        "order.created",
        "order.paid",
        "order.expired",
        "order.refunded",
        "coupon.redeemed",
        "coupon.minted",
        "membership.started",
        "membership.renewed",
        "membership.cancelled",
        "membership.expired",
        "payment.failed",
        # community: spaces and threads
        "space.created",
        "space.updated",
        "thread.created",
        "thread.viewed",
        "thread.edited",
        "thread.deleted",
        "thread.pinned",
        "thread.unpinned",
        "thread.locked",
        "thread.unlocked",
        "thread.voted",
        "thread.unvoted",
        "thread.followed",
        "thread.unfollowed",
        "thread.bookmarked",
        "thread.unbookmarked",
        "reply.created",
        "reply.edited",
        "reply.deleted",
        "reply.voted",
        "reply.unvoted",
        "reply.accepted",
        "reply.unaccepted",
        "user.mentioned",
        "community.searched",
        # community: study groups
        "group.created",
        "group.updated",
        "group.joined",
        "group.left",
        "group.member_removed",
        "group.posted",
        "checkin.created",
        "checkin.updated",
        # community: live events
        "event.created",
        "event.updated",
        "event.cancelled",
        "event.registered",
        "event.waitlisted",
        "event.promoted",
        "event.registration_cancelled",
        "event.reminder_due",
        "event.attended",
        "event.recording_added",
        "calendar.feed_rotated",
        # feedback: course reviews and questionnaires (``survey.*`` above is the needs survey)
        "review.posted",
        "review.edited",
        "review.replied",
        "review.helpful_marked",
        "review.helpful_unmarked",
        "review.hidden",
        "questionnaire.created",
        "questionnaire.updated",
        "questionnaire.published",
        "questionnaire.closed",
        "questionnaire.answered",
        # analytics
        "visit.started",
        "churn_model.trained",
        "retention_campaign.sent",
        "analytics.exported",
        # recommendations
        "interests.updated",
        "recommender.trained",
        "recommendation.clicked",
        "catalog.searched",
        "curated_path.saved",
        "learning_path.started",
        "learning_path.replanned",
        "learning_path.stopped",
        "learning_path.completed",
        # moderation: content out of sight (emitted by the owning app's service), and the workflow
        "thread.hidden",
        "thread.unhidden",
        "reply.hidden",
        "reply.unhidden",
        "group.hidden",
        "group.unhidden",
        "group_post.hidden",
        "group_post.unhidden",
        "profile.hidden",
        "profile.unhidden",
        "lesson.withdrawn",
        "lesson.restored",
        "rules.updated",
        "rules.accepted",
        "report.filed",
        "moderation.queued",
        "moderation.decided",
        "sanction.applied",
        "sanction.lifted",
        "appeal.filed",
        "appeal.decided",
        "takedown.requested",
        "takedown.decided",
        "spam_model.trained",
        # engagement
        "daily.checked_in",
        "points.awarded",
        "points.revoked",
        "level.reached",
        "badge.awarded",
        "reward.saved",
        "reward.redeemed",
        # notifications
        "notification.read",
        "notification.read_all",
        "notification.preferences_updated",
        "notification.unsubscribed",
        "notification.emailed",
        "digest.sent",
    }
)

Handler = Callable[[Event], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


class UnknownEvent(ValueError):
    pass


def on(name: str) -> Callable[[Handler], Handler]:
    """Register ``handler(event)`` to run after commit whenever ``name`` is emitted."""
    if name not in EVENT_NAMES:
        raise UnknownEvent(name)

    def decorator(handler: Handler) -> Handler:
        if handler not in _handlers[name]:
            _handlers[name].append(handler)
        return handler

    return decorator


# Hooks run synchronously by ``emit`` itself, inside the caller's transaction (see ``on_emit``).
_emit_hooks: dict[str, list[Handler]] = defaultdict(list)


def on_emit(name: str) -> Callable[[Handler], Handler]:
    """Register ``hook(event)`` to run at once, inside ``emit`` and the caller's transaction, in the
    emitting process (never on a worker). For cheap bookkeeping that cannot wait for the commit
    (e.g. ``cache_pages`` marking its cached copies stale for the rest of this transaction); a
    failing hook is logged and never breaks the emit."""
    if name not in EVENT_NAMES:
        raise UnknownEvent(name)

    def decorator(hook: Handler) -> Handler:
        if hook not in _emit_hooks[name]:
            _emit_hooks[name].append(hook)
        return hook

    return decorator


def handlers_for(name: str) -> list[Handler]:
    return list(_handlers.get(name, ()))


def emit(name: str, *, actor: Any, obj: models.Model | None = None, at: datetime | None = None, **props: Any) -> Event:
    """Record ``name`` and schedule its handlers. ``at`` backdates imports and demo data."""
    if name not in EVENT_NAMES:
        raise UnknownEvent(f"{name!r} is not in core.events.EVENT_NAMES")
    # Round-trip through JSON so what is stored is exactly what handlers will read.
    clean_props = json.loads(json.dumps(props, cls=DjangoJSONEncoder))
    event = Event.objects.create(
        name=name,
        occurred_at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        props=clean_props,
    )
    for hook in _emit_hooks.get(name, ()):
        try:
            hook(event)
        except Exception:
            logger.exception("emit hook %r of %s failed", hook, name)
    if _handlers.get(name):
        transaction.on_commit(lambda: _dispatch(event.pk, name, event), robust=True)
    return event


def _publish(event_id: int) -> None:
    """Hand the event's handlers to a Celery worker (raises when the broker refuses)."""
    from lyceum.core.tasks import event_dispatch_task

    event_dispatch_task.delay(event_id)


def _dispatch(event_id: int, name: str, event: Event | None = None) -> None:
    """After the commit: hand the handlers to the broker, or run them here. Run here, they get
    the row ``emit`` just wrote (``event``, committed now) instead of reading it back."""
    if settings.CELERY_BROKER_URL:
        try:
            _publish(event_id)
        except Exception as exc:  # kombu OperationalError, a timeout...: the handlers must not be lost
            logger.warning(
                "could not publish the handlers of %s #%s; redispatch_events retries: %r", name, event_id, exc
            )
            pending_record(event_id=event_id, error=exc)
    else:
        event_dispatch(event_id=event_id, event=event)


# --- dispatches the broker refused --------------------------------------------------------------

REDISPATCH_FIRST_DELAY = 60  # seconds before the first retry; doubles per attempt
REDISPATCH_MAX_DELAY = 3600
REDISPATCH_BATCH = 500
REDISPATCH_LEASE = 300  # a claimed row is not picked by another run for this long


def redispatch_delay(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed publishes: 1, 2, 4... minutes, at most an hour."""
    return timedelta(seconds=min(REDISPATCH_FIRST_DELAY * 2 ** max(attempts - 1, 0), REDISPATCH_MAX_DELAY))


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def pending_record(*, event_id: int, error: BaseException) -> PendingDispatch:
    """Remember that ``event_id``'s handlers were not published (runs after the commit)."""
    now = timezone.now()
    pending, created = PendingDispatch.objects.get_or_create(
        event_id=event_id,
        defaults={"failed_at": now, "next_attempt_at": now + redispatch_delay(1), "last_error": _error_text(error)},
    )
    if not created:
        pending_failed(pending=pending, error=error, now=now)
    return pending


def pending_failed(*, pending: PendingDispatch, error: BaseException, now: datetime) -> None:
    pending.attempts += 1
    pending.failed_at = now
    pending.next_attempt_at = now + redispatch_delay(pending.attempts)
    pending.last_error = _error_text(error)
    pending.save(update_fields=["attempts", "failed_at", "next_attempt_at", "last_error"])
    log = logger.error if pending.attempts >= 10 else logger.warning
    log("event #%s: publish attempt %s failed: %s", pending.event_id, pending.attempts, pending.last_error)


def pending_redispatch(*, now: datetime | None = None, limit: int = REDISPATCH_BATCH) -> dict[str, int]:
    """Publish the due ``PendingDispatch`` rows again (the ``redispatch_events`` job).

    With a broker each row is published to Celery; without one (the broker was switched off
    since) the handlers run here. A row is deleted once that succeeded; a failed publish pushes
    it back (``redispatch_delay``) and ends the run, as the broker is evidently still away.
    Each row is claimed first (a conditional UPDATE), so two overlapping runs do not publish the
    same row twice; a publish that reached the broker although it raised may still run the
    handlers twice, which they tolerate (they are idempotent: see the module doc and core.tasks).
    Returns counts: ``dispatched``, ``failed``, ``left`` (rows still pending).
    """
    now = now or timezone.now()
    counts = {"dispatched": 0, "failed": 0, "left": 0}
    due = list(
        PendingDispatch.objects.filter(next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "next_attempt_at")[:limit]
    )
    for pk, due_at in due:
        claimed = PendingDispatch.objects.filter(pk=pk, next_attempt_at=due_at).update(
            next_attempt_at=now + timedelta(seconds=REDISPATCH_LEASE)
        )
        if not claimed:
            continue  # another run has it
        pending = PendingDispatch.objects.select_related("event").get(pk=pk)
        try:
            if settings.CELERY_BROKER_URL:
                _publish(pending.event_id)
            else:
                event_dispatch(event_id=pending.event_id)
        except Exception as exc:
            pending_failed(pending=pending, error=exc, now=now)
            counts["failed"] += 1
            break
        PendingDispatch.objects.filter(pk=pk).delete()
        counts["dispatched"] += 1
    counts["left"] = PendingDispatch.objects.count()
    return counts


def event_dispatch(*, event_id: int, event: Event | None = None) -> int:
    """Run every handler registered for the event; returns how many succeeded. ``event`` is the
    row itself when the caller holds it (``emit``'s in-process dispatch: no read back); otherwise
    it is read (a worker, a redispatch)."""
    if event is None or event.pk != event_id:
        event = Event.objects.select_related("actor").filter(pk=event_id).first()
    if event is None:
        return 0
    ok = 0
    for handler in handlers_for(event.name):
        try:
            handler(event)
        except Exception:
            logger.exception("event handler %s failed for %s #%s", handler, event.name, event.pk)
        else:
            ok += 1
    return ok
