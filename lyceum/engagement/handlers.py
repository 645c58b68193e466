"""Event handlers: points, study days, badges and achievement notices (registered in ``apps.py``).

Each handler runs after commit, maybe twice (Celery), so each is idempotent: awards are
unique per (member, action, source key), revocations unique per award, study days per
(member, day), badges per (member, badge, period), notices per dedupe key.

Source keys nest so that removing content takes back everything it earned:
``thread:<t>:vote:<voter>``, ``thread:<t>:reply:<r>:vote:<voter>``,
``thread:<t>:reply:<r>:accepted``; deleting or hiding thread ``t`` takes back
``thread:<t>:*``, a reply ``thread:<t>:reply:<r>:*``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.urls import reverse

from lyceum.core import events
from lyceum.core.models import Event

from . import services
from .rules import LEARNING_ACTIONS

logger = logging.getLogger(__name__)

STREAK_BADGES = ("streak_7",)
CONTENT_ACTIONS = ("accepted_answer", "upvote_received")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _user(user_id: Any) -> Any:
    from lyceum.accounts.models import User

    pk = _int(user_id)
    return User.objects.filter(pk=pk).first() if pk else None


def _study(event: Event) -> None:
    if event.actor is None:
        return
    _day, new = services.study_day_record(user=event.actor, at=event.occurred_at)
    if new:
        services.badges_check(user=event.actor, slugs=STREAK_BADGES, at=event.occurred_at)


# --------------------------------------------------------------------------- learning


def on_daily_checked_in(event: Event) -> None:
    if event.actor is None:
        return
    day = str(event.props.get("day") or event.occurred_at.date().isoformat())
    services.points_award(
        user=event.actor, action="daily_checkin", source_key=f"day:{day}", at=event.occurred_at, event_id=event.pk
    )
    services.study_day_record(user=event.actor, at=event.occurred_at)  # the service counted it already
    services.badges_check(user=event.actor, slugs=STREAK_BADGES, at=event.occurred_at)


def on_study_activity(event: Event) -> None:
    """lesson.viewed, video.progressed: a study day, no points."""
    _study(event)


def on_lesson_completed(event: Event) -> None:
    if event.actor is None:
        return
    services.points_award(
        user=event.actor, action="lesson_completed", source_key=f"lesson:{event.object_id}", at=event.occurred_at,
        event_id=event.pk, course_id=_int(event.props.get("course")),
    )  # fmt: skip
    _study(event)


def on_quiz_submitted(event: Event) -> None:
    if event.actor is None:
        return
    if event.props.get("passed") is True:
        services.points_award(
            user=event.actor, action="quiz_passed", source_key=f"quiz:{event.object_id}", at=event.occurred_at,
            event_id=event.pk, course_id=_int(event.props.get("course")),
        )  # fmt: skip
    _study(event)


def on_course_completed(event: Event) -> None:
    if event.actor is None:
        return
    services.points_award(
        user=event.actor, action="course_completed", source_key=f"course:{event.object_id}", at=event.occurred_at,
        event_id=event.pk, course_id=_int(event.object_id),
    )  # fmt: skip
    services.badges_check(user=event.actor, slugs=("first_course",), at=event.occurred_at)


def on_enrollment_revoked(event: Event) -> None:
    """A refund takes back the lesson, quiz and course points of that course; an expired
    membership does not (the learning happened while the member paid)."""
    if not str(event.props.get("reason", "")).startswith("refund"):
        return
    from lyceum.learning.models import Enrollment

    enrollment = Enrollment.objects.filter(pk=_int(event.object_id)).first()
    if enrollment is None:
        return
    services.points_revoke(
        user_id=enrollment.user_id, reason="revoked_refund", actions=LEARNING_ACTIONS,
        course_id=enrollment.course_id, event_id=event.pk,
    )  # fmt: skip


# --------------------------------------------------------------------------- community


def on_reply_accepted(event: Event) -> None:
    from lyceum.community.models import Reply

    reply = Reply.objects.select_related("author", "thread").filter(pk=_int(event.object_id)).first()
    if reply is None:
        return
    thread_id = reply.thread_id
    key = f"thread:{thread_id}:reply:{reply.pk}:accepted"
    # An accepted answer replaced by another one: the earlier author's points go.
    _revoke_everyone(
        prefix=f"thread:{thread_id}:reply:", suffix=":accepted", keep=key, actions=("accepted_answer",),
        reason="revoked_unaccepted", event_id=event.pk,
    )  # fmt: skip
    if reply.author_id in (event.actor_id, reply.thread.author_id):  # accepting one's own answer earns nothing
        return
    services.points_award(
        user=reply.author, action="accepted_answer", source_key=key, at=event.occurred_at, event_id=event.pk
    )
    services.badges_check(user=reply.author, slugs=("answers_10",), at=event.occurred_at)


def on_reply_unaccepted(event: Event) -> None:
    thread_id, reply_id = _int(event.object_id), _int(event.props.get("reply"))
    if thread_id is None or reply_id is None:
        return
    _revoke_everyone(
        prefix=f"thread:{thread_id}:reply:{reply_id}:accepted", actions=("accepted_answer",),
        reason="revoked_unaccepted", event_id=event.pk,
    )  # fmt: skip


def _vote_key(event: Event, kind: str) -> tuple[str, int | None]:
    from lyceum.community.models import Reply, Thread

    voter = event.actor_id
    if kind == "thread":
        author = (
            _int(event.props.get("author"))
            or Thread.objects.filter(pk=_int(event.object_id)).values_list("author_id", flat=True).first()
        )
        return f"thread:{event.object_id}:vote:{voter}", author
    reply = Reply.objects.filter(pk=_int(event.object_id)).values("thread_id", "author_id").first()
    if reply is None:
        return "", None
    return f"thread:{reply['thread_id']}:reply:{event.object_id}:vote:{voter}", reply["author_id"]


def _on_voted(event: Event, kind: str) -> None:
    key, author_id = _vote_key(event, kind)
    if not key or author_id is None or event.actor_id is None or author_id == event.actor_id:
        return
    author = _user(author_id)
    if author is None:
        return
    services.points_award(
        user=author, action="upvote_received", source_key=key, at=event.occurred_at, event_id=event.pk
    )
    services.badges_check(user=author, slugs=("helpful",), at=event.occurred_at)


def _on_unvoted(event: Event, kind: str) -> None:
    key, author_id = _vote_key(event, kind)
    if key and author_id:
        services.points_revoke(
            user_id=author_id, reason="revoked_unvoted", actions=("upvote_received",), source_key=key,
            event_id=event.pk,
        )  # fmt: skip


def on_thread_voted(event: Event) -> None:
    _on_voted(event, "thread")


def on_reply_voted(event: Event) -> None:
    _on_voted(event, "reply")


def on_thread_unvoted(event: Event) -> None:
    _on_unvoted(event, "thread")


def on_reply_unvoted(event: Event) -> None:
    _on_unvoted(event, "reply")


def _revoke_everyone(
    *, prefix: str, actions: tuple[str, ...], reason: str, event_id: int, suffix: str = "", keep: str = ""
) -> None:
    from .models import PointEntry

    awards = PointEntry.objects.filter(
        source_key__startswith=prefix, action__in=actions, reverses__isnull=True, reversed_by__isnull=True
    )
    if suffix:
        awards = awards.filter(source_key__endswith=suffix)
    if keep:
        awards = awards.exclude(source_key=keep)
    for user_id, key in awards.values_list("user_id", "source_key"):
        services.points_revoke(user_id=user_id, reason=reason, actions=actions, source_key=key, event_id=event_id)


def on_thread_removed(event: Event) -> None:
    """thread.deleted, thread.hidden: the upvotes and accepted answers in it are taken back."""
    _revoke_everyone(
        prefix=f"thread:{event.object_id}:", actions=CONTENT_ACTIONS, reason="revoked_removed", event_id=event.pk
    )


def on_reply_removed(event: Event) -> None:
    from lyceum.community.models import Reply

    thread_id = _int(event.props.get("thread")) or (
        Reply.objects.filter(pk=_int(event.object_id)).values_list("thread_id", flat=True).first()
    )
    if thread_id is None:
        return
    _revoke_everyone(
        prefix=f"thread:{thread_id}:reply:{event.object_id}:", actions=CONTENT_ACTIONS, reason="revoked_removed",
        event_id=event.pk,
    )  # fmt: skip


def on_checkin_created(event: Event) -> None:
    if event.actor is None:
        return
    services.points_award(
        user=event.actor, action="group_checkin", source_key=f"checkin:{event.object_id}", at=event.occurred_at,
        event_id=event.pk, group_id=_int(event.props.get("group")),
    )  # fmt: skip
    _study(event)


def on_event_attended(event: Event) -> None:
    member = _user(event.props.get("user"))
    if member is None:
        return
    services.points_award(
        user=member, action="event_attended", source_key=f"event:{event.props.get('event')}", at=event.occurred_at,
        event_id=event.pk,
    )  # fmt: skip
    services.badges_check(user=member, slugs=("event_regular",), at=event.occurred_at)


# --------------------------------------------------------------------------- feedback


def on_review_posted(event: Event) -> None:
    from lyceum.feedback.models import Review

    review = Review.objects.select_related("user").filter(pk=_int(event.object_id)).first()
    if review is None or review.hidden_at is not None:  # held by the filter: nothing until shown
        return
    services.points_award(
        user=review.user, action="review_posted", source_key=f"review:{review.pk}", at=event.occurred_at,
        event_id=event.pk, course_id=review.course_id,
    )  # fmt: skip
    services.badges_check(user=review.user, slugs=("first_review",), at=event.occurred_at)


def on_review_hidden(event: Event) -> None:
    """Hidden: its points go. Shown again after the filter held it: the points it never got
    (a review hidden and shown again earns nothing twice: one award per review)."""
    if event.props.get("hidden") is not True:
        on_review_posted(event)
        return
    from lyceum.feedback.models import Review

    user_id = Review.objects.filter(pk=_int(event.object_id)).values_list("user_id", flat=True).first()
    if user_id is not None:
        services.points_revoke(
            user_id=user_id, reason="revoked_review_hidden", actions=("review_posted",),
            source_key=f"review:{event.object_id}", event_id=event.pk,
        )  # fmt: skip


# --------------------------------------------------------------------------- achievement notices


def _notify(event: Event, *, data: dict[str, Any], dedupe_key: str) -> None:
    from lyceum.notifications.services import notify

    member = _user(event.props.get("user")) or event.actor
    if member is None:
        return
    notify(
        recipient=member, kind="achievements", actor=None, data=data, url=reverse("engagement:points"),
        dedupe_key=dedupe_key, at=event.occurred_at,
    )  # fmt: skip


def on_level_reached(event: Event) -> None:
    p = event.props
    _notify(
        event,
        data={"what": "level", "level": p.get("level"), "name_en": p.get("name_en"), "name_zh": p.get("name_zh")},
        dedupe_key=f"level:{p.get('level')}",
    )


def on_badge_awarded(event: Event) -> None:
    p = event.props
    _notify(
        event,
        data={"what": "badge", "name_en": p.get("name_en"), "name_zh": p.get("name_zh")},
        dedupe_key=f"badge:{p.get('badge')}:{p.get('period', '')}",
    )


def on_reward_redeemed(event: Event) -> None:
    p = event.props
    _notify(
        event,
        data={
            "what": "reward", "name_en": p.get("name_en"), "name_zh": p.get("name_zh"), "points": p.get("points"),
            "coupon": p.get("coupon"),
        },
        dedupe_key=f"reward:{event.object_id}",
    )  # fmt: skip


HANDLERS = {
    "daily.checked_in": [on_daily_checked_in],
    "lesson.viewed": [on_study_activity],
    "video.progressed": [on_study_activity],
    "lesson.completed": [on_lesson_completed],
    "quiz.submitted": [on_quiz_submitted],
    "course.completed": [on_course_completed],
    "enrollment.revoked": [on_enrollment_revoked],
    "reply.accepted": [on_reply_accepted],
    "reply.unaccepted": [on_reply_unaccepted],
    "thread.voted": [on_thread_voted],
    "thread.unvoted": [on_thread_unvoted],
    "reply.voted": [on_reply_voted],
    "reply.unvoted": [on_reply_unvoted],
    "thread.deleted": [on_thread_removed],
    "thread.hidden": [on_thread_removed],
    "reply.deleted": [on_reply_removed],
    "reply.hidden": [on_reply_removed],
    "checkin.created": [on_checkin_created],
    "event.attended": [on_event_attended],
    "review.posted": [on_review_posted],
    "review.hidden": [on_review_hidden],
    "level.reached": [on_level_reached],
    "badge.awarded": [on_badge_awarded],
    "reward.redeemed": [on_reward_redeemed],
}


def register() -> None:
    for name, handlers in HANDLERS.items():
        for handler in handlers:
            events.on(name)(handler)
