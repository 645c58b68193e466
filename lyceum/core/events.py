"""The events channel: the one way a domain action announces itself.

``emit(name, actor=..., obj=..., **props)``

1. validates the name against ``EVENT_NAMES`` and stamps the time,
2. appends a ``core.Event`` row inside the caller's transaction (behaviour data),
3. after the transaction commits, runs the handlers registered for that name
   (points, notifications, webhooks...): in-process by default, on a Celery worker
   when a broker is configured. A failing handler is logged and never breaks the
   request or the other handlers; handlers must be idempotent because Celery may
   run them again.

Apps register handlers in ``AppConfig.ready()`` with ``@events.on("order.paid")``.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from lyceum.core.models import Event

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
    if _handlers.get(name):
        transaction.on_commit(lambda: _dispatch(event.pk, name), robust=True)
    return event


def _dispatch(event_id: int, name: str) -> None:
    if settings.CELERY_BROKER_URL:
        from lyceum.core.tasks import event_dispatch_task

        event_dispatch_task.delay(event_id)
    else:
        event_dispatch(event_id=event_id)


def event_dispatch(*, event_id: int) -> int:
    """Run every handler registered for the event; returns how many succeeded."""
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
