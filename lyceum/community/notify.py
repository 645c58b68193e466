"""Event handlers that turn community activity into notifications (registered on import).

Each handler loads the object named by the event (``event.object_id``), works out who
should hear about it, and calls ``lyceum.notifications.services``. Handlers run after
commit (in-process, or on a Celery worker that may retry), so each one is idempotent:
every notification carries a ``dedupe_key`` naming the happening, unique per recipient.

Who hears what:

- ``reply.created`` → the thread's author, its followers and the parent reply's author
  (``reply``), except the replier and the people mentioned in that reply (they get the
  ``mention`` instead), and except anyone who can no longer read the space.
- ``user.mentioned`` → the mentioned member (``mention``), when they can read the space.
- ``reply.accepted`` → the reply's author (``accepted``).
- ``thread.created`` of kind announcement in a **course space** → every learner with an
  active enrollment in the course (``announcement``, fanned out). Announcements in the
  global and members-only spaces notify nobody: there is no space subscription to honour,
  and mailing every member of the site is an operator's newsletter, not a notification.
- ``group.posted`` / ``checkin.created`` / ``group.joined`` → the other group members
  (``group_activity``).
- ``event.reminder_due`` (window 24h / 1h) and ``event.promoted`` → that registrant;
  ``event.cancelled`` → everyone registered or waitlisted (plus ``props["user_ids"]`` when
  the cancelling service passes them, e.g. because it cancels the registrations too);
  ``event.recording_added`` → those registered (``event_reminder``).

Hidden content notifies nobody: a reply, thread or group post the spam filter held
(``props["screen"]["action"] == "hold"``) or that is hidden by the time the handler runs
(``hidden_at`` set) is skipped, and so is a mention inside it. Approving it later does not
send the notifications after the fact.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from lyceum.accounts.models import User
from lyceum.core import events
from lyceum.core.models import Event
from lyceum.learning.models import Enrollment
from lyceum.notifications import kinds
from lyceum.notifications.models import Kind
from lyceum.notifications.services import notify, notify_many

from .access import can_read_space
from .models import (
    CheckIn,
    EventStatus,
    GroupMembership,
    GroupPost,
    LiveEvent,
    Mention,
    Registration,
    RegistrationStatus,
    Reply,
    SpaceKind,
    StudyGroup,
    Thread,
    ThreadFollow,
    ThreadKind,
)

logger = logging.getLogger(__name__)


def _url(name: str, args: list[Any], fallback: str) -> str:
    """``reverse``, or the known path while the page's URL name is not wired yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def thread_url(thread_id: int, reply_id: int | None = None) -> str:
    """The thread, or a reply in it: ``?reply=`` makes the thread page open the page holding it."""
    url = _url("community:thread", [thread_id], f"/community/t/{thread_id}/")
    return f"{url}?reply={reply_id}#reply-{reply_id}" if reply_id else url


def group_url(group_id: int) -> str:
    return _url("groups:detail", [group_id], f"/groups/{group_id}/")


def event_url(slug: str) -> str:
    return _url("events:detail", [slug], f"/events/{slug}/")


def _pk(event: Event) -> int | None:
    try:
        return int(event.object_id)
    except (TypeError, ValueError):
        return None


def _held(event: Event) -> bool:
    screen = event.props.get("screen")
    return isinstance(screen, dict) and screen.get("action") == "hold"


def _thread_data(thread: Thread, reply: Reply | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"thread": thread.title, "thread_id": thread.pk, "space": thread.space.name}
    if reply is not None:
        data["reply_id"] = reply.pk
    return data


# --- Threads and replies ------------------------------------------------------------------------


@events.on("reply.created")
def reply_created(event: Event) -> None:
    if _held(event):
        return
    reply = Reply.objects.select_related("author", "parent", "thread__space").filter(pk=_pk(event)).first()
    if reply is None or reply.is_deleted or reply.thread.is_deleted or reply.is_hidden or reply.thread.is_hidden:
        return
    thread = reply.thread
    ids = {thread.author_id} | set(ThreadFollow.objects.filter(thread=thread).values_list("user_id", flat=True))
    if reply.parent is not None and not reply.parent.is_deleted:
        ids.add(reply.parent.author_id)
    ids -= set(Mention.objects.filter(reply=reply).values_list("user_id", flat=True))
    ids.discard(reply.author_id)
    for user in User.objects.filter(pk__in=ids, is_active=True, erased_at__isnull=True).order_by("pk"):
        if can_read_space(user, thread.space):
            notify(
                recipient=user, kind=Kind.REPLY, actor=reply.author, data=_thread_data(thread, reply),
                url=thread_url(thread.pk, reply.pk), at=event.occurred_at, dedupe_key=f"reply:{reply.pk}",
            )  # fmt: skip


@events.on("user.mentioned")
def user_mentioned(event: Event) -> None:
    mention = Mention.objects.select_related("user", "author", "thread__space", "reply").filter(pk=_pk(event)).first()
    if mention is None or mention.thread.is_deleted or mention.thread.is_hidden:
        return
    if mention.reply is not None and (mention.reply.is_deleted or mention.reply.is_hidden):
        return
    if not can_read_space(mention.user, mention.thread.space):
        return
    notify(
        recipient=mention.user, kind=Kind.MENTION, actor=mention.author,
        data=_thread_data(mention.thread, mention.reply),
        url=thread_url(mention.thread_id, mention.reply_id), at=event.occurred_at, dedupe_key=f"mention:{mention.pk}",
    )  # fmt: skip


@events.on("reply.accepted")
def reply_accepted(event: Event) -> None:
    reply = Reply.objects.select_related("author", "thread__space", "thread__accepted_by").filter(pk=_pk(event)).first()
    if reply is None or reply.is_deleted or reply.thread.is_deleted:
        return
    thread = reply.thread
    if not can_read_space(reply.author, thread.space):
        return
    notify(
        recipient=reply.author, kind=Kind.ACCEPTED, actor=event.actor or thread.accepted_by,
        data=_thread_data(thread, reply), url=thread_url(thread.pk, reply.pk), at=event.occurred_at,
        dedupe_key=f"accepted:{reply.pk}",
    )  # fmt: skip


@events.on("thread.created")
def thread_created(event: Event) -> None:
    if event.props.get("kind") not in (None, ThreadKind.ANNOUNCEMENT) or _held(event):
        return  # most threads: nothing to load
    thread = Thread.objects.select_related("space", "author").filter(pk=_pk(event)).first()
    if thread is None or thread.is_deleted or thread.is_hidden or thread.kind != ThreadKind.ANNOUNCEMENT:
        return
    space = thread.space
    if space.kind != SpaceKind.COURSE or space.course_id is None or space.archived_at is not None:
        return  # see the module docstring: only course announcements notify
    learners = (
        Enrollment.objects.filter(course_id=space.course_id, revoked_at__isnull=True)
        .filter(Q(access_until__isnull=True) | Q(access_until__gt=timezone.now()))
        .values_list("user_id", flat=True)
    )
    notify_many(
        recipient_ids=learners, kind=Kind.ANNOUNCEMENT, actor=thread.author, data=_thread_data(thread),
        url=thread_url(thread.pk), at=event.occurred_at, dedupe_key=f"announcement:{thread.pk}",
    )  # fmt: skip


# --- Study groups -------------------------------------------------------------------------------


def _group_fan_out(
    *, group_id: int, actor: Any, what: str, at: Any, dedupe_key: str, rollup_source: str = "", **extra: Any
) -> None:
    group = StudyGroup.objects.filter(pk=group_id, archived_at__isnull=True, hidden_at__isnull=True).first()
    if group is None:
        return
    members = GroupMembership.objects.filter(group=group).values_list("user_id", flat=True)
    notify_many(
        recipient_ids=members, kind=Kind.GROUP_ACTIVITY, actor=actor,
        data={"group": group.name, "group_id": group.pk, "what": what, **extra},
        url=group_url(group.pk), at=at, dedupe_key=dedupe_key, rollup_source=rollup_source,
    )  # fmt: skip


@events.on("group.posted")
def group_posted(event: Event) -> None:
    if _held(event):
        return
    post = GroupPost.objects.select_related("author").filter(pk=_pk(event)).first()
    if post is None or post.deleted_at is not None or post.hidden_at is not None:
        return
    _group_fan_out(
        group_id=post.group_id,
        actor=post.author,
        what=kinds.POSTED,
        at=event.occurred_at,
        dedupe_key=f"group_post:{post.pk}",
    )


@events.on("checkin.created")
def checkin_created(event: Event) -> None:
    checkin = CheckIn.objects.select_related("user").filter(pk=_pk(event)).first()
    if checkin is None:
        return
    # One notice per group and day that counts the day's check-ins, not one per check-in.
    _group_fan_out(
        group_id=checkin.group_id, actor=checkin.user, what=kinds.CHECKIN, at=event.occurred_at,
        dedupe_key=f"checkins:{checkin.group_id}:{checkin.day.isoformat()}", rollup_source=str(checkin.pk),
        minutes=checkin.minutes, streak=event.props.get("streak"),
    )  # fmt: skip


@events.on("group.joined")
def group_joined(event: Event) -> None:
    membership = GroupMembership.objects.select_related("user").filter(pk=_pk(event)).first()
    if membership is None:
        return  # left again before the handler ran
    _group_fan_out(
        group_id=membership.group_id, actor=membership.user, what=kinds.JOINED,
        at=event.occurred_at, dedupe_key=f"group_joined:{membership.pk}",
    )  # fmt: skip


# --- Live events --------------------------------------------------------------------------------


def _event_data(live: LiveEvent, what: str) -> dict[str, Any]:
    return {"event": live.title, "event_slug": live.slug, "starts_at": live.starts_at.isoformat(), "what": what}


@events.on("event.reminder_due")
def event_reminder_due(event: Event) -> None:
    window = event.props.get("window")
    if window not in ("24h", "1h"):
        logger.warning("event.reminder_due #%s has no valid window: %r", event.pk, window)
        return
    registration = Registration.objects.select_related("event", "user").filter(pk=_pk(event)).first()
    if registration is None or registration.status != RegistrationStatus.REGISTERED:
        return
    live = registration.event
    if live.status == EventStatus.CANCELLED:
        return
    what = kinds.REMINDER_24H if window == "24h" else kinds.REMINDER_1H
    notify(
        recipient=registration.user, kind=Kind.EVENT_REMINDER, data=_event_data(live, what), url=event_url(live.slug),
        at=event.occurred_at, dedupe_key=f"event_reminder:{registration.pk}:{window}",
    )  # fmt: skip


@events.on("event.promoted")
def event_promoted(event: Event) -> None:
    registration = Registration.objects.select_related("event", "user").filter(pk=_pk(event)).first()
    if registration is None or registration.status != RegistrationStatus.REGISTERED:
        return
    live = registration.event
    when = int(registration.promoted_at.timestamp()) if registration.promoted_at else 0
    notify(
        recipient=registration.user, kind=Kind.EVENT_REMINDER, data=_event_data(live, kinds.PROMOTED),
        url=event_url(live.slug), at=event.occurred_at, dedupe_key=f"event_promoted:{registration.pk}:{when}",
    )  # fmt: skip


@events.on("event.cancelled")
def event_cancelled(event: Event) -> None:
    live = LiveEvent.objects.filter(pk=_pk(event)).first()
    if live is None:
        return
    ids = set(
        Registration.objects.filter(
            event=live, status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED]
        ).values_list("user_id", flat=True)
    )
    extra = event.props.get("user_ids")
    if isinstance(extra, list):
        ids |= {int(i) for i in extra if isinstance(i, int)}
    notify_many(
        recipient_ids=ids, kind=Kind.EVENT_REMINDER, actor=event.actor, data=_event_data(live, kinds.CANCELLED),
        url=event_url(live.slug), at=event.occurred_at, dedupe_key=f"event_cancelled:{live.pk}",
    )  # fmt: skip


@events.on("event.recording_added")
def event_recording_added(event: Event) -> None:
    live = LiveEvent.objects.filter(pk=_pk(event)).first()
    if live is None or live.status == EventStatus.CANCELLED:
        return
    ids = Registration.objects.filter(event=live, status=RegistrationStatus.REGISTERED).values_list(
        "user_id", flat=True
    )
    notify_many(
        recipient_ids=ids, kind=Kind.EVENT_REMINDER, actor=event.actor, data=_event_data(live, kinds.RECORDING),
        url=event_url(live.slug), at=event.occurred_at, dedupe_key=f"event_recording:{live.pk}",
    )  # fmt: skip
